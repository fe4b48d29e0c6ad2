"""``UsbService``: the watcher, the importer and the overlay state wired together for the player.

Threads: the watcher scans and hands volumes to the importer's queue; the importer verifies and
imports one stick at a time and queues events.  The frame loop calls :meth:`UsbService.panel`
once per frame: it drains the events (never blocks) and returns what the overlay should show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk import strings
from kiosk.clock import WallClock
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.usb.events import FeedOutcome, StickRemoved, StickResult
from kiosk.usb.importer import UsbImporter
from kiosk.usb.panel import PanelView, UsbPanel
from kiosk.usb.watcher import DEFAULT_ROOTS, UsbWatcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UsbSettings:
    """The ``[usb]`` section of the device config."""

    enabled: bool = True
    mount_roots: tuple[Path, ...] = DEFAULT_ROOTS
    rescan_s: float = 2.0  # fallback scan of the mount roots (watchdog wakes it sooner)
    message_s: float = 20.0  # the result stays this long after "可以拔出U盘"
    write_report: bool = True  # write kiosk-feed-report/<device>-<time>.json onto the stick
    import_present: bool = True  # a stick already inserted at start-up is imported too
    lock_wait_s: float = 300.0  # wait this long for a running network sync to finish


class UsbService:
    def __init__(self, sources: Sequence[FeedSource], store: Store, settings: UsbSettings | None = None, *,
                 device_id: str, site: str = "", clock: WallClock | None = None,
                 wake: Callable[[], None] | None = None) -> None:
        self.settings = settings or UsbSettings()
        s = self.settings
        self.importer = UsbImporter(sources, store, device_id=device_id, site=site, clock=clock,
                                    write_reports=s.write_report, lock_wait=s.lock_wait_s, on_event=wake)
        self.watcher = UsbWatcher(s.mount_roots, self.importer.submit, self._removed, rescan_s=s.rescan_s,
                                  import_present=s.import_present)
        self._panel = UsbPanel(linger=s.message_s)
        self.last_results: list[FeedOutcome] = []

    def start(self) -> None:
        self.importer.start()
        self.watcher.start()
        log.info("usb: watching %s", ", ".join(str(r) for r in self.settings.mount_roots))

    def stop(self, timeout: float = 5.0) -> bool:
        watcher = self.watcher.stop(timeout)
        return self.importer.stop(timeout) and watcher

    def _removed(self, volume: Path) -> None:
        self.importer.emit(StickRemoved(volume))

    def panel(self, mono: float) -> PanelView | None:
        """Frame loop only: apply new events; what the overlay shows at ``mono`` (None: hidden)."""
        for event in self.importer.poll_events():
            self._panel = self._panel.apply(event, mono)
            if isinstance(event, StickResult):
                self.last_results = [*self.last_results[-7:], event.result]
        return self._panel.view(mono)

    def status_lines(self) -> list[str]:
        """For the technician status line: the last stick results."""
        return [strings.USB_STATUS.format(feed=r.feed or "-", message=r.message) for r in self.last_results[-2:]]
