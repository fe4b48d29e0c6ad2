"""Where the player's content comes from: a local folder, or verified feed bundles in the store.

Plain Python (no pygame).  ``poll()`` is cheap (a fingerprint of file times or
the store's current versions) so the player can ask at every slide boundary; a
folder that fails to load is logged and the last good content is kept.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.content import Content, ContentError, load_content

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
    """One or more content folders on disk, each labelled with a feed name."""

    def __init__(self, folders: Sequence[tuple[str, Path]]) -> None:
        self.folders = list(folders)
        self._fingerprint: object = None
        self._last: Loaded | None = None

    def _fingerprint_now(self) -> object:
        return tuple((name, folder_fingerprint(path)) for name, path in self.folders)

    def poll(self) -> Loaded | None:
        """New content when something changed since the last call, else None."""
        fp = self._fingerprint_now()
        if fp == self._fingerprint:
            return None
        self._fingerprint = fp
        loaded = load_folders(self.folders, self._last)
        self._last = loaded
        return loaded


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
                 fallback: dict[str, Path] | None = None) -> None:
        super().__init__([])
        self.feeds = list(feeds)
        self._current = current
        self._fallback = fallback or {}
        self._known: dict[str, Path] = {}

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
            stored = self._known.get(content.feed)
            version = stored.name if stored is not None and stored == content.root else None
            versioned.append(dataclasses.replace(content, version=version))
        return Loaded(tuple(versioned), loaded.errors)
