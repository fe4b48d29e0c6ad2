"""What an LED board shows, drawn for its region: one wiring for the board and the office preview.

LED controller cards sample a region of the HDMI picture (often 384x96 at the top-left).  Two
layouts: ``ticker`` — one line of titles (urgent first) scrolling right to left; ``pages`` — short
pages of very large text (title, then the notice text).  Colours come from a palette that suits
the board: ``red`` (single colour), ``red-green`` (two colours: red, green and their mix yellow) or
``full``.  Glyphs are drawn without antialiasing so every lit LED is fully on.

``LedParts(settings, size, fonts)`` holds how a board of that region size draws (text size, lines
per page, colours); the LED board layer (``kiosk.player.led.LedBoard``) draws through it, and
``led_preview`` draws one notice with it for the office, so a preview is the board's own pixels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from kiosk import strings
from kiosk.config import LedSettings
from kiosk.content import Item, Paragraph, Table
from kiosk.layout import wrap_plain
from kiosk.render.fonts import FontSet, offscreen_fonts
from kiosk.render.png import surface_png
from kiosk.render.zones import blit_strip

RGB = tuple[int, int, int]
Line = tuple[str, bool]  # the text of one board line, and whether it belongs to the title


@dataclass(frozen=True)
class LedPalette:
    title: RGB
    text: RGB
    urgent: RGB


PALETTES = {
    "red": LedPalette(title=(255, 0, 0), text=(255, 0, 0), urgent=(255, 0, 0)),
    "red-green": LedPalette(title=(255, 0, 0), text=(0, 255, 0), urgent=(255, 255, 0)),
    "full": LedPalette(title=(255, 210, 90), text=(255, 255, 255), urgent=(255, 60, 60)),
}
BLACK = (0, 0, 0)


def led_pages(item: Item, width: int, px: int, lines_per_page: int, fonts: FontSet) -> list[list[Line]]:
    """The item as pages of ``lines_per_page`` lines.  Tables read row by row."""
    lines = [(line, True) for line in wrap_plain(item.title, width, px, fonts.advance)]
    for block in item.body:
        if isinstance(block, Paragraph):
            text = block.text
        elif isinstance(block, Table):
            text = "；".join("，".join(row) for row in block.rows)
        else:
            text = getattr(block, "text", "")
        lines += [(line, False) for line in wrap_plain(text, width, px, fonts.advance) if line]
    return [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)] or [[("", False)]]


class LedParts:
    """How a board with ``settings`` and a region of ``size`` draws.

    ``fonts`` becomes hard-edged (antialiasing off): give the board a font set of its own.
    """

    def __init__(self, settings: LedSettings, size: tuple[int, int], fonts: FontSet) -> None:
        fonts.antialiased = False
        self.fonts = fonts
        self.size = (int(size[0]), int(size[1]))
        self.layout = settings.layout
        self.palette = PALETTES[settings.palette]
        self.lines = 2 if self.size[1] >= 64 and self.layout == "pages" else 1
        self.px = max(8, round(self.size[1] / self.lines * 0.84))
        self.gap = self.px * 2  # between titles on the ticker

    # ------------------------------------------------------------------ pages

    def pages(self, item: Item | None) -> list[list[Line]]:
        """The pages of ``item`` (``None``: the one page saying there is nothing to show)."""
        if item is None:
            return [[(strings.NO_CONTENT, True)]]
        return led_pages(item, self.size[0], self.px, self.lines, self.fonts)

    def page(self, lines: Sequence[Line], urgent: bool) -> pygame.Surface:
        """One page as the region shows it (black where nothing is lit)."""
        surface = pygame.Surface(self.size)
        surface.fill(BLACK)
        line_h = self.size[1] // self.lines
        p = self.palette
        for i, (text, title) in enumerate(lines):
            colour = p.urgent if urgent and title else p.title if title else p.text
            img = self.fonts.render(text, self.px, colour, bold=title)
            surface.blit(img, img.get_rect(midleft=(0, line_h * i + line_h // 2)))
        return surface

    # ------------------------------------------------------------------ ticker

    def tile(self, item: Item) -> pygame.Surface:
        """One title as it runs on the ticker (urgent ones marked and in the urgent colour)."""
        p = self.palette
        text = (strings.URGENT_MARK if item.urgent else "") + item.title
        return self.fonts.render(text, self.px, p.urgent if item.urgent else p.title)

    def strip_length(self, tiles: Sequence[pygame.Surface]) -> int:
        """Pixels the ticker moves for one pass of ``tiles`` (each followed by the gap)."""
        return sum(t.get_width() + self.gap for t in tiles)

    def draw_strip(self, canvas: pygame.Surface, rect: pygame.Rect, tiles: Sequence[pygame.Surface],
                   offset: int) -> None:
        """The ticker into ``rect`` of ``canvas``, ``offset`` pixels in from the region's right edge."""
        blit_strip(canvas, rect, tiles, rect.right - offset, self.gap)


# ---------------------------------------------------------------------- the office's preview


@dataclass(frozen=True)
class LedPngs:
    """One notice on a board: its pages (``pages`` layout), and its title's run along the ticker."""

    pages: list[bytes]  # PNG of each page, region size
    ticker: bytes  # PNG of the title as it passes: region height, the title's width
    ticker_px: int  # how far the ticker moves while the title passes through the region


def ticker_run(parts: LedParts, item: Item) -> pygame.Surface:
    """``item``'s title as the ticker carries it past: where the ticker is ``offset`` pixels in, the
    region shows this run's columns ``offset - width`` to ``offset`` (black outside it)."""
    tile = parts.tile(item)
    run = pygame.Surface((max(1, tile.get_width()), parts.size[1]))
    run.fill(BLACK)
    rect = run.get_rect()
    parts.draw_strip(run, rect, [tile], rect.w)
    return run


def led_preview(settings: LedSettings, item: Item) -> LedPngs:
    """``item`` as a board of ``settings.width`` x ``settings.height`` in ``settings.palette`` shows it, in
    both layouts (the board's own drawing, with the bundled fonts, off screen)."""
    size = (settings.width, settings.height)
    fonts = offscreen_fonts(antialiased=False)
    pages_parts = LedParts(_layout(settings, "pages"), size, fonts)
    pages = [surface_png(pages_parts.page(lines, item.urgent)) for lines in pages_parts.pages(item)]
    ticker_parts = LedParts(_layout(settings, "ticker"), size, fonts)
    run = ticker_run(ticker_parts, item)
    return LedPngs(pages, surface_png(run), run.get_width() + size[0])


def _layout(settings: LedSettings, layout: str) -> LedSettings:
    return dataclasses.replace(settings, layout=layout)
