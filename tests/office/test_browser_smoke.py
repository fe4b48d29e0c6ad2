"""The console in a real headless Chromium: sign in, the home page, sign out."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_out_in_chromium(browser: Any, make_user: Any) -> None:  # noqa: ANN401
    make_user("wangfang", password="login-pass-123", full_name="王芳")
    browser.open("/")
    assert browser.path.startswith("/login/")
    browser.shot("login")
    browser.login("wangfang", "login-pass-123")
    assert "您好，王芳" in browser.text()
    browser.shot("home")
    browser.press("退出")
    assert browser.path.startswith("/login/")
