"""What supervisors ask: per notice, how long it was on screen, on which days, and where it was not.

For a notice with a publish window (公示期) the time inside the window when it was *not* on screen
is split by cause: ``screen-off`` (outside the display hours), ``outage`` (the player was not
running: no record covers that time) and ``not-scheduled`` (the player ran and showed something
else, or its idle screen).  The normal rotation leaves short not-scheduled breaks between two
showings; only breaks of at least ``min_gap`` are reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from kiosk.audit import intervals as iv
from kiosk.audit.intervals import Span
from kiosk.audit.records import NOTICE, SCREEN_OFF, Record, day_files, file_day, iter_lines, parse_record

log = logging.getLogger(__name__)

SCREEN_OFF_CAUSE = "screen-off"
OUTAGE = "outage"
NOT_SCHEDULED = "not-scheduled"
CAUSE_TEXT = {
    SCREEN_OFF_CAUSE: "screen off (outside display hours)",
    OUTAGE: "player not running (outage)",
    NOT_SCHEDULED: "player running, notice not scheduled",
}


@dataclass(frozen=True)
class Gap:
    start: dt.datetime
    end: dt.datetime
    cause: str  # screen-off | outage | not-scheduled

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class ItemReport:
    feed: str
    item: str
    seconds: float  # total time on screen within the report range
    showings: int  # records (slides or pages) counted
    days: tuple[tuple[dt.date, float], ...]  # (day, seconds) for each day it was shown
    versions: tuple[str, ...] = ()
    window: tuple[dt.datetime, dt.datetime | None] | None = None  # publish window, from the newest record
    checked: Span | None = None  # the part of the window inside the range and the log
    missing_days: tuple[dt.date, ...] = ()  # days of the checked window, screen on, never shown
    gaps: tuple[Gap, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.feed}/{self.item}"

    @property
    def complete(self) -> bool | None:
        """True when shown through its window except screen-off hours; None without a window."""
        if self.checked is None:
            return None
        return not any(g.cause in (OUTAGE, NOT_SCHEDULED) for g in self.gaps)


@dataclass
class _Notice:
    feed: str
    item: str
    spans: list[Span] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    window: tuple[dt.datetime, dt.datetime | None] | None = None


@dataclass(frozen=True)
class _Context:
    lo: dt.datetime
    hi: dt.datetime
    horizon: dt.datetime  # no judgement about time after this (the future, or the end of the log)
    covered: list[Span]
    screen_off: list[Span]
    min_gap: dt.timedelta
    min_break: dt.timedelta


def read_records(directory: Path, date_from: dt.date, date_to: dt.date) -> Iterator[Record]:
    """Readable records of the day files from the day before ``date_from`` to the day after ``date_to``."""
    first, last = date_from - iv.DAY, date_to + iv.DAY
    bad = 0
    for path in day_files(directory):
        day = file_day(path)
        if day is None or not first <= day <= last:
            continue
        for line in iter_lines(path):
            try:
                yield parse_record(line.raw)
            except ValueError:
                bad += 1
    if bad:
        log.warning("audit report: %d unreadable line(s) skipped; run `kiosk audit verify`", bad)


def _matches(rec: Record, item: str | None) -> bool:
    return item is None or rec.item == item or rec.key == item


def report(directory: Path, date_from: dt.date, date_to: dt.date, item: str | None = None, *,
           now: dt.datetime | None = None, min_gap: dt.timedelta = dt.timedelta(minutes=15),
           min_break: dt.timedelta = dt.timedelta(minutes=1)) -> list[ItemReport]:
    """Per notice (``feed/id``) shown between ``date_from`` and ``date_to`` (inclusive days).

    ``item`` limits it to one notice (``id`` or ``feed/id``).  ``now`` is when the report is made:
    time after it is not judged; without it, time after the last record is not judged either.
    Screen-off and outage gaps shorter than ``min_break`` are left out.
    """
    lo = dt.datetime.combine(date_from, dt.time())
    hi = dt.datetime.combine(date_to + iv.DAY, dt.time())
    notices: dict[str, _Notice] = {}
    everything: list[Span] = []
    off: list[Span] = []
    last_end = lo
    for rec in read_records(directory, date_from, date_to):
        span = (rec.start, rec.end)
        everything.append(span)
        last_end = max(last_end, rec.end)
        if rec.kind == SCREEN_OFF:
            off.append(span)
        elif rec.kind == NOTICE and rec.item is not None and _matches(rec, item):
            _add_showing(notices, rec)
    horizon = min(hi, now if now is not None else last_end)
    ctx = _Context(lo, hi, horizon, iv.clip(iv.union(everything), lo, hi), iv.clip(iv.union(off), lo, hi),
                   min_gap, min_break)
    reports = (_item_report(n, ctx) for n in notices.values())
    return sorted((r for r in reports if r.seconds > 0 or r.checked is not None), key=lambda r: r.key)


def _add_showing(notices: dict[str, _Notice], rec: Record) -> None:
    notice = notices.setdefault(f"{rec.feed}/{rec.item}", _Notice(rec.feed or "", rec.item or ""))
    notice.spans.append((rec.start, rec.end))
    if rec.version is not None:
        notice.versions.add(rec.version)
    if rec.window is not None:
        notice.window = rec.window  # records come in chain order: the newest window wins


def _item_report(notice: _Notice, ctx: _Context) -> ItemReport:
    shown = iv.clip(iv.union(notice.spans), ctx.lo, ctx.hi)
    days = sorted(iv.per_day(shown).items())
    versions = tuple(sorted(notice.versions, key=lambda v: (len(v), v)))
    count = sum(1 for s in notice.spans if s[1] > ctx.lo and s[0] < ctx.hi)
    base = ItemReport(notice.feed, notice.item, iv.seconds(shown), count, tuple(days), versions, notice.window)
    if notice.window is None:
        return base
    start, until = notice.window
    checked = (max(start, ctx.lo), min(until or ctx.hi, ctx.hi, ctx.horizon))
    if checked[0] >= checked[1]:
        return base
    missing = _missing_days(checked, {d for d, s in days if s > 0}, ctx)
    gaps = _gaps(iv.subtract([checked], shown), ctx)
    return ItemReport(base.feed, base.item, base.seconds, base.showings, base.days, versions, notice.window,
                      checked, missing, gaps)


def _missing_days(checked: Span, shown: set[dt.date], ctx: _Context) -> tuple[dt.date, ...]:
    """Days of the checked window, with the screen on for a while, on which the notice never appeared."""
    out = []
    for day in iv.days_of(*checked):
        if day in shown:
            continue
        start = dt.datetime.combine(day, dt.time())
        part = iv.clip([checked], start, start + iv.DAY)
        if iv.seconds(iv.subtract(part, ctx.screen_off)) >= ctx.min_break.total_seconds():
            out.append(day)
    return tuple(out)


def _gaps(not_shown: list[Span], ctx: _Context) -> tuple[Gap, ...]:
    return attribute_gaps(not_shown, ctx.covered, ctx.screen_off, min_gap=ctx.min_gap, min_break=ctx.min_break)


def attribute_gaps(not_shown: list[Span], covered: list[Span], screen_off: list[Span], *,
                   min_gap: dt.timedelta = dt.timedelta(minutes=15),
                   min_break: dt.timedelta = dt.timedelta(minutes=1)) -> tuple[Gap, ...]:
    """The time a notice was not on screen (sorted, disjoint spans), split by cause.

    ``covered``: the time some record covers (the player ran); ``screen_off``: the time of screen-off
    records (outside display hours).  Screen-off and outage pieces shorter than ``min_break`` and
    not-scheduled pieces shorter than ``min_gap`` (the ordinary rotation) are left out.  The rule the
    device's report and the office's coverage report share.
    """
    parts = [
        (SCREEN_OFF_CAUSE, iv.intersect(not_shown, screen_off), min_break),
        (OUTAGE, iv.subtract(not_shown, covered), min_break),
        (NOT_SCHEDULED, iv.subtract(iv.intersect(not_shown, covered), screen_off), min_gap),
    ]
    gaps = [Gap(s, e, cause) for cause, spans, least in parts for s, e in spans if e - s >= least]
    return tuple(sorted(gaps, key=lambda g: g.start))


# ---------------------------------------------------------------- output


def duration(seconds: float) -> str:
    """``3d 04:05:06`` / ``04:05:06``: hours, minutes and seconds of a span."""
    s = round(seconds)
    days, s = divmod(s, 86400)
    text = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{days}d {text}" if days else text


def _time(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


CSV_FIELDS = ("feed", "item", "row", "date", "start", "end", "seconds", "cause")


def write_csv(reports: list[ItemReport], out: TextIO) -> None:
    """One ``total`` row per notice, a ``day`` row per day shown, a ``gap`` row per gap."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r in reports:
        start = _time(r.window[0]) if r.window else ""
        end = _time(r.window[1]) if r.window and r.window[1] else ""
        status = "" if r.complete is None else ("complete" if r.complete else "gaps")
        w.writerow((r.feed, r.item, "total", "", start, end, f"{r.seconds:.1f}", status))
        for day, secs in r.days:
            w.writerow((r.feed, r.item, "day", day.isoformat(), "", "", f"{secs:.1f}", ""))
        for day in r.missing_days:
            w.writerow((r.feed, r.item, "day", day.isoformat(), "", "", "0.0", "not shown"))
        for g in r.gaps:
            w.writerow((r.feed, r.item, "gap", g.start.date().isoformat(), _time(g.start), _time(g.end),
                        f"{g.seconds:.1f}", g.cause))


