"""Template context for every page: the feeds the signed-in person belongs to, and the nav."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kiosk.office.accounts.roles import feeds_of, is_office_admin


def office(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_feeds": [], "office_admin": False}
    return {"my_feeds": list(feeds_of(user)), "office_admin": is_office_admin(user)}
