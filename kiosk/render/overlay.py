"""The USB overlay: a centred rounded panel over whatever is playing, big Chinese text, a bar.

Protocol with the player (draw it last, after everything else)::

    view = usb.panel(mono)                      # PanelView | None, in update()
    if overlay.must_restore(view):              # it just disappeared:
        player repaints overlay.rect            #   e.g. a full redraw this frame
    ...player draws...
    dirty += overlay.draw(canvas, view, dirty)  # in draw(), last

``draw`` touches only ``overlay.rect`` (opaque panel; the pixels outside the rounded corners
are never written) and paints only when the view changed or when something the player drew
this frame overlaps the panel; it returns ``[overlay.rect]`` when it painted, else ``[]``.
``overlay.visible`` is True while the panel is on the canvas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import pygame

from kiosk.render.fonts import FontSet
from kiosk.usb.panel import PanelView, Tone

RGB = tuple[int, int, int]
PANEL_LINES = 4.2  # panel height in message-size units (padding, message, bar, detail)
BACKGROUND: RGB = (28, 30, 34)
TEXT: RGB = (255, 255, 255)
DETAIL: RGB = (226, 226, 226)
TRACK: RGB = (74, 76, 84)
ACCENT: Mapping[Tone, RGB] = MappingProxyType({Tone.WORKING: (242, 178, 36), Tone.OK: (64, 176, 96),
                                               Tone.REFUSED: (222, 64, 52)})


class UsbOverlay:
    def __init__(self, fonts: FontSet, size: tuple[int, int]) -> None:
        self.fonts = fonts
        width, height = size
        short = min(width, height)
        board = width >= 2.5 * height  # an LED board region (e.g. 384x96): use all of it
        self.px = max(10, int(height * 0.9 / PANEL_LINES) if board else round(short / 13))  # 83 px on 1080
        self.detail_px = max(10, round(self.px * 0.62))
        self.pad = max(3, round(self.px * 0.55))
        self.border = max(2, round(self.px * 0.07))
        self.bar_h = max(4, round(self.px * 0.32))
        panel_h = self.pad * 2 + round(self.px * 1.35) + self.bar_h + round(self.px * 0.45) + \
            round(self.detail_px * 1.4)
        margin = max(4, width // 30)
        panel_w = width - 2 * margin if board else min(width - 2 * margin, max(round(short * 1.35), width * 3 // 5))
        self.rect = pygame.Rect(0, 0, panel_w, min(panel_h, height - 4))
        self.rect.center = (width // 2, height // 2)
        self.radius = max(4, round(self.px * 0.4))
        self.visible = False
        self._drawn: PanelView | None = None

    def must_restore(self, view: PanelView | None) -> bool:
        """True when the panel is on the canvas but should not be: the player repaints ``rect``."""
        return self.visible and view is None

    def draw(self, canvas: pygame.Surface, view: PanelView | None,
             under: Sequence[pygame.Rect] = ()) -> list[pygame.Rect]:
        """Paint the panel if needed (see the module doc); returns the rects touched."""
        if view is None:
            self.visible, self._drawn = False, None
            return []
        covered = any(self.rect.colliderect(r) for r in under)
        if self.visible and view == self._drawn and not covered:
            return []
        self._paint(canvas, view)
        self.visible, self._drawn = True, view
        return [self.rect.copy()]

    def _paint(self, canvas: pygame.Surface, view: PanelView) -> None:
        accent = ACCENT[view.tone]
        clip = canvas.get_clip()
        canvas.set_clip(self.rect)
        try:
            pygame.draw.rect(canvas, BACKGROUND, self.rect, border_radius=self.radius)
            pygame.draw.rect(canvas, accent, self.rect, width=self.border, border_radius=self.radius)
            inner = self.rect.inflate(-2 * self.pad, -2 * self.pad)
            y = self._text(canvas, view.message, self.px, TEXT, inner, inner.y, bold=True)
            y += round(self.px * 0.2)
            if view.progress is not None:
                self._bar(canvas, inner, y, view.progress, accent)
            y += self.bar_h + round(self.px * 0.25)
            if view.detail:
                self._text(canvas, view.detail, self.detail_px, DETAIL, inner, y)
        finally:
            canvas.set_clip(clip)

    def _text(self, canvas: pygame.Surface, text: str, px: int, colour: RGB, inner: pygame.Rect, y: int,
              bold: bool = False) -> int:
        """Centre one line in ``inner`` at ``y``, shrinking it to fit; returns the y below it."""
        while px > 10 and self.fonts.advance(text, px, bold) > inner.w:
            px -= max(1, px // 12)
        surface = self.fonts.render(text, px, colour, bold)
        canvas.blit(surface, (inner.centerx - surface.get_width() // 2, y))
        return y + surface.get_height()

    def _bar(self, canvas: pygame.Surface, inner: pygame.Rect, y: int, progress: float, accent: RGB) -> None:
        track = pygame.Rect(inner.x + inner.w // 10, y, inner.w * 8 // 10, self.bar_h)
        radius = self.bar_h // 2
        pygame.draw.rect(canvas, TRACK, track, border_radius=radius)
        filled = track.copy()
        filled.w = round(track.w * min(1.0, max(0.0, progress)))
        if filled.w > 0:
            pygame.draw.rect(canvas, accent, filled, border_radius=radius)
