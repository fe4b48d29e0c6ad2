"""One sync of one feed: refresh TUF metadata, fetch what is missing, verify, switch.

The order is fixed (like ngclient's): clock check → timestamp → (root probe) →
snapshot → targets → manifest → missing images, each verified against the signed
hashes and lengths and streamed to a temp file while hashed → materialize →
one atomic switch → garbage collection.  Any failure leaves the store as it was.

Missing images are downloaded ``FeedSource.parallel`` at a time through the one
fetcher (its connections are kept and reused): over a link with a 50 ms round trip
the waits overlap instead of adding up.  Their total size is checked against the
sync's byte budget before the first one is requested.

An unchanged feed costs one request: when ``timestamp.json`` is byte-identical to
the cached, already verified copy, the root probe is answered locally with 404 and
ngclient re-verifies the cached snapshot/targets (signatures and expiry) offline.
A root rotation is still seen before any new content is trusted, because new
content always comes with a new timestamp.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from tuf.api import exceptions as tuf_exc
from tuf.api.metadata import TargetFile
from tuf.ngclient import Updater, UpdaterConfig
from tuf.ngclient.fetcher import FetcherInterface

from kiosk.clock import UtcClock, WallClock
from kiosk.feed.bundle import MANIFEST_TARGET, ImageRef, Manifest
from kiosk.feed.errors import (
    FeedClockError,
    FeedConfigError,
    FeedError,
    FeedInvalidError,
    FeedRollbackError,
    FeedTooBigError,
    translate,
)
from kiosk.feed.fetchers import make_fetcher
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store

log = logging.getLogger(__name__)

CLOCK_TOLERANCE = dt.timedelta(hours=1)  # publisher and screen clocks may differ this much


@dataclass(frozen=True)
class SyncResult:
    feed: str
    version: int | None  # version current after the sync
    changed: bool  # a new version was switched to
    requests: int  # requests sent to the fetcher
    bytes: int  # bytes received
    images_downloaded: int = 0
    images_reused: int = 0


class _PollFetcher(FetcherInterface):
    """Wraps the real fetcher: counts, serves the prefetched timestamp, may skip the root probe.

    Image downloads call it from several threads at once: the counts are kept under a lock.
    """

    def __init__(self, inner: FetcherInterface) -> None:
        self.inner = inner
        self.primed: dict[str, bytes] = {}
        self.skip_root_probe = False
        self.requests = 0
        self.bytes = 0
        self.aborted: str | None = None
        self._lock = threading.Lock()

    def abort(self, reason: str) -> None:
        """Cut this sync short (any thread): transfers in flight fail now, no new one starts."""
        self.aborted = reason
        cut = getattr(self.inner, "abort", None)
        if callable(cut):
            cut(reason)

    def _fetch(self, url: str) -> Iterator[bytes]:
        if self.aborted is not None:
            raise tuf_exc.DownloadError(f"{url}: {self.aborted}")
        if url in self.primed:
            return iter([self.primed.pop(url)])
        if self.skip_root_probe and url.endswith(".root.json"):
            raise tuf_exc.DownloadHTTPError("timestamp unchanged: root probe skipped", 404)
        with self._lock:
            self.requests += 1
        return self._count(self.inner.fetch(url))

    def _count(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        received = 0
        try:
            for chunk in chunks:
                if self.aborted is not None:  # a fetcher that cannot be cut mid-transfer stops here
                    raise tuf_exc.DownloadError(self.aborted)
                received += len(chunk)
                yield chunk
        finally:
            with self._lock:
                self.bytes += received


def sync_feed(source: FeedSource, store: Store, fetcher: FetcherInterface | None = None,
              clock: WallClock | None = None, lock_wait: float = 0.0, *, preempt: bool = False) -> SyncResult:
    """Bring ``store`` up to date with ``source``.

    ``lock_wait``: seconds to wait for another sync holding the store.  A failed sync leaves the
    store as it was: images it already verified are removed again.  ``preempt`` (a USB import):
    a network sync of this process holding the store is cut short (it fails as interrupted) instead
    of being waited for; without it, this sync can be cut short so.

    Raises:
        FeedRefusedError: the feed served data that must not be shown (tampered, rolled back,
            expired, wrongly signed, too big, an invalid bundle); retrying does not help.
        FeedFetchError: the feed could not be reached or read; retry later.
        FeedClockError: the device clock is before a time already seen signed.
        FeedBusyError: another sync or a USB import holds the store for longer than ``lock_wait``.
        FeedStoreError: the state directory cannot be written or read.
        FeedConfigError: the source is badly configured (its trusted root, its URL).
    """
    clock = clock or UtcClock()
    poll = _PollFetcher(fetcher or make_fetcher(source))
    try:
        with store.lock(source.name, wait=lock_wait, preempt=preempt, on_preempt=None if preempt else poll.abort):
            try:
                return _Sync(source, store, poll, aware(clock.now())).run()
            except BaseException:
                with contextlib.suppress(OSError):
                    store.gc()
                raise
    except FeedError:
        raise
    except Exception as e:  # tuf, network and OS errors become FeedErrors naming the feed
        raise translate(source.name, e) from e


class _Sync:
    def __init__(self, source: FeedSource, store: Store, poll: _PollFetcher, now: dt.datetime) -> None:
        self.source, self.store, self.poll, self.now = source, store, poll, now
        self.name = source.name
        self.budget = source.max_bytes
        self._abort = threading.Event()  # one image download failed: the others stop at their next chunk

    def run(self) -> SyncResult:
        check_clock(self.name, self.store.not_before(self.name), self.now)
        updater = self._refresh()
        info = updater.get_targetinfo(MANIFEST_TARGET)
        if info is None:
            raise FeedInvalidError(self.name, "the feed has no content yet", "publish with `kiosk feed publish`")
        if info.hashes.get("sha256") == self.store.current_manifest(self.name) and self.store.current(self.name):
            self.store.gc()  # cheap; also finishes what an interrupted sync left
            return self._result(changed=False)
        version = self._newer_version()
        manifest_bytes = self._download_manifest(info)
        manifest = Manifest.from_bytes(manifest_bytes, self.name)
        if manifest.published > self.now + CLOCK_TOLERANCE:
            raise _clock_error(self.name, self.now, manifest.published)
        fetched, reused = self._fetch_images(updater, manifest)
        self.store.materialize(self.name, version, manifest, manifest_bytes)
        self.store.switch(self.name, version, manifest_bytes)
        self.store.raise_not_before(self.name, manifest.published)
        self.store.gc()
        return self._result(changed=True, fetched=fetched, reused=reused)

    def _newer_version(self) -> int:
        """The verified targets version; it must be newer than the one playing (wiped cache)."""
        version = _targets_version(self.store.metadata_dir(self.name))
        playing = self.store.current_version(self.name)
        if playing is not None and version <= playing:
            raise FeedRollbackError(self.name, f"version {version} is not newer than version {playing} "
                                    "already playing", "the server serves an old feed; the screen keeps its content")
        return version

    def _result(self, changed: bool, fetched: int = 0, reused: int = 0) -> SyncResult:
        return SyncResult(self.name, self.store.current_version(self.name), changed, self.poll.requests,
                          self.poll.bytes, fetched, reused)

    def _refresh(self) -> Updater:
        meta_dir = self.store.metadata_dir(self.name)
        anchor = self._anchor()
        config = UpdaterConfig()
        ts_url = self.source.metadata_url + "timestamp.json"
        ts = self.poll.download_bytes(ts_url, config.timestamp_max_length)
        with contextlib.suppress(OSError):
            self.poll.skip_root_probe = (meta_dir / "timestamp.json").read_bytes() == ts
        self.poll.primed[ts_url] = ts
        updater = Updater(str(meta_dir), self.source.metadata_url, None, self.source.targets_url,
                          self.poll, config, bootstrap=anchor)
        updater.refresh()
        return updater

    def _anchor(self) -> bytes:
        try:
            return self.source.root_path.read_bytes()
        except OSError as e:
            raise FeedConfigError(self.name, f"trusted root.json not readable at {self.source.root_path}: "
                                  f"{e.strerror or e}", "install the feed's 1.root.json there") from None

    def _download_manifest(self, info: TargetFile) -> bytes:
        self._reserve(info)
        tmp = self.store.object_tempfile()
        try:
            self._stream(info, tmp)
            return tmp.read_bytes()
        finally:
            tmp.unlink(missing_ok=True)

    def _fetch_images(self, updater: Updater, manifest: Manifest) -> tuple[int, int]:
        """Download the images the store lacks, ``parallel`` at a time; (downloaded, reused)."""
        missing: list[TargetFile] = []
        reused = 0
        for target, ref in sorted(manifest.targets().items()):
            if self.store.has_object(ref.sha256, ref.length):
                reused += 1
                continue
            info = updater.get_targetinfo(target)
            _check_agrees(self.name, target, ref, info)
            missing.append(info)  # type: ignore[arg-type]  # checked by _check_agrees
        for info in missing:  # refuse an oversized update before fetching any of it
            self._reserve(info)
        workers = min(self.source.parallel, len(missing))
        if workers <= 1:
            for info in missing:
                self._fetch_object(info)
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix=f"kiosk-sync-{self.name}") as pool:
                futures = [pool.submit(self._fetch_object, info) for info in missing]
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                failed = next((f for f in futures if f in done and f.exception() is not None), None)
                if failed is not None:
                    self._abort.set()
                    for f in futures:
                        f.cancel()
                    raise failed.exception()  # type: ignore[misc]
        if missing:
            self.store.sync_objects()  # each file was fsynced by its download; now their names
        return len(missing), reused

    def _reserve(self, info: TargetFile) -> None:
        if info.length > self.budget:
            raise FeedTooBigError(self.name, f"{info.path} is {info.length} bytes; this sync may fetch "
                                  f"{self.budget} more (max_bytes)", "raise max_bytes or publish smaller images")
        self.budget -= info.length

    def _fetch_object(self, info: TargetFile) -> None:
        tmp = self.store.object_tempfile()
        try:
            self._stream(info, tmp)
            self.store.add_object(tmp, info.hashes["sha256"], sync_dir=False)
        finally:
            tmp.unlink(missing_ok=True)

    def _stream(self, info: TargetFile, dest: Path) -> None:
        """Stream a target to ``dest`` while hashing; refuse more bytes than signed or a bad hash.

        hashlib and the file write release the GIL, so parallel downloads hash on every core.
        """
        hashers = [(algo, hashlib.new(algo)) for algo in info.hashes]
        received = 0
        with open(dest, "wb") as out:
            for chunk in self.poll.fetch(self._target_url(info)):
                if self._abort.is_set():
                    raise _Aborted(info.path)
                received += len(chunk)
                if received > info.length:
                    raise tuf_exc.DownloadLengthMismatchError(
                        f"{info.path}: more than the signed {info.length} bytes")
                for _, h in hashers:
                    h.update(chunk)
                out.write(chunk)
        if received != info.length:  # (Store.add_object fsyncs the file before it is renamed in)
            raise tuf_exc.LengthOrHashMismatchError(f"{info.path}: got {received} bytes, signed {info.length}")
        for algo, h in hashers:
            if h.hexdigest() != info.hashes[algo]:
                raise tuf_exc.LengthOrHashMismatchError(f"{info.path}: {algo} does not match the signed hash")

    def _target_url(self, info: TargetFile) -> str:
        """Consistent-snapshot URL: the file name prefixed with its hash (never overwritten)."""
        dirname, sep, base = info.path.rpartition("/")
        return f"{self.source.targets_url}{dirname}{sep}{info.hashes['sha256']}.{base}"


class _Aborted(Exception):
    """Another download of the same sync failed first (that failure is the one reported)."""


def aware(when: dt.datetime) -> dt.datetime:
    """UTC-aware time; a naive time is taken as local wall-clock time."""
    return when.astimezone(dt.UTC)


def check_clock(feed: str, not_before: dt.datetime | None, now: dt.datetime) -> None:
    """Refuse to sync when the device clock is before a time already seen signed."""
    if not_before is not None and now < not_before - CLOCK_TOLERANCE:
        raise _clock_error(feed, now, not_before)


def _clock_error(feed: str, now: dt.datetime, signed: dt.datetime) -> FeedClockError:
    return FeedClockError(feed, f"device clock {now:%Y-%m-%d %H:%M} UTC is before {signed:%Y-%m-%d %H:%M} UTC, "
                                "a time already seen in signed content",
                          "set the device clock (NTP or by hand); the last good content keeps playing")


def _check_agrees(feed: str, target: str, ref: ImageRef, info: TargetFile | None) -> None:
    if info is None or info.length != ref.length or info.hashes.get("sha256") != ref.sha256:
        raise FeedInvalidError(feed, f"the manifest and the signed targets disagree about {target}",
                               "the publisher must publish again")


def _targets_version(meta_dir: Path) -> int:
    """Version of the targets metadata ngclient just verified and cached."""
    doc = json.loads((meta_dir / "targets.json").read_bytes())
    return int(doc["signed"]["version"])
