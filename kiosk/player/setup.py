"""Device settings turned into what the layers need: schedule settings and playlists."""

from __future__ import annotations

import logging

from kiosk.config import Config
from kiosk.content import Content
from kiosk.schedule import Playlist, load_playlists
from kiosk.schedule.book import PlaylistBook

log = logging.getLogger(__name__)


def playlists_for(config: Config, contents: tuple[Content, ...], book: PlaylistBook | None = None) -> list[Playlist]:
    """The device's playlists, or the bundle's when it carries some (``content.playlist_source``).

    ``book`` keeps the last good version of each device playlist file across reloads.
    """
    if book is None:
        book = PlaylistBook(config.playlists_dir())
    device = book.reload()
    errors = list(book.errors)
    bundle: list[Playlist] = []
    for content in contents:
        folder = content.root / "playlists"
        if folder.is_dir():
            found, errs = load_playlists(folder)
            bundle.extend(found)
            errors.extend(errs)
    for e in errors:
        log.error("playlist problem: %s", e)
    if bundle and (config.content.playlist_source == "bundle" or not device):
        return bundle
    return device or bundle
