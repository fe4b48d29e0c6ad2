"""What a screen has to play: the loaded content, its problems, the playlists, and lookups over them.

Plain Python (no pygame).  One object shared by the layers: the lobby (or LED board) asks
``poll()`` at a slide boundary and installs what changed into its schedule; touch browsing reads
the same contents and sees ``generation`` move; the status line and the heartbeat read
``contents`` and ``errors``.  Whatever fails while loading, the last good content keeps playing.
"""

from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING

from kiosk.config import Config
from kiosk.content import Category, Content, Item
from kiosk.content.feedback import FeedbackUrlError, feedback_url, feedback_url_for
from kiosk.player.setup import playlists_for
from kiosk.player.sources import FolderSource
from kiosk.schedule import Playlist
from kiosk.schedule.book import PlaylistBook

if TYPE_CHECKING:
    from kiosk.device.watch import FolderWatch

log = logging.getLogger(__name__)


class Change(enum.Enum):
    CONTENT = "content"  # new content (and the playlists read again with it)
    PLAYLISTS = "playlists"  # a technician edited the device's playlists


class Programme:
    def __init__(self, config: Config, source: FolderSource, watch: FolderWatch | None = None) -> None:
        """``watch``: the device's playlist folder, watched for edits made on site (optional)."""
        self.config = config
        self.source = source
        self.watch = watch
        self.book = PlaylistBook(config.playlists_dir())
        self.contents: tuple[Content, ...] = ()
        self.playlists: list[Playlist] = []
        self.errors: tuple[str, ...] = ()  # content problems, then playlist problems
        self.generation = 0  # moves on every change
        self._content_errors: tuple[str, ...] = ()

    def poll(self) -> Change | None:
        """Take new content or edited playlists if there are any (cheap when nothing changed)."""
        try:
            loaded = self.source.poll()
            if loaded is not None:
                self.contents, self._content_errors = loaded.contents, loaded.errors
                self._read_playlists()
                log.info("content loaded: %d item(s) from %d feed(s), %d problem(s)",
                         sum(len(c.items) for c in self.contents), len(self.contents), len(self.errors))
                return Change.CONTENT
            if self.watch is not None and self.watch.take():
                log.info("playlists changed on disk: applying at this slide boundary")
                self._read_playlists()
                return Change.PLAYLISTS
        except Exception:  # noqa: BLE001 - new content must never stop what is playing
            log.exception("new content not taken; the last good content keeps playing")
        return None

    def _read_playlists(self) -> None:
        self.playlists = playlists_for(self.config, self.contents, self.book)
        self.errors = tuple(self._content_errors) + tuple(self.book.errors)
        self.generation += 1

    # ------------------------------------------------------------ lookups

    def content_of(self, item: Item | None) -> Content | None:
        """The content ``item`` came from (None: the first content, e.g. for the idle screen)."""
        for content in self.contents:
            if item is None or content.feed == item.feed:
                return content
        return None

    def category_of(self, item: Item) -> Category | None:
        content = self.content_of(item)
        return content.catalogue.get(item.category) if content is not None else None

    def version_of(self, item: Item) -> str | None:
        content = self.content_of(item)
        return content.version if content is not None else None

    def feedback_url(self, item: Item) -> str | None:
        """The URL of the feedback QR code for ``item`` on this device (None: no code)."""
        content = self.content_of(item)
        try:
            return feedback_url_for(item, content.publisher if content else None, self.config.qr.url,
                                    self.config.device.id)
        except FeedbackUrlError as e:
            log.error("%s: no feedback code: %s", item.key, e)
            return None

    def request_url(self, item: Item) -> str | None:
        """The 依申请公开 request form for ``item`` (``qr.request_url``), or None."""
        if not self.config.qr.request_url:
            return None
        try:
            return feedback_url(self.config.qr.request_url, item, self.config.device.id)
        except FeedbackUrlError as e:
            log.error("%s: no request code: %s", item.key, e)
            return None

    def close(self) -> None:
        if self.watch is not None:
            self.watch.stop()
