"""Layers drawn over the others: the technician status line and the USB stick panel.

Both are thin: the status text comes from ``kiosk.render.status.status_lines``, the panel's state
from ``kiosk.usb.panel`` (through ``UsbService.panel``), the drawing from ``kiosk.render``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pygame

from kiosk.player.layers import Layer, Now, Rects
from kiosk.render.fonts import FontSet
from kiosk.render.overlay import UsbOverlay
from kiosk.render.status import draw_status
from kiosk.usb.panel import PanelView

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyCombo:
    """A key with modifiers, e.g. "ctrl+alt+t" (parsed once from the config)."""

    key: int | None  # None: the name is not a key pygame knows, so the combo never matches
    mods: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> KeyCombo:
        parts = text.lower().split("+")
        known = {"ctrl": pygame.KMOD_CTRL, "alt": pygame.KMOD_ALT, "shift": pygame.KMOD_SHIFT}
        try:
            key: int | None = pygame.key.key_code(parts[-1])
        except ValueError:
            log.error("kiosk.technician_keys: %r is not a key; the status line cannot be shown", parts[-1])
            key = None
        return cls(key, tuple(known[m] for m in parts[:-1] if m in known))

    def matches(self, event: pygame.event.Event) -> bool:
        return self.key is not None and event.key == self.key and all(event.mod & m for m in self.mods)


class StatusLayer(Layer):
    """The technician status line, toggled by ``kiosk.technician_keys``: a dark band above the ticker."""

    def __init__(self, keys: str, lines: Callable[[], list[str]], fonts: FontSet, bottom: int, px: int) -> None:
        """``lines``: what to show (read at every draw); ``bottom``: the band's lower edge."""
        self.combo = KeyCombo.parse(keys)
        self.lines = lines
        self.fonts, self.bottom, self.px = fonts, bottom, px
        self.visible = False
        self._drawn: list[str] | None = None
        self._rect: pygame.Rect | None = None
        self._gone: Rects = []

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN and self.combo.matches(event):
            self.visible = not self.visible
            if not self.visible and self._rect is not None:
                self._gone.append(self._rect)
                self._rect, self._drawn = None, None
            return True
        return False

    def vacated(self) -> Rects:
        gone, self._gone = self._gone, []
        return gone

    def invalidate(self, rects: Sequence[pygame.Rect]) -> None:
        if self._rect is not None and self._rect.collidelist(list(rects)) >= 0:
            self._drawn = None

    def draw(self, canvas: pygame.Surface) -> Rects:
        if not self.visible:
            return []
        lines = self.lines()
        if lines == self._drawn:
            return []
        if self._rect is not None and len(lines) != len(self._drawn or ()):
            self._gone.append(self._rect)  # a smaller band: the layers below repaint next frame
        self._rect = draw_status(canvas, lines, self.fonts, self.bottom, self.px)
        self._drawn = lines
        return [self._rect.copy()]


class PanelSource(Protocol):
    """``kiosk.usb.service.UsbService``: the panel to show now, or None."""

    def panel(self, mono: float) -> PanelView | None: ...


class UsbLayer(Layer):
    """The USB stick panel (检测到U盘… → 正在校验 → result → 可以拔出U盘), over everything else."""

    def __init__(self, usb: PanelSource, overlay: UsbOverlay) -> None:
        self.usb = usb
        self.overlay = overlay
        self.view: PanelView | None = None
        self._under: Rects = []

    def update(self, now: Now) -> None:
        self.view = self.usb.panel(now.mono)

    def vacated(self) -> Rects:
        return [self.overlay.rect.copy()] if self.overlay.must_restore(self.view) else []

    def invalidate(self, rects: Sequence[pygame.Rect]) -> None:
        self._under.extend(rects)

    @property
    def animating(self) -> bool:
        return self.view is not None  # the progress bar moves

    def draw(self, canvas: pygame.Surface) -> Rects:
        under, self._under = self._under, []
        return self.overlay.draw(canvas, self.view, under)
