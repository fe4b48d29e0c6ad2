"""Template filters of the fleet pages: durations, shares and sizes in plain Chinese."""

from __future__ import annotations

import datetime as dt

from django import template

from kiosk.office.fleet import coverage

register = template.Library()


@register.filter
def span(seconds: float | None) -> str:
    """``3 天 4 小时`` / ``5 小时 2 分`` / ``45 分钟``: an uptime or an age."""
    if seconds is None:
        return "—"
    s = int(seconds)
    days, rest = divmod(s, 86400)
    if days:
        return f"{days} 天 {rest // 3600} 小时" if rest >= 3600 else f"{days} 天"
    return coverage.hours(s)


@register.filter
def ago(when: dt.datetime | None, now: dt.datetime) -> str:
    """``3 分钟前``; ``从未`` for None."""
    if when is None:
        return "从未"
    return span(max(0.0, (now - when).total_seconds())) + "前"


@register.filter
def share(value: float | None) -> str:
    return coverage.percent(value)


@register.filter
def words(seconds: float) -> str:
    return coverage.hours(seconds)


@register.filter
def cause(value: str) -> str:
    return coverage.CAUSES.get(value, value)


@register.filter
def gigabytes(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1e9:.1f} GB" if value >= 1e8 else f"{value / 1e6:.0f} MB"
