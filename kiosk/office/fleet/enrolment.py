"""Adding screens, one-time enrolment codes, and exchanging a code for the screen's settings.

An admin adds a screen (:func:`add_screen`) and gets a code (:func:`issue_code`, shown once; the
office keeps only two hashes of it, see kiosk.device.credentials).  On the screen, ``kiosk enrol
URL CODE`` sends the code's lookup hash; :func:`exchange` answers with a new token (kept only as
its hash), the heartbeat and upload settings and each feed's trust anchor (its first
``root.json``).  A code works once; if the answer was lost on the way, the same code works again
for :data:`RETRY` as long as the token it gave was never used.  A new code, or retiring the
screen, revokes what came before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from kiosk.device.credentials import PROTOCOL, code_lookup, code_mac_key, new_code, new_token, token_hash
from kiosk.office.feeds.models import Feed
from kiosk.office.fleet.conf import fleet_settings
from kiosk.office.fleet.models import Screen
from kiosk.office.history.api import record
from kiosk.office.paths import public_url

RETRY = dt.timedelta(minutes=10)
API = "/device/v1/"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class EnrolRefused(Exception):
    """The code is unknown, used, expired, or its screen retired (the message says which)."""


def add_screen(device_id: str, name: str, place: str, audience: str, feeds: Iterable[Feed], *, actor: Any = None,  # noqa: ANN401
               request: Any = None) -> tuple[Screen, str]:  # noqa: ANN401
    """Register a screen; returns it with its first enrolment code."""
    with transaction.atomic():
        screen = Screen(device_id=device_id, name=name, place=place, audience=audience,
                        created_by=actor if getattr(actor, "pk", None) else None)
        screen.full_clean(exclude=["feeds"])
        screen.save()
        screen.feeds.set(list(feeds))
        record("fleet.add", f"登记屏幕 {device_id}（{name}）", request=request, actor=actor,
               subject=f"screen:{screen.pk}", place=place, audience=audience,
               feeds=[f.name for f in screen.feeds.all()])
        code = issue_code(screen, actor=actor, request=request, quiet=True)
    return screen, code


def issue_code(screen: Screen, *, actor: Any = None, request: Any = None, quiet: bool = False) -> str:  # noqa: ANN401
    """A new one-time code for ``screen`` (any earlier code stops working)."""
    if screen.retired is not None:
        raise EnrolRefused(f"screen {screen.device_id} is retired")
    code = new_code()
    expires = timezone.now() + dt.timedelta(hours=fleet_settings().enrol_code_h)
    Screen.objects.filter(pk=screen.pk).update(code_lookup=code_lookup(code), code_mac_key=code_mac_key(code),
                                               code_expires=expires, code_used=None)
    screen.refresh_from_db()
    if not quiet:
        record("fleet.code", f"为屏幕 {screen.device_id} 生成开通码", request=request, actor=actor,
               subject=f"screen:{screen.pk}", expires=expires.isoformat())
    return code


def retire(screen: Screen, *, actor: Any = None, request: Any = None) -> None:  # noqa: ANN401
    """Revoke the screen's token and code; its records and history stay."""
    now = timezone.now()
    Screen.objects.filter(pk=screen.pk).update(retired=now, token_hash=None, code_lookup=None, code_mac_key="",
                                               code_expires=None, shot_requested=None)
    record("fleet.retire", f"停用屏幕 {screen.device_id}（{screen.name}）", request=request, actor=actor,
           subject=f"screen:{screen.pk}")


def exchange(body: dict[str, Any], remote: str | None) -> tuple[dict[str, Any], str]:
    """The reply payload for an enrolment request and the MAC key to sign it with."""
    lookup = body.get("code")
    if not isinstance(lookup, str) or not _HEX64.match(lookup):
        raise ValueError("an enrolment request carries \"code\": the code's lookup hash (64 hex digits)")
    public_key = body.get("public_key")
    if public_key is not None and (not isinstance(public_key, str) or not re.fullmatch(r"[0-9a-f]{64}", public_key)):
        raise ValueError("\"public_key\" must be the screen's ed25519 public key as 64 hex digits")
    now = timezone.now()
    with transaction.atomic():
        screen = Screen.objects.select_for_update().filter(code_lookup=lookup).first()
        if screen is None:
            raise EnrolRefused("unknown enrolment code (mistyped, or replaced by a newer one)")
        if screen.retired is not None:
            raise EnrolRefused(f"screen {screen.device_id} is retired")
        if screen.code_expires is None or screen.code_expires < now:
            raise EnrolRefused("this enrolment code has expired: ask the office for a new one")
        if screen.code_used is not None and (now - screen.code_used > RETRY or (
                screen.last_seen is not None and screen.last_seen > screen.code_used)):
            raise EnrolRefused("this enrolment code was used already: ask the office for a new one")
        token = new_token()
        first = screen.code_used is None
        Screen.objects.filter(pk=screen.pk).update(token_hash=token_hash(token), public_key=public_key or "",
                                                   enrolled=now, code_used=now, chain_open=True)
        if first:
            record("fleet.enrol", f"屏幕 {screen.device_id} 已开通", actor="屏幕", subject=f"screen:{screen.pk}",
                   ip=remote, hostname=str(body.get("hostname", ""))[:80], key=public_key or "",
                   software=str(body.get("software", ""))[:40])
        mac_key = screen.code_mac_key
    return settings_payload(screen, token), mac_key


def settings_payload(screen: Screen, token: str) -> dict[str, Any]:
    """What ``kiosk enrol`` writes into the device config."""
    conf = fleet_settings()
    base = public_url()
    feeds, missing = [], []
    for feed in screen.feeds.order_by("name"):
        try:
            root = feed.root_json.read_text(encoding="utf-8")
        except OSError:
            missing.append(feed.name)
            continue
        feeds.append({"name": feed.name, "url": feed.url, "root": root})
    return {
        "protocol": PROTOCOL,
        "office": base,
        "device": {"id": screen.device_id, "site": screen.name, "audience": screen.audience},
        "token": token,
        "status": {"heartbeat_url": f"{base}{API}heartbeat", "heartbeat_interval": conf.heartbeat_interval_s},
        "audit": {"upload_url": f"{base}{API}audit", "upload_interval": conf.upload_interval_s},
        "feeds": feeds,
        "missing_feeds": missing,
    }
