"""Accounts made by ``kiosk office init``: random passwords, printed once, never a default."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from kiosk.office.history.api import record

_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def random_secret(length: int = 14) -> str:
    """Readable random text (no 0/O or 1/l/I), ~80 bits at 14 characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class NewAccount:
    username: str
    password: str


def create_user(username: str, full_name: str = "", superuser: bool = False) -> NewAccount:
    password = random_secret()
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=password, first_name=full_name,
                                          is_superuser=superuser, is_staff=superuser)
    record("account.create", f"新建账号 {username}", actor="系统", subject=f"user:{user.pk}")
    return NewAccount(username, password)


def create_admin(username: str = "admin") -> NewAccount:
    return create_user(username, "管理员", superuser=True)
