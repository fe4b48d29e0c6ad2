"""LED boards: render only into a configured rectangle of the HDMI picture, black elsewhere.

The layer: which notice or titles are on the board and when (the schedule decides, as on any
screen), display hours, proof of display.  How a board draws (text size, pages, the ticker strip,
palettes, hard-edged glyphs) is :class:`kiosk.render.led.LedParts`, which the office's preview
draws with too.  The ticker moves by whole pixels per refresh; pages stay ``page_seconds`` each.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import pygame

from kiosk.config import Config, schedule_settings
from kiosk.content import Item
from kiosk.player.layers import Layer, Now, Rects
from kiosk.player.power import ScreenPower
from kiosk.player.programme import Programme
from kiosk.player.proof import Proof
from kiosk.render.fonts import FontSet
from kiosk.render.led import LedParts, Line
from kiosk.render.png import pixels_sha256
from kiosk.render.zones import Scroll
from kiosk.schedule import Scheduler

log = logging.getLogger(__name__)


class LedBoard(Layer):
    def __init__(self, config: Config, fonts: FontSet, size: tuple[int, int], programme: Programme,
                 power: ScreenPower, proof: Proof) -> None:
        """``fonts``: a font set of its own (the board draws without antialiasing)."""
        led = config.led
        self.config = config
        self.size = size
        self.programme = programme
        self.power = power
        self.proof = proof
        self.rect = pygame.Rect(led.x, led.y, led.width, led.height).clip(pygame.Rect(0, 0, *size))
        if self.rect.w <= 0 or self.rect.h <= 0:
            log.error("led region %s lies outside the %sx%s output; using the top-left 384x96",
                      (led.x, led.y, led.width, led.height), *size)
            self.rect = pygame.Rect(0, 0, min(384, size[0]), min(96, size[1]))
        self.parts = LedParts(led, self.rect.size, fonts)
        self.layout = led.layout
        self.scroll = Scroll(led.speed)
        self.scheduler = Scheduler([], [], schedule_settings(config), lambda item: 1)
        self.now = dt.datetime.now()
        self.mono = 0.0
        self.display_on = True
        self._strip: list[pygame.Surface] = []
        self._strip_len = 0
        self._pages: list[list[Line]] = []
        self._page = 0
        self._page_started = 0.0
        self._item: Item | None = None
        self._surface: pygame.Surface | None = None
        self._dirty = True
        self._cleared = False

    # ------------------------------------------------------------ content and schedule

    def _poll(self) -> None:
        if self.programme.poll() is not None:
            self.scheduler.replace_content(self.programme.contents, self.programme.playlists)

    def start(self, now: Now) -> None:
        self._poll()
        self.now, self.mono = now.wall, now.mono
        self.display_on = self.power.on
        if self.layout == "ticker":
            self._build_strip(now.wall)
            self.proof.idle(self.rect)
        else:
            self._next_item(now.wall, now.mono)
        if not self.display_on:
            self.proof.off((0, 0, *self.size))

    def _build_strip(self, now: dt.datetime) -> None:
        self._strip = [self.parts.tile(item) for item in self.scheduler.ticker(now)]
        self._strip_len = self.parts.strip_length(self._strip)
        self.scroll.pos = 0.0
        self._dirty = True

    def _next_item(self, now: dt.datetime, mono: float) -> None:
        slot = self.scheduler.urgent_interrupt(now) or self.scheduler.next_slot(now)
        self._item = slot.item if slot is not None else None
        self._pages = self.parts.pages(self._item)
        self._page = 0
        self._page_started = mono
        self._render_page()
        self._record()

    def _record(self) -> None:
        if self._item is None or self._surface is None:
            self.proof.idle(self.rect)
            return
        item = self._item
        self.proof.notice(item, self.programme.version_of(item), self.rect, self._page,
                          pixels_sha256(self._surface))

    def _render_page(self) -> None:
        urgent = self._item is not None and self._item.urgent
        self._surface = self.parts.page(self._pages[self._page], urgent)
        self._dirty = True

    # ------------------------------------------------------------ layer phases

    def update(self, now: Now) -> None:
        self.now, self.mono = now.wall, now.mono
        on = self.power.on
        if on != self.display_on:
            self.display_on, self._dirty = on, True
            if on:
                self._record()
            else:
                self.proof.off((0, 0, *self.size))
        if not on:
            return
        if self.layout == "ticker":
            if not self._strip:
                if now.wall.second == 0 and now.wall.microsecond < 100_000:
                    self._poll()
                    self._build_strip(now.wall)
                return
            before = self.offset
            self.scroll.advance(now.step)
            if self.offset >= self._strip_len + self.rect.w:  # a whole pass: take new content now
                self._poll()
                self._build_strip(now.wall)
            self._dirty |= self.offset != before
        elif now.mono - self._page_started >= self.config.led.page_seconds:
            if self._page + 1 < len(self._pages):
                self._page += 1
                self._page_started = now.mono
                self._render_page()
                self._record()
            else:
                self._poll()
                self._next_item(now.wall, now.mono)

    @property
    def offset(self) -> int:
        """How far the ticker has moved in from the right edge, in whole pixels."""
        return self.scroll.offset

    @property
    def animating(self) -> bool:
        return self.display_on and self.layout == "ticker" and bool(self._strip)

    def invalidate(self, rects: Sequence[pygame.Rect]) -> None:
        self._dirty = True

    def draw(self, canvas: pygame.Surface) -> Rects:
        if not self._dirty:
            return []
        self._dirty = False
        first = not self._cleared
        if first:  # everything outside the LED region stays black
            canvas.fill((0, 0, 0))
            self._cleared = True
        canvas.fill((0, 0, 0), self.rect)
        if self.display_on:
            if self.layout == "ticker":
                self._draw_strip(canvas)
            elif self._surface is not None:
                canvas.blit(self._surface, self.rect)
        return [canvas.get_rect()] if first else [self.rect.copy()]

    def _draw_strip(self, canvas: pygame.Surface) -> None:
        self.parts.draw_strip(canvas, self.rect, self._strip, self.offset)
