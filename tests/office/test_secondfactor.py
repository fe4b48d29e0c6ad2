"""Optional second factor (TOTP) for reviewers."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from approvalkit import make_office
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kiosk.office.approval.models import PubStatus

pytestmark = pytest.mark.django_db


def token(device: TOTPDevice, ahead: int = 0) -> str:
    """The code an authenticator shows now (``ahead`` steps later: within the accepted tolerance)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + ahead * device.step
    return f"{totp.token():06d}"


def test_a_reviewer_sets_up_totp_and_then_needs_it_after_the_password(make_user: Any) -> None:  # noqa: ANN401
    make_user("reviewer", password="login-pass-123")
    client = Client()
    client.post("/login/", {"username": "reviewer", "password": "login-pass-123"})
    client.post("/account/me/", {"otp-start": "1"})
    html = client.get("/account/me/").content.decode()
    assert "data:image/png;base64," in html
    device = TOTPDevice.objects.get()
    client.post("/account/me/", {"otp-token": "000000"})
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # a wrong code makes django-otp wait before the next try (1 s, doubling)
    client.post("/account/me/", {"otp-token": token(device)})
    device.refresh_from_db()
    assert device.confirmed

    again = Client()
    again.post("/login/", {"username": "reviewer", "password": "login-pass-123"})
    response = again.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/otp/")
    assert again.get("/feeds/x/metadata/timestamp.json").status_code == 404  # the feeds are never redirected
    again.post("/login/otp/?next=/", {"token": "123456"})
    assert again.get("/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    # the code used at set-up may not be used again (replay): the next step's code, within tolerance
    response = again.post("/login/otp/?next=/", {"token": token(device, ahead=1)})
    assert response.status_code == 302 and again.get("/").status_code == 200


def test_reviewer_otp_setting_requires_it_for_approving(settings: Any) -> None:  # noqa: ANN401
    import dataclasses

    settings.OFFICE = dataclasses.replace(settings.OFFICE, reviewer_otp=True)
    town = make_office()
    pub = town.submit_notice("x")
    client = Client()
    client.force_login(town["reviewer"].user)
    response = client.post(f"/f/township/approval/{pub.pk}/sign/", {"passphrase": town["reviewer"].passphrase},
                           follow=True)
    assert "要求审核人使用动态口令" in response.content.decode()
    pub.refresh_from_db()
    assert pub.status == PubStatus.SIGNING and re.search("动态口令", response.content.decode())
