"""The screens' API under ``/device/v1/`` (JSON over HTTP POST; no cookies, no CSRF: token auth).

- ``enrol``: a one-time code (as its lookup hash) for the screen's token and settings, the reply
  MACed with a key derived from the code (kiosk.device.credentials);
- ``heartbeat``: the status snapshot of kiosk.device.heartbeat; the answer may ask for a screenshot;
- ``screenshot``: a PNG, when asked;
- ``audit``: a proof-of-display batch (kiosk.audit.upload), answered ``{"acked": seq}``.

Every request but ``enrol`` carries ``Authorization: Bearer <token>``.  Requests without a valid
token, with a retired screen's token, or naming another screen than the token's are refused
(401/403) and noted (:mod:`kiosk.office.fleet.events`), as is every refused upload.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from csp.decorators import csp_exempt
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kiosk.device.credentials import CodeError, reply_mac, token_hash
from kiosk.office.fleet import enrolment, proof
from kiosk.office.fleet.conf import fleet_settings
from kiosk.office.fleet.events import note
from kiosk.office.fleet.models import EventKind, Screen, Screenshot
from kiosk.office.fleet.rows import select_row, update_row

log = logging.getLogger(__name__)

MAX_HEARTBEAT = 64 * 1024
MAX_BATCH = 2 * 1024 * 1024
MAX_SCREENSHOT = 2 * 1024 * 1024
MAX_SHOT_PIXELS = 4096 * 4096
_AUTH_FIELDS = ("id", "device_id", "retired", "shot_requested", "last_sent", "uptime_s")


def _remote(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _refuse(status: int, message: str, **extra: Any) -> JsonResponse:  # noqa: ANN401
    return JsonResponse({"error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def _json_body(request: HttpRequest, limit: int) -> tuple[Any, bytes]:
    """(parsed JSON, raw bytes); ValueError with a plain reason when it is not a JSON body within ``limit``."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > limit:
        raise ValueError(f"the body is missing or larger than {limit} bytes")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"the body is larger than {limit} bytes")
    try:
        return json.loads(raw), raw
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the body is not JSON") from None


def _claimed(body: object) -> str:
    if isinstance(body, dict) and isinstance(body.get("device"), str):
        return str(body["device"])[:64]
    return ""


Handler = Callable[[HttpRequest, Screen], HttpResponse]


def device_api(view: Handler) -> Callable[[HttpRequest], HttpResponseBase]:
    """POST only, no CSRF, a valid token of a screen in service: the view gets the :class:`Screen`."""

    @csp_exempt()  # JSON for a screen, never a document: no policy to build 200 times a second
    @csrf_exempt
    @require_POST
    def wrapper(request: HttpRequest) -> HttpResponse:
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        screen = _screen_of(token) if token else None
        if screen is None:
            claimed = request.headers.get("X-Kiosk-Device", "")
            note(None, EventKind.BAD_TOKEN, f"{request.path}: {'no' if not token else 'an unknown'} device token",
                 remote=_remote(request), claimed=claimed)
            return _refuse(401, "unknown device token: enrol this screen again (kiosk enrol URL CODE)")
        if screen.retired is not None:
            note(screen, EventKind.RETIRED, f"{request.path}: the screen was retired on "
                                            f"{timezone.localtime(screen.retired):%Y-%m-%d %H:%M}",
                 remote=_remote(request))
            return _refuse(403, "this screen was retired in the office")
        return view(request, screen)

    wrapper.__name__ = view.__name__
    return wrapper


def _screen_of(token: str) -> Screen | None:
    """The screen holding ``token`` (only the columns every request needs: this runs 200 times a second)."""
    found = select_row(Screen, _AUTH_FIELDS, "token_hash", token_hash(token))
    return Screen(**found) if found is not None else None


