"""One whole lobby frame: header, notice page (with its feedback code), ticker.

``LobbyParts.build(config, look, size, …)`` makes the zone painters exactly as a lobby screen
with this device config and size has them; ``compose_frame`` paints one full frame from them.
``notice_frames`` draws every page of one notice that way: the office's preview, so a preview is
the same pixels a screen draws.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pygame

from kiosk.config import Config
from kiosk.content import Category, Content, Item, masthead
from kiosk.content.feedback import FeedbackUrlError, feedback_url_for
from kiosk.qr import QrError
from kiosk.render.fonts import offscreen_fonts
from kiosk.render.geometry import Zones, compute_zones
from kiosk.render.look import Look
from kiosk.render.png import surface_png
from kiosk.render.qrdraw import LoopQr, caption_colour
from kiosk.render.slides import SlideRenderer
from kiosk.render.zones import Header, Ticker, TickerEntry

log = logging.getLogger(__name__)


@dataclass
class LobbyParts:
    zones: Zones
    header: Header
    ticker: Ticker
    slides: SlideRenderer
    loop_qr: LoopQr | None

    @classmethod
    def build(cls, config: Config, look: Look, size: tuple[int, int],
              category_of: Callable[[Item], Category | None],
              feedback_url: Callable[[Item], str | None]) -> LobbyParts:
        zones = compute_zones(*size, ticker=config.ticker.enabled)
        header = Header(zones.header, look.fonts, look.palette)
        ticker = Ticker(zones.footer, look.fonts, look.palette, config.ticker.speed)
        main = pygame.Rect(zones.main)
        loop_qr = None
        if config.qr.on_loop:
            loop_qr = LoopQr(feedback_url, zones.short, config.qr.viewing_distance_m, look.fonts.render,
                             config.touch.dpi or None, caption_colour=caption_colour(look.palette), codes=look.codes)
        slides = SlideRenderer(look.fonts, main.size, zones.short, look.style, look.theme, look.palette,
                               category_of, look.cache, look.theme_name, decorate=loop_qr)
        return cls(zones, header, ticker, slides, loop_qr)

    @property
    def main_rect(self) -> pygame.Rect:
        return pygame.Rect(self.zones.main)

    def reserve_qr_corner(self, urls: list[str]) -> None:
        """Keep the loop slides' corner free for the longest feedback URL (no corner without one)."""
        if self.loop_qr is None:
            return
        try:
            corner = self.loop_qr.corner(max(urls, key=len)) if urls else (0, 0)
        except QrError as e:  # a URL no QR code can hold: no corner, the notices still play
            log.error("feedback codes not shown on loop slides: %s", e)
            corner = (0, 0)
        self.slides.set_qr_corner(corner)


def compose_frame(canvas: pygame.Surface, parts: LobbyParts, slide: pygame.Surface, now: dt.datetime) -> None:
    """One whole lobby frame on ``canvas``: header (clock at ``now``), the slide, the ticker."""
    parts.header.invalidate()
    parts.ticker.invalidate()
    canvas.blit(slide, parts.main_rect)
    parts.header.draw(canvas, now)
    parts.ticker.draw(canvas)


def notice_frames(config: Config, look: Look, size: tuple[int, int], content: Content, item: Item,
                  now: dt.datetime, device_id: str = "") -> list[pygame.Surface]:
    """Every page of ``item`` as a lobby screen with ``config`` at ``size`` shows it."""
    device = device_id or config.device.id

    def url_of(it: Item) -> str | None:
        try:
            return feedback_url_for(it, content.publisher, config.qr.url, device)
        except FeedbackUrlError:
            return None

    parts = LobbyParts.build(config, look, size, lambda it: content.catalogue.get(it.category), url_of)
    parts.reserve_qr_corner([u for it in content.items if (u := url_of(it))])
    parts.header.set_publisher(*masthead(content, item))
    if config.ticker.enabled:
        parts.ticker.set_entries([TickerEntry(item.title, item.urgent)])
    frames = []
    for part in range(parts.slides.page_count(item)):
        canvas = pygame.Surface(size)
        compose_frame(canvas, parts, parts.slides.slide(item, part), now)
        frames.append(canvas)
    return frames


def notice_pngs(config: Config, size: tuple[int, int], content: Content, item: Item, now: dt.datetime,
                device_id: str = "") -> list[bytes]:
    """``notice_frames`` as PNG files (the office keeps them; it does not touch pygame itself)."""
    look = Look.for_screen(config, offscreen_fonts(), size)
    return [surface_png(frame) for frame in notice_frames(config, look, size, content, item, now, device_id)]
