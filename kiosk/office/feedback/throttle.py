"""Rate limits for residents' pages, counted in the database (right across processes and threads).

- Submissions: at most ``per_address_per_hour`` accepted from one network address and
  ``per_device_per_hour`` from one screen's QR codes (its device id) in the last hour.
  Counted from the submissions themselves: a refused post costs one indexed COUNT, no write.
- Receipt-code lookups: at most ``lookups_per_address_per_hour`` wrong codes from one address.

An address is kept only as a keyed hash (HMAC with the office's secret key), never in clear:
IPv4 as is, IPv6 by its /64 (one phone or home gets a whole /64).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from kiosk.office.feedback.conf import FeedbackSettings
from kiosk.office.feedback.models import Hit, Submission

WINDOW = dt.timedelta(hours=1)
LOOKUP = "lookup"


def client_key(request: HttpRequest) -> str:
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        text = raw
    else:
        if isinstance(address, ipaddress.IPv6Address):
            mapped = address.ipv4_mapped
            text = str(mapped) if mapped else str(ipaddress.ip_network(f"{address}/64", strict=False))
        else:
            text = str(address)
    key = hashlib.sha256(("kiosk.feedback.client:" + str(settings.SECRET_KEY)).encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def submission_refused(client: str, device: str, now: dt.datetime, cfg: FeedbackSettings) -> str | None:
    """Why one more submission from ``client`` / ``device`` is refused now, or None."""
    since = now - WINDOW
    recent = Submission.objects.filter(created__gte=since)
    if recent.filter(client=client).count() >= cfg.per_address_per_hour:
        return "address"
    if device and recent.filter(device=device).count() >= cfg.per_device_per_hour:
        return "device"
    return None


def lookups_refused(client: str, now: dt.datetime, cfg: FeedbackSettings) -> bool:
    return Hit.objects.filter(scope=LOOKUP, key=client, at__gte=now - WINDOW).count() \
        >= cfg.lookups_per_address_per_hour


def count_failed_lookup(client: str, now: dt.datetime) -> None:
    Hit.objects.create(scope=LOOKUP, key=client, at=now)
