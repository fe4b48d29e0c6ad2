"""The screen's local store: content-addressed objects and one atomic "current" per feed.

Layout under the state directory::

    objects/<sha256>                 every verified image, once, immutable
    feeds/<feed>/metadata/           TUF metadata cache of the feed (ngclient's)
    feeds/<feed>/versions/<N>/       version N as a normal content folder (images hard-linked)
    feeds/<feed>/current             {"version": N, "manifest": sha256, "previous": M}
    feeds/<feed>/clock.json          {"not_before": "…Z"}: newest signed time seen
    status.json                      what the sync service reports (kiosk status)

A version directory is built under a temporary name, fsynced and renamed into
place; then ``current`` is replaced in one ``os.replace`` and the directory is
fsynced.  A power cut at any moment leaves the old or the new version current,
never a mix, and a half-built directory is never pointed to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kiosk import fsutil
from kiosk.feed.bundle import Manifest
from kiosk.feed.errors import FeedBusyError, FeedStoreError

log = logging.getLogger(__name__)

# holders of a store lock in this process that can be cut short, by resolved state directory
_HOLDERS: dict[str, Callable[[str], None]] = {}
_HOLDERS_LOCK = threading.Lock()

BUNDLE_FILE = ".bundle.json"  # the manifest, kept beside the content it describes


class Store:
    """A state directory holding the verified content of every feed."""

    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir)
        self.contended = threading.Event()  # set once a lock attempt found another sync holding it

    # ------------------------------------------------------------ for the player

    def current(self, feed: str) -> Path | None:
        """The content folder of the version being played, or None before the first sync."""
        pointer = self._pointer(feed)
        if pointer is None:
            return None
        path = self._versions(feed) / str(pointer["version"])
        return path if path.is_dir() else None

    def current_version(self, feed: str) -> int | None:
        """Version number of the current content (cheap: one small file read)."""
        pointer = self._pointer(feed)
        return None if pointer is None else int(pointer["version"])

    def current_manifest(self, feed: str) -> str | None:
        """sha256 of the current version's manifest."""
        pointer = self._pointer(feed)
        return None if pointer is None else str(pointer["manifest"])

    def feeds(self) -> list[str]:
        """Names of feeds that have a current version."""
        base = self.root / "feeds"
        names = sorted(p.name for p in base.iterdir()) if base.is_dir() else []
        return [n for n in names if self.current(n) is not None]

    def _pointer(self, feed: str) -> dict | None:
        pointer = fsutil.read_json(self._feed_dir(feed) / "current")
        if not isinstance(pointer, dict) or not isinstance(pointer.get("version"), int):
            return None
        return pointer

    # ------------------------------------------------------------ paths

    def _feed_dir(self, feed: str) -> Path:
        return self.root / "feeds" / feed

    def _versions(self, feed: str) -> Path:
        return self._feed_dir(feed) / "versions"

    @property
    def objects(self) -> Path:
        return self.root / "objects"

    def metadata_dir(self, feed: str) -> Path:
        """The TUF metadata cache of one feed (created on demand)."""
        path = self._feed_dir(feed) / "metadata"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def object_path(self, sha256: str) -> Path:
        return self.objects / sha256

    def has_object(self, sha256: str, length: int) -> bool:
        try:
            return self.object_path(sha256).stat().st_size == length
        except OSError:
            return False

    # ------------------------------------------------------------ writing (sync only)

    @contextlib.contextmanager
    def lock(self, feed: str, wait: float = 0.0, *, preempt: bool = False,
             on_preempt: Callable[[str], None] | None = None) -> Iterator[None]:
        """Exclusive lock of the state directory (one sync at a time), waiting up to ``wait`` seconds.

        ``on_preempt``: how to cut this holder short (a network sync: abort its transfers); called
        from another thread when a ``preempt=True`` locker (a USB import) finds the store busy, so a
        stick is never kept waiting by a sync stuck on a slow server.  Only holders in this process
        can be cut short; another process (``kiosk sync``) is waited for, up to ``wait``.
        """
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        key = str(self.root.resolve())
        asked = False
        with open(self.root / ".lock", "a+b") as f:
            while True:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    self.contended.set()
                    if preempt and not asked:
                        asked = True
                        with _HOLDERS_LOCK:
                            cut = _HOLDERS.get(key)
                        if cut is not None:
                            log.info("store %s: a network sync is cut short for a USB import", self.root)
                            cut("interrupted: a USB stick is being imported")
                    if time.monotonic() >= deadline:
                        raise FeedBusyError(feed, f"another sync is using {self.root}",
                                            "wait for it to finish (is `kiosk play` syncing already?)") from None
                    time.sleep(0.05 if preempt else 0.2)
            if on_preempt is not None:
                with _HOLDERS_LOCK:
                    _HOLDERS[key] = on_preempt
            try:
                yield
            finally:
                if on_preempt is not None:
                    with _HOLDERS_LOCK:
                        _HOLDERS.pop(key, None)
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def object_tempfile(self) -> Path:
        """A fresh temporary path inside objects/ for one download."""
        self.objects.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=fsutil.TMP_PREFIX, dir=self.objects)
        os.close(fd)
        return Path(tmp)

    def add_object(self, tmp: Path, sha256: str, sync_dir: bool = True) -> None:
        """Move a verified download into place under its hash (durably).

        ``sync_dir=False``: the caller adds several and calls :meth:`sync_objects` once after.
        """
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o444)
        os.replace(tmp, self.object_path(sha256))
        if sync_dir:
            self.sync_objects()

    def sync_objects(self) -> None:
        """Make the objects added so far durable under their names."""
        fsutil.fsync_dir(self.objects)

    def materialize(self, feed: str, version: int, manifest: Manifest, manifest_bytes: bytes) -> Path:
        """Build version ``version`` as a content folder; return its path (not yet current)."""
        versions = self._versions(feed)
        versions.mkdir(parents=True, exist_ok=True)
        final = versions / str(version)
        if final.exists():
            if self.current_version(feed) == version:
                raise FeedStoreError(feed, f"version {version} is already current", "report this as a bug")
            fsutil.remove_tree(final)  # left by an interrupted sync: rebuild it
        tmp = Path(tempfile.mkdtemp(prefix=fsutil.TMP_PREFIX, dir=versions))
        try:
            os.chmod(tmp, 0o755)  # the player may run as another user
            self._fill(tmp, manifest, manifest_bytes)
            fsutil.fsync_tree(tmp)
            os.rename(tmp, final)
            fsutil.fsync_dir(versions)
        except BaseException:
            fsutil.remove_tree(tmp)
            raise
        return final

    def _fill(self, folder: Path, manifest: Manifest, manifest_bytes: bytes) -> None:
        made: set[Path] = set()
        for rel, text in manifest.files.items():
            dest = _inside(folder, rel)
            _parent(dest, made)
            dest.write_bytes(text.encode("utf-8"))
        for rel, ref in manifest.images.items():
            dest = _inside(folder, rel)
            _parent(dest, made)
            fsutil.link_or_copy(self.object_path(ref.sha256), dest)
        (folder / BUNDLE_FILE).write_bytes(manifest_bytes)

    def switch(self, feed: str, version: int, manifest_bytes: bytes) -> None:
        """Make ``version`` current in one atomic replace; the old current becomes previous."""
        pointer = {"version": version, "manifest": hashlib.sha256(manifest_bytes).hexdigest(),
                   "previous": self.current_version(feed)}
        fsutil.write_json(self._feed_dir(feed) / "current", pointer)
        log.info("feed %s: now playing version %d", feed, version)

    # ------------------------------------------------------------ clock floor

    def not_before(self, feed: str) -> dt.datetime | None:
        """Newest signed time seen for ``feed`` (the device clock must not be earlier)."""
        data = fsutil.read_json(self._feed_dir(feed) / "clock.json")
        try:
            return dt.datetime.strptime(data["not_before"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except (TypeError, KeyError, ValueError):
            return None

    def raise_not_before(self, feed: str, when: dt.datetime) -> None:
        old = self.not_before(feed)
        if old is None or when > old:
            stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            fsutil.write_json(self._feed_dir(feed) / "clock.json", {"not_before": stamp})

    # ------------------------------------------------------------ garbage collection

    def gc(self) -> int:
        """Remove versions other than current/previous, temp files and unreferenced objects."""
        removed = 0
        referenced: set[str] = set()
        base = self.root / "feeds"
        for feed_dir in sorted(base.iterdir()) if base.is_dir() else []:
            keep, count = self._gc_versions(feed_dir.name)
            removed += count + _remove_temp_files(feed_dir, fsutil.TMP_PREFIX)
            removed += _remove_temp_files(feed_dir / "metadata", "tmp")  # ngclient's temp names
            for version_dir in keep:
                referenced |= _referenced_objects(version_dir)
        removed += _remove_temp_files(self.root, fsutil.TMP_PREFIX, min_age=600)  # status.json writers
        if self.objects.is_dir():
            for path in self.objects.iterdir():
                if path.name not in referenced:
                    fsutil.remove_tree(path)
                    removed += 1
        return removed

    def _gc_versions(self, feed: str) -> tuple[list[Path], int]:
        pointer = self._pointer(feed) or {}
        keep_names = {str(v) for v in (pointer.get("version"), pointer.get("previous")) if v is not None}
        versions = self._versions(feed)
        keep: list[Path] = []
        removed = 0
        for path in sorted(versions.iterdir()) if versions.is_dir() else []:
            if path.name in keep_names:
                keep.append(path)
            else:
                fsutil.remove_tree(path)
                removed += 1
        return keep, removed


def _inside(folder: Path, rel: str) -> Path:
    """``folder / rel``, refused if it leaves ``folder`` (the manifest's paths were checked when
    parsed; this is the last guard).  Lexical: the fresh version folder holds no symlinks."""
    base = os.path.normpath(folder)
    dest = os.path.normpath(os.path.join(base, rel))
    if not dest.startswith(base + os.sep):
        raise FeedStoreError(folder.name, f"bundle path {rel!r} leaves the version folder", "report this as a bug")
    return Path(dest)


def _parent(dest: Path, made: set[Path]) -> None:
    if dest.parent not in made:
        dest.parent.mkdir(parents=True, exist_ok=True)
        made.add(dest.parent)


def _remove_temp_files(folder: Path, prefix: str, min_age: float = 0.0) -> int:
    """Remove files named ``prefix…`` left by interrupted writes (older than ``min_age`` s)."""
    removed = 0
    now = time.time()
    for path in folder.glob(f"{prefix}*") if folder.is_dir() else []:
        with contextlib.suppress(OSError):
            if path.is_file() and now - path.stat().st_mtime >= min_age:
                path.unlink()
                removed += 1
    return removed


def _referenced_objects(version_dir: Path) -> set[str]:
    try:
        doc = json.loads((version_dir / BUNDLE_FILE).read_bytes())
        return {ref["sha256"] for ref in doc["images"].values()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()
