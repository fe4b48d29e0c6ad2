"""The console's fleet pages: all screens, one screen, adding and retiring, screenshots, coverage."""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from kiosk.audit.records import file_name, parse_record
from kiosk.office.accounts.models import Role
from kiosk.office.accounts.roles import feeds_of, is_office_admin
from kiosk.office.feeds.models import Feed
from kiosk.office.fleet import coverage, enrolment, notices, proof
from kiosk.office.fleet.conf import fleet_settings
from kiosk.office.fleet.events import evidence_text
from kiosk.office.fleet.forms import ScreenForm
from kiosk.office.fleet.models import DeviceEvent, ProofBatch, PublishedNotice, Screen, Screenshot
from kiosk.office.fleet.state import Brief, State, briefs, manageable, rows, visible_screens
from kiosk.office.history.api import record
from kiosk.office.paths import public_url

PAGE = 100
FILTERS = {
    "": "全部", "attention": "需要关注", "online": "在线", "offline": "离线", "never": "未上线", "behind": "版本落后",
    "alerts": "有告警", "retired": "已停用",
}


def _matches(brief: Brief, wanted: str) -> bool:
    if wanted in ("online", "offline", "never", "retired"):
        return brief.state.value == wanted
    if wanted == "attention":
        return brief.stands_out and brief.state is not State.RETIRED
    if wanted == "behind":
        return brief.behind
    if wanted == "alerts":
        return brief.alerts > 0
    return brief.state is not State.RETIRED


@require_safe
@login_required
def fleet(request: HttpRequest) -> HttpResponse:
    conf = fleet_settings()
    now = timezone.now()
    visible = visible_screens(request.user)
    place = request.GET.get("place", "")
    wanted = request.GET.get("state", "")
    wanted = wanted if wanted in FILTERS else ""
    screens = visible.filter(place=place) if place else visible
    every = briefs(screens, now, conf)
    counts = Counter(b.state.value for b in every)
    counts["attention"] = sum(1 for b in every if _matches(b, "attention"))
    counts["behind"] = sum(1 for b in every if b.behind)
    counts["alerts"] = sum(1 for b in every if b.alerts > 0)
    counts[""] = sum(1 for b in every if b.state is not State.RETIRED)
    page = Paginator([b.id for b in every if _matches(b, wanted)], PAGE).get_page(request.GET.get("page"))
    order = {pk: n for n, pk in enumerate(page.object_list)}
    shown = Screen.objects.filter(pk__in=list(order)).defer("public_key", "code_mac_key")
    page_rows = sorted(rows(shown, now, conf), key=lambda r: order[r.screen.pk])
    places = sorted(p for p in visible.order_by().values_list("place", flat=True).distinct() if p)
    filters = [(key, label, counts.get(key, 0)) for key, label in FILTERS.items()]
    return render(request, "fleet/list.html", {
        "page": page, "rows": page_rows, "place": place, "places": places, "wanted": wanted, "filters": filters,
        "conf": conf, "now": now,
        "can_add": is_office_admin(request.user) or feeds_of(request.user, Role.ADMIN).exists(),
    })


@login_required
def add(request: HttpRequest) -> HttpResponse:
    if not (is_office_admin(request.user) or feeds_of(request.user, Role.ADMIN).exists()):
        raise Http404("only admins add screens")
    form = ScreenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        screen, code = enrolment.add_screen(d["device_id"], d["name"], d["place"], d["audience"], d["feeds"],
                                            request=request)
        return _code_page(request, screen, code)
    return render(request, "fleet/add.html", {"form": form})


def _code_page(request: HttpRequest, screen: Screen, code: str) -> HttpResponse:
    response = render(request, "fleet/code.html", {"screen": screen, "code": code, "public_url": public_url()})
    response["Cache-Control"] = "no-store"  # the code is shown once
    return response


def _screen(request: HttpRequest, device_id: str) -> Screen:
    screen = visible_screens(request.user).filter(device_id=device_id).first()
    if screen is None:
        raise Http404("no such screen, or not yours")
    return screen


