"""Arithmetic on sorted, disjoint lists of half-open time spans ``[start, end)``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Span = tuple[dt.datetime, dt.datetime]
DAY = dt.timedelta(days=1)


def union(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same time (touching spans are merged)."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: list[Span], b: list[Span]) -> list[Span]:
    """The parts of ``a`` not covered by ``b``."""
    out: list[Span] = []
    j = 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > start:
                out.append((start, b[k][0]))
            start = max(start, b[k][1])
            k += 1
        if start < end:
            out.append((start, end))
    return out


def clip(spans: list[Span], lo: dt.datetime, hi: dt.datetime) -> list[Span]:
    return intersect(spans, [(lo, hi)]) if lo < hi else []


def seconds(spans: Iterable[Span]) -> float:
    return sum((end - start).total_seconds() for start, end in spans)


def midnight_after(when: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(when.date() + DAY, dt.time())


def per_day(spans: Iterable[Span]) -> dict[dt.date, float]:
    """Seconds covered on each local day (spans cut at midnight)."""
    out: dict[dt.date, float] = {}
    for start, end in spans:
        while start < end:
            stop = min(end, midnight_after(start))
            out[start.date()] = out.get(start.date(), 0.0) + (stop - start).total_seconds()
            start = stop
    return out


def days_of(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """The local days that ``[start, end)`` touches."""
    if end <= start:
        return []
    last = (end - dt.timedelta(microseconds=1)).date()
    return [start.date() + dt.timedelta(days=n) for n in range((last - start.date()).days + 1)]
