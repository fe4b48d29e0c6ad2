"""Residents' forms (comment, information request) and the office's answer forms.

Every text a resident sends goes through ``clean_text`` (controls and invisible formatting
removed) before its length is checked; every message is Chinese and names the field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kiosk.office.feedback.models import Delivery
from kiosk.office.feedback.text import clean_text

NAME_MAX = 40
PHONE_MAX = 20
CONTACT_MAX = 200
REQUEST_MAX = 2000
PURPOSE_MAX = 500
ANSWER_MAX = 5000
HONEYPOT = "hp_note"  # hidden from people (CSS, aria-hidden); bots fill every field
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,18}[0-9]$")
_DEVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def clean_device(value: str | None) -> str:
    """A screen's device id as passed in the QR code's URL; anything else is dropped."""
    value = (value or "").strip()
    return value if _DEVICE.match(value) else ""


class ResidentText(forms.CharField):
    """Text from a resident: cleaned first, then its length checked (counted as characters)."""

    def __init__(self, *, multiline: bool = True, **kwargs: Any) -> None:  # noqa: ANN401
        self.multiline = multiline
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:  # noqa: ANN401
        text = super().to_python(value) or ""
        return clean_text(text, self.multiline)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("minlength", None)
        return attrs


def _too_long(limit: int) -> dict[str, str]:
    return {"max_length": f"最多 {limit} 字（现在 %(show_value)d 字），请删减后再提交。"}


class ResidentForm(forms.Form):
    """Fields every resident form has: the form token and the honeypot."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    hp_note = forms.CharField(required=False, label="请勿填写此栏", max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())


class CommentForm(ResidentForm):
    body = ResidentText(label="您的意见或建议", error_messages={"required": "请写下您的意见或建议。"})
    anonymous = forms.BooleanField(label="匿名提交（不留姓名和电话）", required=False)
    name = ResidentText(label="姓名", required=False, max_length=NAME_MAX, multiline=False,
                        error_messages=_too_long(NAME_MAX))
    phone = ResidentText(label="电话", required=False, max_length=PHONE_MAX, multiline=False,
                         error_messages=_too_long(PHONE_MAX))

    def __init__(self, *args: Any, max_chars: int = 1000, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        body.validators.append(_max_chars(max_chars))
        body.widget = forms.Textarea(attrs={"rows": 6, "maxlength": str(max_chars), "data-counter": "body-count",
                                            "aria-describedby": "body-count"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name", "maxlength": str(NAME_MAX)})
        self.fields["phone"].widget = forms.TextInput(attrs={"type": "tel", "inputmode": "tel",
                                                            "autocomplete": "tel", "maxlength": str(PHONE_MAX)})

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("anonymous"):
            data["name"], data["phone"] = "", ""  # never kept, whatever was typed
            self.errors.pop("name", None)
            self.errors.pop("phone", None)
        return data


class RequestForm(ResidentForm):
    name = ResidentText(label="申请人姓名或单位名称", max_length=NAME_MAX * 2, multiline=False,
                        error_messages={"required": "请填写申请人姓名或单位名称。", **_too_long(NAME_MAX * 2)})
    contact = ResidentText(label="联系方式（电话、通讯地址或电子邮箱）", max_length=CONTACT_MAX, multiline=False,
                           error_messages={"required": "请留下联系方式，以便把答复和信息交给您。",
                                           **_too_long(CONTACT_MAX)})
    body = ResidentText(label="申请公开的信息（名称、文号或其他能帮助查找的描述）", max_length=REQUEST_MAX,
                        error_messages={"required": "请写明您想了解哪些信息。", **_too_long(REQUEST_MAX)})
    purpose = ResidentText(label="用途（可不填）", required=False, max_length=PURPOSE_MAX,
                           error_messages=_too_long(PURPOSE_MAX))
    delivery = forms.ChoiceField(label="获取信息的方式", choices=Delivery.choices, initial=Delivery.ONLINE,
                                 widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self.fields["body"].widget = forms.Textarea(attrs={"rows": 5, "maxlength": str(REQUEST_MAX),
                                                           "data-counter": "body-count",
                                                           "aria-describedby": "body-count"})
        self.fields["purpose"].widget = forms.Textarea(attrs={"rows": 2, "maxlength": str(PURPOSE_MAX)})
        self.fields["name"].widget.attrs.update({"autocomplete": "name", "maxlength": str(NAME_MAX * 2)})
        self.fields["contact"].widget.attrs.update({"maxlength": str(CONTACT_MAX)})


def _max_chars(limit: int) -> Any:  # noqa: ANN401
    def check(value: str) -> None:
        if len(value) > limit:
            raise ValidationError(f"最多 {limit} 字（现在 {len(value)} 字），请删减后再提交。")
    return check


def _phone(value: str) -> str:
    if not value:
        return ""
    value = "".join(str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None else c for c in value)
    value = value.replace("（", "(").replace("）", ")").replace("－", "-").replace("—", "-")
    if not _PHONE.match(value):
        raise ValidationError("电话号码只能包含数字、空格和 - ，例如 138 0000 0000。")
    return value


class LookupForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=40,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


# ---------------------------------------------------------------- the office's forms


class AnswerForm(forms.Form):
    text = forms.CharField(label="答复内容", max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"required": "请填写答复内容。"})
    public = forms.TypedChoiceField(label="答复方式", coerce=lambda v: v == "public", initial="private",
                                    choices=[("private", "私下答复：群众凭查询码查看"),
                                             ("public", "公开答复：显示在公告页面的“公开答复”中")],
                                    widget=forms.RadioSelect)
    question = forms.CharField(label="公开的问题摘要（公开答复时显示；请删去姓名、电话等个人信息）", required=False,
                               max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, allow_public: bool = True, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        if not allow_public:
            del self.fields["public"]
            del self.fields["question"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data.setdefault("public", False)
        if data.get("public") and not (data.get("question") or "").strip():
            self.add_error("question", "公开答复需要写明问题摘要（不含个人信息）。")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由（群众凭查询码可以看到）", max_length=ANSWER_MAX,
                             widget=forms.Textarea(attrs={"rows": 4}), error_messages={"required": "请写明理由。"})


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label="处理人", coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "（未分配）"), *people]
