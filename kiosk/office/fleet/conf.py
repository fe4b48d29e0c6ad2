"""The ``[fleet]`` table of ``office.toml``: thresholds and the intervals given to enrolled screens.

Every key is optional; a wrong type or an out-of-range value is refused naming the file and key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from django.conf import settings

from kiosk.office.datadir import SETTINGS_FILE, OfficeConfigError

# key: (lowest, highest) accepted
_RANGES: dict[str, tuple[float, float]] = {
    "offline_after_s": (5, 86400),
    "alert_offline_h": (0.01, 24 * 90),
    "behind_grace_min": (0, 24 * 60 * 14),
    "heartbeat_interval_s": (10, 86400),
    "upload_interval_s": (10, 86400),
    "enrol_code_h": (0.1, 24 * 30),
    "clock_tolerance_s": (1, 86400),
    "min_gap_min": (1, 24 * 60),
}


@dataclass(frozen=True)
class FleetSettings:
    offline_after_s: float = 300  # no contact for this long: offline
    alert_offline_h: float = 24  # offline for longer than this: stands out on the fleet page
    behind_grace_min: float = 60  # a screen still on an older version this long after a publication: behind
    heartbeat_interval_s: float = 60  # given to screens at enrolment
    upload_interval_s: float = 300
    enrol_code_h: float = 72  # a one-time enrolment code expires after this
    clock_tolerance_s: float = 120  # a screen clock this close to the office's counts as sane
    min_gap_min: float = 15  # coverage: shorter breaks between two showings are the ordinary rotation


def fleet_settings() -> FleetSettings:
    raw = settings.OFFICE.section("fleet")
    where = (settings.OFFICE_DIR / SETTINGS_FILE) if settings.OFFICE_DIR else SETTINGS_FILE
    known = {f.name for f in fields(FleetSettings)}
    values: dict[str, float] = {}
    for key, value in raw.items():
        if key not in known:
            raise OfficeConfigError(where, f"fleet.{key}", f"unknown setting; known: {', '.join(sorted(known))}")
        lo, hi = _RANGES[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not lo <= value <= hi:
            raise OfficeConfigError(where, f"fleet.{key}", f"must be a number from {lo:g} to {hi:g}, got {value!r}")
        values[key] = float(value)
    return FleetSettings(**values)
