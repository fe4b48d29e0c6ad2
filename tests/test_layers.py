"""The layer stack: order of the phases, covering, repaint of what a layer leaves, honest dirty rects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pygame
import pytest
from PIL import Image, ImageChops, ImageDraw
from stagekit import Panels, Rig

from kiosk.config import DEMO_CONTENT
from kiosk.player.layers import Layer, LayerStack, Now, Rects
from kiosk.player.power import ScreenPower
from kiosk.player.proof import Proof
from kiosk.render.fonts import FontSet
from kiosk.schedule import DisplayHours
from kiosk.touch.navigation import Screen
from kiosk.usb.panel import PanelView

AT = dt.datetime(2026, 11, 27, 10, 0)


class Probe(Layer):
    """A layer that logs what the stack asks of it and paints a fixed rect when told to."""

    def __init__(self, name: str, log: list[str], rect: tuple[int, int, int, int] = (0, 0, 10, 10),
                 consumes: bool = False) -> None:
        self.name, self.log, self.rect, self.consumes = name, log, pygame.Rect(rect), consumes
        self.covering = False
        self.dirty = True
        self.gone: Rects = []

    @property
    def covers(self) -> bool:
        return self.covering

    def handle(self, event: pygame.event.Event) -> bool:
        self.log.append(f"handle {self.name}")
        return self.consumes

    def update(self, now: Now) -> None:
        self.log.append(f"update {self.name}")

    def draw(self, canvas: pygame.Surface) -> Rects:
        self.log.append(f"draw {self.name}")
        if not self.dirty:
            return []
        self.dirty = False
        canvas.fill((255, 255, 255), self.rect)
        return [self.rect.copy()]

    def invalidate(self, rects: Sequence[pygame.Rect]) -> None:
        self.log.append(f"invalidate {self.name}")
        self.dirty = True

    def vacated(self) -> Rects:
        gone, self.gone = self.gone, []
        return gone

    def cover(self, covered: bool, now: Now) -> None:
        self.log.append(f"cover {self.name} {covered}")


def stack_of(*layers: Layer) -> LayerStack:
    power = ScreenPower(DisplayHours())
    return LayerStack(layers, power, Proof(None, power))


def test_events_go_top_down_and_stop_where_used() -> None:
    log: list[str] = []
    stack = stack_of(Probe("bottom", log), Probe("middle", log, consumes=True), Probe("top", log))
    assert stack.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_a, mod=0))
    assert log == ["handle top", "handle middle"]


def test_a_covering_layer_pauses_the_layers_below_and_tells_them() -> None:
    log: list[str] = []
    bottom, top = Probe("bottom", log), Probe("top", log)
    stack, canvas = stack_of(bottom, top), pygame.Surface((100, 100))
    stack.update(Now(AT, 0.0))
    assert log == ["update top", "update bottom"]
    top.covering = True
    log.clear()
    stack.update(Now(AT, 1.0))
    stack.draw(canvas)
    assert log == ["update top", "cover bottom True", "draw top"]  # neither updated nor drawn
    top.covering = False
    log.clear()
    stack.update(Now(AT, 2.0))
    assert log == ["update top", "cover bottom False", "update bottom"]


def test_what_a_layer_leaves_is_repainted_below_and_what_is_painted_over_is_repainted_above() -> None:
    log: list[str] = []
    bottom, top = Probe("bottom", log, (0, 0, 100, 100)), Probe("top", log, (10, 10, 20, 20))
    stack, canvas = stack_of(bottom, top), pygame.Surface((100, 100))
    assert stack.draw(canvas) == [pygame.Rect(0, 0, 100, 100), pygame.Rect(10, 10, 20, 20)]
    assert stack.draw(canvas) == []  # nothing changed: nothing drawn
    top.gone = [pygame.Rect(10, 10, 20, 20)]
    log.clear()
    dirty = stack.draw(canvas)
    assert log[0] == "invalidate bottom" and "invalidate top" in log  # below repaints, so the top does too
    assert dirty == [pygame.Rect(0, 0, 100, 100), pygame.Rect(10, 10, 20, 20)]


def _image(surface: pygame.Surface) -> Image.Image:
    return Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))


def _outside(before: Image.Image, after: Image.Image, dirty: Sequence[pygame.Rect]) -> tuple[int, int, int, int] | None:
    """The box of pixels that changed outside the dirty rects (None: the rects cover every change)."""
    diff = ImageChops.difference(before, after).convert("L")
    draw = ImageDraw.Draw(diff)
    for r in dirty:
        if r.w > 0 and r.h > 0:
            draw.rectangle((r.x, r.y, r.right - 1, r.bottom - 1), fill=0)
    return diff.getbbox()


@pytest.fixture
def fonts() -> FontSet:
    pygame.display.init()
    pygame.freetype.init()
    return FontSet.default()


def test_dirty_rects_cover_every_pixel_that_changed(fonts: FontSet) -> None:
    """Slide changes with transitions, the clock, the ticker, the status line, the USB panel and
    touch browsing: each frame's dirty rects hold every changed pixel (what presenting relies on)."""
    size = (960, 540)
    panels = Panels()
    rig = Rig(fonts, DEMO_CONTENT, size, usb=panels)
    rig.start(AT)
    rig.stage.add_touch(size, 0, Now(AT, 0.0))
    keys = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_t, mod=pygame.KMOD_LCTRL | pygame.KMOD_LALT)
    script = {5: lambda: rig.handle(keys),  # status line on
              20: lambda: setattr(panels, "view", PanelView("正在校验 37%", "请稍候", progress=0.37)),
              30: lambda: setattr(panels, "view", None),
              40: lambda: rig.handle(keys),  # status line off
              50: lambda: _tap(rig, 480, 270),  # opens the catalogue
              51: lambda: _tap(rig, 480, 270, up=True)}
    checked = changed = 0
    fps = 10
    for i in range(fps * 90):  # slides change every few seconds; browsing times out after 60 s
        if i in script:
            script[i]()
        before = _image(rig.canvas)
        dirty = rig.frame(AT + dt.timedelta(seconds=i / fps), i / fps, 1 / fps)
        after = _image(rig.canvas)
        assert _outside(before, after, dirty) is None, f"frame {i}: pixels changed outside {dirty}"
        checked += 1
        changed += bool(ImageChops.difference(before, after).getbbox())
    assert rig.stage.touch is not None and rig.stage.touch.nav.screen is Screen.LOOP  # timed out: back
    assert checked == 900 and changed > 100  # the check saw real changes, not a still screen


