"""A feed's page: where screens find it, the version they get, its people."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from kiosk.office.accounts.roles import feed_view
from kiosk.office.feeds.models import Feed
from kiosk.office.feeds.service import load_repo


@require_safe
@feed_view()
def detail(request: HttpRequest, feed: Feed) -> HttpResponse:
    repo = load_repo(feed)
    version = expires = None
    if repo is not None and repo.published:
        version = repo.targets.signed.version
        expires = {"content": timezone.localtime(repo.targets.signed.expires),
                   "timestamp": timezone.localtime(repo.timestamp.signed.expires)}
    members = feed.memberships.select_related("user").order_by("role", "user__username")
    return render(request, "feeds/detail.html", {"feed": feed, "version": version, "expires": expires,
                                                 "members": members, "root_version": repo.root.signed.version
                                                 if repo else None})
