"""Background services of a real screen: proof-of-display recorder, record upload, heartbeat.

Each is optional and failure-tolerant: a log that cannot be written is reported and the player
plays on; uploads and heartbeats run in their own threads with backoff.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.clock import Clock
from kiosk.config import Config

if TYPE_CHECKING:
    from kiosk.audit.log import AuditLog, Recorder, Window
    from kiosk.device.heartbeat import DeviceStatus

log = logging.getLogger(__name__)


class _CallClock:
    """The audit log's clock on the writer thread: the time at which the player made the call."""

    def __init__(self, real: Clock) -> None:
        self.real = real
        self.at: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.at if self.at is not None else self.real.now()

    def monotonic(self) -> float:
        return self.real.monotonic()


class QueuedRecorder:
    """The proof-of-display recorder behind a queue: the frame loop never waits for an fsync.

    Every call is stamped with the time it was made and replayed, in order, on one writer thread.
    """

    def __init__(self, recorder: Recorder, clock: _CallClock) -> None:
        self._recorder, self._clock = recorder, clock
        self._calls: queue.Queue[tuple[Callable[..., None], tuple[Any, ...], dict[str, Any], dt.datetime] | None] = \
            queue.Queue(maxsize=10_000)
        self._thread = threading.Thread(target=self._run, name="kiosk-audit-writer", daemon=True)
        self._thread.start()

    def _put(self, call: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        try:
            self._calls.put_nowait((call, args, kwargs, self._clock.real.now()))
        except queue.Full:  # the disk stalled for hours: drop, never block the frame loop
            log.error("proof-of-display queue full: %s dropped", call.__name__)

    def begin(self, item_key: str, feed: str, version: str | int | None, region: Sequence[int] | None, *,
              page: int | None = None, window: Window | None = None, frame_hash: str | None = None) -> None:
        self._put(self._recorder.begin, item_key, feed, version, region, page=page, window=window,
                  frame_hash=frame_hash)

    def idle(self, region: Sequence[int] | None, frame_hash: str | None = None) -> None:
        self._put(self._recorder.idle, region, frame_hash)

    def screen_off(self, region: Sequence[int] | None = None, frame_hash: str | None = None) -> None:
        self._put(self._recorder.screen_off, region, frame_hash)

    def end(self, frame_hash: str | None = None) -> None:
        self._put(self._recorder.end, frame_hash)

    def tick(self) -> None:
        self._put(self._recorder.tick)

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            method, args, kwargs, at = call
            self._clock.at = at
            try:
                method(*args, **kwargs)
            except Exception:  # noqa: BLE001 - the writer must outlive any bad record
                log.exception("proof-of-display record failed")
            finally:
                self._clock.at = None

    def stop(self) -> None:
        """Write what is queued, then the clean-stop record."""
        self._calls.put(None)
        self._thread.join(timeout=5)  # a stalled disk must not outlast the unit's stop timeout
        self._recorder.stop()


@dataclass
class Services:
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=2)


class Thumbnails:
    """A small PNG of the screen for the heartbeat, made by the frame loop when asked (thread-safe)."""

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._ready = threading.Event()
        self._png: bytes | None = None

    @property
    def wanted(self) -> bool:
        return self._wanted.is_set()

    def request(self, timeout: float = 3.0) -> bytes | None:
        """From another thread: ask the frame loop and wait for its answer."""
        self._ready.clear()
        self._wanted.set()
        return self._png if self._ready.wait(timeout) else None

    def deliver(self, png: bytes) -> None:
        self._png = png
        self._wanted.clear()
        self._ready.set()


def open_proof_log(config: Config, clock: Clock) -> tuple[QueuedRecorder | None, AuditLog | None]:
    """The proof-of-display recorder (behind its writer thread) and its log; (None, None) when the
    log is disabled or cannot be opened (the player plays on, the reason is logged)."""
    from kiosk.audit.keys import DeviceKeyError, load_device_key
    from kiosk.audit.log import AuditLog, Recorder
    from kiosk.audit.records import AuditError

    if not config.audit.enabled:
        return None, None
    audit_dir = config.state_path() / "audit"
    try:
        key = load_device_key(config.state_path())  # created at the first start
    except DeviceKeyError as e:
        log.error("proof of display is not signed: %s", e)
        key = None
    try:
        call_clock = _CallClock(clock)
        audit_log = AuditLog(audit_dir, call_clock)
        recorder = Recorder(audit_log, key=key)
        recorder.start()
        return QueuedRecorder(recorder, call_clock), audit_log
    except (AuditError, OSError) as e:
        log.error("proof-of-display log disabled: %s: %s", audit_dir, e)
        return None, None


def start_services(config: Config, clock: Clock, audit_log: AuditLog | None,
                   status: Callable[[], DeviceStatus], thumbnails: Thumbnails | None = None) -> Services:
    """Upload of proof-of-display records (with a log) and the heartbeat, each on its own thread.

    ``status``: what the heartbeat reports (``audit_head`` is filled in here).
    """
    from kiosk.audit.net import start_thread

    services = Services()
    if not config.audit.upload_url and not config.status.heartbeat_url:
        return services
    headers = _office_headers(config)
    if config.audit.upload_url and audit_log is not None:
        from kiosk.audit.upload import Uploader, UploadSettings

        uploader = Uploader(audit_log.directory, UploadSettings(config.audit.upload_url, config.device.id,
                                                                interval=config.audit.upload_interval), clock,
                            session=_session(headers))
        services.threads.append(start_thread(uploader.step, services.stop_event, "kiosk-audit-upload"))
    if config.status.heartbeat_url:
        from kiosk.device.heartbeat import Heartbeat, HeartbeatSettings

        def device_status() -> DeviceStatus:
            return dataclasses.replace(status(), audit_head=audit_log.head if audit_log is not None else None)

        settings = HeartbeatSettings(config.status.heartbeat_url, config.device.id,
                                     interval=config.status.heartbeat_interval, disk_path=config.state_path())
        heartbeat = Heartbeat(settings, device_status, clock, thumbnails.request if thumbnails is not None else None,
                              session=_session(headers))
        services.threads.append(start_thread(heartbeat.step, services.stop_event, "kiosk-heartbeat"))
    return services


def _office_headers(config: Config) -> dict[str, str]:
    """``Authorization`` for the office when the screen was enrolled (``device.token_file``).

    A token that cannot be read is logged and left out: the office refuses (and notes) the
    requests, the screen plays on, and `kiosk enrol` or a fixed file mends it.
    """
    from kiosk.config import ConfigError
    from kiosk.device.credentials import auth_header

    try:
        token = config.office_token()
    except ConfigError as e:
        log.error("heartbeat and upload go without a token: %s", e)
        return {}
    return auth_header(token) if token else {}


def _session(headers: dict[str, str]) -> Any:  # noqa: ANN401 - requests.Session, imported lazily
    import requests

    session = requests.Session()
    session.headers.update(headers)
    return session
