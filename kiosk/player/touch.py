"""Touch browsing on top of the lobby player: pygame events → TapFilter → Navigator → TouchRenderer.

The decisions live in the pure modules (``kiosk.touch.taps``, ``kiosk.touch.navigation``); this glue converts SDL
events to logical canvas points (undoing the screen rotation), feeds them through, and draws what
the navigator's view says, with press feedback in the same frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pygame

from kiosk.config import Config
from kiosk.render.touch import TouchRenderer
from kiosk.touch.library import ScheduleLibrary
from kiosk.touch.navigation import Navigator, NavSettings, Screen, Tick
from kiosk.touch.taps import FINGER, MOUSE, Pointer, TapFilter
from kiosk.touch.targets import Geometry, unrotate

log = logging.getLogger(__name__)

_KINDS = {
    pygame.FINGERDOWN: "down", pygame.FINGERMOTION: "move", pygame.FINGERUP: "up",
    pygame.MOUSEBUTTONDOWN: "down", pygame.MOUSEMOTION: "move", pygame.MOUSEBUTTONUP: "up",
}


class TouchMode:
    def __init__(self, config: Config, player, logical: tuple[int, int], output: tuple[int, int],  # noqa: ANN001
                 rotation: int, now: Callable[[], object]) -> None:
        self.logical, self.output, self.rotation = logical, output, rotation
        geometry = Geometry.for_screen(logical, config.touch.dpi or None)
        slides = player.slides
        self.renderer = TouchRenderer.create(
            player.fonts, geometry, slides.style, slides.theme, player.palette, player._category_of,
            player.feedback_url, player.request_url if config.qr.request_url else None, slides.cache,
            config.screen.theme, player.loop_qr.codes if player.loop_qr is not None else None)  # codes built once
        library = ScheduleLibrary(player.scheduler, lambda: player.contents, now, self.renderer.pages)
        settings = NavSettings(idle_s=config.touch.idle_s, warning_s=config.touch.warning_s)
        self.nav = Navigator(library, geometry, settings, config.device.audience_enum, self.renderer.code_count)
        self.taps = TapFilter.for_target(geometry.target)
        self._dirty = False
        self._pressed: str | None = None

    @property
    def active(self) -> bool:
        """True while a visitor is browsing (anything but the lobby loop)."""
        return self.nav.screen is not Screen.LOOP

    def pointer(self, event: pygame.event.Event, mono: float) -> Pointer | None:
        kind = _KINDS.get(event.type)
        if kind is None:
            return None
        if event.type in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP):
            x, y = event.x * self.output[0], event.y * self.output[1]
            device, ident, synthetic = FINGER, int(event.finger_id), False
        else:
            if event.type == pygame.MOUSEMOTION and not event.buttons[0]:
                return None
            if event.type != pygame.MOUSEMOTION and event.button != 1:
                return None
            x, y = event.pos
            device, ident, synthetic = MOUSE, 0, bool(getattr(event, "touch", False))
        lx, ly = unrotate(x, y, self.logical, self.rotation)
        return Pointer(kind, lx, ly, mono, device, ident, synthetic)

    def handle(self, event: pygame.event.Event, mono: float) -> bool:
        """Feed one SDL event; True when it was a pointer event (consumed)."""
        pointer = self.pointer(event, mono)
        if pointer is None:
            return False
        gesture = self.taps.feed(pointer)
        if gesture is not None:
            self._dirty |= self.nav.handle(gesture)
        return True

    def tick(self, mono: float) -> None:
        self._dirty |= self.nav.handle(Tick(mono))

    def cancel_press(self) -> None:
        """Forget a press in progress (the screen switched off under the finger)."""
        self.taps.cancel()

    def refresh(self) -> None:
        self.nav.refresh()
        self._dirty = True

    @property
    def pressing(self) -> bool:
        return self.taps.pressed is not None

    def draw(self, canvas: pygame.Surface) -> list[pygame.Rect]:
        view = self.nav.view()
        pressed_at = self.taps.pressed
        name = self.nav.target_at(*pressed_at) if pressed_at is not None else None
        if self._dirty:
            self._dirty = False
            self._pressed = name
            return self.renderer.draw(canvas, view, name)
        if name == self._pressed:
            return []
        rects = self.renderer.press(canvas, view, self._pressed, False)
        rects += self.renderer.press(canvas, view, name, True)
        self._pressed = name
        return rects
