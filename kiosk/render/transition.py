"""Transitions between two slide surfaces of the same size."""

from __future__ import annotations

import pygame


def ease(t: float) -> float:
    """Smoothstep easing of a 0..1 progress value."""
    t = min(1.0, max(0.0, t))
    return t * t * (3 - 2 * t)


class Transition:
    """Blends ``old`` into ``new`` over ``duration`` seconds; ``kind`` is fade, slide or cut."""

    def __init__(self, old: pygame.Surface, new: pygame.Surface, kind: str, duration: float) -> None:
        self.old, self.new, self.kind = old, new, kind
        self.duration = max(0.0, duration) if kind != "cut" else 0.0
        self.elapsed = 0.0

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
        else:
            surface.blit(self.old, pos)
            self.new.set_alpha(round(255 * t))
            surface.blit(self.new, pos)
            self.new.set_alpha(None)
        return rect
