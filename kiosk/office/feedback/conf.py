"""The ``[feedback]`` table of ``office.toml``, checked (every problem names the file and key).

```toml
[feedback]
comment_max_chars = 1000        # a comment's length limit (the counter on the phone shows it)
comments_after_days = 30        # comments still accepted this long after a notice's period ended or it was withdrawn
answer_workdays = 10            # the office's own target for answering a comment (working days)
request_workdays = 20           # 依申请公开: statutory answer period in working days ...
request_extension_workdays = 20 # ... extendable once by this many
holidays = ["2026-10-01..2026-10-07"]  # days off besides weekends (dates or "from..to" ranges)
workdays = [2026-10-10]         # weekend days that are working days (调休)
contact_roles = ["reviewer", "admin"]  # feed roles that see residents' names and phone numbers
contact_retention_days = 180    # after a case is closed its contact details are erased
per_address_per_hour = 20       # submissions accepted from one network address per hour
per_device_per_hour = 120       # ... and from one screen's QR codes per hour
lookups_per_address_per_hour = 30  # wrong receipt codes tried from one address per hour
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.office.datadir import SETTINGS_FILE, OfficeConfigError
from kiosk.office.feedback.workdays import Calendar, CalendarError, parse_days

SECTION = "feedback"
_ROLES = ("drafter", "reviewer", "supervisor", "admin")


@dataclass(frozen=True)
class FeedbackSettings:
    comment_max_chars: int = 1000
    comments_after_days: int = 30
    answer_workdays: int = 10
    request_workdays: int = 20
    request_extension_workdays: int = 20
    calendar: Calendar = Calendar()
    contact_roles: tuple[str, ...] = ("reviewer", "admin")
    contact_retention_days: int = 180
    per_address_per_hour: int = 20
    per_device_per_hour: int = 120
    lookups_per_address_per_hour: int = 30


_INTS: dict[str, tuple[int, int]] = {
    "comment_max_chars": (50, 5000),
    "comments_after_days": (0, 3650),
    "answer_workdays": (1, 250),
    "request_workdays": (1, 250),
    "request_extension_workdays": (0, 250),
    "contact_retention_days": (1, 3650),
    "per_address_per_hour": (1, 100000),
    "per_device_per_hour": (1, 100000),
    "lookups_per_address_per_hour": (1, 100000),
}
_KEYS = {*_INTS, "holidays", "workdays", "contact_roles"}


def parse(table: dict[str, Any], where: Path | str = SETTINGS_FILE) -> FeedbackSettings:
    def fail(key: str, reason: str) -> OfficeConfigError:
        return OfficeConfigError(where, f"{SECTION}.{key}", reason)

    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown setting; known: {', '.join(sorted(_KEYS))}")
    values: dict[str, Any] = {}
    for key, (low, high) in _INTS.items():
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(key, f"must be a whole number from {low} to {high}, got {value!r}")
        values[key] = value
    days: dict[str, frozenset[Any]] = {}
    for key in ("holidays", "workdays"):
        raw = table.get(key, [])
        if not isinstance(raw, list):
            raise fail(key, "must be a list of dates, e.g. [2026-10-01, \"2026-10-02..2026-10-07\"]")
        try:
            days[key] = parse_days(raw)
        except CalendarError as e:
            raise fail(key, str(e)) from None
    both = days["holidays"] & days["workdays"]
    if both:
        raise fail("workdays", f"{min(both)} is also listed as a holiday")
    roles = table.get("contact_roles", list(FeedbackSettings.contact_roles))
    if not isinstance(roles, list) or not all(r in _ROLES for r in roles):
        raise fail("contact_roles", f"must be a list of roles from {', '.join(_ROLES)}, got {roles!r}")
    return FeedbackSettings(calendar=Calendar(days["holidays"], days["workdays"]), contact_roles=tuple(roles),
                            **values)


def current() -> FeedbackSettings:
    """The running office's settings (parsed once per settings object; tests override ``OFFICE``)."""
    from django.conf import settings

    office = settings.OFFICE
    cached = _cache.get(id(office))
    if cached is None or cached[0] is not office:
        folder = settings.OFFICE_DIR
        where = Path(folder) / SETTINGS_FILE if folder else SETTINGS_FILE
        cached = (office, parse(office.section(SECTION), where))
        _cache.clear()
        _cache[id(office)] = cached
    return cached[1]


_cache: dict[int, tuple[Any, FeedbackSettings]] = {}
