"""Background services of a real screen: proof-of-display recorder, record upload, heartbeat.

Each is optional and failure-tolerant: a log that cannot be written is reported and the player
plays on; uploads and heartbeats run in their own threads with backoff.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from kiosk.clock import Clock
from kiosk.config import Config

log = logging.getLogger(__name__)


class _CallClock:
    """The audit log's clock on the writer thread: the time at which the player made the call."""

    def __init__(self, real: Clock) -> None:
        self.real = real
        self.at: object = None

    def now(self):  # noqa: ANN201 - datetime
        return self.at if self.at is not None else self.real.now()

    def monotonic(self) -> float:
        return self.real.monotonic()


class QueuedRecorder:
    """The proof-of-display recorder behind a queue: the frame loop never waits for an fsync.

    Every call is stamped with the time it was made and replayed, in order, on one writer thread.
    """

    def __init__(self, recorder, clock: _CallClock) -> None:  # noqa: ANN001 - kiosk.audit.log.Recorder
        import queue

        self._recorder, self._clock = recorder, clock
        self._calls: queue.Queue[tuple[str, tuple, dict, object] | None] = queue.Queue(maxsize=10_000)
        self._thread = threading.Thread(target=self._run, name="kiosk-audit-writer", daemon=True)
        self._thread.start()

    def __getattr__(self, name: str):  # noqa: ANN204 - begin, idle, screen_off, end, tick
        if name not in ("begin", "idle", "screen_off", "end", "tick"):
            raise AttributeError(name)

        def call(*args: object, **kwargs: object) -> None:
            try:
                self._calls.put_nowait((name, args, kwargs, self._clock.real.now()))
            except Exception:  # noqa: BLE001 - a full queue (disk stalled for hours) drops, never blocks
                log.error("proof-of-display queue full: %s dropped", name)

        return call

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            name, args, kwargs, at = call
            self._clock.at = at
            try:
                getattr(self._recorder, name)(*args, **kwargs)
            except Exception:  # noqa: BLE001 - the writer must outlive any bad record
                log.exception("proof-of-display record failed")
            finally:
                self._clock.at = None

    def stop(self) -> None:
        """Write what is queued, then the clean-stop record."""
        self._calls.put(None)
        self._thread.join(timeout=10)
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


def start_services(config: Config, player, clock: Clock,  # noqa: ANN001 - kiosk.player.Player
                   thumbnails: Thumbnails | None = None) -> Services:
    from kiosk.audit.log import AuditLog, Recorder
    from kiosk.audit.net import start_thread
    from kiosk.audit.records import AuditError

    services = Services()
    audit_dir = config.state_path() / "audit"
    audit_log: AuditLog | None = None
    if config.audit.enabled:
        try:
            call_clock = _CallClock(clock)
            audit_log = AuditLog(audit_dir, call_clock)  # type: ignore[arg-type]
            recorder = Recorder(audit_log)
            recorder.start()
            player.recorder = QueuedRecorder(recorder, call_clock)
        except (AuditError, OSError) as e:
            log.error("proof-of-display log disabled: %s: %s", audit_dir, e)
    if config.audit.upload_url and audit_log is not None:
        from kiosk.audit.upload import Uploader, UploadSettings

        uploader = Uploader(audit_dir, UploadSettings(config.audit.upload_url, config.device.id,
                                                      interval=config.audit.upload_interval), clock)
        services.threads.append(start_thread(uploader.step, services.stop_event, "kiosk-audit-upload"))
    if config.status.heartbeat_url:
        from kiosk.device.heartbeat import DeviceStatus, Heartbeat, HeartbeatSettings

        def status() -> DeviceStatus:
            showing = getattr(player, "showing", None)
            return DeviceStatus(versions={c.feed: c.version for c in player.contents},
                                last_error=player.errors[-1] if player.errors else None,
                                showing=showing.slot.item.key if showing is not None else None,
                                audit_head=audit_log.head if audit_log is not None else None)

        settings = HeartbeatSettings(config.status.heartbeat_url, config.device.id,
                                     interval=config.status.heartbeat_interval, disk_path=config.state_path())
        heartbeat = Heartbeat(settings, status, clock, thumbnails.request if thumbnails is not None else None)
        services.threads.append(start_thread(heartbeat.step, services.stop_event, "kiosk-heartbeat"))
    return services
