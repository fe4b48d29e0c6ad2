"""Helpers for the USB tests: sticks made from published feeds, a screen with real watchers."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from feedkit import Publisher
from tuf.ngclient.fetcher import FetcherInterface

from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.usb.events import FeedOutcome, StickDone, StickResult, UsbEvent
from kiosk.usb.export import export_feed
from kiosk.usb.service import UsbService, UsbSettings


def make_stick(pub: Publisher, where: Path) -> Path:
    """A stick folder holding the publisher's current version (written by ``kiosk usb export``)."""
    where.mkdir(parents=True)
    export_feed(pub.feed, where, pub.root_json)
    return where


def unmount(volume: Path, elsewhere: Path) -> None:
    """Take ``volume`` away in one step (then delete it outside the mount root).

    A real unmount is atomic; deleting the stick's files where they are is not: a watcher scan
    between two deletions sees the stick's ``kiosk-feed/`` changed (its mtime moves) and imports a
    half-deleted stick ("no readable root metadata"), which on a loaded machine happened.
    """
    pulled = Path(tempfile.mkdtemp(prefix="unmounted-", dir=elsewhere))
    os.rename(volume, pulled / volume.name)
    shutil.rmtree(pulled)


def state_tree(root: Path, metadata: bool = True) -> dict[str, bytes]:
    """Every file of a state dir; ``metadata=False`` leaves out the TUF metadata caches."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and (metadata or "/metadata/" not in rel):
            out[rel] = path.read_bytes()
    return out


def source_for(pub: Publisher, name: str = "township") -> FeedSource:
    """The screen's config for this feed: the network URL does not matter for a stick."""
    return FeedSource(name=name, url="https://feed.example.invalid/township/", root_path=pub.root_json)


@dataclass
class Screen:
    """A UsbService on a temporary mount root, with every event it reported kept."""

    mount_root: Path
    store: Store
    service: UsbService
    arrived: threading.Event  # set by the service each time it queues an event (its ``wake``)
    events: list[UsbEvent] = field(default_factory=list)

    def insert(self, stick: Path, name: str = "STICK") -> Path:
        """"Mount" a stick: its folder appears in one rename, like a mount point does."""
        volume = self.mount_root / name
        os.rename(stick, volume)
        return volume

    def remove(self, volume: Path) -> None:
        """"Unmount" a stick: its folder leaves the mount root in one rename, as a mount point does."""
        unmount(volume, self.mount_root.parent)

    def collect(self) -> list[UsbEvent]:
        self.events += self.service.importer.poll_events()
        return self.events

    def wait_for(self, done: Callable[[list[UsbEvent]], bool], timeout: float = 20.0) -> list[UsbEvent]:
        """Block (on the service's events, not a clock) until ``done(events so far)``."""
        deadline = time.monotonic() + timeout
        while True:
            self.arrived.clear()
            if done(self.collect()):
                return self.events
            left = deadline - time.monotonic()
            assert left > 0, f"not done after {timeout}s: {self.events}"
            self.arrived.wait(left)

    def wait_done(self, count: int = 1, timeout: float = 20.0) -> list[FeedOutcome]:
        """Wait until ``count`` sticks in total were finished; the results of the last one."""
        self.wait_for(lambda events: sum(isinstance(e, StickDone) for e in events) >= count, timeout)
        last_done = max(i for i, e in enumerate(self.events) if isinstance(e, StickDone))
        start = max((i for i, e in enumerate(self.events[:last_done]) if isinstance(e, StickDone)), default=-1)
        return [e.result for e in self.events[start + 1:last_done] if isinstance(e, StickResult)]

    def done_event(self) -> StickDone:
        return [e for e in self.collect() if isinstance(e, StickDone)][-1]

    def wrap(self, wrap: Callable[[FetcherInterface], FetcherInterface]) -> None:
        self.service.importer.wrap_fetcher = wrap


def start_screen(mount_root: Path, store: Store, sources: list[FeedSource], **settings: object) -> Screen:
    mount_root.mkdir(parents=True, exist_ok=True)
    options = UsbSettings(mount_roots=(mount_root,), **settings)  # type: ignore[arg-type]
    arrived = threading.Event()
    service = UsbService(sources, store, options, device_id="青禾镇-0007", site="柳溪村", wake=arrived.set)
    service.start()
    return Screen(mount_root, store, service, arrived)


class RemovingFetcher(FetcherInterface):
    """Pulls the stick out while reading the first file found after ``after`` fetches.

    Half of its first chunk arrives, then every file on the stick is cut to nothing and the
    volume disappears: what is being read ends early, everything else is gone.
    """

    def __init__(self, inner: FetcherInterface, volume: Path, after: int) -> None:
        self.inner, self.volume, self.after = inner, volume, after
        self.fetches = 0
        self.pulled = False

    def _fetch(self, url: str) -> Iterator[bytes]:
        self.fetches += 1
        if self.pulled or self.fetches <= self.after:
            return self.inner.fetch(url)
        return self._pull_during(url)

    def _pull_during(self, url: str) -> Iterator[bytes]:
        chunks = iter(self.inner.fetch(url))
        first = next(chunks, b"")  # a missing file raises 404 here: the next file is cut instead
        self.pulled = True
        yield first[: len(first) // 2]
        for path in self.volume.rglob("*"):
            if path.is_file():
                os.truncate(path, 0)
        shutil.rmtree(self.volume)
        yield from chunks
