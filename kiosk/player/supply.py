"""Where the player's content comes from at run time, and the background work that keeps it fresh.

- ``--content DIR``: that folder, as is (development, checks).
- ``[[feed]]`` in the device config: the verified versions in the store, kept fresh by a
  background :class:`~kiosk.feed.service.SyncService` (never blocks a frame).
- ``kiosk demo``: the whole chain — the demo content is signed into a local feed, served on
  127.0.0.1 and synced into a store like any feed.  The first frame never waits: until the store
  holds a verified version the demo folder itself plays, and a second start plays the stored
  version at once (the feed is rebuilt only when the demo content changed).
- otherwise ``content.dir`` (or the built-in demo folder when it is empty).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import DEMO_CONTENT, Config
from kiosk.player.sources import FolderSource, StoreSource

if TYPE_CHECKING:
    from kiosk.feed.demo import DemoFeed
    from kiosk.feed.service import SyncService
    from kiosk.feed.source import FeedSource
    from kiosk.feed.store import Store
    from kiosk.usb.service import UsbService

log = logging.getLogger(__name__)

DEMO_FEED = "demo"


@dataclass
class Supply:
    source: FolderSource
    stops: list[Callable[[], object]] = field(default_factory=list)
    status: Callable[[], list[str]] = field(default=lambda: [])
    usb: UsbService | None = None  # on a screen with feeds

    def stop(self) -> None:
        for stop in reversed(self.stops):
            try:
                stop()
            except Exception:  # stopping must never hide the player's own exit
                log.exception("while stopping")


def open_supply(config: Config, content: Path | None, demo: bool, background: bool,
                wake: Callable[[], None] | None = None) -> Supply:
    """``background``: start syncing (a real screen); headless renders use what is stored."""
    if content is not None:
        return _folder_supply(content, background)
    if demo:
        return _demo_supply(config, background)
    sources = config.feed_sources()
    if not sources:
        return _folder_supply(config.content_dir(), background)
    from kiosk.feed.store import Store

    store = Store(config.state_path())
    supply = Supply(StoreSource([s.name for s in sources], store.current, background=background))
    if background:
        from kiosk.feed.service import SyncService

        service = SyncService(sources, store)
        service.start()
        supply.stops.append(service.stop)
        usb_lines: Callable[[], list[str]] = lambda: []  # noqa: E731
        if config.usb.enabled:
            usb = _start_usb(config, sources, store, wake)
            supply.usb = usb
            supply.stops.append(usb.stop)
            usb_lines = usb.status_lines
        supply.status = lambda: [st.line() for st in service.status().values()] + usb_lines()
    return supply


def _start_usb(config: Config, sources: Sequence[FeedSource], store: Store,
               wake: Callable[[], None] | None) -> UsbService:
    from kiosk.usb.service import UsbService, UsbSettings

    u = config.usb
    settings = UsbSettings(enabled=True, mount_roots=tuple(Path(p) for p in u.mount_roots), rescan_s=u.rescan_s,
                           message_s=u.message_s, write_report=u.write_report, import_present=u.import_present,
                           lock_wait_s=u.lock_wait_s)
    usb = UsbService(sources, store, settings, device_id=config.device.id, site=config.device.site, wake=wake)
    usb.start()
    return usb


def _folder_supply(folder: Path, background: bool) -> Supply:
    """A local folder: on a running screen watched for edits and loaded off the frame loop."""
    source = FolderSource([("local", folder)], watch=background, background=background)
    return Supply(source, stops=[source.close])


def _demo_supply(config: Config, background: bool) -> Supply:
    from kiosk.feed.store import Store

    cache = config.state_path() / "demo-cache"
    store = Store(cache / "state")
    supply = Supply(StoreSource([DEMO_FEED], store.current, background=background,
                                fallback={DEMO_FEED: DEMO_CONTENT}))
    if background:
        chain = _DemoChain(cache)
        chain.start()
        supply.stops.append(chain.stop)
        supply.status = chain.status
    return supply


class _DemoChain:
    """Builds (or reuses) the signed demo feed, serves it on 127.0.0.1 and syncs it — off the frame loop."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self._thread = threading.Thread(target=self._run, name="kiosk-demo-feed", daemon=True)
        self._lock = threading.Lock()
        self._demo: DemoFeed | None = None
        self._service: SyncService | None = None
        self._stopped = False
        self._problem: str | None = None

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        from kiosk.feed.demo import prepare_demo
        from kiosk.feed.errors import FeedError
        from kiosk.feed.service import SyncService

        try:
            demo = prepare_demo(DEMO_CONTENT, self.cache)
        except (FeedError, OSError) as e:
            self._problem = f"demo feed not built, playing the demo folder: {e}"
            log.error("%s", self._problem)
            return
        service = SyncService([demo.source], demo.store)
        with self._lock:
            if self._stopped:
                demo.stop()
                return
            self._demo, self._service = demo, service
            service.start()
        log.info("demo feed served at %s (%s)", demo.url, "rebuilt" if demo.rebuilt else "reused")

    def status(self) -> list[str]:
        if self._problem:
            return [self._problem]
        service = self._service
        return [st.line() for st in service.status().values()] if service is not None else ["demo feed starting"]

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._service is not None:
                self._service.stop()
            if self._demo is not None:
                self._demo.stop()
