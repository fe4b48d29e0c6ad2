"""``UsbImporter``: verify a stick's feed and import it into the screen's store, off the frame loop.

For each configured feed the stick belongs to (:mod:`kiosk.usb.match`), the import is an
ordinary ``sync_feed`` of that feed, with the source's URL pointed at the stick and a
:class:`~kiosk.usb.fetcher.StickFetcher`: the same trusted root, the same ``Store`` and the same
per-feed TUF metadata cache as the network.  So a stick older than what the network delivered
is a rollback, a newer stick is accepted with the network down, and a failure leaves the store
as it was.  Events go on a queue the player drains (:meth:`UsbImporter.poll_events`).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from tuf.ngclient.fetcher import FetcherInterface

from kiosk.clock import UtcClock, WallClock
from kiosk.feed.errors import (
    FeedBusyError,
    FeedClockError,
    FeedError,
    FeedExpiredError,
    FeedFetchError,
    FeedInvalidError,
    FeedRollbackError,
    FeedSignatureError,
    FeedTamperedError,
    FeedTooBigError,
)
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import aware, sync_feed
from kiosk.usb.events import (
    FeedOutcome,
    Outcome,
    StickDetected,
    StickDone,
    StickProgress,
    StickResult,
    UsbEvent,
)
from kiosk.usb.fetcher import StickFetcher
from kiosk.usb.match import match_sources
from kiosk.usb.plan import PlanError, StickPlan, read_plan
from kiosk.usb.report import write_report
from kiosk.usb.safefs import SafeVolume

log = logging.getLogger(__name__)

FetcherWrap = Callable[[FetcherInterface], FetcherInterface]


class _Progress:
    """Turns bytes read into StickProgress events, one per whole percent."""

    def __init__(self, volume: Path, total: int, emit: Callable[[UsbEvent], None]) -> None:
        self.volume, self.total, self.emit = volume, max(1, total), emit
        self.read = 0
        self.percent = -1

    def add(self, count: int) -> None:
        self.read += count
        self.report(min(99, self.read * 100 // self.total))

    def report(self, percent: int) -> None:
        if percent > self.percent:
            self.percent = percent
            self.emit(StickProgress(self.volume, percent))


class UsbImporter:
    """Imports sticks one at a time in a daemon thread; ``import_volume`` does one in the caller's."""

    def __init__(self, sources: Sequence[FeedSource], store: Store, *, device_id: str, site: str = "",
                 clock: WallClock | None = None, write_reports: bool = True, lock_wait: float = 300.0,
                 wrap_fetcher: FetcherWrap | None = None, on_event: Callable[[], None] | None = None) -> None:
        self.sources = list(sources)
        self.store = store
        self.device_id, self.site = device_id, site
        self.clock = clock or UtcClock()
        self.write_reports = write_reports
        self.lock_wait = lock_wait
        self.wrap_fetcher = wrap_fetcher
        self.on_event = on_event  # called after each event is queued, from the import thread (wake the loop)
        self._events: queue.SimpleQueue[UsbEvent] = queue.SimpleQueue()
        self._work: queue.Queue[Path | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ thread

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="kiosk-usb-import", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to end after the current stick; True when it did within ``timeout``."""
        if self._thread is None:
            return True
        self._work.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def submit(self, volume: Path) -> None:
        """Import ``volume`` in the background (called by the watcher)."""
        self._work.put(Path(volume))

    def poll_events(self) -> list[UsbEvent]:
        """Events since the last call, oldest first (thread-safe, never blocks)."""
        out: list[UsbEvent] = []
        while True:
            try:
                out.append(self._events.get_nowait())
            except queue.Empty:
                return out

    def emit(self, event: UsbEvent) -> None:
        self._events.put(event)
        if self.on_event is not None:
            self.on_event()

    def _loop(self) -> None:
        while (volume := self._work.get()) is not None:
            try:
                self.import_volume(volume)
            except Exception:  # a bug must not end USB updates for good
                log.exception("usb import of %s crashed", volume)
                self.emit(StickResult(volume, FeedOutcome(None, Outcome.DEVICE, detail="unexpected error")))
                self.emit(StickDone(volume, None))

    # ------------------------------------------------------------ one stick

    def import_volume(self, volume: Path) -> list[FeedOutcome]:
        """Verify and import one stick; events are emitted as it goes; returns one outcome per feed."""
        volume = Path(volume)
        self.emit(StickDetected(volume))
        stick = SafeVolume(volume)
        match = match_sources(stick, self.sources)
        results: list[FeedOutcome] = []
        if not match.sources:
            if match.roots_missing:
                missing = "the stick has no readable root metadata (metadata/N.root.json): copy the feed again"
                results.append(FeedOutcome(None, Outcome.INCOMPLETE, detail=missing))
            else:
                results.append(FeedOutcome(None, Outcome.NOT_OURS, detail="no configured feed trusts the stick's root"))
            log.warning("usb %s: %s", volume, results[-1].detail)
            self.emit(StickResult(volume, results[-1]))
        for source in match.sources:
            try:
                results.append(self._import_feed(stick, source))
            except Exception as e:  # a bug: this feed fails, the report is still written on the stick
                log.exception("usb %s: feed %s: import crashed", volume, source.name)
                results.append(FeedOutcome(source.name, Outcome.DEVICE, self.store.current_version(source.name),
                                           self.store.current_version(source.name),
                                           detail=f"unexpected {type(e).__name__}: {e}"))
            log.info("usb %s: feed %s: %s %s", volume, source.name, results[-1].outcome.value, results[-1].detail)
            self.emit(StickResult(volume, results[-1]))
        report = None
        if self.write_reports:
            report = write_report(volume, results, self.device_id, self.site, aware(self.clock.now()))
        self.emit(StickDone(volume, report))
        return results

    def _import_feed(self, stick: SafeVolume, source: FeedSource) -> FeedOutcome:
        name = source.name
        before = self.store.current_version(name)
        plan, plan_problem = _plan(stick)
        progress = _Progress(stick.volume, plan.to_read(self.store.has_object) if plan else 0, self.emit)
        progress.report(0)
        fetcher: FetcherInterface = StickFetcher(stick, source.max_bytes, progress.add)
        if self.wrap_fetcher is not None:
            fetcher = self.wrap_fetcher(fetcher)
        on_stick = dataclasses.replace(source, url=stick.feed_url)
        try:  # a network sync holding the store is cut short; a refusal leaves the store as it was
            result = sync_feed(on_stick, self.store, fetcher, self.clock, lock_wait=self.lock_wait, preempt=True)
        except FeedError as e:
            outcome = self._refused(e, plan, plan_problem, stick, name)
            return FeedOutcome(name, outcome, before, self.store.current_version(name), detail=str(e))
        progress.report(100)
        items = count_items(self.store.current(name), name)
        outcome = Outcome.ACCEPTED if result.changed else Outcome.UP_TO_DATE
        return FeedOutcome(name, outcome, before, result.version, items, detail=f"{result.bytes} bytes read")

    def _refused(self, error: FeedError, plan: StickPlan | None, plan_problem: PlanError | None,
                 stick: SafeVolume, feed: str) -> Outcome:
        if plan is not None:
            incomplete = bool(plan.short_files(stick.size))
        else:
            incomplete = plan_problem is not None and plan_problem.incomplete
        outcome = classify(error, incomplete)
        if outcome is Outcome.ROLLBACK and plan is not None and plan.manifest_sha256 == \
                self.store.current_manifest(feed):
            return Outcome.UP_TO_DATE  # older signatures of the very content playing: nothing to do
        return outcome


def classify(error: FeedError, incomplete: bool) -> Outcome:
    """The outcome for a refused import.

    ``incomplete``: a file of the stick's feed is missing or shorter than its metadata says
    (a half-copied stick or one pulled out); it decides between 文件不完整 and 文件已损坏 when the
    feed layer only says "hash or length mismatch".
    """
    if isinstance(error, FeedSignatureError):
        return Outcome.BAD_SIGNATURE
    if isinstance(error, FeedRollbackError):
        return Outcome.ROLLBACK
    if isinstance(error, FeedExpiredError):
        return Outcome.EXPIRED
    if isinstance(error, FeedTamperedError | FeedTooBigError):
        return Outcome.INCOMPLETE if incomplete else Outcome.DAMAGED
    if isinstance(error, FeedFetchError | FeedInvalidError):
        return Outcome.INCOMPLETE  # missing, unreadable, vanished or truncated (unparsable) files
    if isinstance(error, FeedClockError):
        return Outcome.CLOCK
    if isinstance(error, FeedBusyError):
        return Outcome.BUSY  # a network sync kept the store for longer than lock_wait
    return Outcome.DEVICE  # store, config or an unexpected error: the screen's problem, not the stick's


def count_items(folder: Path | None, feed: str) -> int | None:
    """Notices in a content folder as the player loads them (None when it cannot be loaded)."""
    if folder is None:
        return None
    from kiosk.content import ContentError, load_content

    try:
        return len(load_content(folder, feed=feed).items)
    except ContentError:
        return len(list((folder / "items").glob("*.md")))


def _plan(stick: SafeVolume) -> tuple[StickPlan | None, PlanError | None]:
    try:
        return read_plan(stick.read_bytes), None
    except PlanError as e:
        log.info("usb %s: no plan from the stick's metadata (%s)", stick.volume, e)
        return None, e

