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
            audit_log = AuditLog(audit_dir, clock)
            recorder = Recorder(audit_log)
            recorder.start()
            player.recorder = recorder
        except (AuditError, OSError) as e:
            log.error("proof-of-display log disabled: %s: %s", audit_dir, e)
    if config.audit.upload_url and audit_log is not None:
        from kiosk.audit.upload import Uploader, UploadSettings

        uploader = Uploader(audit_dir, UploadSettings(config.audit.upload_url, config.device.id,
                                                      interval=config.audit.upload_interval), clock)
        services.threads.append(start_thread(uploader.step, services.stop_event, "kiosk-audit-upload"))
    if config.status.heartbeat_url:
        from kiosk.heartbeat import DeviceStatus, Heartbeat, HeartbeatSettings

        def status() -> DeviceStatus:
            showing = player.showing
            return DeviceStatus(versions={c.feed: c.version for c in player.contents},
                                last_error=player.errors[-1] if player.errors else None,
                                showing=showing.slot.item.key if showing is not None else None,
                                audit_head=audit_log.head if audit_log is not None else None)

        settings = HeartbeatSettings(config.status.heartbeat_url, config.device.id,
                                     interval=config.status.heartbeat_interval, disk_path=config.state_path())
        heartbeat = Heartbeat(settings, status, clock, thumbnails.request if thumbnails is not None else None)
        services.threads.append(start_thread(heartbeat.step, services.stop_event, "kiosk-heartbeat"))
    return services
