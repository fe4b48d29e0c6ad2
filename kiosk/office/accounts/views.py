"""A person's own page: login password, signing passphrase (their key), second factor."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kiosk.feed.keys import MIN_PASSPHRASE, new_sealed_key
from kiosk.office.accounts.models import Membership, SigningKey
from kiosk.office.accounts.roles import person
from kiosk.office.console.secondfactor import handle_setup, setup_context
from kiosk.office.history.api import record


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(label="签名口令", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                 min_length=MIN_PASSPHRASE, strip=False,
                                 help_text=f"至少 {MIN_PASSPHRASE} 个字符，不能与登录密码相同。只有您知道它："
                                           "服务器不保存口令，忘记后只能新建密钥并由两名管理人员确认。")
    again = forms.CharField(label="再输入一次", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                            strip=False)

    def __init__(self, user: object, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        phrase, again = data.get("passphrase"), data.get("again")
        if phrase and again and phrase != again:
            self.add_error("again", "两次输入的签名口令不一致")
        if phrase and self.user.check_password(phrase):  # type: ignore[attr-defined]
            self.add_error("passphrase", "签名口令不能与登录密码相同")
        return data


@login_required
def me(request: HttpRequest) -> HttpResponse:
    user = person(request)
    key = SigningKey.objects.filter(user=user).first()
    key_form = PassphraseForm(user, prefix="key")
    pw_form = PasswordChangeForm(user, prefix="pw")
    if request.method == "POST" and "key-passphrase" in request.POST and key is None:
        key_form = PassphraseForm(user, request.POST, prefix="key")
        if key_form.is_valid():
            signer, sealed = new_sealed_key(key_form.cleaned_data["passphrase"])
            SigningKey.objects.create(user=user, keyid=signer.public_key.keyid,
                                      public_key=signer.public_key.to_dict(), sealed=sealed)
            record("key.create", f"设置签名密钥 {signer.public_key.keyid[:12]}", request=request)
            messages.success(request, "签名密钥已生成。管理员提交密钥变更并经两人确认后，您即可签名。")
            return redirect("accounts:me")
    elif request.method == "POST" and "pw-old_password" in request.POST:
        pw_form = PasswordChangeForm(user, request.POST, prefix="pw")
        if pw_form.is_valid():
            pw_form.save()
            update_session_auth_hash(request, pw_form.user)
            record("account.password", "修改登录密码", request=request)
            messages.success(request, "登录密码已修改。")
            return redirect("accounts:me")
    elif request.method == "POST":
        message = handle_setup(request)
        if message:
            messages.info(request, message)
        return redirect("accounts:me")
    memberships = Membership.objects.filter(user=user).select_related("feed")
    return render(request, "accounts/me.html", {"key": key, "key_form": key_form, "pw_form": pw_form,
                                                "memberships": memberships, **setup_context(request)})
