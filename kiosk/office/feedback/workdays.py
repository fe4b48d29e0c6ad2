"""Working days (工作日) for answer periods: weekends and holidays off, make-up days (调休) on.

Plain Python (no Django).  The statutory period for 依申请公开 is 20 working days from receipt,
extendable once by 20 (政府信息公开条例 art. 33); the receipt day itself is not counted, so a
request received on a Friday or a holiday starts counting on the next working day.

The national holiday calendar changes every year (the State Council announces it each
November), so it is configuration: ``holidays`` and ``workdays`` in the ``[feedback]`` table of
``office.toml``, as dates (``2026-10-01``) or ranges (``"2026-10-01..2026-10-07"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

ONE_DAY = dt.timedelta(days=1)
MAX_RANGE_DAYS = 366


class CalendarError(ValueError):
    """A holiday or make-up day entry that is not a date or a range of dates."""


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)  # weekend days worked (调休)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day, counted = start, 0
        while counted < days:
            day += ONE_DAY
            if self.is_workday(day):
                counted += 1
        return day

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.count(end, start)
        n, day = 0, start
        while day < end:
            day += ONE_DAY
            n += self.is_workday(day)
        return n


def parse_days(values: Iterable[object]) -> frozenset[dt.date]:
    """Dates from TOML values: a date, ``"YYYY-MM-DD"`` or ``"YYYY-MM-DD..YYYY-MM-DD"`` (inclusive)."""
    days: set[dt.date] = set()
    for value in values:
        if isinstance(value, dt.datetime):
            raise CalendarError(f"{value!r} has a time of day: write a date like 2026-10-01")
        if isinstance(value, dt.date):
            days.add(value)
            continue
        if not isinstance(value, str):
            raise CalendarError(f"{value!r} is not a date: write 2026-10-01 or \"2026-10-01..2026-10-07\"")
        first, sep, last = value.strip().partition("..")
        try:
            start = dt.date.fromisoformat(first.strip())
            end = dt.date.fromisoformat(last.strip()) if sep else start
        except ValueError:
            raise CalendarError(f"{value!r} is not a date: write 2026-10-01 or \"2026-10-01..2026-10-07\"") from None
        if end < start:
            raise CalendarError(f"{value!r}: the range ends before it starts")
        if (end - start).days > MAX_RANGE_DAYS:
            raise CalendarError(f"{value!r}: a range longer than a year is surely a typo")
        day = start
        while day <= end:
            days.add(day)
            day += ONE_DAY
    return frozenset(days)
