"""Slide surfaces: a notice page, an image page, the idle screen and the screen-off clock.

A slide covers the main zone.  Rendering decides nothing: the schedule says which
item and which part; this module only draws it, through a bounded surface cache.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pygame

from kiosk import strings
from kiosk.content import Category, Item
from kiosk.layout import Page, TextStyle, layout_notice
from kiosk.layout.lines import Memo
from kiosk.render.cache import SurfaceCache
from kiosk.render.contrast import MARK_MIN, TEXT_MIN, ratio, readable_on, toward
from kiosk.render.fonts import RGB, FontSet
from kiosk.render.geometry import SlideFrame, slide_frame
from kiosk.render.images import ImageError, image_size, load_fitted
from kiosk.render.png import pixels_sha256
from kiosk.render.text import Theme, draw_page
from kiosk.render.zones import Palette, chinese_date

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BandColours:
    chip: RGB  # the category chip's fill
    chip_text: RGB
    rule: RGB  # the line under the band


def band_colours(category: RGB, palette: Palette) -> BandColours:
    """Colours of the category band for a category colour given by the content: the chip keeps the
    publisher's colour with white or dark lettering, whichever reads (4.5:1); the line under the band
    is the colour darkened or lightened just enough to be seen on the paper (3:1)."""
    return BandColours(category, readable_on(category), toward(category, palette.paper, MARK_MIN))


@dataclass(frozen=True)
class IndicatorColours:
    active: RGB
    other: RGB
    text: RGB


def indicator_colours(palette: Palette) -> IndicatorColours:
    """The page indicator's dots and "第 1 / 3 页": every dot visible on the paper (3:1), the page's
    own in the header's red (the gold on a dark paper) and larger."""
    active = palette.header_bg if ratio(palette.header_bg, palette.paper) >= MARK_MIN else palette.header_accent
    return IndicatorColours(active, toward((200, 190, 180), palette.paper, MARK_MIN),
                            toward(palette.muted, palette.paper, TEXT_MIN))


def idle_colour(palette: Palette) -> RGB:
    """"No content" on the idle screen: the header's red, lightened on a dark paper until it reads."""
    return toward(palette.header_bg, palette.paper, TEXT_MIN)


@dataclass(frozen=True)
class Part:
    """One screenful of an item: a text page or one of its images."""

    kind: str  # "text" or "image"
    index: int  # page index (text) or image index (image)


