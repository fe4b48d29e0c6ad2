"""Where the player's content comes from: a local folder, or verified feed bundles in the store.

Plain Python (no pygame).  ``poll()`` is what the player asks at every slide boundary, so it is
cheap: a store source reads the store's current pointers (its atomic switch); a folder source
on a running screen (``watch=True``) looks at the folder only after ``watchdog`` reported a change
in it, and falls back to a fingerprint of file times at most every ``rescan_s`` when the folder
cannot be watched.  With ``background=True`` a changed folder is loaded on a thread and handed
over by a later ``poll()``, so no frame waits for 3,000 notices to be parsed (the first load,
before anything is on screen, is done at once).  A folder that fails to load is logged and the
last good content is kept.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.content import Content, ContentError, load_content

if TYPE_CHECKING:
    from kiosk.device.watch import FolderWatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    contents: tuple[Content, ...]
    errors: tuple[str, ...]


def folder_fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and mtimes of every file under ``root`` (cheap: a few dozen stats)."""
    out: list[tuple[str, int, int]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            out.append((p, st.st_size, st.st_mtime_ns))
    return tuple(out)


class FolderSource:
    """One or more content folders on disk, each labelled with a feed name.

    ``watch``: notice changes through file events instead of listing the folders at every poll;
    ``background``: load changed content on a thread (see the module notes).
    """

    def __init__(self, folders: Sequence[tuple[str, Path]], *, watch: bool = False, background: bool = False,
                 rescan_s: float = 30.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.folders = list(folders)
        self.background = background
        self.rescan_s = rescan_s
        self._monotonic = monotonic
        self._fingerprint: object = None
        self._last: Loaded | None = None
        self._watches: list[FolderWatch] | None = self._watch(self.folders) if watch else None
        self._watch_failed = watch and self._watches is None
        self._scanned = 0.0
        self._lock = threading.Lock()
        self._loading: threading.Thread | None = None
        self._ready: tuple[object, Loaded] | None = None  # a background load, with its fingerprint

    @staticmethod
    def _watch(folders: Sequence[tuple[str, Path]]) -> list[FolderWatch] | None:
        from kiosk.device.watch import FolderWatch

        watches = [FolderWatch(path, recursive=True) for _, path in folders]
        started = [w for w in watches if w.start()]
        if len(started) == len(watches):
            return watches
        for w in started:
            w.stop()
        return None

    def _fingerprint_now(self) -> object:
        return tuple((name, folder_fingerprint(path)) for name, path in self.folders)

    def _changed_maybe(self) -> bool:
        """Whether the folders may have changed since the last look (cheap)."""
        if self._fingerprint is None:
            return True
        if self._watches is not None:
            return any([w.take() for w in self._watches])  # every flag taken, not just the first
        if self._watch_failed:  # not watchable (e.g. a network mount): list it now and then only
            return self._monotonic() - self._scanned >= self.rescan_s
        return True

    def poll(self) -> Loaded | None:
        """New content when something changed since the last call, else None."""
        with self._lock:
            if self._ready is not None:
                fp, loaded = self._ready
                self._ready = None
                self._fingerprint, self._last = fp, loaded
                return loaded
            if self._loading is not None:
                return None
        if not self._changed_maybe():
            return None
        self._scanned = self._monotonic()
        fp = self._fingerprint_now()
        if fp == self._fingerprint:
            return None
        if self.background and self._last is not None:
            folders, previous = list(self.folders), self._last
            thread = threading.Thread(target=self._load_behind, args=(fp, folders, previous),
                                      name="kiosk-content-load", daemon=True)
            self._loading = thread
            thread.start()
            return None
        self._fingerprint = fp
        loaded = load_folders(self.folders, self._last)
        self._last = loaded
        return loaded

    def _load_behind(self, fp: object, folders: list[tuple[str, Path]], previous: Loaded) -> None:
        try:
            loaded = load_folders(folders, previous)
        except Exception:  # noqa: BLE001 - load_folders keeps what it can; this is the last resort
            log.exception("loading new content failed; the last good content keeps playing")
            loaded = previous
        with self._lock:
            self._ready = (fp, loaded)
            self._loading = None

    def wait_loaded(self, timeout: float = 10.0) -> bool:
        """Block until a background load in progress is ready to be taken (tests, benchmarks)."""
        thread = self._loading
        if thread is not None:
            thread.join(timeout)
        return self._loading is None

    def close(self) -> None:
        for w in self._watches or []:
            w.stop()
        self._watches = None


def load_folders(folders: Sequence[tuple[str, Path]], previous: Loaded | None) -> Loaded:
    """Load each folder; a folder that fails keeps its previously loaded content."""
    contents: list[Content] = []
    errors: list[str] = []
    for name, path in folders:
        try:
            content = load_content(path, feed=name)
        except Exception as e:  # noqa: BLE001 - whatever breaks, the last good content keeps playing
            if not isinstance(e, ContentError):
                log.exception("unexpected error loading %s", path)
            log.error("content of feed %r not (re)loaded, keeping what was playing: %s", name, e)
            errors.append(f"{path}: {e}" if not isinstance(e, ContentError) else str(e))
            old = _previous_content(previous, name)
            if old is not None:
                contents.append(old)
            continue
        errors.extend(content.errors)
        contents.append(content)
    return Loaded(tuple(contents), tuple(errors))


def _previous_content(previous: Loaded | None, feed: str) -> Content | None:
    if previous is None:
        return None
    for c in previous.contents:
        if c.feed == feed:
            return c
    return None


class StoreSource(FolderSource):
    """Verified feed bundles materialized by the sync layer; a folder changes when a new version is
    switched in.  ``fallback`` (the demo) plays a local folder for a feed that has no version yet."""

    def __init__(self, feeds: Sequence[str], current: Callable[[str], Path | None],
                 fallback: dict[str, Path] | None = None, *, background: bool = False) -> None:
        super().__init__([], background=background)
        self.feeds = list(feeds)
        self._current = current
        self._fallback = fallback or {}
        self._known: dict[str, Path] = {}
        self._stored: set[Path] = set()  # every version folder the store named (not the fallbacks)

    def _fingerprint_now(self) -> object:
        folders = []
        for name in self.feeds:
            path = self._current(name)
            if path is None and name in self._known:
                # the store answered nothing this time (a failed read?) but had a version:
                # keep playing that folder rather than dropping the feed
                path = self._known[name]
            if path is not None:
                self._known[name] = path
                self._stored.add(path)
            else:
                path = self._fallback.get(name)
            if path is not None:
                folders.append((name, path))
        self.folders = folders
        return tuple((name, str(path.resolve())) for name, path in self.folders)

    def poll(self) -> Loaded | None:
        loaded = super().poll()
        if loaded is None:
            return loaded
        versioned = []
        for content in loaded.contents:
            # the version is the name of the folder that was loaded (versions/<N>), never a later one
            version = content.root.name if content.root in self._stored else None
            versioned.append(dataclasses.replace(content, version=version))
        return Loaded(tuple(versioned), loaded.errors)
