"""The approval queue of a feed: publications waiting for signatures, and their outcome."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kiosk.office.accounts.roles import feed_view
from kiosk.office.approval.models import PubStatus
from kiosk.office.feeds.models import Feed


@require_safe
@feed_view()
def queue(request: HttpRequest, feed: Feed) -> HttpResponse:
    pubs = feed.publications.select_related("created_by", "notice").prefetch_related("signatures__user")
    return render(request, "approval/queue.html", {
        "feed": feed, "pending": pubs.filter(status=PubStatus.SIGNING),
        "done": pubs.exclude(status=PubStatus.SIGNING)[:50]})
