"""Optional heartbeat: the screen tells a status server that it is alive and what it plays.

Every ``interval`` seconds a snapshot is taken (device id, versions playing per feed, last sync,
last error, uptime, free disk, the audit log head) and queued; queued snapshots are POSTed oldest
first.  When the server is down, attempts follow an exponential backoff with jitter while
snapshots keep being taken into a bounded queue (the oldest are dropped and counted).  A reply
``{"screenshot": true}`` (optionally with ``"screenshot_url"``, relative to the heartbeat URL;
default ``screenshot``) makes the screen POST a small PNG from the ``screenshot`` callable.

Nothing here touches pygame or the network on import; the player works fully without it.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import shutil
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from kiosk import __version__, httpio
from kiosk.audit.net import Backoff, SendError, Timeout, post_bytes, post_json
from kiosk.clock import Clock

log = logging.getLogger(__name__)

MAX_SCREENSHOT = 2 * 1024 * 1024


@dataclass(frozen=True)
class DeviceStatus:
    """What the player knows about itself; the heartbeat adds uptime and free disk."""

    versions: Mapping[str, str | int | None] = field(default_factory=dict)  # feed -> version playing
    last_sync: dt.datetime | None = None
    last_error: str | None = None
    showing: str | None = None  # item key on screen, or None
    audit_head: tuple[int, str] | None = None  # (seq, hash) of the newest display-log record


@dataclass(frozen=True)
class HeartbeatSettings:
    url: str
    device_id: str
    interval: float = 300.0
    queue_max: int = 24  # snapshots kept while the server is unreachable
    disk_path: Path = Path(".")  # where free space is measured (the state directory)
    backoff_base: float = 30.0
    backoff_cap: float = 3600.0
    timeout: Timeout = (10.0, 20.0)  # connect; silence while reading
    deadline: float = 60.0  # one whole exchange, connect to last byte
    reply_cap: int = 64 * 1024  # bytes of reply read at most (after gunzip)


class Heartbeat:
    """Takes and sends status snapshots; call :meth:`step` from a background thread.

    ``status`` and ``screenshot`` are called from that thread: they must only read a snapshot the
    player keeps ready (never draw with pygame from another thread).
    """

    def __init__(self, settings: HeartbeatSettings, status: Callable[[], DeviceStatus], clock: Clock,
                 screenshot: Callable[[], bytes | None] | None = None, session: requests.Session | None = None,
                 rng: random.Random | None = None) -> None:
        if settings.queue_max < 1 or settings.interval <= 0:
            raise ValueError("HeartbeatSettings: queue_max must be >= 1 and interval > 0")
        self.settings = settings
        self.status = status
        self.clock = clock
        self.screenshot = screenshot
        self.session = httpio.guard(session or requests.Session())
        self.backoff = Backoff(settings.backoff_base, settings.backoff_cap, rng=rng)
        self.queue: deque[dict[str, Any]] = deque(maxlen=settings.queue_max)
        self.dropped = 0
        self.last_error: str | None = None
        self.last_success: dt.datetime | None = None
        self._started = clock.monotonic()
        self._next_beat = self._started
        self._next_send = self._started

    @property
    def next_attempt(self) -> float:
        """Monotonic time of the next send attempt (when something is queued)."""
        return self._next_send

    def step(self) -> float:
        """Take a snapshot and send when due; seconds until the next step is useful (never 0)."""
        now = self.clock.monotonic()
        if now >= self._next_beat:
            self._enqueue(self.snapshot(now))
            self._next_beat = now + self.settings.interval
        if self.queue and now >= self._next_send:
            self._send_queue(now)
        wake = self._next_beat if not self.queue else min(self._next_beat, self._next_send)
        return max(wake - now, 0.001)

    def snapshot(self, mono: float) -> dict[str, Any]:
        status = self.status()
        return {
            "device": self.settings.device_id,
            "time": self.clock.now().isoformat(timespec="seconds"),
            "uptime_s": round(mono - self._started, 1),
            "disk_free_bytes": _disk_free(self.settings.disk_path),
            "versions": {k: (None if v is None else str(v)) for k, v in status.versions.items()},
            "last_sync": status.last_sync.isoformat(timespec="seconds") if status.last_sync else None,
            "last_error": status.last_error,
            "showing": status.showing,
            "audit_head": list(status.audit_head) if status.audit_head else None,
            "software": __version__,
        }

    def _enqueue(self, beat: dict[str, Any]) -> None:
        if len(self.queue) == self.queue.maxlen:
            self.dropped += 1  # deque drops the oldest
        self.queue.append(beat)

    def _send_queue(self, now: float) -> None:
        try:
            while self.queue:
                sent = self.clock.now().isoformat(timespec="seconds")  # queued beats are older than this
                beat = {**self.queue[0], "dropped": self.dropped, "sent": sent}
                reply = post_json(self.session, self.settings.url, beat, self.settings.timeout, self.settings.deadline,
                                  self.settings.reply_cap)
                self.queue.popleft()
                self.dropped = 0
                self._answer(reply)
        except SendError as e:
            delay = self.backoff.next_delay()
            if self.last_error is None:
                log.warning("heartbeat failed (retrying with backoff, next in %.0fs): %s", delay, e)
            self.last_error = str(e)
            self._next_send = now + delay
            return
        self.backoff.reset()
        self.last_error = None
        self.last_success = self.clock.now()
        self._next_send = now

    def _answer(self, reply: dict[str, Any]) -> None:
        if reply.get("screenshot") is not True or self.screenshot is None:
            return
        target = reply.get("screenshot_url")
        url = urljoin(self.settings.url, target if isinstance(target, str) else "screenshot")
        png = self.screenshot()
        if not png or len(png) > MAX_SCREENSHOT:
            log.warning("heartbeat: screenshot requested but none available (or over %d bytes)", MAX_SCREENSHOT)
            return
        try:
            post_bytes(self.session, url, png, "image/png", {"X-Kiosk-Device": self.settings.device_id},
                       self.settings.timeout, self.settings.deadline, self.settings.reply_cap)
        except SendError as e:
            log.warning("heartbeat: screenshot not delivered (the server may ask again): %s", e)


def _disk_free(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None
