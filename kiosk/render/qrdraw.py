"""Drawing QR codes: crisp whole-pixel modules on a white quiet zone, and the loop-slide corner code.

``draw_qr`` returns the code only; captions (``strings.FEEDBACK_CAPTION``) are drawn by the caller with its font.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import pygame

from kiosk import strings
from kiosk.content.feedback import FeedbackUrlError
from kiosk.content.model import Item
from kiosk.qr import QUIET_MODULES, QrError, qr_matrix, qr_module_px, qr_size
from kiosk.render.contrast import TEXT_MIN, toward
from kiosk.render.geometry import SlideFrame
from kiosk.render.zones import Palette

log = logging.getLogger(__name__)

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)

Colour = tuple[int, int, int]


def caption_colour(palette: Palette) -> Colour:
    """The colour of the caption under a loop slide's code: dark brown, lightened on a dark paper
    until it reads (4.5:1)."""
    return toward((60, 50, 40), palette.paper, TEXT_MIN)


RenderText = Callable[[str, int, Colour], pygame.Surface]  # FontSet.render(text, px, colour)


def draw_qr(matrix: Sequence[Sequence[bool]], module_px: int, quiet_modules: int = QUIET_MODULES) -> pygame.Surface:
    """Black modules of ``module_px`` whole pixels on white, with a quiet zone of ``quiet_modules``."""
    n = len(matrix)
    if n == 0 or any(len(row) != n for row in matrix):
        raise QrError("QR matrix must be square and not empty")
    if module_px < 1 or quiet_modules < 0:
        raise QrError(f"QR module size must be >= 1 px (got {module_px}), quiet zone >= 0 (got {quiet_modules})")
    side = (n + 2 * quiet_modules) * module_px
    surface = pygame.Surface((side, side))
    surface.fill(WHITE)
    offset = quiet_modules * module_px
    for r, row in enumerate(matrix):
        c = 0
        while c < n:  # one rect per run of dark modules
            if not row[c]:
                c += 1
                continue
            start = c
            while c < n and row[c]:
                c += 1
            surface.fill(BLACK, (offset + start * module_px, offset + r * module_px, (c - start) * module_px,
                                 module_px))
    return surface


class QrCodes:
    """A small thread-safe cache of code surfaces by (url, module size or box)."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._matrices: OrderedDict[str, list[list[bool]]] = OrderedDict()
        self._surfaces: OrderedDict[tuple[str, int], pygame.Surface] = OrderedDict()

    def matrix(self, url: str) -> list[list[bool]]:
        with self._lock:
            found = self._matrices.get(url)
        if found is None:
            found = qr_matrix(url)
            with self._lock:
                self._matrices[url] = found
                _trim(self._matrices, self._size)
        return found

    def surface(self, url: str, module_px: int) -> pygame.Surface:
        key = (url, module_px)
        with self._lock:
            found = self._surfaces.get(key)
        if found is None:
            found = draw_qr(self.matrix(url), module_px)
            with self._lock:
                self._surfaces[key] = found
                _trim(self._surfaces, self._size)
        return found


def _trim(cache: OrderedDict[Any, Any], size: int) -> None:
    while len(cache) > size:
        cache.popitem(last=False)


class LoopQr:
    """``SlideRenderer.decorate`` hook: the item's feedback code in the bottom-right of a loop slide.

    The code sits right-aligned with the page, its caption just above the slide footer.  The text
    layout must leave that corner free (``corner`` gives its size for a given URL).
    """

    def __init__(self, url_for: Callable[[Item], str | None], screen_short_px: int, viewing_distance_m: float,
                 render_text: RenderText | None = None, dpi: float | None = None,
                 caption_colour: Colour = (60, 50, 40), codes: QrCodes | None = None) -> None:
        self.url_for = url_for
        self.short = screen_short_px
        self.distance = viewing_distance_m
        self.render_text = render_text
        self.dpi = dpi
        self.caption_colour = caption_colour
        self.codes = codes or QrCodes()

    def code(self, url: str) -> pygame.Surface:
        n = len(self.codes.matrix(url))
        return self.codes.surface(url, qr_module_px(n, self.distance, self.short, self.dpi))

    def caption_px(self, code_side: int) -> int:
        return max(14, code_side // 7)

    def corner(self, url: str) -> tuple[int, int]:
        """Width and height the code and its caption take in the corner (about, for the caption)."""
        n = qr_size(url)  # the size alone: no need to build the code
        side = (n + 2 * QUIET_MODULES) * qr_module_px(n, self.distance, self.short, self.dpi)
        caption = round(self.caption_px(side) * 1.4) if self.render_text is not None else 0
        return (side, side + caption)

    def __call__(self, surface: pygame.Surface, item: Item, frame: SlideFrame) -> None:
        try:
            url = self.url_for(item)
            if url is None:
                return
            code = self.code(url)
        except (QrError, FeedbackUrlError) as e:  # a bad template or a URL too long: no code
            log.error("feedback code not shown for %s: %s", item.key, e)
            return
        px, py, pw, _ = frame.page
        fy = frame.footer[1]
        caption = None
        if self.render_text is not None:
            caption = self.render_text(strings.FEEDBACK_CAPTION, self.caption_px(code.get_width()), self.caption_colour)
        cap_h = caption.get_height() if caption is not None else 0
        x = px + pw - code.get_width()
        y = max(py, fy - cap_h - code.get_height())
        qx, qy, qw, qh = frame.qr
        if qw:  # the slide reserved a corner for the code: centre it there
            x = qx + (qw - code.get_width()) // 2
            y = qy + max(0, qh - cap_h - code.get_height())
        surface.blit(code, (x, y))
        if caption is not None:
            surface.blit(caption, caption.get_rect(midtop=(x + code.get_width() // 2, y + code.get_height())))
