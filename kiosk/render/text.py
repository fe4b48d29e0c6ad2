"""Drawing laid-out pages (``kiosk.layout.Page``) with a ``FontSet`` and a colour ``Theme``.

The layout speaks in colour roles ("title", "body", "table_header_fill"…); a ``Theme`` maps
them to RGB.  Images are drawn by a callback (``draw_image(surface, box)``, with ``box`` in
surface coordinates) supplied by the image module; without one a light placeholder frame
with the caption is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import pygame

from kiosk.layout import Box, ImageBox, Page, TextLine, wrap_plain
from kiosk.render.fonts import RGB, FontSet

DrawImage = Callable[[pygame.Surface, ImageBox], None]
DARK_PAPER: RGB = (18, 18, 20)  # the dark theme's page and the dark palette's slide: no box round the page


@dataclass(frozen=True)
class Theme:
    """RGB colour per layout role; the default is red and gold on warm white paper."""

    paper: RGB = (251, 247, 238)
    title: RGB = (180, 20, 30)
    continued: RGB = (150, 60, 60)
    body: RGB = (30, 28, 26)
    heading: RGB = (150, 18, 26)
    table_header: RGB = (60, 36, 16)
    table_cell: RGB = (30, 28, 26)
    table_label: RGB = (96, 56, 20)  # labels of a table set as cards
    table_header_fill: RGB = (244, 226, 170)
    table_rule: RGB = (160, 124, 56)  # 3.4:1 on the paper: a rule one must see
    caption: RGB = (92, 84, 76)
    signature: RGB = (30, 28, 26)
    placeholder: RGB = (236, 230, 216)
    placeholder_frame: RGB = (196, 184, 160)

    def colour(self, role: str) -> RGB:
        """The colour of ``role``; unknown roles get the body colour."""
        value = getattr(self, role, None) if role in _ROLE_NAMES else None
        return value if value is not None else self.body

    @classmethod
    def dark(cls) -> Theme:
        """High contrast: white text and gold titles on black (for glare or weak eyes)."""
        white = (255, 255, 255)
        return cls(paper=DARK_PAPER, title=(255, 214, 0), continued=(230, 200, 90), body=white,
                   heading=(255, 214, 0), table_header=white, table_cell=white, table_label=(255, 214, 0),
                   table_header_fill=(92, 68, 0), table_rule=(170, 170, 170), caption=(225, 225, 225),
                   signature=white, placeholder=(36, 36, 36), placeholder_frame=(150, 150, 150))

    high_contrast = dark


_ROLE_NAMES = frozenset(f.name for f in fields(Theme))


def theme_for(name: str) -> Theme:
    """The page colours of a screen theme ("paper" or "dark")."""
    return Theme.dark() if name == "dark" else Theme()


def draw_page(surface: pygame.Surface, page: Page, fonts: FontSet, theme: Theme,
              origin: tuple[int, int] = (0, 0), draw_image: DrawImage | None = None,
              paper: bool = True) -> None:
    """Draw ``page`` with its top-left corner at ``origin``: fills, images, then text."""
    ox, oy = origin
    if paper:
        surface.fill(theme.paper, pygame.Rect(ox, oy, page.width, page.height))
    for e in page.elements:
        if isinstance(e, Box):
            surface.fill(theme.colour(e.role), _rect(e.x + ox, e.y + oy, e.w, e.h))
    for e in page.elements:
        if isinstance(e, ImageBox):
            box = replace(e, x=e.x + ox, y=e.y + oy)
            if draw_image is not None:
                draw_image(surface, box)
            else:
                draw_placeholder(surface, box, fonts, theme)
    for e in page.elements:
        if isinstance(e, TextLine):
            draw_line(surface, e, fonts, theme, origin)


def draw_line(surface: pygame.Surface, line: TextLine, fonts: FontSet, theme: Theme,
              origin: tuple[int, int] = (0, 0)) -> None:
    ox, oy = origin
    xs = [x + ox for x in line.xs]
    fonts.draw_glyphs(surface, line.text, xs, line.baseline + oy, line.px, theme.colour(line.role),
                      line.bold)


def draw_placeholder(surface: pygame.Surface, box: ImageBox, fonts: FontSet, theme: Theme) -> None:
    """A light frame with the caption (or the file name) centred in it."""
    rect = _rect(box.x, box.y, box.w, box.h)
    surface.fill(theme.placeholder, rect)
    pygame.draw.rect(surface, theme.placeholder_frame, rect, width=max(1, round(min(rect.size) / 100)))
    px = max(12, min(48, round(box.h / 8)))
    label = box.caption or box.path.name
    lines = wrap_plain(label, box.w * 0.85, px, fonts.advance)[:2]
    ascent, descent, _ = fonts.line_metrics(px)
    pitch = round(px * 1.4)
    y = rect.centery - pitch * len(lines) / 2 + (pitch - ascent - descent) / 2 + ascent
    for text in lines:
        x = rect.centerx - fonts.advance(text, px) / 2
        fonts.render_to(surface, (x, y), text, px, theme.colour("caption"))
        y += pitch


def _rect(x: float, y: float, w: float, h: float) -> pygame.Rect:
    """Pixel rectangle covering ``x..x+w`` (never empty, so thin rules stay visible)."""
    left, top = round(x), round(y)
    return pygame.Rect(left, top, max(1, round(x + w) - left), max(1, round(y + h) - top))
