"""The background sync: one daemon thread per device polling every feed.

It never blocks the frame loop: the player only reads ``Store.current()`` and
``SyncService.status()``.  Each feed is polled every ``poll_interval`` ± jitter;
after a failure the delay starts at ``retry_min`` and doubles up to ``retry_max``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence

from tuf.ngclient.fetcher import FetcherInterface

from kiosk.clock import UtcClock, WallClock
from kiosk.feed.errors import FeedError
from kiosk.feed.fetchers import make_fetcher
from kiosk.feed.source import FeedSource
from kiosk.feed.status import FeedStatus, StatusBook
from kiosk.feed.store import Store
from kiosk.feed.sync import SyncResult, sync_feed

log = logging.getLogger(__name__)


def next_delay(source: FeedSource, failures: int, rng: random.Random) -> float:
    """Seconds until the next poll: the interval when healthy, exponential backoff after failures."""
    if failures <= 0:
        base = source.poll_interval
    else:
        base = min(source.retry_max, source.retry_min * 2 ** min(failures - 1, 30))
    return base * (1 + rng.uniform(-source.jitter, source.jitter))


class SyncService:
    """Polls feeds in a background thread; thread-safe status; wakes the player through ``on_change``."""

    def __init__(self, sources: Sequence[FeedSource], store: Store, *,
                 fetcher_factory: Callable[[FeedSource], FetcherInterface] = make_fetcher,
                 clock: WallClock | None = None, rng: random.Random | None = None,
                 on_change: Callable[[str, int], None] | None = None) -> None:
        self.sources = list(sources)
        self.store = store
        self.clock = clock or UtcClock()
        self.rng = rng or random.Random()
        self.on_change = on_change
        self.book = StatusBook(store.root, [s.name for s in self.sources])
        self._fetchers = {s.name: fetcher_factory(s) for s in self.sources}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def status(self) -> dict[str, FeedStatus]:
        return self.book.snapshot()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="kiosk-sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to stop; True when it ended within ``timeout`` (it is a daemon anyway)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return False
        for fetcher in self._fetchers.values():
            close = getattr(fetcher, "close", None)
            if callable(close):
                close()
        return True

    def poke(self) -> None:
        """Poll every feed now (e.g. a USB stick was inserted)."""
        self._wake.set()

    def sync_all(self) -> dict[str, SyncResult | FeedError]:
        """One sync of every feed, in this thread (``kiosk sync --once``)."""
        return {s.name: self._sync_one(s) for s in self.sources}

    def _sync_one(self, source: FeedSource) -> SyncResult | FeedError:
        try:
            result = sync_feed(source, self.store, self._fetchers[source.name], self.clock)
        except FeedError as e:
            log.warning("%s", e)
            self.book.failure(source.name, e, self.clock.now(), self.store.current_version(source.name))
            return e
        except Exception as e:  # a bug must not kill the thread: report it and go on
            log.exception("feed %s: sync crashed", source.name)
            error = FeedError(source.name, f"unexpected {type(e).__name__}: {e}", "report this as a bug")
            self.book.failure(source.name, error, self.clock.now(), self.store.current_version(source.name))
            return error
        self.book.success(source.name, result.version, self.clock.now())
        if result.changed and result.version is not None and self.on_change is not None:
            self.on_change(source.name, result.version)
        return result

    def _loop(self) -> None:
        due = {s.name: time.monotonic() for s in self.sources}
        by_name = {s.name: s for s in self.sources}
        while not self._stopping.is_set() and due:
            name = min(due, key=due.__getitem__)
            wait = due[name] - time.monotonic()
            if wait > 0:
                if self._wake.wait(wait):
                    self._wake.clear()
                    due = dict.fromkeys(due, time.monotonic())  # poked: everything is due now
                continue
            self._sync_one(by_name[name])
            failures = self.book.snapshot()[name].failures
            due[name] = time.monotonic() + next_delay(by_name[name], failures, self.rng)
