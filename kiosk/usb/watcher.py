"""``UsbWatcher``: notice a volume with a top-level ``kiosk-feed/`` appearing under the mount roots.

Volumes sit one or two levels below a root (``/mnt/usb``, ``/media/<user>/<label>``,
``/run/media/<user>/<label>``), or a configured root is the mount point itself.  One cheap scan
finds them: ``lstat`` ``<root>/kiosk-feed``, list each root, ``lstat`` ``<child>/kiosk-feed``, and
look one level deeper only inside children that are neither volumes nor mount points (e.g.
``/media/<user>``), at most ``MAX_CHILDREN`` of them.  A stick's own files are never listed, so
thousands of unrelated files cost nothing; a symlinked ``kiosk-feed`` is not a volume.

watchdog observers on the roots (and on those user folders, never recursively, never inside a
stick) wake the scan at once; because a mount over an existing folder produces no event (and
inotify may miss the first moments of a new mount point), the scan also runs every
``rescan_s`` seconds, and every ``hot_rescan_s`` for a few seconds after any event.

A stick is reported only once it has **settled**: the identity of its ``kiosk-feed/`` (and of the
``metadata/``, ``targets/`` and ``targets/images/`` folders in it) was the same at two scans at
least ``settle_s`` apart.  A mount appears in one step and settles at the next fast rescan; a feed
folder being copied onto a mounted stick, or deleted from it file by file, keeps changing and is
not read half-written (it is imported once the copy is finished, and never while it is deleted).
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from kiosk.usb.safefs import FEED_DIR

log = logging.getLogger(__name__)

DEFAULT_ROOTS = (Path("/media"), Path("/run/media"), Path("/mnt"))
MAX_CHILDREN = 64  # a folder with more entries is not a folder of mount points: not descended
# st_dev, st_ino, st_mtime_ns of the volume's kiosk-feed/, then st_mtime_ns of each of SETTLE_DIRS (-1: absent)
VolumeKey = tuple[int, ...]
SETTLE_DIRS = ("metadata", "targets", "targets/images")  # where copying or deleting a feed writes


@dataclass
class Scan:
    volumes: dict[Path, VolumeKey] = field(default_factory=dict)
    watch: list[Path] = field(default_factory=list)  # folders worth a (non-recursive) watch


def _feed_key(folder: Path) -> VolumeKey | None:
    feed = folder / FEED_DIR
    try:
        st = os.lstat(feed)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode):
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, *(_mtime(feed / sub) for sub in SETTLE_DIRS))


def _mtime(path: Path) -> int:
    try:
        return os.lstat(path).st_mtime_ns
    except OSError:
        return -1


def _subdirs(folder: Path, limit: int | None = None) -> list[Path]:
    """Child directories (not symlinks) of ``folder``; [] when unreadable or over ``limit`` entries."""
    out: list[Path] = []
    try:
        with os.scandir(folder) as entries:
            for n, entry in enumerate(entries):
                if limit is not None and n >= limit:
                    return []
                if entry.is_dir(follow_symlinks=False):
                    out.append(Path(entry.path))
    except OSError:
        return []
    return out


def _is_mount(folder: Path, parent_dev: int) -> bool:
    try:
        return os.lstat(folder).st_dev != parent_dev
    except OSError:
        return True  # vanished: do not descend


def scan_roots(roots: Iterable[Path]) -> Scan:
    """Volumes holding ``kiosk-feed/`` under ``roots`` and the folders to watch."""
    scan = Scan()
    for root in roots:
        try:
            root_dev = os.stat(root).st_dev
        except OSError:
            continue
        key = _feed_key(root)
        if key is not None:  # a root that is itself the stick's mount point (e.g. /mnt/usb)
            scan.volumes[root] = key
            continue
        scan.watch.append(root)
        for child in _subdirs(root):
            key = _feed_key(child)
            if key is not None:
                scan.volumes[child] = key
                continue
            if _is_mount(child, root_dev):
                continue  # a stick without a feed: never listed
            children = _subdirs(child, MAX_CHILDREN)
            scan.watch.append(child)
            for grandchild in children:
                key = _feed_key(grandchild)
                if key is not None:
                    scan.volumes[grandchild] = key
    return scan


class UsbWatcher:
    """Calls ``on_insert(volume)`` / ``on_remove(volume)`` from its own daemon thread."""

    def __init__(self, roots: Sequence[Path], on_insert: Callable[[Path], None],
                 on_remove: Callable[[Path], None] | None = None, *, rescan_s: float = 2.0,
                 hot_rescan_s: float = 0.25, hot_for_s: float = 3.0, settle_s: float = 0.2,
                 import_present: bool = True, use_watchdog: bool = True) -> None:
        self.roots = [Path(r) for r in roots]
        self.on_insert, self.on_remove = on_insert, on_remove
        self.rescan_s, self.hot_rescan_s, self.hot_for_s = rescan_s, hot_rescan_s, hot_for_s
        self.settle_s = settle_s
        self.import_present = import_present
        self.use_watchdog = use_watchdog
        self.scans = 0  # scans done so far (see wait_for_scans)
        self._scanned = threading.Condition()
        self._scan_lock = threading.Lock()  # scan_once may also be called from another thread
        self._known: dict[Path, VolumeKey] | None = None  # volumes reported (inserted) and their keys
        self._settling: dict[Path, tuple[VolumeKey, float]] = {}  # new or changed: key, first seen (monotonic)
        self._hot_until = 0.0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: BaseObserver | None = None  # created in start()
        self._watches: dict[Path, ObservedWatch] = {}
        self._handler = _Poke(self)

    def start(self) -> None:
        if self._thread is not None:
            return
        if self.use_watchdog:
            try:
                observer = Observer(timeout=0.2)
                observer.start()
                self._observer = observer
            except OSError as e:  # e.g. out of inotify instances: the periodic scan still works
                log.warning("usb: no filesystem events (%s); scanning every %.1f s", e, self.rescan_s)
        self._thread = threading.Thread(target=self._loop, name="kiosk-usb-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    @property
    def hot(self) -> bool:
        """True while rescanning often: after a filesystem event (``hot_for_s`` seconds) or
        while a new or changed stick settles."""
        return time.monotonic() < self._hot_until or bool(self._settling)

    def wait_for_scans(self, count: int, timeout: float) -> bool:
        """Block until ``count`` scans were done in total (False after ``timeout`` seconds)."""
        with self._scanned:
            return self._scanned.wait_for(lambda: self.scans >= count, timeout)

    def wait_until_calm(self, timeout: float) -> bool:
        """Block until the fast rescans after the last event are over: from then on only the
        periodic scan (every ``rescan_s``) finds a stick that made no filesystem event."""
        with self._scanned:
            return self._scanned.wait_for(lambda: not self.hot, timeout)

    def poke(self) -> None:
        """Something changed under a root: scan now and often for a few seconds."""
        self._hot_until = time.monotonic() + self.hot_for_s
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.scan_once()
            except Exception:  # a bug must not stop USB detection for good
                log.exception("usb watcher scan failed")
            self._wake.wait(self.hot_rescan_s if self.hot else self.rescan_s)
            self._wake.clear()

    def scan_once(self) -> None:
        """One scan: report volumes that appeared (or were replaced) and settled, and those that went away."""
        with self._scan_lock:
            self._scan_locked()
        with self._scanned:
            self.scans += 1
            self._scanned.notify_all()

    def _scan_locked(self) -> None:
        scan = scan_roots(self.roots)
        now = time.monotonic()
        if self._observer is not None:
            self._update_watches(scan.watch)
        if self._known is None:  # first scan
            self._known = {} if self.import_present else dict(scan.volumes)
        known = self._known
        for volume, key in scan.volumes.items():
            if known.get(volume) == key:
                self._settling.pop(volume, None)
                continue
            seen = self._settling.get(volume)
            if seen is None or seen[0] != key:
                self._settling[volume] = (key, now)  # new, or still changing: look again soon
            elif now - seen[1] >= self.settle_s:
                del self._settling[volume]
                known[volume] = key
                log.info("usb: feed stick at %s", volume)
                self.on_insert(volume)
        for volume in self._settling.keys() - scan.volumes.keys():
            del self._settling[volume]  # gone before it settled: never reported, so no removal either
        for volume in known.keys() - scan.volumes.keys():
            del known[volume]
            log.info("usb: stick at %s removed", volume)
            if self.on_remove is not None:
                self.on_remove(volume)

    def _update_watches(self, wanted: list[Path]) -> None:
        observer = self._observer
        assert observer is not None
        for path in list(self._watches.keys() - set(wanted)):
            try:
                observer.unschedule(self._watches.pop(path))
            except (KeyError, OSError):
                pass
        for path in wanted:
            if path in self._watches:
                continue
            try:
                self._watches[path] = observer.schedule(self._handler, str(path), recursive=False)
            except OSError as e:
                log.debug("usb: cannot watch %s (%s); the periodic scan covers it", path, e)


class _Poke(FileSystemEventHandler):
    """A watchdog handler that only wakes the scan (the scan decides what happened)."""

    def __init__(self, watcher: UsbWatcher) -> None:
        self.watcher = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        self.watcher.poke()
