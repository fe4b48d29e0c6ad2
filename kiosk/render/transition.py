"""Transitions between two slide surfaces of the same size."""

from __future__ import annotations

import pygame


def ease(t: float) -> float:
    """Smoothstep easing of a 0..1 progress value."""
    t = min(1.0, max(0.0, t))
    return t * t * (3 - 2 * t)


class Transition:
    """Changes ``old`` into ``new`` over ``duration`` seconds; ``kind`` is fade, slide or cut.

    A fade goes through the paper: the old page fades out to blank paper in the first half and
    the new one fades in from it in the second, so two pages of text are never seen on top of
    each other (``paper`` is the slides' paper colour; default: the new slide's corner pixel).
    """

    def __init__(self, old: pygame.Surface, new: pygame.Surface, kind: str, duration: float,
                 paper: tuple[int, int, int] | None = None) -> None:
        self.old, self.new, self.kind = old, new, kind
        self.duration = max(0.0, duration) if kind != "cut" else 0.0
        self.elapsed = 0.0
        corner = new.get_at((0, 0))
        self.paper = paper if paper is not None else (corner.r, corner.g, corner.b)
        self._sheet: pygame.Surface | None = None

    @property
    def done(self) -> bool:
        return self.elapsed >= self.duration

    def update(self, dt: float) -> None:
        self.elapsed += dt

    def placements(self, pos: tuple[int, int]) -> list[tuple[pygame.Surface, tuple[int, int], int]]:
        """(slide, top-left, opacity 0-255) to draw in order for the current frame, clipped to the
        slide's rect at ``pos``: blitted by :meth:`draw`, or drawn as textures by a GPU."""
        t = ease(self.elapsed / self.duration) if self.duration > 0 else 1.0
        if t >= 1.0:
            return [(self.new, pos, 255)]
        if self.kind == "slide":
            w = self.new.get_width()
            shift = round(w * t)
            return [(self.old, (pos[0] - shift, pos[1]), 255), (self.new, (pos[0] + w - shift, pos[1]), 255)]
        if t < 0.5:  # the old page fades out to the paper…
            return [(self.old, pos, 255), (self._paper_sheet(), pos, round(255 * t * 2))]
        return [(self._paper_sheet(), pos, 255), (self.new, pos, round(255 * (t * 2 - 1)))]  # …the new one in

    def draw(self, surface: pygame.Surface, pos: tuple[int, int]) -> pygame.Rect:
        rect = self.new.get_rect(topleft=pos)
        clip = surface.get_clip()
        surface.set_clip(rect.clip(clip))
        for slide, at, alpha in self.placements(pos):
            if alpha < 255:
                slide.set_alpha(alpha)
            surface.blit(slide, at)
            if alpha < 255:
                slide.set_alpha(None)
        surface.set_clip(clip)
        return rect

    def _paper_sheet(self) -> pygame.Surface:
        if self._sheet is None:
            self._sheet = pygame.Surface(self.new.get_size())
            self._sheet.fill(self.paper)
        return self._sheet
