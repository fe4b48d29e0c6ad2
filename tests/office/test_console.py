"""Settings, sign-in, throttling, CSRF and headers of the console."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_need_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_is_chinese_with_strict_headers(client: Client) -> None:
    response = client.get("/login/")
    text = response.content.decode()
    assert response.status_code == 200 and "登录密码" in text and 'lang="zh-Hans"' in text
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_password_hashing_is_argon2(make_user: Any) -> None:  # noqa: ANN401
    assert make_user("a").password.startswith("argon2")


def test_five_wrong_passwords_lock_the_account(client: Client, make_user: Any) -> None:  # noqa: ANN401
    make_user("clerk", password="right-password-1")
    for _ in range(5):
        client.post("/login/", {"username": "clerk", "password": "wrong"})
    response = client.post("/login/", {"username": "clerk", "password": "right-password-1"})
    assert "暂时无法登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_csrf_is_enforced(make_user: Any) -> None:  # noqa: ANN401
    make_user("clerk", password="right-password-1")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "clerk", "password": "right-password-1"})
    assert response.status_code == 403 and "页面已过期" in response.content.decode()


def test_session_cookie_flags(client: Client, make_user: Any, settings: Any) -> None:  # noqa: ANN401
    make_user("clerk", password="right-password-1")
    response = client.post("/login/", {"username": "clerk", "password": "right-password-1"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_https_public_url_makes_cookies_secure(tmp_path: Any) -> None:  # noqa: ANN401
    from kiosk.office.datadir import DataDir

    data = DataDir(tmp_path / "o2")
    data.create("https://office.example.org")
    assert data.settings().cookies_secure
    assert not DataDir(tmp_path / "nope").root.exists()


def test_logout_needs_post(client: Client, make_user: Any) -> None:  # noqa: ANN401
    make_user("clerk", password="right-password-1")
    client.post("/login/", {"username": "clerk", "password": "right-password-1"})
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert client.get("/").status_code == 302
