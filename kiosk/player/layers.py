"""Everything that draws on the screen is a layer; the runner owns them in one ordered stack.

A layer (the lobby loop or the LED board at the bottom, touch browsing, the technician status
line, the USB panel on top) has four phases, called by the stack once a frame::

    handle(event) -> bool          # top-down; True stops the event there
    update(now)                    # top-down, so a layer above decides first whether it covers
    draw(canvas) -> dirty rects    # bottom-up; exactly the canvas rects this call wrote
    animating                      # True while it needs the next frame soon (60 fps), not in a second

and three ways the stack tells it about its neighbours:

- ``invalidate(rects)``: its pixels in ``rects`` are gone (a layer below painted over them, or a
  layer above left them: the USB panel closed); repaint them at the next ``draw``.
- ``vacated() -> rects``: asked before drawing; the areas it no longer paints (a hidden panel),
  which the stack passes to the layers below as ``invalidate``.
- ``cover(covered, now)``: a layer above started (True) or stopped (False) covering the whole
  screen (``covers``: touch browsing).  A covered layer is paused: neither updated nor drawn.

Layers decide nothing themselves: what to show comes from the pure packages (schedule, touch,
usb panel views).  The display state (:class:`~kiosk.player.power.ScreenPower`) and the proof of
display (:class:`~kiosk.player.proof.Proof`) are shared by the layers and advanced by the stack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from kiosk.player.power import ScreenPower
from kiosk.player.proof import Proof

Rects = list[pygame.Rect]


@dataclass(frozen=True)
class Now:
    """The time of one frame: naive local wall clock, monotonic seconds, seconds since the last frame."""

    wall: dt.datetime
    mono: float
    step: float = 0.0


class Layer:
    """A layer that does nothing; subclasses override the phases they need."""

    @property
    def covers(self) -> bool:
        """True while the layer paints the whole screen: the layers below are paused."""
        return False

    def start(self, now: Now) -> None:
        """The first frame: load what is needed to draw."""

    def handle(self, event: pygame.event.Event) -> bool:
        """One SDL event; True when it was used (layers below do not see it)."""
        return False

    def update(self, now: Now) -> None:
        """Advance to ``now``."""

    def draw(self, canvas: pygame.Surface) -> Rects:
        """Paint what changed; returns exactly the rects written."""
        return []

    @property
    def animating(self) -> bool:
        return False

    def invalidate(self, rects: Sequence[pygame.Rect]) -> None:
        """Pixels of this layer in ``rects`` were overwritten or uncovered: repaint them."""

    def vacated(self) -> Rects:
        """Areas this layer painted last time and no longer paints (taken once)."""
        return []

    def cover(self, covered: bool, now: Now) -> None:
        """A layer above started or stopped covering the whole screen."""

    def close(self) -> None:
        """The player stops: end background work."""


class LayerStack:
    """The ordered layers of a screen (bottom first), with the display state and proof they share."""

    def __init__(self, layers: Sequence[Layer], power: ScreenPower, proof: Proof) -> None:
        self.layers: list[Layer] = list(layers)
        self.power = power
        self.proof = proof
        self._covered: dict[int, bool] = {}

    def add(self, layer: Layer, above: Layer, now: Now) -> None:
        """Start ``layer`` and put it directly above ``above`` (touch browsing joins after the first frame)."""
        layer.start(now)
        self.layers.insert(self.layers.index(above) + 1, layer)

    def start(self, now: Now) -> None:
        self.power.update(now.wall)
        for layer in self.layers:
            layer.start(now)

    def handle(self, event: pygame.event.Event) -> bool:
        return any(layer.handle(event) for layer in reversed(self.layers))

    def update(self, now: Now) -> None:
        self.power.update(now.wall)
        self.proof.tick(now.wall)
        covered = False
        for layer in reversed(self.layers):
            if self._covered.get(id(layer), False) != covered:
                self._covered[id(layer)] = covered
                layer.cover(covered, now)
            if not covered:
                layer.update(now)
            covered = covered or layer.covers

    def _visible(self) -> list[Layer]:
        """The layers drawn: from the top-most covering layer up."""
        start = max((i for i, layer in enumerate(self.layers) if layer.covers), default=0)
        return self.layers[start:]

    def draw(self, canvas: pygame.Surface) -> Rects:
        for i, layer in enumerate(self.layers):
            gone = layer.vacated()
            if gone:
                for below in self.layers[:i]:
                    below.invalidate(gone)
        dirty: Rects = []
        for layer in self._visible():
            if dirty:
                layer.invalidate(dirty)
            dirty += layer.draw(canvas)
        return dirty

    @property
    def animating(self) -> bool:
        return any(layer.animating for layer in self._visible())

    def close(self) -> None:
        """Stop every layer (top first), then write the proof of display's clean stop."""
        try:
            for layer in reversed(self.layers):
                layer.close()
        finally:
            self.proof.stop()
