"""The header (issuing body, logo, date, clock) and the footer ticker.

Each zone redraws only when what it shows changes: the header once a second for
the clock, the ticker once per frame while it moves.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pygame

from kiosk import strings
from kiosk.render.fonts import FontSet
from kiosk.render.geometry import Rect
from kiosk.render.images import ImageError, load_fitted
from kiosk.render.text import DARK_PAPER

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]


def chinese_date(day: dt.date) -> str:
    return strings.chinese_date_with_weekday(day)


@dataclass(frozen=True)
class Palette:
    header_bg: RGB = (168, 18, 28)
    header_fg: RGB = (255, 240, 200)
    header_accent: RGB = (246, 206, 110)
    ticker_bg: RGB = (120, 10, 18)
    ticker_fg: RGB = (255, 250, 235)
    ticker_urgent: RGB = (255, 214, 90)
    paper: RGB = (251, 247, 238)
    muted: RGB = (110, 100, 90)


PALETTES = {
    "paper": Palette(),
    "dark": Palette(header_bg=(90, 0, 8), ticker_bg=(40, 0, 4), paper=DARK_PAPER, muted=(200, 200, 200)),
}


class Header:
    """Issuing body on the left (with its logo), date and clock on the right."""

    def __init__(self, rect: Rect, fonts: FontSet, palette: Palette) -> None:
        self.rect = pygame.Rect(rect)
        self.fonts = fonts
        self.palette = palette
        self.px = max(14, round(self.rect.h * 0.42))
        self._publisher: tuple[str, str] = ("", "")  # issuing body, label (党务公开 …)
        self._logo_path: Path | None = None
        self._left: pygame.Surface | None = None
        self._shown_second: tuple[int, ...] | None = None
        self._date: tuple[dt.date, pygame.Surface] | None = None

    def set_publisher(self, name: str, label: str, logo: Path | None) -> None:
        if (name, label) != self._publisher or logo != self._logo_path:
            self._publisher, self._logo_path = (name, label), logo
            self._left = None
            self._shown_second = None

    def _right_width(self) -> int:
        """Room the date and clock take on the right (measured once with sample text)."""
        clock = self.fonts.advance("00:00:00", round(self.px * 1.15), True)
        date = self.fonts.advance(chinese_date(dt.date(2026, 12, 30)), round(self.px * 0.8))
        return round(clock + date + self.rect.h * 0.3 * 3)

    def _render_left(self) -> pygame.Surface:
        h = self.rect.h
        surf = pygame.Surface((max(1, self.rect.w - self._right_width()), h))
        surf.fill(self.palette.header_bg)
        x = round(h * 0.3)
        if self._logo_path is not None:
            try:
                logo = load_fitted(self._logo_path, (round(h * 0.78), round(h * 0.78)))
                surf.blit(logo, (x, (h - logo.get_height()) // 2))
                x += logo.get_width() + round(h * 0.2)
            except ImageError as e:
                log.error("logo not shown: %s", e)
        room = surf.get_width() - x - round(h * 0.2)
        # the issuing body always; its label ("党务公开") only when there is room (portrait totems)
        name, label = self._publisher
        candidates = [f"{name}  {label}" if label else name, name]
        text = None
        for candidate in candidates:
            text = self.fonts.render(candidate, self.px, self.palette.header_fg, bold=True)
            if text.get_width() <= room:
                break
        assert text is not None
        surf.blit(text, (x, (h - text.get_height()) // 2))
        return surf

    def invalidate(self) -> None:
        """Everything under the header was repainted: draw it all again at the next ``draw``."""
        self._shown_second = None

    def needs_redraw(self, now: dt.datetime) -> bool:
        return self._shown_second != now.timetuple()[:6]

    def draw(self, surface: pygame.Surface, now: dt.datetime) -> list[pygame.Rect]:
        if not self.needs_redraw(now):
            return []
        first = self._shown_second is None
        self._shown_second = now.timetuple()[:6]
        if self._left is None:
            self._left = self._render_left()
        p = self.palette
        if first:
            surface.fill(p.header_bg, self.rect)
            surface.blit(self._left, self.rect.topleft)
        clock = self.fonts.render(now.strftime("%H:%M:%S"), round(self.px * 1.15), p.header_accent, bold=True)
        if self._date is None or self._date[0] != now.date():  # rendered once a day, not every second
            self._date = (now.date(), self.fonts.render(chinese_date(now.date()), round(self.px * 0.8), p.header_fg))
        date = self._date[1]
        pad = round(self.rect.h * 0.3)
        right = pygame.Rect(0, 0, clock.get_width() + date.get_width() + pad * 3, self.rect.h)
        right.topright = self.rect.topright
        surface.fill(p.header_bg, right)
        surface.blit(clock, clock.get_rect(midright=(right.right - pad, self.rect.centery)))
        surface.blit(date, date.get_rect(midright=(right.right - pad * 2 - clock.get_width(), self.rect.centery)))
        return [self.rect.copy()] if first else [right]


@dataclass(frozen=True)
class TickerEntry:
    text: str
    urgent: bool = False


class Scroll:
    """A position moving at ``speed`` pixels per second, kept to a fraction of a pixel and drawn at
    whole pixels: over any stretch of time the text moves at exactly the configured speed (a frame
    moves 1 or 2 px for 90 px/s at 60 fps, never a rounded 2 px that would make it 120 px/s)."""

    MAX_STEP_S = 0.1  # a stalled frame moves the text at most this much time's worth: no big jump

    def __init__(self, speed: float) -> None:
        self.speed = float(speed)
        self.pos = 0.0

    def advance(self, seconds: float) -> None:
        self.pos += self.speed * min(max(seconds, 0.0), self.MAX_STEP_S)

    @property
    def offset(self) -> int:
        return math.floor(self.pos + 1e-9)  # 120 px/s at 60 fps is 2 px a frame, not 1.999…


class Ticker:
    """A footer strip scrolling titles right to left at ``speed`` pixels per second (whole-pixel blits)."""

    def __init__(self, rect: Rect, fonts: FontSet, palette: Palette, speed: float) -> None:
        self.rect = pygame.Rect(rect)
        self.fonts = fonts
        self.palette = palette
        self.scroll = Scroll(speed)
        self.px = max(12, round(self.rect.h * 0.5))
        self._entries: tuple[TickerEntry, ...] = ()
        self._segments: list[pygame.Surface] = []
        self._length = 0
        self._drawn_at: int | None = None
        self._dirty = True  # something to draw: moved, or repainted under it
        self._stale = True  # the strip's background itself must be painted again

    @property
    def offset(self) -> int:
        """How far the strip has moved in from the right edge, in whole pixels."""
        return self.scroll.offset

    def set_entries(self, entries: Sequence[TickerEntry]) -> None:
        entries = tuple(entries)
        if entries == self._entries:
            return
        self._entries = entries
        self._segments = [self._render_entry(e) for e in entries]
        gap = self.px * 3
        self._length = sum(s.get_width() + gap for s in self._segments)
        # start with the first title already on screen, near the left edge, not off to the right
        self.scroll.pos = float(max(0, self.rect.w - self.px))
        self._dirty = self._stale = True

    def _render_entry(self, entry: TickerEntry) -> pygame.Surface:
        """The title on the strip's own background, opaque: each frame copies it (60 times a second)
        instead of blending its antialiased edges again; the pixels are the same."""
        p = self.palette
        mark = strings.URGENT_MARK if entry.urgent else strings.TICKER_BULLET
        colour = p.ticker_urgent if entry.urgent else p.ticker_fg
        text = self.fonts.render(mark + entry.text, self.px, colour, bold=entry.urgent)
        tile = pygame.Surface(text.get_size())
        tile.fill(p.ticker_bg)
        tile.blit(text, (0, 0))
        return tile

    def invalidate(self) -> None:
        self._dirty = self._stale = True

    @property
    def moving(self) -> bool:
        return bool(self._segments) and self.rect.h > 0

    def advance(self, seconds: float) -> None:
        """Move on by ``seconds`` of scrolling; redraw only when the whole-pixel offset changed."""
        if self.moving:
            self.scroll.advance(seconds)
            self.scroll.pos %= self._length + self.rect.w
            if self.scroll.offset != self._drawn_at:
                self._dirty = True

    def draw(self, surface: pygame.Surface) -> list[pygame.Rect]:
        if not self._dirty or self.rect.h <= 0:
            return []
        self._dirty = self._stale = False
        self._drawn_at = self.offset
        surface.fill(self.palette.ticker_bg, self.rect)
        if not self._segments:
            return [self.rect.copy()]
        x = self.rect.right - self.offset
        for start in (x, x + self._length + self.rect.w):  # the strip wraps round seamlessly
            blit_strip(surface, self.rect, self._segments, start, self.px * 3)
        return [self.rect.copy()]

    def draw_background(self, surface: pygame.Surface) -> list[pygame.Rect]:
        """The strip without its titles (they are drawn as textures of their own: :meth:`pieces`);
        painted when the strip was invalidated, else nothing."""
        self._dirty = False
        if not self._stale or self.rect.h <= 0:
            return []
        self._stale = False
        surface.fill(self.palette.ticker_bg, self.rect)
        return [self.rect.copy()]

    def pieces(self) -> list[tuple[pygame.Surface, int, int]]:
        """(title, x, y) of every title now inside the strip, where :meth:`draw` would put it."""
        out: list[tuple[pygame.Surface, int, int]] = []
        if not self._segments or self.rect.h <= 0:
            return out
        gap = self.px * 3
        x0 = self.rect.right - self.offset
        for x in (x0, x0 + self._length + self.rect.w):
            for seg in self._segments:
                w = seg.get_width()
                if x + w > self.rect.left and x < self.rect.right:
                    out.append((seg, x, self.rect.centery - seg.get_height() // 2))
                x += w + gap
        return out


def blit_strip(surface: pygame.Surface, rect: pygame.Rect, segments: Sequence[pygame.Surface], x: int,
               gap: int) -> None:
    """Draw ``segments`` left to right from ``x``, ``gap`` apart, vertically centred, clipped to ``rect``."""
    clip = surface.get_clip()
    surface.set_clip(rect)
    for seg in segments:
        w = seg.get_width()
        if x + w > rect.left and x < rect.right:
            surface.blit(seg, (x, rect.centery - seg.get_height() // 2))
        x += w + gap
    surface.set_clip(clip)
