"""Touch browsing as a layer: pygame events → TapFilter → Navigator → TouchRenderer.

The decisions live in the pure modules (``kiosk.touch.taps``, ``kiosk.touch.navigation``); this
glue converts SDL events to logical canvas points (undoing the screen rotation), feeds them
through, and draws what the navigator's view says, with press feedback in the same frame.  While
a visitor browses, the layer covers the screen and the lobby loop below is paused.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence

import pygame

from kiosk.config import Config
from kiosk.player.layers import Layer, Now, Rects
from kiosk.player.lobby import REDRAW_EVENTS
from kiosk.player.power import ScreenPower
from kiosk.player.programme import Programme
from kiosk.render.look import Look
from kiosk.render.touch import TouchRenderer
from kiosk.schedule import Scheduler
from kiosk.touch.library import ScheduleLibrary, Snapshot
from kiosk.touch.navigation import Home, Navigator, NavSettings, Screen, Tick
from kiosk.touch.taps import FINGER, MOUSE, Pointer, TapFilter
from kiosk.touch.targets import Geometry, unrotate

log = logging.getLogger(__name__)

_KINDS = {
    pygame.FINGERDOWN: "down", pygame.FINGERMOTION: "move", pygame.FINGERUP: "up",
    pygame.MOUSEBUTTONDOWN: "down", pygame.MOUSEMOTION: "move", pygame.MOUSEBUTTONUP: "up",
}


class TouchLayer(Layer):
    def __init__(self, config: Config, look: Look, programme: Programme, scheduler: Scheduler,
                 power: ScreenPower, logical: tuple[int, int], output: tuple[int, int], rotation: int) -> None:
        """``scheduler``: the lobby's, so browsing lists exactly what the loop may show."""
        self.logical, self.output, self.rotation = logical, output, rotation
        self.programme, self.power = programme, power
        geometry = Geometry.for_screen(logical, config.touch.dpi or None)
        self.renderer = TouchRenderer.create(
            look.fonts, geometry, look.style, look.theme, look.palette, programme.category_of,
            programme.feedback_url, programme.request_url if config.qr.request_url else None, look.cache,
            look.theme_name, look.codes)
        library = ScheduleLibrary(scheduler, lambda: programme.contents, lambda: self._wall, self.renderer.pages)
        settings = NavSettings(idle_s=config.touch.idle_s, warning_s=config.touch.warning_s)
        self._nav_args = (library, geometry, settings, config.device.audience_enum, self.renderer.code_count)
        self.nav = Navigator(*self._nav_args)
        self.taps = TapFilter.for_target(geometry.target)
        self._wall = dt.datetime.now()
        self._mono = 0.0
        self._generation = programme.generation
        self._on = power.on
        self._dirty = False
        self._pressed: str | None = None
        self._preparing: threading.Thread | None = None
        self._prepared: tuple[object | None, Snapshot] | None = None

    @property
    def active(self) -> bool:
        """True while a visitor is browsing (anything but the lobby loop)."""
        return self.nav.screen is not Screen.LOOP

    @property
    def covers(self) -> bool:
        return self.active

    def start(self, now: Now) -> None:
        self._wall, self._mono = now.wall, now.mono

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

    def handle(self, event: pygame.event.Event) -> bool:
        """Pointer events are consumed (while the screen is on or a visitor is browsing)."""
        if event.type in REDRAW_EVENTS:
            self.refresh()
            return False
        if not (self.power.on or self.active):
            return False
        pointer = self.pointer(event, self._mono)
        if pointer is None:
            return False
        gesture = self.taps.feed(pointer)
        if gesture is not None:
            self._dirty |= self.nav.handle(gesture)
        return True

    def update(self, now: Now) -> None:
        self._wall, self._mono = now.wall, now.mono
        if self.programme.generation != self._generation:  # new content: the lists change at once
            self._generation = self.programme.generation
            self.refresh()
        if self.power.on != self._on:
            self._on = self.power.on
            if not self.active:
                self.taps.cancel()  # a finger held across the switch must not block later taps
        self._dirty |= self.nav.handle(Tick(now.mono))
        if not self.active:
            self._prepare_ahead()

    def _prepare_ahead(self) -> None:
        """While nobody browses: index the library on a thread whenever it changed, so the first
        touch opens the catalogue at once (3,000 notices: ~20 ms of sorting otherwise in that frame)."""
        prepared, self._prepared = self._prepared, None
        if prepared is not None:
            self.nav.adopt(*prepared)
        if self._preparing is not None and not self._preparing.is_alive():
            self._preparing = None
        if self._preparing is None and prepared is None and self.nav.stale():
            self._preparing = threading.Thread(target=self._build, name="kiosk-touch-prepare", daemon=True)
            self._preparing.start()

    def _build(self) -> None:
        try:
            token, snapshot = self.nav.prepare()
            # draw the catalogue once off screen: its titles and counts are then rendered and cached
            ghost = Navigator(*self._nav_args)
            ghost.adopt(token, snapshot)
            ghost.handle(Tick(self._mono))
            ghost.handle(Home())
            self.renderer.draw(pygame.Surface(self.logical), ghost.view())
            self._prepared = (token, snapshot)
        except Exception:  # noqa: BLE001 - the first touch then builds it itself
            log.exception("touch catalogue not prepared ahead")

    def refresh(self) -> None:
        self.nav.refresh()
        self._dirty = True

    def invalidate(self, rects: Sequence[pygame.Rect]) -> None:
        self._dirty = True

    @property
    def pressing(self) -> bool:
        return self.taps.pressed is not None

    @property
    def animating(self) -> bool:
        return self.active and self.pressing

    def draw(self, canvas: pygame.Surface) -> Rects:
        if not self.active:
            return []
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