class SlideRenderer:
    """Lays out and draws slides of ``size`` (the main zone) with a shared surface cache."""

    def __init__(self, fonts: FontSet, size: tuple[int, int], short: int, style: TextStyle, theme: Theme,
                 palette: Palette, category_of: Callable[[Item], Category | None],
                 cache: SurfaceCache | None = None, theme_name: str = "paper",
                 qr_corner: tuple[int, int] = (0, 0),
                 decorate: Callable[[pygame.Surface, Item, SlideFrame], None] | None = None) -> None:
        self.fonts = fonts
        self.size = size
        self.short = short
        self.style = style
        self.theme = theme
        self.palette = palette
        self.category_of = category_of
        self.cache = cache if cache is not None else SurfaceCache()  # (an empty cache is falsy)
        self.theme_name = theme_name
        self.frame: SlideFrame = slide_frame(size[0], size[1], short, qr_corner)
        # keys hold the SlideFrame: a result computed for an old frame (by the prerender thread,
        # while the QR corner changed) is never served for the new one
        self._layouts: OrderedDict[tuple[str, SlideFrame], list[Page]] = OrderedDict()
        self._hashes: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._lock = threading.RLock()
        self._measure = Memo(fonts.advance)  # character advances shared by every notice laid out here
        self.decorate = decorate  # e.g. the loop slides' QR code (``LoopQr``)

    def set_qr_corner(self, corner: tuple[int, int]) -> None:
        """Reserve (or free) the corner for a feedback code; page layouts change with it."""
        frame = slide_frame(self.size[0], self.size[1], self.short, corner)
        if frame != self.frame:
            with self._lock:
                self.frame = frame
                self._layouts.clear()
                self._hashes.clear()
            self.cache.clear()

    # ------------------------------------------------------------ layout

    def layout(self, item: Item, frame: SlideFrame | None = None) -> list[Page]:
        frame = frame or self.frame
        key = (item.digest(), frame)
        with self._lock:
            pages = self._layouts.get(key)
            if pages is not None:
                self._layouts.move_to_end(key)
                return pages
        _, _, w, h = frame.page
        pages = layout_notice(item, w, h, self.style, self._measure, image_size)
        with self._lock:
            self._layouts[key] = pages
            while len(self._layouts) > 256:
                self._layouts.popitem(last=False)
        return pages

    def parts(self, item: Item, frame: SlideFrame | None = None) -> list[Part]:
        texts = [Part("text", i) for i in range(len(self.layout(item, frame)))]
        return texts + [Part("image", i) for i in range(len(item.images))]

    def page_count(self, item: Item) -> int:
        return len(self.parts(item))

    # ------------------------------------------------------------ slides

    def _key(self, item: Item, part_index: int, frame: SlideFrame) -> tuple[object, ...]:
        return (item.digest(), part_index, self.size, self.theme_name, frame)

    def slide(self, item: Item, part_index: int) -> pygame.Surface:
        frame = self.frame
        key = self._key(item, part_index, frame)
        surface = self.cache.get(key)
        if surface is None:
            surface = self._render(item, part_index, frame)
            self.cache.put(key, surface)
            self._remember_hash(key, surface)
        return surface

    def _remember_hash(self, key: tuple[object, ...], surface: pygame.Surface) -> None:
        # sha256 of the drawn pixels, for the proof-of-display log; computed where the slide is
        # rendered (usually the prerender thread), ~7 ms for a 1920x860 slide
        digest = pixels_sha256(surface)
        with self._lock:
            self._hashes[key] = digest
            while len(self._hashes) > 1024:
                self._hashes.popitem(last=False)

    def frame_hash(self, item: Item, part_index: int) -> str:
        """sha256 of what ``slide(item, part_index)`` draws."""
        key = self._key(item, part_index, self.frame)
        with self._lock:
            known = self._hashes.get(key)
        if known is not None:
            return known
        self._remember_hash(key, self.slide(item, part_index))
        with self._lock:
            return self._hashes[key]

    def _blank(self) -> pygame.Surface:
        surface = pygame.Surface(self.size)
        surface.fill(self.palette.paper)
        return surface

    def _render(self, item: Item, part_index: int, frame: SlideFrame) -> pygame.Surface:
        parts = self.parts(item, frame)
        part = parts[min(part_index, len(parts) - 1)]
        surface = self._blank()
        if part.kind == "text":
            pages = self.layout(item, frame)
            px, py, _, _ = frame.page
            draw_page(surface, pages[part.index], self.fonts, self.theme, origin=(px, py),
                      draw_image=self._draw_image_box)
        else:
            self._draw_image_part(surface, item, item.images[part.index])
        if item.urgent:
            self._draw_urgent(surface, item)
        else:
            self._draw_band(surface, item)  # after the page: its rule must not be covered by the paper
        self._draw_indicator(surface, part_index, len(parts))
        if self.decorate is not None:
            self.decorate(surface, item, frame)
        return surface

    def _draw_band(self, surface: pygame.Surface, item: Item) -> None:
        x, y, w, h = self.frame.band
        cat = self.category_of(item)
        name = cat.name if cat else item.category
        band = band_colours(cat.colour if cat else self.palette.header_bg, self.palette)
        px = max(12, round(h * 0.55))
        label = self.fonts.render(name, px, band.chip_text, bold=True)
        chip = pygame.Rect(x, y + (h - round(px * 1.6)) // 2, label.get_width() + px, round(px * 1.6))
        pygame.draw.rect(surface, band.chip, chip, border_radius=px // 3)
        surface.blit(label, label.get_rect(center=chip.center))
        group = cat.group if cat else ""
        info = "  ".join(s for s in (group, strings.URGENT_NOTICE if item.urgent else "") if s)
        if info:
            text = self.fonts.render(info, round(px * 0.9), self.palette.muted)
            surface.blit(text, text.get_rect(midleft=(chip.right + px, chip.centery)))
        pygame.draw.line(surface, band.rule, (x, y + h - 1), (x + w, y + h - 1), max(1, h // 16))

    def _draw_urgent(self, surface: pygame.Surface, item: Item) -> None:
        """An urgent notice is seen from across a lobby: a red frame round the slide and, in place
        of the category band, a red bar saying 紧急通知 in large white letters."""
        x, y, w, h = self.frame.band
        thick = max(3, self.frame.margin // 3)
        pygame.draw.rect(surface, URGENT_RED, surface.get_rect(), width=thick)
        bar = pygame.Rect(x, y, w, h)
        pygame.draw.rect(surface, URGENT_RED, bar, border_radius=max(2, h // 6))
        big = self.fonts.render(strings.URGENT_NOTICE, max(12, round(h * 0.72)), URGENT_TEXT, bold=True)
        pad = max(4, h // 4)
        surface.blit(big, big.get_rect(midleft=(bar.x + pad, bar.centery)))
        cat = self.category_of(item)
        small = "  ".join(s for s in ((cat.group, cat.name) if cat else (item.category,)) if s)
        label = self.fonts.render(small, max(12, round(h * 0.42)), URGENT_TEXT)
        if label.get_width() < bar.w - big.get_width() - 3 * pad:
            surface.blit(label, label.get_rect(midright=(bar.right - pad, bar.centery)))

    def _draw_indicator(self, surface: pygame.Surface, index: int, count: int) -> None:
        if count <= 1:
            return
        x, y, w, h = self.frame.footer
        colours = indicator_colours(self.palette)
        text = self.fonts.render(strings.PAGE_OF.format(page=index + 1, pages=count), round(h * 0.6),
                                 colours.text)
        surface.blit(text, text.get_rect(midright=(x + w, y + h // 2)))
        dot = max(3, h // 6)
        gap = dot * 3
        cx = x + w - text.get_width() - gap * count - dot * 2
        for i in range(count):
            colour = colours.active if i == index else colours.other
            pygame.draw.circle(surface, colour, (cx + i * gap, y + h // 2), dot if i == index else dot * 2 // 3)

    def _draw_image_box(self, surface: pygame.Surface, box: object) -> None:
        path: Path = box.path  # type: ignore[attr-defined]
        rect = pygame.Rect(box.x, box.y, box.w, box.h)  # type: ignore[attr-defined]
        try:
            img = load_fitted(path, rect.size)
            surface.blit(img, img.get_rect(center=rect.center))
        except ImageError as e:
            log.error("image not shown: %s", e)
            self._image_fallback(surface, rect, path)

    def _draw_image_part(self, surface: pygame.Surface, item: Item, path: Path) -> None:
        x, y, w, h = self.frame.page
        title_px = max(14, round(self.style.body_px * 0.8))
        title = self.fonts.render(item.title, title_px, self.theme.colour("title"), bold=True)
        surface.blit(title, title.get_rect(midtop=(x + w // 2, y)))
        area = pygame.Rect(x, y + round(title_px * 1.6), w, h - round(title_px * 1.6))
        try:
            img = load_fitted(path, area.size)
        except ImageError as e:
            log.error("image slide falls back to text: %s", e)
            self._image_fallback(surface, area, path)
            return
        surface.blit(img, img.get_rect(center=area.center))  # letterboxed on the slide's own paper

    def _image_fallback(self, surface: pygame.Surface, rect: pygame.Rect, path: Path) -> None:
        pygame.draw.rect(surface, (220, 210, 200), rect, width=max(1, rect.w // 300), border_radius=8)
        px = max(12, min(rect.h // 6, self.style.body_px))
        msg = self.fonts.render(strings.IMAGE_UNAVAILABLE, px, self.palette.muted)
        name = self.fonts.render(path.name, round(px * 0.6), self.palette.muted)
        surface.blit(msg, msg.get_rect(center=(rect.centerx, rect.centery - px // 2)))
        surface.blit(name, name.get_rect(center=(rect.centerx, rect.centery + px)))

    # ------------------------------------------------------------ special screens

    def idle(self, publisher: str, device_id: str, site: str) -> pygame.Surface:
        """No valid content: never a black screen; say so plainly."""
        key = ("idle", publisher, device_id, site, self.size, self.theme_name)
        surface = self.cache.get(key)
        if surface is not None:
            return surface
        surface = self._blank()
        w, h = self.size
        px = round(self.short * 0.08)
        lines = [(publisher, round(px * 0.6), self.theme.colour("title"), True),
                 (strings.NO_CONTENT, px, idle_colour(self.palette), True),
                 (site, round(px * 0.45), self.palette.muted, False),
                 (strings.DEVICE_NUMBER.format(device=device_id), round(px * 0.4), self.palette.muted, False)]
        y = h // 2 - px * 2
        for text, size, colour, bold in lines:
            if not text:
                continue
            s = self.fonts.render(text, size, colour, bold=bold)
            surface.blit(s, s.get_rect(midtop=(w // 2, y)))
            y += round(size * 1.8)
        self.cache.put(key, surface)
        return surface


URGENT_RED: RGB = (200, 16, 32)  # an urgent notice's frame and bar (5.6:1 on the paper, 3.2:1 on the dark one)
URGENT_TEXT: RGB = (255, 255, 255)
OFF_CLOCK: RGB = (118, 118, 118)  # dim, yet 4.6:1 on black: still readable at night


def draw_off_clock(surface: pygame.Surface, fonts: FontSet, now: dt.datetime, dim: bool) -> None:
    """Outside display hours: black, or a dim clock that drifts a little each minute (no burn-in)."""
    surface.fill((0, 0, 0))
    if not dim:
        return
    w, h = surface.get_size()
    px = round(min(w, h) * 0.12)
    clock = fonts.render(now.strftime("%H:%M"), px, OFF_CLOCK)
    date = fonts.render(chinese_date(now.date()), round(px * 0.3), OFF_CLOCK)
    drift = (now.minute % 10 - 5) * px // 10
    centre = (w // 2 + drift, h // 2 + drift // 2)
    surface.blit(clock, clock.get_rect(center=centre))
    surface.blit(date, date.get_rect(midtop=(centre[0], centre[1] + px // 2 + px // 4)))
