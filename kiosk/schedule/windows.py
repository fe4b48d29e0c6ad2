"""Time windows: weekdays, a time of day and an optional date range.

A :class:`Window` is written in TOML as a table such as
``{ days = "mon-fri", from = "07:30", until = "19:00" }``.  A window whose ``until`` is not after
its ``from`` crosses midnight and belongs to the day on which it *starts*: ``fri 22:00-02:00``
covers Saturday 01:00, and its date range (``date_from``/``date_until``, inclusive) is checked
against that starting day too.  ``from = until`` means 24 hours from ``from``; the defaults
(``00:00``/``24:00``) mean the whole day.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

DAY = dt.timedelta(days=1)
ALL_DAYS = frozenset(range(7))
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_GROUPS = {
    "daily": ALL_DAYS,
    "all": ALL_DAYS,
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_WINDOW_KEYS = ("days", "from", "until", "date_from", "date_until")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

OffMode = Literal["black", "clock"]
OFF_MODES: tuple[OffMode, ...] = ("black", "clock")


class ScheduleError(Exception):
    """A schedule definition (window, playlist, settings) is invalid; the message names where."""


@dataclass(frozen=True)
class Window:
    """When something applies: on ``weekdays`` (0 = Monday) from ``start`` to ``until``."""

    weekdays: frozenset[int] = ALL_DAYS
    start: dt.time = dt.time(0, 0)
    until: dt.time = dt.time(0, 0)  # <= start: crosses midnight (00:00-00:00 is the whole day)
    date_from: dt.date | None = None  # first starting day, inclusive
    date_until: dt.date | None = None  # last starting day, inclusive

    @property
    def length(self) -> dt.timedelta:
        start = dt.datetime.combine(dt.date.min, self.start)
        end = dt.datetime.combine(dt.date.min, self.until)
        return end - start if self.until > self.start else end + DAY - start

    def applies_on(self, day: dt.date) -> bool:
        """True when the window opens on ``day``."""
        if day.weekday() not in self.weekdays:
            return False
        if self.date_from is not None and day < self.date_from:
            return False
        return self.date_until is None or day <= self.date_until

    def interval(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The ``[open, close)`` interval of the window starting on ``day``, if it opens then."""
        if not self.applies_on(day):
            return None
        opens = dt.datetime.combine(day, self.start)
        return opens, opens + self.length

    def contains(self, when: dt.datetime) -> bool:
        back = self._opened_days_before(when.time())
        return back is not None and self.applies_on(when.date() - back)

    def _opened_days_before(self, t: dt.time) -> dt.timedelta | None:
        """How long before the date of ``t`` the interval covering ``t`` opened (0 or 1 day)."""
        if self.until > self.start:
            return dt.timedelta(0) if self.start <= t < self.until else None
        if t >= self.start:
            return dt.timedelta(0)
        return DAY if t < self.until else None


def any_contains(windows: Iterable[Window], when: dt.datetime) -> bool:
    """True when no windows are given or one of them contains ``when``."""
    windows = tuple(windows)
    return not windows or any(w.contains(when) for w in windows)


def next_change(windows: Sequence[Window], when: dt.datetime) -> dt.datetime | None:
    """The first instant after ``when`` at which ``any_contains(windows, ·)`` changes, or None.

    The on/off pattern repeats every week except where a date range starts or ends, so the first
    change lies within eight days of ``when`` or of one of those edges.
    """
    state = any_contains(windows, when)
    for instant in _boundaries(windows, when):
        if any_contains(windows, instant) != state:
            return instant
    return None


def _boundaries(windows: Sequence[Window], when: dt.datetime) -> list[dt.datetime]:
    today = when.date()
    starts = {today} | {e for w in windows for e in _date_edges(w) if e > today}
    days = {s + i * DAY for s in starts for i in range(-1, 9)}
    instants: set[dt.datetime] = set()
    for w in windows:
        for day in days:
            interval = w.interval(day)
            if interval is not None:
                instants.update(interval)
    return sorted(i for i in instants if i > when)


def _date_edges(w: Window) -> tuple[dt.date, ...]:
    edges = (w.date_from, w.date_until + DAY if w.date_until is not None else None)
    return tuple(e for e in edges if e is not None)