def _tap(rig: Rig, x: float, y: float, up: bool = False) -> None:
    kind = pygame.FINGERUP if up else pygame.FINGERDOWN
    w, h = rig.canvas.get_size()
    rig.handle(pygame.event.Event(kind, touch_id=1, finger_id=0, x=x / w, y=y / h, dx=0.0, dy=0.0, pressure=1.0))


class Calls:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def __getattr__(self, name: str):  # noqa: ANN204
        return lambda *a, **k: self.calls.append((name, a))

    @property
    def last(self) -> tuple[str, tuple[object, ...]]:
        """The last call that is not a tick."""
        return [c for c in self.calls if c[0] != "tick"][-1]


def test_browsing_is_recorded_as_no_notice_on_screen_and_the_loop_resumes_after(fonts: FontSet) -> None:
    """Proof of display: while a visitor browses, the loop notice is not on screen (it was recorded
    as still showing before the layers)."""
    size = (960, 540)
    rec = Calls()
    rig = Rig(fonts, DEMO_CONTENT, size, recorder=rec)
    rig.start(AT)
    rig.stage.add_touch(size, 0, Now(AT, 0.0))
    rig.frame(AT, 0.1, 0.1)
    assert rec.last[0] == "begin"
    _tap(rig, 480, 270)
    rig.frame(AT + dt.timedelta(seconds=0.2), 0.2, 0.1)
    _tap(rig, 480, 270, up=True)
    rig.frame(AT + dt.timedelta(seconds=0.3), 0.3, 0.1)
    assert rig.stage.touch is not None and rig.stage.touch.covers
    assert rec.last == ("idle", ((0, 0, *size),))
    assert rig.stage.proof.current is None
    t = 0.3
    while rig.stage.touch.covers and t < 120:
        t += 0.5
        rig.frame(AT + dt.timedelta(seconds=t), t, 0.5)
    assert not rig.stage.touch.covers
    assert rec.last[0] == "begin"  # the loop's notice is on screen again
    assert rig.stage.proof.current is not None
