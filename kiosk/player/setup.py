"""Device settings turned into what the layers need: text sizes, schedule settings, playlists, the look."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.config import Config
from kiosk.content import Content
from kiosk.layout import TextStyle
from kiosk.render.cache import SurfaceCache
from kiosk.render.fonts import FontSet
from kiosk.render.qrdraw import QrCodes
from kiosk.render.text import Theme
from kiosk.render.zones import PALETTES, Palette
from kiosk.schedule import Playlist, ScheduleError, ScheduleSettings, load_playlists
from kiosk.schedule.book import PlaylistBook

log = logging.getLogger(__name__)


def text_style(config: Config, short: int) -> TextStyle:
    body = config.text.body_px or round(short / 24)
    minimum = config.text.min_body_px or round(short / 30)
    return TextStyle(body_px=body, min_body_px=min(minimum, body))


def schedule_settings(config: Config) -> ScheduleSettings:
    """Schedule settings from the config; an impossible combination falls back to the defaults."""
    s = config.schedule
    try:
        return ScheduleSettings(audience=config.device.audience_enum, urgent_every=s.urgent_every,
                                auto_base=s.auto_base, chars_per_second=s.chars_per_second,
                                min_duration=s.min_duration, max_duration=s.max_duration,
                                image_duration=s.image_duration, ticker_latest=config.ticker.latest)
    except ScheduleError as e:
        log.error("%s: %s; using the default schedule settings", config.source, e)
        return ScheduleSettings(audience=config.device.audience_enum)


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


@dataclass(frozen=True)
class Look:
    """How this screen draws, shared by the lobby and touch browsing: fonts, colours, text sizes,
    the surface cache and the QR codes (each built once)."""

    fonts: FontSet
    palette: Palette
    theme: Theme
    theme_name: str
    style: TextStyle
    cache: SurfaceCache
    codes: QrCodes

    @classmethod
    def for_screen(cls, config: Config, fonts: FontSet, size: tuple[int, int]) -> Look:
        name = config.screen.theme
        return cls(fonts, PALETTES[name], Theme.dark() if name == "dark" else Theme(), name,
                   text_style(config, min(size)), SurfaceCache(), QrCodes())