def _wrong_device(request: HttpRequest, screen: Screen, claimed: str, raw: bytes) -> JsonResponse:
    detail = f"{request.path}: the token of {screen.device_id} was used for {claimed!r}"
    note(screen, EventKind.WRONG_DEVICE, detail, remote=_remote(request), claimed=claimed, evidence=raw)
    other = Screen.objects.filter(device_id=claimed).exclude(pk=screen.pk).first()
    if other is not None:
        note(other, EventKind.WRONG_DEVICE, detail, remote=_remote(request), claimed=claimed)
    return _refuse(403, "this token belongs to another screen")


# ---------------------------------------------------------------- enrolment


@csp_exempt()
@csrf_exempt
@require_POST
def enrol(request: HttpRequest) -> HttpResponse:
    try:
        body, _ = _json_body(request, MAX_HEARTBEAT)
        if not isinstance(body, dict):
            raise ValueError("the body is not a JSON object")
        result = enrolment.exchange(body, _remote(request))
    except (ValueError, CodeError) as e:
        return _refuse(400, str(e))
    except enrolment.EnrolRefused as e:
        note(None, EventKind.BAD_CODE, str(e), remote=_remote(request))
        return _refuse(404, str(e))
    payload, key = result
    return JsonResponse({"reply": payload, "mac": reply_mac(key, payload)}, json_dumps_params={"ensure_ascii": False})


# ---------------------------------------------------------------- heartbeat