@require_safe
@login_required
def detail(request: HttpRequest, device_id: str) -> HttpResponse:
    screen = _screen(request, device_id)
    conf = fleet_settings()
    now = timezone.now()
    row = rows(Screen.objects.filter(pk=screen.pk), now, conf)[0]
    events = list(DeviceEvent.objects.filter(screen=screen).select_related("reviewed_by")[:50])
    for e in events:
        e.text = evidence_text(e)  # type: ignore[attr-defined]
    batches = ProofBatch.objects.filter(screen=screen).aggregate(n=Count("id"), first=Min("first_seq"),
                                                                  last=Max("last_seq"))
    shot = Screenshot.objects.filter(screen=screen).only("taken", "width", "height").first()
    return render(request, "fleet/screen.html", {
        "row": row, "screen": screen, "events": events, "batches": batches, "shot": shot, "conf": conf,
        "can_manage": manageable(request.user, screen),
        "can_shoot": manageable(request.user, screen, Role.ADMIN, Role.SUPERVISOR),
        "feeds": list(screen.feeds.all()), "now": now, "r": row, "chains": proof.chains_of(screen),
    })


@require_POST
@login_required
def new_code(request: HttpRequest, device_id: str) -> HttpResponse:
    screen = _screen(request, device_id)
    if not manageable(request.user, screen) or screen.retired is not None:
        raise Http404("not yours to enrol")
    return _code_page(request, screen, enrolment.issue_code(screen, request=request))


@require_POST
@login_required
def retire(request: HttpRequest, device_id: str) -> HttpResponse:
    screen = _screen(request, device_id)
    if not manageable(request.user, screen):
        raise Http404("not yours to retire")
    if request.POST.get("confirm") != screen.device_id:
        messages.error(request, "请输入屏幕编号以确认停用。")
        return redirect("fleet:screen", device_id=screen.device_id)
    enrolment.retire(screen, request=request)
    messages.success(request, f"屏幕 {screen.device_id} 已停用：它的凭据和开通码已作废，已收到的记录保留。")
    return redirect("fleet:screen", device_id=screen.device_id)


@require_POST
@login_required
def request_shot(request: HttpRequest, device_id: str) -> HttpResponse:
    screen = _screen(request, device_id)
    if not manageable(request.user, screen, Role.ADMIN, Role.SUPERVISOR) or screen.retired is not None:
        raise Http404("not yours")
    Screen.objects.filter(pk=screen.pk).update(shot_requested=timezone.now())
    record("fleet.screenshot", f"请求屏幕 {screen.device_id} 的截图", request=request, subject=f"screen:{screen.pk}")
    messages.success(request, "已请求截图：屏幕下次联系时（约一分钟内）发送，届时刷新本页即可看到。")
    return redirect("fleet:screen", device_id=screen.device_id)


