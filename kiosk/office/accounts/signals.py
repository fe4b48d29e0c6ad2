"""Logins, failed logins and logouts go to the history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from kiosk.office.history.api import record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:  # noqa: ANN401
    record("login", "登录", request=request, actor=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,  # noqa: ANN401
                  **kwargs: Any) -> None:  # noqa: ANN401
    name = str(credentials.get("username", ""))[:150]
    record("login_failed", f"账号“{name}”登录失败", request=request, actor=name)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:  # noqa: ANN401
    if user is not None:
        record("logout", "退出登录", request=request, actor=user)
