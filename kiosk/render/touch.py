"""Drawing the touch screens from a navigation ``View``.

Decides nothing: ``kiosk.touch.navigation`` says what is on screen, ``kiosk.touch.targets`` where; this
draws it: home tiles with counts, notice lists, the notice (``SlideRenderer`` pages at normal or
large text) with its QR codes, the enlarged image, the urgent banner, the idle countdown.  A
pressed target is drawn highlighted (``draw(..., pressed=name)`` or, cheaper, ``press``) in the
frame the finger comes down.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Callable

import pygame

from kiosk import strings
from kiosk.content.feedback import FeedbackUrlError
from kiosk.content.model import Category, Item
from kiosk.layout import TextStyle
from kiosk.qr import QrError, module_px_to_fit
from kiosk.render.cache import SurfaceCache
from kiosk.render.contrast import TEXT_MIN, ratio, readable_on
from kiosk.render.fonts import RGB, FontSet
from kiosk.render.images import ImageError, load_fitted
from kiosk.render.qrdraw import QrCodes
from kiosk.render.slides import SlideRenderer
from kiosk.render.text import Theme
from kiosk.render.zones import Palette
from kiosk.touch.navigation import Screen, View
from kiosk.touch.targets import Geometry, Rect, detail_regions

log = logging.getLogger(__name__)

LABELS = strings.BUTTONS
HINTS = {Screen.HOME: strings.HINT_HOME, Screen.LIST: strings.HINT_LIST, Screen.DETAIL: strings.HINT_DETAIL}
LARGE_SCALE = 1.4
UrlFor = Callable[[Item], str | None]


@dataclasses.dataclass(frozen=True)
class Colours:
    paper: RGB = (251, 247, 238)
    ink: RGB = (30, 28, 26)
    muted: RGB = (100, 92, 84)
    accent: RGB = (168, 18, 28)  # buttons, headings
    accent_fg: RGB = (255, 255, 255)
    pressed: RGB = (246, 206, 110)  # gold: the finger is on it
    active: RGB = (120, 10, 18)  # 大字 switched on
    disabled: RGB = (205, 198, 188)
    card: RGB = (255, 255, 255)
    rule: RGB = (210, 200, 186)

    accent_text: RGB = (168, 18, 28)  # the accent as text or a line on the paper or a card
    pressed_ink: RGB = (30, 28, 26)  # text on the pressed gold

    @classmethod
    def of(cls, palette: Palette, theme: Theme) -> Colours:
        """From the screen's palette and page theme, every text at least 4.5:1 against what is behind it
        (a disabled button, which does nothing, is the exception WCAG allows)."""
        dark = sum(palette.paper) < 200
        card = (40, 40, 44) if dark else cls.card
        accent_text = palette.header_bg
        if min(ratio(accent_text, palette.paper), ratio(accent_text, card)) < TEXT_MIN:
            accent_text = palette.header_accent  # the gold: the red is too dark on a dark paper
        return cls(paper=palette.paper, ink=theme.body, muted=palette.muted, accent=palette.header_bg,
                   card=card, rule=(90, 90, 90) if dark else cls.rule, disabled=(70, 70, 70) if dark else cls.disabled,
                   accent_text=accent_text, pressed_ink=readable_on(cls.pressed))


class TouchRenderer:
    """Draws views of the touch UI on a canvas of ``geometry.size``."""

    def __init__(self, fonts: FontSet, geometry: Geometry, colours: Colours, slides: SlideRenderer,
                 large: SlideRenderer, url_for: UrlFor, request_url_for: UrlFor | None = None,
                 codes: QrCodes | None = None) -> None:
        self.fonts, self.geom, self.colours = fonts, geometry, colours
        self.slides = {False: slides, True: large}
        self.url_for, self.request_url_for = url_for, request_url_for
        self.codes = codes or QrCodes()
        self._texts: OrderedDict[tuple[str, int, RGB, bool], pygame.Surface] = OrderedDict()
        self._picture: tuple[tuple[object, ...], pygame.Surface | None] | None = None
        self._shade: pygame.Surface | None = None  # the dimming layer under the idle countdown

    @classmethod
    def create(cls, fonts: FontSet, geometry: Geometry, style: TextStyle, theme: Theme, palette: Palette,
               category_of: Callable[[Item], Category | None], url_for: UrlFor,
               request_url_for: UrlFor | None = None, cache: SurfaceCache | None = None,
               theme_name: str = "paper", codes: QrCodes | None = None) -> TouchRenderer:
        """With two slide renderers (normal and 大字) sized to the notice page of the detail screen."""
        count = 2 if request_url_for is not None else 1
        _, _, w, h = detail_regions(geometry, count)["page"]
        short = min(geometry.size)
        big = dataclasses.replace(style, body_px=round(style.body_px * LARGE_SCALE),
                                  min_body_px=round(style.min_body_px * LARGE_SCALE))
        cache = cache if cache is not None else SurfaceCache()  # (an empty cache is falsy)
        slides = [SlideRenderer(fonts, (w, h), short, s, theme, palette, category_of, cache, f"touch-{theme_name}-{n}")
                  for n, s in enumerate((style, big))]
        return cls(fonts, geometry, Colours.of(palette, theme), slides[0], slides[1], url_for, request_url_for,
                   codes)

    @property
    def code_count(self) -> int:
        """QR codes on the detail page: pass it to ``Navigator(codes=...)``."""
        return 2 if self.request_url_for is not None else 1

    def pages(self, item: Item, large: bool) -> int:
        """Pages of a notice on the detail screen (``Library.pages``)."""
        return self.slides[large].page_count(item)

    # -------------------------------------------------------------------------- whole screens

    def draw(self, canvas: pygame.Surface, view: View, pressed: str | None = None) -> list[pygame.Rect]:
        """Draw ``view`` (nothing for the loop); returns the dirty rects."""
        if view.screen is Screen.LOOP:
            return []
        if view.enlarged is not None and view.item is not None:
            self._draw_enlarged(canvas, view.item, view.enlarged)
        else:
            canvas.fill(self.colours.paper)
            self._draw_frame(canvas, view)
            {Screen.HOME: self._draw_home, Screen.LIST: self._draw_list, Screen.DETAIL: self._draw_detail}[
                view.screen](canvas, view)
            for name in view.layout.targets:
                self._draw_target(canvas, view, name, name == pressed)
        if view.countdown is not None:
            self._draw_countdown(canvas, view.countdown)
        return [canvas.get_rect()]

    def press(self, canvas: pygame.Surface, view: View, name: str | None, pressed: bool = True) -> list[pygame.Rect]:
        """Redraw one target pressed (finger down) or released; cheaper than a whole ``draw``."""
        if name is None or name not in view.layout.targets or view.countdown is not None or name == "close":
            return []
        return [self._draw_target(canvas, view, name, pressed)]

    # -------------------------------------------------------------------------- parts

    def _text(self, text: str, px: int, colour: RGB, bold: bool = False) -> pygame.Surface:
        key = (text, px, colour, bold)
        surface = self._texts.get(key)
        if surface is None:
            surface = self._texts[key] = self.fonts.render(text, px, colour, bold)
            while len(self._texts) > 512:
                self._texts.popitem(last=False)
        return surface

    def _fit(self, text: str, px: int, width: float, bold: bool = False) -> str:
        if self.fonts.advance(text, px, bold) <= width:
            return text
        while text and self.fonts.advance(text + "…", px, bold) > width:
            text = text[:-1]
        return text + "…"

    def _label(self, canvas: pygame.Surface, text: str, rect: Rect | pygame.Rect, px: int, colour: RGB,
               bold: bool = False, align: str = "center") -> None:
        x, y, w, h = rect
        surface = self._text(self._fit(text, px, w, bold), px, colour, bold)
        anchor = {"center": {"center": (x + w // 2, y + h // 2)}, "left": {"midleft": (x, y + h // 2)},
                  "right": {"midright": (x + w, y + h // 2)}}[align]
        canvas.blit(surface, surface.get_rect(**anchor))

    @property
    def _px(self) -> int:
        return round(self.geom.target * 0.42)

    def _draw_frame(self, canvas: pygame.Surface, view: View) -> None:
        regions, c = view.layout.regions, self.colours
        self._label(canvas, view.title, regions["title"], round(self._px * 1.15), c.accent_text, bold=True)
        if view.banner is None:
            self._label(canvas, HINTS.get(view.screen, ""), regions["strip"], round(self._px * 0.8), c.muted)
        if view.pages > 1:
            self._label(canvas, strings.PAGE_OF.format(page=view.page + 1, pages=view.pages), regions["indicator"],
                        self._px, c.ink)
        y = regions["strip"][1] - self.geom.margin // 2
        pygame.draw.line(canvas, c.rule, (0, y), (canvas.get_width(), y), 2)

    def _draw_home(self, canvas: pygame.Surface, view: View) -> None:
        for name, rect in view.layout.regions.items():
            if name.startswith("heading:"):
                row = view.rows[int(name.partition(":")[2])]
                self._label(canvas, view.sections[row.section], rect, self._px, self.colours.accent_text, True, "left")
                x, y, w, h = rect
                pygame.draw.line(canvas, self.colours.accent_text, (x, y + h - 2), (x + w, y + h - 2), 2)

    def _draw_list(self, canvas: pygame.Surface, view: View) -> None:
        if not view.items:
            self._label(canvas, strings.EMPTY_CATEGORY, view.layout.regions["content"], self._px, self.colours.muted)

    def _draw_detail(self, canvas: pygame.Surface, view: View) -> None:
        item, regions = view.item, view.layout.regions
        if item is None:
            return
        canvas.blit(self.slides[view.large_text].slide(item, view.page), regions["page"][:2])
        sources = [(self.url_for, strings.FEEDBACK_CAPTION), (self.request_url_for, strings.REQUEST_CAPTION)]
        for n, (url_for, caption) in enumerate(sources):
            if url_for is not None and f"qr:{n}" in regions:
                self._draw_code(canvas, item, url_for, regions[f"qr:{n}"], regions[f"caption:{n}"], caption)

    def _draw_code(self, canvas: pygame.Surface, item: Item, url_for: UrlFor, box: Rect, cap: Rect,
                   caption: str) -> None:
        try:
            url = url_for(item)
            if url is None:
                return
            code = self.codes.surface(url, module_px_to_fit(len(self.codes.matrix(url)), box[2]))
        except (QrError, FeedbackUrlError) as e:  # a bad template or a URL too long: no code
            log.error("feedback code not shown for %s: %s", item.key, e)
            return
        x, y, w, h = box
        canvas.blit(code, code.get_rect(midbottom=(x + w // 2, y + h)))
        self._label(canvas, caption, cap, round(self._px * 0.9), self.colours.ink, bold=True)

    def _draw_target(self, canvas: pygame.Surface, view: View, name: str, pressed: bool) -> pygame.Rect:
        rect = pygame.Rect(view.layout.targets[name])
        kind, _, index = name.partition(":")
        if name in LABELS:
            self._button(canvas, rect, name, view, pressed)
        elif kind == "tile":
            self._tile(canvas, rect, view, int(index), pressed)
        elif kind == "row":
            self._row(canvas, rect, view.items[int(index)], pressed)
        elif name == "banner" and view.banner is not None:
            fill = self.colours.pressed if pressed else self.colours.accent
            ink = self.colours.pressed_ink if pressed else self.colours.accent_fg
            pygame.draw.rect(canvas, fill, rect, border_radius=self.geom.margin)
            text = strings.URGENT_BANNER.format(title=view.banner.title)
            self._label(canvas, strings.URGENT_BANNER_ACTION, rect.inflate(-self._px, 0), self._px, ink, True, "right")
            body = pygame.Rect(rect.x + self._px // 2, rect.y, rect.w - self._px * 6, rect.h)
            self._label(canvas, text, body, self._px, ink, True, "left")
        elif name == "image" and pressed:
            pygame.draw.rect(canvas, self.colours.pressed, rect, width=max(4, self.geom.margin // 2))
        return rect

    def _button(self, canvas: pygame.Surface, rect: pygame.Rect, name: str, view: View, pressed: bool) -> None:
        c = self.colours
        if name in ("prev", "next") and view.pages <= 1:
            return  # nothing to page: no buttons that do nothing
        disabled = ((name == "prev" and view.page == 0) or (name == "next" and view.page >= view.pages - 1)
                    or (name == "home" and view.screen is Screen.HOME))
        fill, ink = c.accent, c.accent_fg
        if disabled:
            fill, ink = c.disabled, c.paper
        elif pressed:
            fill, ink = c.pressed, c.pressed_ink
        elif name == "large" and view.large_text:
            fill = c.active
        pygame.draw.rect(canvas, c.paper, rect)
        pygame.draw.rect(canvas, fill, rect, border_radius=self.geom.margin)
        if name == "large" and view.large_text and not pressed:
            pygame.draw.rect(canvas, c.pressed, rect, width=max(3, self.geom.margin // 3),
                             border_radius=self.geom.margin)
        self._label(canvas, LABELS[name], rect, round(self._px * 1.05), ink, bold=True)

    def _tile(self, canvas: pygame.Surface, rect: pygame.Rect, view: View, k: int, pressed: bool) -> None:
        c, tile, m = self.colours, view.tiles[k], self.geom.margin
        colour = tile.shelf.category.colour
        pygame.draw.rect(canvas, c.pressed if pressed else c.card, rect, border_radius=m)
        pygame.draw.rect(canvas, colour, rect, width=3, border_radius=m)
        pygame.draw.rect(canvas, colour, (rect.x, rect.y, m, rect.h), border_top_left_radius=m,
                         border_bottom_left_radius=m)
        inner = rect.inflate(-3 * m, -m)
        inner.x += m // 2
        name_rect = (inner.x, inner.y, inner.w, inner.h * 55 // 100)
        ink = c.pressed_ink if pressed else c.ink
        self._label(canvas, tile.shelf.category.name, name_rect, self._px, ink, True, "left")
        count_rect = (inner.x, inner.y + inner.h * 55 // 100, inner.w, inner.h * 45 // 100)
        if tile.count:
            self._label(canvas, strings.TILE_COUNT.format(count=tile.count), count_rect, self._px,
                        c.pressed_ink if pressed else c.accent_text, True, "right")
        else:
            self._label(canvas, strings.TILE_EMPTY, count_rect, round(self._px * 0.85),
                        c.pressed_ink if pressed else c.muted, False, "right")

    def _row(self, canvas: pygame.Surface, rect: pygame.Rect, item: Item, pressed: bool) -> None:
        c, m, px = self.colours, self.geom.margin, self._px
        pygame.draw.rect(canvas, c.pressed if pressed else c.card, rect, border_radius=m)
        pygame.draw.rect(canvas, c.rule, rect, width=2, border_radius=m)
        x = rect.x + m
        if item.urgent:
            chip = self._text(strings.URGENT_CHIP, round(px * 0.8), c.accent_fg, True)
            box = chip.get_rect(topleft=(x, rect.y + m)).inflate(m, m // 2)
            pygame.draw.rect(canvas, c.accent, box, border_radius=m // 2)
            canvas.blit(chip, chip.get_rect(center=box.center))
            x = box.right + m
        ink, muted = (c.pressed_ink, c.pressed_ink) if pressed else (c.ink, c.muted)
        self._label(canvas, item.title, (x, rect.y + m // 2, rect.right - x - m, rect.h // 2), px, ink, True, "left")
        meta = f"{strings.chinese_day(item.date)}    {item.issuer}"
        self._label(canvas, meta, (rect.x + m, rect.y + rect.h // 2, rect.w - 2 * m, rect.h // 2 - m // 2),
                    round(px * 0.8), muted, False, "left")

    def _draw_enlarged(self, canvas: pygame.Surface, item: Item, index: int) -> None:
        canvas.fill((0, 0, 0))
        path = item.images[index]
        key = (path, canvas.get_size(), item.digest())
        if self._picture is None or self._picture[0] != key:
            try:
                self._picture = (key, load_fitted(path, canvas.get_size()))
            except ImageError as e:
                log.error("image not shown: %s", e)
                self._picture = (key, None)
        picture = self._picture[1]
        if picture is not None:
            canvas.blit(picture, picture.get_rect(center=canvas.get_rect().center))
        else:
            self._label(canvas, strings.IMAGE_UNAVAILABLE, (0, 0, *canvas.get_size()), self._px, (230, 230, 230))
        m, t = self.geom.margin, self.geom.target
        back = pygame.Rect(m, m, self.geom.button_w, t)
        pygame.draw.rect(canvas, self.colours.accent, back, border_radius=m)
        self._label(canvas, LABELS["back"], back, round(self._px * 1.05), self.colours.accent_fg, True)
        w, h = canvas.get_size()
        hint = self._text(strings.IMAGE_CLOSE_HINT, round(self._px * 0.8), (240, 240, 240))
        where = hint.get_rect(midbottom=(w // 2, h - m))
        pygame.draw.rect(canvas, (0, 0, 0), where.inflate(2 * m, m), border_radius=m)
        canvas.blit(hint, where)

    def _draw_countdown(self, canvas: pygame.Surface, seconds: int) -> None:
        w, h = canvas.get_size()
        if self._shade is None or self._shade.get_size() != (w, h):  # made once, not every second
            self._shade = pygame.Surface((w, h), pygame.SRCALPHA)
            self._shade.fill((0, 0, 0, 150))
        canvas.blit(self._shade, (0, 0))
        px = round(self.geom.target * 0.8)
        box = pygame.Rect(0, 0, min(w - 2 * self.geom.margin, px * 10), px * 4)
        box.center = (w // 2, h // 2)
        pygame.draw.rect(canvas, self.colours.card, box, border_radius=self.geom.margin)
        pygame.draw.rect(canvas, self.colours.accent_text, box, width=4, border_radius=self.geom.margin)
        self._label(canvas, strings.COUNTDOWN.format(seconds=seconds), (box.x, box.y + px // 2, box.w, px * 2), px,
                    self.colours.accent_text, bold=True)
        self._label(canvas, strings.COUNTDOWN_HINT, (box.x, box.y + px * 2 + px // 3, box.w, px), round(px * 0.55),
                    self.colours.ink)