@require_safe
@login_required
def shot_png(request: HttpRequest, device_id: str) -> HttpResponse:
    screen = _screen(request, device_id)
    shot = get_object_or_404(Screenshot, screen=screen)
    response = HttpResponse(bytes(shot.png), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{screen.device_id}.png"'
    response["Cache-Control"] = "private, no-cache"
    return response


@require_POST
@login_required
def review(request: HttpRequest, device_id: str, event_id: int) -> HttpResponse:
    screen = _screen(request, device_id)
    if not manageable(request.user, screen, Role.ADMIN, Role.SUPERVISOR):
        raise Http404("not yours")
    event = get_object_or_404(DeviceEvent, pk=event_id, screen=screen, reviewed__isnull=True)
    DeviceEvent.objects.filter(pk=event.pk).update(reviewed=timezone.now(), reviewed_by=request.user)
    if event.alert:
        remaining = DeviceEvent.objects.filter(screen=screen, alert=True, reviewed__isnull=True).count()
        Screen.objects.filter(pk=screen.pk).update(alerts=remaining)
    record("fleet.review", f"确认屏幕 {screen.device_id} 的告警：{event.get_kind_display()}", request=request,
           subject=f"screen:{screen.pk}", event=event.pk, detail=event.detail)
    return redirect("fleet:screen", device_id=screen.device_id)


@require_safe
@login_required
def proof_zip(request: HttpRequest, device_id: str) -> HttpResponseBase:
    """The records received from the screen as its own day files: ``kiosk audit verify --dir`` reads them.

    Written batch by batch into a spooled zip (a year of a screen's records never sits in memory); a
    record goes to the file of its day, or of the newest day so far when its clock went back, as the
    screen's own log does.
    """
    screen = _screen(request, device_id)
    wanted = request.GET.get("chain", "")
    chain = int(wanted) if wanted.isdigit() else screen.chain
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - handed to FileResponse
    day: dt.date | None = None
    entry = None
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as z:
        for lines in proof.held_batches(screen, chain):
            for line in lines:
                start = parse_record(line).start.date()
                if day is None or start > day:
                    if entry is not None:
                        entry.close()
                    day = start
                    entry = z.open(f"{screen.device_id}-audit/{file_name(day)}", "w")
                assert entry is not None
                entry.write(line + b"\n")
        if entry is None:
            raise Http404("nothing received from this screen yet")
        entry.close()
    spool.seek(0)
    record("fleet.proof", f"下载屏幕 {screen.device_id} 的显示记录", request=request, subject=f"screen:{screen.pk}",
           chain=chain)
    return FileResponse(spool, as_attachment=True, filename=f"{screen.device_id}-audit-{chain}.zip",
                        content_type="application/zip")


# ---------------------------------------------------------------- coverage


@require_safe
@login_required
def coverage_home(request: HttpRequest) -> HttpResponse:
    feeds = list(Feed.objects.order_by("name") if is_office_admin(request.user) else feeds_of(request.user))
    if len(feeds) == 1:
        return redirect("fleet:coverage-feed", feed=feeds[0].name)
    return render(request, "fleet/coverage_home.html", {"feeds": feeds})


def _may_read(request: HttpRequest, feed: Feed) -> bool:
    return is_office_admin(request.user) or feeds_of(request.user).filter(pk=feed.pk).exists()


@require_safe
@login_required
def coverage_feed(request: HttpRequest, feed: str) -> HttpResponse:
    obj = get_object_or_404(Feed, name=feed)
    if not _may_read(request, obj):
        raise Http404("not yours")
    notices.refresh(obj)
    now = timezone.now()
    items = coverage.feed_notices(obj)
    return render(request, "fleet/coverage_feed.html", {"feed": obj, "items": items, "now": now})


@require_safe
@login_required
def coverage_report(request: HttpRequest, feed: str, item: str) -> HttpResponse:
    obj = get_object_or_404(Feed, name=feed)
    if not _may_read(request, obj):
        raise Http404("not yours")
    notices.refresh(obj)
    notice = get_object_or_404(PublishedNotice.objects.select_related("feed"), feed=obj, item=item)
    now = timezone.now()
    min_gap = fleet_settings().min_gap_min
    cov = coverage.notice_coverage(notice, now, dt.timedelta(minutes=min_gap))
    if request.GET.get("format") == "csv":
        record("fleet.coverage", f"导出公示覆盖报告 {obj.name}/{item}", request=request, feed=obj.name,
               subject=f"notice:{obj.name}/{item}")
        response = HttpResponse(coverage.to_csv([cov]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="coverage-{obj.name}-{item}.csv"'
        return response
    rows, hidden_short, hidden = coverage.table(cov, request.GET.get("all") == "1")
    return render(request, "fleet/coverage.html", {
        "cov": cov, "notice": notice, "feed": obj, "summary": coverage.summary(cov), "now": now, "rows": rows,
        "hidden": hidden, "hidden_short": hidden_short,
        "details": [s for s in rows if s.checked and not s.complete][:coverage.LISTED],
        "min_gap": f"{min_gap:g}",
    })