@dataclass(frozen=True)
class DisplayHours:
    """When the screen is on.  No windows means always on; off shows black or a clock."""

    windows: tuple[Window, ...] = ()
    off_mode: OffMode = "black"

    def __post_init__(self) -> None:
        if self.off_mode not in OFF_MODES:
            raise ScheduleError(
                f"display hours: off_mode: expected one of {', '.join(OFF_MODES)}, "
                f"got {self.off_mode!r}"
            )

    def is_on(self, when: dt.datetime) -> bool:
        return any_contains(self.windows, when)

    def next_change(self, when: dt.datetime) -> dt.datetime | None:
        """When the screen next turns on or off (so the app can sleep until then)."""
        return next_change(self.windows, when) if self.windows else None


# ------------------------------------------------------------------------------ parsing


def parse_windows(raw: object, where: str) -> tuple[Window, ...]:
    """Windows from a TOML array of tables; errors read ``WHERE: window N: FIELD: reason``."""
    if not isinstance(raw, (list, tuple)):
        raise ScheduleError(
            f"{where}: window: expected an array of tables ([[...window]]), "
            f"got {type(raw).__name__}"
        )
    return tuple(parse_window(table, f"{where}: window {i}") for i, table in enumerate(raw, 1))


def parse_window(raw: object, where: str) -> Window:
    table = expect_table(raw, where, _WINDOW_KEYS)
    window = Window(
        weekdays=parse_days(table.get("days", "daily"), f"{where}: days"),
        start=_parse_time(table.get("from", "00:00"), f"{where}: from"),
        until=_parse_time(table.get("until", "24:00"), f"{where}: until"),
        date_from=_parse_date(table.get("date_from"), f"{where}: date_from"),
        date_until=_parse_date(table.get("date_until"), f"{where}: date_until"),
    )
    if window.date_from and window.date_until and window.date_until < window.date_from:
        raise ScheduleError(
            f"{where}: date_until: {window.date_until} is before date_from {window.date_from}"
        )
    return window


def expect_table(raw: object, where: str, allowed: Sequence[str]) -> Mapping[str, object]:
    """``raw`` as a TOML table whose keys are all in ``allowed`` (a typo is an error)."""
    if not isinstance(raw, Mapping):
        raise ScheduleError(f"{where}: expected a table, got {type(raw).__name__}")
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ScheduleError(
                f"{where}: {key}: unknown key ({hint}expected one of {', '.join(allowed)})"
            )
    return raw


def parse_days(raw: object, where: str) -> frozenset[int]:
    """``"mon-fri"``, ``"mon,wed"``, ``"daily"``, ``"weekdays"``, ``"weekends"`` or a list."""
    if isinstance(raw, str):
        parts = [p.strip() for p in raw.split(",")]
    elif isinstance(raw, list) and all(isinstance(p, str) for p in raw):
        parts = [p.strip() for p in raw]
    else:
        raise ScheduleError(
            f'{where}: expected a string such as "mon-fri" or a list such as ["mon", "sat"], '
            f"got {raw!r}"
        )
    if not parts or not all(parts):
        raise ScheduleError(f"{where}: empty day in {raw!r}")
    days: set[int] = set()
    for part in parts:
        days |= _parse_day_part(part.lower(), where)
    return frozenset(days)


def _parse_day_part(part: str, where: str) -> frozenset[int]:
    if part in _DAY_GROUPS:
        return _DAY_GROUPS[part]
    if "-" in part:
        first, _, last = part.partition("-")
        a, b = _weekday(first.strip(), where), _weekday(last.strip(), where)
        return frozenset((a + i) % 7 for i in range((b - a) % 7 + 1))  # "fri-mon" wraps
    return frozenset({_weekday(part, where)})


def _weekday(name: str, where: str) -> int:
    for names in (WEEKDAY_NAMES, _FULL_NAMES):
        if name in names:
            return names.index(name)
    raise ScheduleError(
        f"{where}: unknown weekday {name!r} (use mon tue wed thu fri sat sun, "
        "ranges like mon-fri, or daily/weekdays/weekends)"
    )


def _parse_time(raw: object, where: str) -> dt.time:
    if isinstance(raw, dt.time):
        return raw.replace(microsecond=0)
    m = _TIME_RE.match(raw) if isinstance(raw, str) else None
    if m is None:
        raise ScheduleError(f'{where}: expected a time "HH:MM", got {raw!r}')
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if (hour, minute, second) == (24, 0, 0):
        return dt.time(0, 0)  # end of day: until <= from, so the window runs to midnight
    if hour > 23 or minute > 59 or second > 59:
        raise ScheduleError(f"{where}: {raw!r} is not a time of day (00:00 to 24:00)")
    return dt.time(hour, minute, second)


def _parse_date(raw: object, where: str) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise ScheduleError(f"{where}: expected a date such as 2026-01-31, got {raw!r}")
