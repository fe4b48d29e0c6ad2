"""The form an admin fills in to add a screen."""

from __future__ import annotations

from typing import Any

from django import forms

from kiosk.office.accounts.models import Role
from kiosk.office.accounts.roles import feeds_of, is_office_admin
from kiosk.office.feeds.models import Feed
from kiosk.office.fleet.models import DEVICE_ID, Audience, Screen


class FeedChoices(forms.ModelMultipleChoiceField):
    """Feeds named with their publisher and label, then their name."""

    def label_from_instance(self, obj: Any) -> str:  # noqa: ANN401
        return f"{obj.publisher}·{obj.label}（{obj.name}）"


class ScreenForm(forms.Form):
    device_id = forms.CharField(label="编号", max_length=64, validators=[DEVICE_ID],
                                help_text="英文字母和数字，如 liuxi-01：写进屏幕的配置和二维码链接，登记后不能修改")
    name = forms.CharField(label="名称", max_length=80,
                           help_text="如：柳溪村党群服务中心大厅（显示在屏幕的空闲画面上）")
    place = forms.CharField(label="所在村（社区）", max_length=60, required=False,
                            help_text="屏幕总览按它筛选，如：柳溪村")
    audience = forms.ChoiceField(label="公开范围", choices=Audience.choices, initial=Audience.PUBLIC)
    feeds = FeedChoices(label="内容源", queryset=Feed.objects.none(), widget=forms.CheckboxSelectMultiple,
                        help_text="屏幕显示这些内容源发布的公开内容")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        field = self.fields["feeds"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Feed.objects.order_by("name") if is_office_admin(user) else feeds_of(user, Role.ADMIN)

    def clean_device_id(self) -> str:
        value = str(self.cleaned_data["device_id"]).strip()
        if Screen.objects.filter(device_id__iexact=value).exists():
            raise forms.ValidationError("已有屏幕使用这个编号")
        return value
