"""Noting what screens did wrong (or worth knowing), without flooding the database.

A repeat of the same kind, for the same screen, from the same address within
:data:`COALESCE` only counts up the existing row; the first refused body of such a run is kept
(compressed, capped) as evidence.  Alerts raise the screen's unreviewed-alert count shown on
the fleet page until someone reviews them.
"""

from __future__ import annotations

import datetime as dt
import logging
import zlib

from django.db.models import F
from django.utils import timezone

from kiosk.office.fleet.models import ALERT_KINDS, DeviceEvent, Screen

log = logging.getLogger("kiosk.office.fleet")

COALESCE = dt.timedelta(minutes=10)
MAX_EVIDENCE = 256 * 1024  # bytes of the refused body kept (before compression)


def note(screen: Screen | None, kind: str, detail: str, *, remote: str | None = None, claimed: str = "",
         evidence: bytes | None = None) -> DeviceEvent:
    """Record one event (or count it on a recent identical one) and log it."""
    now = timezone.now()
    alert = kind in ALERT_KINDS
    who = screen.device_id if screen is not None else (claimed or "?")
    (log.warning if alert or screen is None else log.info)("device %s from %s: %s: %s", who, remote or "-", kind,
                                                           detail)
    recent = DeviceEvent.objects.filter(screen=screen, kind=kind, remote=remote, claimed=claimed[:64],
                                        last__gte=now - COALESCE, reviewed__isnull=True).order_by("-last").first()
    if recent is not None:
        DeviceEvent.objects.filter(pk=recent.pk).update(count=F("count") + 1, last=now, detail=detail)
        return recent
    packed = zlib.compress(evidence[:MAX_EVIDENCE], 6) if evidence else None
    event = DeviceEvent.objects.create(screen=screen, kind=kind, alert=alert, first=now, last=now, remote=remote,
                                       claimed=claimed[:64], detail=detail, evidence=packed)
    if alert and screen is not None:
        Screen.objects.filter(pk=screen.pk).update(alerts=F("alerts") + 1)
    return event


def evidence_text(event: DeviceEvent, limit: int = 4000) -> str:
    """The start of the kept body, as text (for the screen's page)."""
    if not event.evidence:
        return ""
    try:
        raw = zlib.decompress(bytes(event.evidence))
    except zlib.error:
        return "(unreadable)"
    text = raw[:limit].decode("utf-8", errors="replace")
    return text + ("…" if len(raw) > limit else "")