def format_text(reports: list[ItemReport]) -> str:
    """A plain-text table for the terminal."""
    if not reports:
        return "no notice was on screen in this period\n"
    return "\n".join(_text_item(r) for r in reports)


def _text_item(r: ItemReport) -> str:
    versions = f"; version(s) {', '.join(r.versions)}" if r.versions else ""
    lines = [f"{r.key}: on screen {duration(r.seconds)} in {r.showings} showing(s) on {len(r.days)} "
             f"day(s){versions}"]
    if r.window is not None:
        until = _time(r.window[1]) if r.window[1] else "open-ended"
        lines.append(f"  publish window {_time(r.window[0])} -> {until}")
    if r.checked is not None:
        verdict = "COMPLETE: shown throughout, apart from screen-off hours" if r.complete else \
            "NOT COMPLETE: see the gaps below"
        lines.append(f"  checked {_time(r.checked[0])} -> {_time(r.checked[1])}: {verdict}")
    lines.append(f"  {'day':<12}{'on screen':>14}")
    shown = dict(r.days)
    for day in sorted(set(shown) | set(r.missing_days)):
        lines.append(f"  {day.isoformat():<12}{duration(shown.get(day, 0.0)):>14}")
    if r.gaps:
        lines.append("  not on screen:")
        for g in r.gaps:
            lines.append(f"    {_time(g.start)} -> {_time(g.end)}  {duration(g.seconds):>12}  {CAUSE_TEXT[g.cause]}")
    return "\n".join(lines) + "\n"