def _time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return proof.aware(dt.datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if abs(number) < 1e18 else None


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def status_fields(body: dict[str, Any], now: dt.datetime, tolerance_s: float) -> dict[str, Any]:
    """The Screen columns a heartbeat sets (unknown or mistyped fields are left out, never an error)."""
    fields: dict[str, Any] = {"last_seen": now}
    taken = _time(body.get("time"))
    sent = _time(body.get("sent")) or taken  # "sent": when it left the screen (queued beats are older)
    if taken is not None:
        fields["status_time"] = taken
    if sent is not None:
        offset = (sent - now).total_seconds()
        fields["clock_offset_s"] = offset
        fields["last_sent"] = sent
        if abs(offset) <= tolerance_s:
            fields["clock_sane"] = now
    versions = body.get("versions")
    if isinstance(versions, dict):
        fields["versions"] = {str(k)[:40]: (None if v is None else str(v)[:20]) for k, v in list(versions.items())[:50]}
    fields["last_error"] = _text(body.get("last_error"), 2000)
    fields["showing"] = _text(body.get("showing"), 200)
    fields["software"] = _text(body.get("software"), 40)
    fields["uptime_s"] = _number(body.get("uptime_s"))
    disk = _number(body.get("disk_free_bytes"))
    fields["disk_free"] = int(disk) if disk is not None and disk >= 0 else None
    fields["last_sync"] = _time(body.get("last_sync"))
    return fields


@device_api
def heartbeat(request: HttpRequest, screen: Screen) -> HttpResponse:
    try:
        body, raw = _json_body(request, MAX_HEARTBEAT)
    except ValueError as e:
        note(screen, EventKind.GARBAGE, f"heartbeat: {e}", remote=_remote(request))
        return _refuse(400, str(e))
    if not isinstance(body, dict):
        note(screen, EventKind.GARBAGE, "heartbeat: not a JSON object", remote=_remote(request), evidence=raw)
        return _refuse(400, "the body is not a JSON object")
    if body.get("device") != screen.device_id:
        return _wrong_device(request, screen, _claimed(body), raw)
    now = timezone.now()
    tolerance = fleet_settings().clock_tolerance_s
    fields = status_fields(body, now, tolerance)
    if _replayed(screen, fields, now, tolerance):
        sent = fields["last_sent"]
        note(screen, EventKind.REPLAY, f"heartbeat sent {timezone.localtime(sent):%Y-%m-%d %H:%M:%S} (screen clock), "
                                       "older than one received already: a replayed request", remote=_remote(request),
             evidence=raw)
        return _refuse(409, "this heartbeat is older than one received already")
    fields["last_ip"] = _remote(request)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # a status snapshot, replaced within a minute: no need to wait for the disk (a crash may lose the
            # newest one, never a record of proof: uploads commit durably)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        update_row(Screen, screen.pk, fields)
    reply: dict[str, Any] = {"ok": True, "time": timezone.localtime(now).replace(tzinfo=None).isoformat("T", "seconds")}
    if screen.shot_requested is not None:
        reply.update(screenshot=True, screenshot_url="screenshot")
    return JsonResponse(reply)


def _replayed(screen: Screen, fields: dict[str, Any], now: dt.datetime, tolerance: float) -> bool:
    """A heartbeat sent before the newest one received, by a clock that is not sane now, from earlier in the
    same run of the player (its uptime not beyond the newest one's): a captured request sent again.

    A clock that jumped back while the player ran is not a replay (the uptime went on); a replay made
    within ``tolerance`` of its capture, or of a beat from a longer earlier run, is not caught.
    """
    sent, uptime = fields.get("last_sent"), fields.get("uptime_s")
    if sent is None or screen.last_sent is None or sent >= screen.last_sent:
        return False
    if abs((sent - now).total_seconds()) <= tolerance:
        return False
    return uptime is None or screen.uptime_s is None or uptime <= screen.uptime_s


# ---------------------------------------------------------------- screenshot


@device_api
def screenshot(request: HttpRequest, screen: Screen) -> HttpResponse:
    claimed = request.headers.get("X-Kiosk-Device", "")
    if claimed != screen.device_id:
        return _wrong_device(request, screen, claimed, b"")
    length = request.META.get("CONTENT_LENGTH") or "0"
    data = request.read(MAX_SCREENSHOT + 1) if length.isdigit() and int(length) <= MAX_SCREENSHOT else b""
    size = _png_size(data)
    if size is None:
        note(screen, EventKind.GARBAGE, f"screenshot: not a PNG of at most {MAX_SCREENSHOT} bytes and "
                                        f"{MAX_SHOT_PIXELS} pixels", remote=_remote(request), evidence=data[:2048])
        return _refuse(400, "a screenshot must be a PNG image")
    now = timezone.now()
    with transaction.atomic():
        Screenshot.objects.update_or_create(screen=screen, defaults={"png": data, "width": size[0],
                                                                     "height": size[1], "taken": now})
        Screen.objects.filter(pk=screen.pk).update(shot_requested=None, last_seen=now)
    return JsonResponse({"ok": True})


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a well-formed PNG within the limits (header checked before decoding,
    through the one bounded decoder every image goes through)."""
    if len(data) > MAX_SCREENSHOT or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    from kiosk.content.images import ImageProblem, open_image

    try:
        with open_image(data) as (img, info):
            w, h = info.width, info.height
            if info.format != "PNG" or w * h > MAX_SHOT_PIXELS:
                return None
            img.load()  # decodes: a truncated or corrupt file fails here
        return w, h
    except (ImageProblem, OSError, ValueError):
        return None


# ---------------------------------------------------------------- proof of display


@device_api
def audit(request: HttpRequest, screen: Screen) -> HttpResponse:
    remote = _remote(request)
    try:
        body, raw = _json_body(request, MAX_BATCH)
    except ValueError as e:
        note(screen, EventKind.GARBAGE, f"upload: {e}", remote=remote)
        return _refuse(400, str(e))
    claimed = _claimed(body)
    if claimed and claimed != screen.device_id:
        return _wrong_device(request, screen, claimed, raw)
    try:
        batch = proof.parse_batch(body)
        acked = proof.receive(screen.pk, batch, remote)
    except proof.BatchRefused as e:
        note(screen, e.kind, f"upload refused: {e.message}", remote=remote, evidence=raw)
        extra = {"next_seq": e.next_seq} if e.next_seq is not None else {}
        return _refuse(e.status, e.message, **extra)
    return JsonResponse({"acked": acked})
