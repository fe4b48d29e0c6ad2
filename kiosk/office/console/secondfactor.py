"""Optional second factor (django-otp, TOTP): people who set one up confirm a one-time code after
their password; with ``reviewer_otp = true`` in office.toml reviewers must have one to approve.

``SecondFactorMiddleware`` keeps a signed-in person with a confirmed device out of every console
page until the code is confirmed (the residents' pages, the feeds and the screens' API are not
console pages and are never redirected).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from kiosk.office.history.api import record

FREE_PREFIXES = ("/login/", "/logout/", "/static/", "/feeds/", "/p/", "/device/")


class TokenForm(forms.Form):
    token = forms.RegexField(label="动态口令（手机验证器上的 6 位数字）", regex=r"^\d{6}$", max_length=6,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
                             error_messages={"invalid": "请输入 6 位数字"})


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(FREE_PREFIXES)
                and not user.is_verified() and user_has_device(user, confirmed=True)):
            return redirect(f"{reverse('console:otp')}?next={request.get_full_path()}")
        return self.get_response(request)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                record("otp.confirm", "动态口令验证通过", request=request)
                return redirect(target or "console:home")
        record("login_failed", "动态口令错误", request=request)
        form.add_error("token", "动态口令不正确或已过期")
    return render(request, "console/otp.html", {"form": form})


def reviewer_must_verify(user: Any) -> str | None:  # noqa: ANN401
    """Why ``user`` may not approve yet (``reviewer_otp``), or None."""
    if not settings.OFFICE.reviewer_otp:
        return None
    if not user_has_device(user, confirmed=True):
        return "本单位要求审核人使用动态口令：请先在“我的账号”中启用动态口令"
    if not user.is_verified():
        return "请先验证动态口令"
    return None


def setup_context(request: HttpRequest) -> dict[str, Any]:
    """The "my account" section: a new device's secret and QR code, or the confirmed state."""
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if confirmed:
        return {"otp_confirmed": True}
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        return {"otp_confirmed": False, "otp_device": None}
    import qrcode

    image = qrcode.make(device.config_url, box_size=6, border=2)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return {"otp_confirmed": False, "otp_device": device, "otp_secret": " ".join(secret[i:i + 4] for i in
                                                                                  range(0, len(secret), 4)),
            "otp_qr": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
            "otp_form": TokenForm(prefix="otp")}


def handle_setup(request: HttpRequest) -> str | None:
    """POSTs of the account page's second-factor section; returns a message or None."""
    if "otp-start" in request.POST:
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        TOTPDevice.objects.create(user=request.user, name="动态口令", confirmed=False)
        return "请用手机验证器扫描二维码，然后输入显示的 6 位数字。"
    if "otp-token" in request.POST:
        form = TokenForm(request.POST, prefix="otp")
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is not None and form.is_valid() and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record("otp.confirm", "启用动态口令", request=request)
            return "动态口令已启用：以后登录时需要输入。"
        return "动态口令不正确，请重新输入手机上显示的数字。"
    return None
