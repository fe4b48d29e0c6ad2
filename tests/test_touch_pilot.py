"""The running app driven by a pilot that posts real SDL finger (and synthesized mouse) events.

Headless, simulated time: each ``frame()`` advances the fake clock by 1/fps.  The screens reached
are read from the navigator; the feedback QR code is decoded from real screenshots with zxing-cpp.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from pilot import Pilot, configured

from kiosk.touch.navigation import Screen


@pytest.fixture
def pilot():  # noqa: ANN201
    """``pilot(size, rotation=0, idle_s=60, request_url="")``: a running app, closed after the test."""
    pilots: list[Pilot] = []

    def make(size: tuple[int, int] = (1920, 1080), rotation: int = 0, idle_s: float = 60.0,
             request_url: str = "") -> Pilot:
        config = configured(qr={"request_url": request_url},
                            touch={"idle_s": idle_s, "warning_s": min(10.0, idle_s / 2)})
        p = Pilot(config, size, rotation=rotation)
        pilots.append(p)
        return p

    yield make
    for p in pilots:
        p.close()


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
    p.tap_target(p.first_target("row"))
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
    p.tap_target(p.first_target("tile"))
    assert p.nav.screen is Screen.LIST  # not LIST then DETAIL from a duplicated mouse event


def test_press_feedback_on_the_next_frame(pilot) -> None:  # noqa: ANN001
    p = pilot()
    p.tap(960, 540)
    x, y = p.target(p.first_target("tile"))
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
    lx, ly = p.target(p.first_target("tile"))  # logical (portrait) point
    # the output is the 1080x1920 logical canvas turned clockwise: (x, y) -> (1920 - y, x)
    p.tap(1920 - ly, lx)
    assert p.nav.screen is Screen.LIST


def test_detail_shows_request_code_when_configured(pilot, tmp_path: Path) -> None:  # noqa: ANN001
    p = pilot(request_url="https://apply.example.org/yishenqing?item={item}&dev={device}")
    p.tap(960, 540)
    p.tap_target(p.first_target("tile"))
    p.tap_target(p.first_target("row"))
    item = p.nav.view().item
    p.frames(2)
    urls = {c.text for c in zxingcpp.read_barcodes(p.screenshot(tmp_path / "two.png"))}
    assert p.stage.programme.feedback_url(item) in urls
    assert f"https://apply.example.org/yishenqing?item={item.id}&dev=demo-0001" in urls
