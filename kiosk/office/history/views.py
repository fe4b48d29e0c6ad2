"""The history for supervisors: read, filter, export (CSV) and check the chain."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from kiosk.office.accounts.models import Role
from kiosk.office.accounts.roles import feeds_of, is_office_admin
from kiosk.office.history.api import action_label, record, to_csv, verify
from kiosk.office.history.models import Event


def visible_events(user: object) -> QuerySet[Event]:
    """Office admins see everything; supervisors and feed admins the events of their feeds; others their own."""
    if is_office_admin(user):
        return Event.objects.all()
    feeds = list(feeds_of(user, Role.SUPERVISOR, Role.ADMIN).values_list("name", flat=True))
    return Event.objects.filter(Q(feed__in=feeds) | Q(actor=user))


def _filtered(request: HttpRequest) -> QuerySet[Event]:
    events = visible_events(request.user)
    feed = request.GET.get("feed", "")
    if feed:
        events = events.filter(feed=feed)
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    subject = request.GET.get("subject", "")
    if subject:
        events = events.filter(subject=subject)
    return events.order_by("-id")


@require_safe
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    events = _filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = [(e, action_label(e.action)) for e in page]
    chain = verify() if is_office_admin(request.user) else None
    return render(request, "history/list.html", {"page": page, "rows": rows, "chain": chain,
                                                 "query": request.GET.urlencode()})


@require_safe
@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    if not (is_office_admin(request.user) or feeds_of(request.user, Role.SUPERVISOR, Role.ADMIN).exists()):
        raise PermissionDenied
    events = list(_filtered(request).order_by("id"))
    record("export", f"导出操作记录 {len(events)} 条", request=request, feed=request.GET.get("feed", ""))
    response = HttpResponse(to_csv(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="history-{stamp}.csv"'
    return response
