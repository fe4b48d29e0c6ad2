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

    def draw(self, surface: pygame.Surface, pos: tuple[int, int]) -> pygame.Rect:
        t = ease(self.elapsed / self.duration) if self.duration > 0 else 1.0
        rect = self.new.get_rect(topleft=pos)
        if t >= 1.0:
            surface.blit(self.new, pos)
        elif self.kind == "slide":
            shift = round(rect.w * t)
            surface.blit(self.old, (pos[0] - shift, pos[1]))
            surface.blit(self.new, (pos[0] + rect.w - shift, pos[1]))
        elif t < 0.5:  # the old page fades out to the paper…
            surface.blit(self.old, pos)
            sheet = self._paper_sheet()
            sheet.set_alpha(round(255 * t * 2))
            surface.blit(sheet, pos)
        else:  # …and the new one in from it
            surface.fill(self.paper, rect)
            self.new.set_alpha(round(255 * (t * 2 - 1)))
            surface.blit(self.new, pos)
            self.new.set_alpha(None)
        return rect

    def _paper_sheet(self) -> pygame.Surface:
        if self._sheet is None:
            self._sheet = pygame.Surface(self.new.get_size())
            self._sheet.fill(self.paper)
        return self._sheet
