"""公示期 coverage: for a notice, every screen that should show it, and how much of the period it did.

The screens that should show a notice follow its feed and may show its audience
(:meth:`kiosk.content.model.Audience.visible_on`).  For each, the period judged is the notice's
window (``show_from`` → ``show_until``), from when the office published it (a version signed
after ``show_from`` cannot be on screens before) until it was withdrawn, the screen was retired,
or now; and only from when the screen was added to the office.

Inside it, from the screen's compact timeline (:mod:`kiosk.office.fleet.timeline`):

- ``screen-off``: outside the screen's display hours (not counted against it),
- ``outage``: the player was not running (a hole in a chain that continues after it),
- ``offline``: the office holds no records for that time (before the first or after the newest
  record received: the screen has not reported, or never ran),
- ``not-scheduled``: the player ran and showed other notices for ``min_gap`` or longer;

the rule shared with ``kiosk audit report`` (:func:`kiosk.audit.report.attribute_gaps`).  The
share is the time the notice was in rotation over the time the screen was due to show it (the
period minus screen-off time).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from kiosk.audit import intervals as iv
from kiosk.audit.intervals import Span
from kiosk.audit.report import NOT_SCHEDULED, OUTAGE, SCREEN_OFF_CAUSE, Gap, attribute_gaps
from kiosk.content.model import Audience
from kiosk.office.feeds.models import Feed
from kiosk.office.fleet import timeline
from kiosk.office.fleet.models import PublishedNotice, Screen
from kiosk.office.fleet.models import Span as SpanRow
from kiosk.office.fleet.proof import local
from kiosk.office.history.api import safe_cell

OFFLINE = "offline"
CAUSES = {
    SCREEN_OFF_CAUSE: "按时段关屏",
    OUTAGE: "播放器未运行",
    OFFLINE: "屏幕离线，未收到记录",
    NOT_SCHEDULED: "未排入播放",
}
MIN_BREAK = dt.timedelta(minutes=1)
NAMED = 12  # screens named in the summary sentences; beyond, counted
LISTED = 50  # screens shown throughout listed in the table; beyond, counted (all: ?all=1, and the CSV)
SHORT_LISTED = 200  # screens that missed time listed in the table (the least shown first); beyond, counted


@dataclass(frozen=True)
class Day:
    day: dt.date
    number: int  # 1 = the first day of the notice's period
    due_s: float
    missed_s: float
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class ScreenCoverage:
    screen: Screen
    checked: Span | None  # the part of the period judged for this screen (naive local)
    due_s: float = 0.0  # checked minus screen-off time
    missed_s: float = 0.0  # outage, offline and not-scheduled gaps
    on_screen_s: float = 0.0  # time actually on screen (the slides themselves)
    gaps: tuple[Gap, ...] = ()
    days: tuple[Day, ...] = ()
    versions: tuple[str, ...] = ()

    @property
    def share(self) -> float | None:
        if self.checked is None or self.due_s <= 0:
            return None
        return max(0.0, (self.due_s - self.missed_s) / self.due_s)

    @property
    def complete(self) -> bool:
        return self.checked is not None and self.missed_s == 0

    @property
    def missed_gaps(self) -> tuple[Gap, ...]:
        return tuple(g for g in self.gaps if g.cause != SCREEN_OFF_CAUSE)


@dataclass(frozen=True)
class NoticeCoverage:
    notice: PublishedNotice
    window: tuple[dt.datetime, dt.datetime | None]  # naive local
    checked: Span | None  # the period judged (before clipping per screen)
    now: dt.datetime
    published_late: bool  # signed after show_from: the time before is not the screens' fault
    screens: list[ScreenCoverage] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return bool(self.screens) and all(s.complete for s in self.screens)

    @property
    def days(self) -> int:
        end = self.window[1] or self.now
        return len(iv.days_of(self.window[0], end))


def screens_for(notice: PublishedNotice) -> list[Screen]:
    """The screens that should show ``notice``: its feed, an audience that admits it."""
    audience = Audience(notice.audience)
    candidates = Screen.objects.filter(feeds=notice.feed_id).order_by("place", "device_id")
    return [s for s in candidates if audience.visible_on(Audience(s.audience))]


def notice_coverage(notice: PublishedNotice, now: dt.datetime, min_gap: dt.timedelta) -> NoticeCoverage:
    start, until = local(notice.show_from), local(notice.show_until) if notice.show_until else None
    published = local(notice.first_published)
    lo = max(start, published)
    hi = min(x for x in (until, local(notice.gone_at) if notice.gone_at else None, local(now)) if x is not None)
    checked = (lo, hi) if lo < hi else None
    cov = NoticeCoverage(notice, (start, until), checked, local(now), published > start)
    screens = screens_for(notice)
    if checked is None:
        cov.screens.extend(ScreenCoverage(s, None) for s in screens)
        return cov
    # screens retired before the period or added after it were never due to show it
    screens = [s for s in screens
               if local(s.created) < checked[1] and (s.retired is None or local(s.retired) > checked[0])]
    pieces = _pieces(notice, screens, checked)
    for screen in screens:
        cov.screens.append(_screen_coverage(screen, checked, start.date(), pieces.get(screen.pk, []), min_gap))
    return cov


def _pieces(notice: PublishedNotice, screens: list[Screen], checked: Span) -> dict[int, list[SpanRow]]:
    """Every timeline piece of ``screens`` touching ``checked``: one query."""
    lo, hi = (timezone.make_aware(t, timezone.get_default_timezone()) for t in checked)
    notice_q = Q(kind=timeline.SHOW, feed=notice.feed.name, item=notice.item)
    rows = SpanRow.objects.filter(Q(kind__in=[timeline.RUN, timeline.OFF]) | notice_q,
                                  screen__in=[s.pk for s in screens], end__gt=lo, start__lt=hi)
    out: dict[int, list[SpanRow]] = defaultdict(list)
    for row in rows.only("screen_id", "kind", "start", "end", "seconds", "versions"):
        out[row.screen_id].append(row)
    return out


def _screen_coverage(screen: Screen, checked: Span, first_day: dt.date, rows: list[SpanRow],
                     min_gap: dt.timedelta) -> ScreenCoverage:
    lo = max(checked[0], local(screen.created))
    hi = min(checked[1], local(screen.retired)) if screen.retired else checked[1]
    if lo >= hi:
        return ScreenCoverage(screen, None)
    span = (lo, hi)
    by_kind: dict[str, list[Span]] = defaultdict(list)
    on_screen = 0.0
    versions: set[str] = set()
    for row in rows:
        piece = (local(row.start), local(row.end))
        by_kind[row.kind].append(piece)
        if row.kind == timeline.SHOW:
            inside = iv.seconds(iv.clip([piece], lo, hi))
            length = (piece[1] - piece[0]).total_seconds()
            on_screen += row.seconds * (inside / length) if length > 0 else 0.0
            versions.update(v for v in row.versions.split(",") if v)
    shown = iv.union(by_kind[timeline.SHOW])
    covered = iv.union(by_kind[timeline.RUN])
    off = iv.union(by_kind[timeline.OFF])
    known = _known(screen, span)
    gaps = list(attribute_gaps(iv.subtract(known, shown), covered, off, min_gap=min_gap, min_break=MIN_BREAK))
    gaps += [Gap(s, e, OFFLINE) for s, e in iv.subtract([span], known) if e - s >= MIN_BREAK]
    gaps.sort(key=lambda g: g.start)
    screen_off = iv.seconds(iv.intersect([span], off))
    due = iv.seconds([span]) - screen_off
    missed = sum(g.seconds for g in gaps if g.cause != SCREEN_OFF_CAUSE)
    days = _days(span, first_day, off, gaps)
    return ScreenCoverage(screen, span, due, missed, on_screen, tuple(gaps), days,
                          tuple(sorted(versions, key=lambda v: (len(v), v))))


def _known(screen: Screen, span: Span) -> list[Span]:
    """The part of ``span`` the office holds records for (between the oldest and the newest received)."""
    if screen.proof_from is None or screen.proof_until is None:
        return []
    return iv.clip([span], local(screen.proof_from), local(screen.proof_until))


def _days(span: Span, first_day: dt.date, off: list[Span], gaps: list[Gap]) -> tuple[Day, ...]:
    out = []
    for day in iv.days_of(*span):
        start = dt.datetime.combine(day, dt.time())
        part = iv.clip([span], start, start + iv.DAY)
        due = iv.seconds(part) - iv.seconds(iv.intersect(part, off))
        pieces = []
        for g in gaps:
            cut = iv.clip([(g.start, g.end)], start, start + iv.DAY)
            pieces += [Gap(s, e, g.cause) for s, e in cut]
        missed = sum(g.seconds for g in pieces if g.cause != SCREEN_OFF_CAUSE)
        out.append(Day(day, (day - first_day).days + 1, due, missed, tuple(pieces)))
    return tuple(out)


# ---------------------------------------------------------------- words and files


def hours(seconds: float) -> str:
    """``3 小时 5 分`` / ``45 分`` / ``20 秒``: a duration in words for the report."""
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m = rest // 60
    if h and m:
        return f"{h} 小时 {m} 分"
    if h:
        return f"{h} 小时"
    if m:
        return f"{m} 分钟"
    return f"{s} 秒"


def percent(share: float | None) -> str:
    if share is None:
        return "—"
    value = share * 100
    return "100%" if value >= 99.995 else f"{min(value, 99.99):.2f}%".replace(".00%", "%")


def summary(cov: NoticeCoverage) -> list[str]:
    """Plain sentences a supervisor can file: who showed it throughout, who missed what and why."""
    n = cov.notice
    if not cov.screens:
        return [f"没有屏幕应显示“{n.title}”（没有屏幕关注内容源 {n.feed.name}，或公开范围不符）。"]
    if cov.checked is None:
        return [f"“{n.title}”的公示期尚未开始，或发布时已结束，暂无可核查的时段。"]
    full = [s.screen.name for s in cov.screens if s.complete]
    lines = []
    if full:
        where = "、".join(full) if len(full) <= NAMED else f"{len(full)} 台屏幕"
        lines.append(f"“{n.title}”在 {where} 上公示期内全程轮播（100%，按时段关屏除外），共 {cov.days} 天。")
    short = [s for s in cov.screens if not s.complete]
    for s in short[:NAMED]:
        if s.checked is None:
            lines.append(f"{s.screen.name}：公示期内尚未登记或已停用，不计入。")
            continue
        parts = []
        for day in s.days:
            by_cause: dict[str, float] = defaultdict(float)
            for g in day.gaps:
                if g.cause != SCREEN_OFF_CAUSE:
                    by_cause[g.cause] += g.seconds
            for cause, secs in by_cause.items():
                when = f"第 {day.number} 天（{day.day.month}月{day.day.day}日）"
                parts.append(f"{when}缺 {hours(secs)}（{CAUSES[cause]}）")
        lines.append(f"{s.screen.name}：显示了应显示时间的 {percent(s.share)}；" + "；".join(parts) + "。")
    if len(short) > NAMED:
        lines.append(f"另有 {len(short) - NAMED} 台屏幕未全程显示或不计入，见下表和表格文件。")
    if cov.published_late:
        at = timezone.localtime(n.first_published)
        lines.append(f"注意：该公示于 {at:%Y-%m-%d %H:%M} 才发布，晚于公示期开始时间；此前的时段不计入屏幕。")
    return lines


def table(cov: NoticeCoverage, show_all: bool = False) -> tuple[list[ScreenCoverage], int, int]:
    """The screens for the report's table, those that missed time first (least shown first), and how
    many were left out (unless ``show_all``): screens that missed time beyond :data:`SHORT_LISTED`,
    screens shown throughout beyond :data:`LISTED` (the CSV always has every screen)."""
    short = sorted((s for s in cov.screens if not s.complete), key=lambda s: (s.checked is None, s.share or 0.0))
    full = [s for s in cov.screens if s.complete]
    if show_all:
        return short + full, 0, 0
    shown_short = short[:SHORT_LISTED]
    if len(full) <= LISTED:
        return shown_short + full, len(short) - len(shown_short), 0
    return shown_short, len(short) - len(shown_short), len(full)


CSV_COLUMNS = ("内容源", "编号", "标题", "屏幕编号", "屏幕名称", "所在村（社区）", "行", "日期", "开始", "结束", "秒数",
               "显示比例", "原因")


def _t(when: dt.datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else ""


def to_csv(coverages: Iterable[NoticeCoverage]) -> str:
    """UTF-8 with BOM (spreadsheets show the Chinese); one total row per screen, a row per day and gap."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for cov in coverages:
        n = cov.notice
        head = [n.feed.name, n.item, safe_cell(n.title)]
        for s in cov.screens:
            who = [safe_cell(s.screen.device_id), safe_cell(s.screen.name), safe_cell(s.screen.place)]
            if s.checked is None:
                w.writerow([*head, *who, "合计", "", "", "", "", "—", "未计入"])
                continue
            status = "全程" if s.complete else "有缺失"
            shown = f"{s.due_s - s.missed_s:.0f}"
            w.writerow([*head, *who, "合计", "", _t(s.checked[0]), _t(s.checked[1]), shown, percent(s.share), status])
            for d in s.days:
                share = (d.due_s - d.missed_s) / d.due_s if d.due_s > 0 else None
                w.writerow([*head, *who, "日", d.day.isoformat(), "", "", f"{d.due_s - d.missed_s:.0f}",
                            percent(share), ""])
            for g in s.gaps:
                w.writerow([*head, *who, "缺失", g.start.date().isoformat(), _t(g.start), _t(g.end), f"{g.seconds:.0f}",
                            "", CAUSES[g.cause]])
    return out.getvalue()


def feed_notices(feed: Feed) -> list[PublishedNotice]:
    """The feed's notices that have a 公示期 (a ``show_until``), newest first."""
    return list(PublishedNotice.objects.filter(feed=feed, show_until__isnull=False).select_related("feed"))
