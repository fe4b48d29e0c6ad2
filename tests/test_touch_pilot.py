"""The running app driven by a pilot that posts real SDL finger (and synthesized mouse) events.

Headless, simulated time: each ``frame()`` advances the fake clock by 1/fps.  The screens reached
are read from the navigator; the feedback QR code is decoded from real screenshots with zxing-cpp.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pygame
import pytest
import zxingcpp
from PIL import Image

from kiosk.config import load_config
from kiosk.player.runner import PlayOptions, Runner
from kiosk.touch.navigation import Screen

AT = dt.datetime(2026, 11, 27, 10, 0)


class Pilot:
    def __init__(self, size: tuple[int, int], rotation: int = 0, idle_s: float = 60.0,
                 request_url: str = "") -> None:
        cfg = load_config()
        cfg = dataclasses.replace(cfg, qr=dataclasses.replace(cfg.qr, request_url=request_url))
        touch = dataclasses.replace(cfg.touch, idle_s=idle_s, warning_s=min(10.0, idle_s / 2))
        cfg = dataclasses.replace(cfg, touch=touch)
        self.runner = Runner(cfg, PlayOptions(headless=True, size=size, start=AT, rotation=rotation))
        self.out = size
        self.runner.frame()
        self.frames(1)  # touch browsing is set up once the first frame is on screen

    @property
    def stage(self):  # noqa: ANN201
        return self.runner.stage

    @property
    def nav(self):  # noqa: ANN201
        return self.stage.touch.nav

    def frames(self, n: int) -> list[list]:
        out = []
        for _ in range(n):
            self.runner.wait(None)
            out.append(self.runner.frame())
        return out

    def wait(self, seconds: float) -> None:
        self.frames(round(seconds * self.runner.fps))

    def _finger(self, kind: int, x: float, y: float) -> None:
        pygame.event.post(pygame.event.Event(kind, touch_id=1, finger_id=0, x=x / self.out[0], y=y / self.out[1],
                                             dx=0.0, dy=0.0, pressure=1.0))

    def _mouse(self, kind: int, x: float, y: float) -> None:
        pygame.event.post(pygame.event.Event(kind, pos=(int(x), int(y)), button=1, touch=True))

    def down(self, x: float, y: float) -> None:
        self._finger(pygame.FINGERDOWN, x, y)
        self._mouse(pygame.MOUSEBUTTONDOWN, x, y)  # what SDL synthesizes from the same touch

    def up(self, x: float, y: float) -> None:
        self._finger(pygame.FINGERUP, x, y)
        self._mouse(pygame.MOUSEBUTTONUP, x, y)

    def tap(self, x: float, y: float, settle: float = 0.5) -> None:
        self.down(x, y)
        self.frames(3)
        self.up(x, y)
        self.frames(1)
        self.wait(settle)

    def target(self, name: str) -> tuple[float, float]:
        x, y, w, h = self.nav.view().layout.targets[name]
        return (x + w / 2, y + h / 2)

    def tap_target(self, name: str) -> None:
        self.tap(*self.target(name))

    def screenshot(self, path: Path) -> Image.Image:
        data = pygame.image.tobytes(self.runner.screen, "RGB")
        img = Image.frombytes("RGB", self.runner.screen.get_size(), data)
        img.save(path)
        return img

    def close(self) -> None:
        self.runner.close()


@pytest.fixture
def pilot():  # noqa: ANN201
    pilots: list[Pilot] = []

    def make(size: tuple[int, int] = (1920, 1080), **kw: object) -> Pilot:
        p = Pilot(size, **kw)
        pilots.append(p)
        return p

    yield make
    for p in pilots:
        p.close()


def first_target(pilot: Pilot, prefix: str) -> str:
    return next(n for n in pilot.nav.view().layout.targets if n.startswith(prefix))


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_browse_read_scan_and_walk_away(pilot, tmp_path: Path, size: tuple[int, int]) -> None:  # noqa: ANN001
    p = pilot(size, idle_s=30.0)
    assert p.nav.screen is Screen.LOOP
    p.tap(size[0] / 2, size[1] / 2)  # any touch in the loop opens the catalogue
    assert p.nav.screen is Screen.HOME
    tiles = [n for n in p.nav.view().layout.targets if n.startswith("tile")]
    assert len(tiles) >= 8
    p.tap_target(tiles[0])
    assert p.nav.screen is Screen.LIST
    p.tap_target(first_target(p, "row"))
    assert p.nav.screen is Screen.DETAIL
    item = p.nav.view().item
    p.frames(2)
    img = p.screenshot(tmp_path / "detail.png")
    codes = zxingcpp.read_barcodes(img)
    urls = [c.text for c in codes]
    assert p.stage.programme.feedback_url(item) in urls  # the code opens the form for exactly this notice
    assert f"item={item.id}" in p.stage.programme.feedback_url(item)
    p.tap_target("back")
    assert p.nav.screen is Screen.LIST
    p.tap_target("home")
    assert p.nav.screen is Screen.HOME
    p.wait(31)  # the visitor walks away
    assert p.nav.screen is Screen.LOOP
    assert not p.stage.touch.active


def test_one_physical_tap_activates_once(pilot) -> None:  # noqa: ANN001
    p = pilot()
    p.tap(960, 540)
    assert p.nav.screen is Screen.HOME
    p.tap_target(first_target(p, "tile"))
    assert p.nav.screen is Screen.LIST  # not LIST then DETAIL from a duplicated mouse event


def test_press_feedback_on_the_next_frame(pilot) -> None:  # noqa: ANN001
    p = pilot()
    p.tap(960, 540)
    x, y = p.target(first_target(p, "tile"))
    p.down(x, y)
    dirty = p.frames(1)[0]
    assert dirty, "the pressed tile must be redrawn in the very next frame"
    p.up(x, y)
    p.frames(1)
    assert p.nav.screen is Screen.LIST


def test_loop_slide_qr_decodes(pilot, tmp_path: Path) -> None:  # noqa: ANN001
    for size in ((1920, 1080), (1080, 1920)):
        p = pilot(size)
        p.frames(2)
        img = p.screenshot(tmp_path / f"loop-{size[0]}.png")
        item = p.stage.lobby.showing.slot.item
        assert p.stage.programme.feedback_url(item) in [c.text for c in zxingcpp.read_barcodes(img)]


def test_rotated_screen_maps_touches(pilot) -> None:  # noqa: ANN001
    p = pilot((1920, 1080), rotation=90)  # a portrait totem fed a landscape signal
    p.tap(960, 540)
    assert p.nav.screen is Screen.HOME
    lx, ly = p.target(first_target(p, "tile"))  # logical (portrait) point
    # the output is the 1080x1920 logical canvas turned clockwise: (x, y) -> (1920 - y, x)
    p.tap(1920 - ly, lx)
    assert p.nav.screen is Screen.LIST


def test_detail_shows_request_code_when_configured(pilot, tmp_path: Path) -> None:  # noqa: ANN001
    p = pilot(request_url="https://apply.example.org/yishenqing?item={item}&dev={device}")
    p.tap(960, 540)
    p.tap_target(first_target(p, "tile"))
    p.tap_target(first_target(p, "row"))
    item = p.nav.view().item
    p.frames(2)
    urls = {c.text for c in zxingcpp.read_barcodes(p.screenshot(tmp_path / "two.png"))}
    assert p.stage.programme.feedback_url(item) in urls
    assert f"https://apply.example.org/yishenqing?item={item.id}&dev=demo-0001" in urls
