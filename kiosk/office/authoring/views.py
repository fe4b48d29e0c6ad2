"""Notices of a feed: the list (working copies and what screens show)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kiosk.office.accounts.models import Role
from kiosk.office.accounts.roles import feed_view, roles_of
from kiosk.office.feeds.models import Feed


@require_safe
@feed_view()
def notices(request: HttpRequest, feed: Feed) -> HttpResponse:
    rows = feed.notices.select_related("updated_by").order_by("-updated")
    can_write = Role.DRAFTER in roles_of(request.user, feed)
    return render(request, "authoring/notices.html", {"feed": feed, "notices": rows, "can_write": can_write})
