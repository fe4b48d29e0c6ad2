"""Touch targets (size, layout, hit-testing) and the tap filter (one activation per touch)."""

from __future__ import annotations

import itertools

import pytest

from kiosk.player.present import map_rect
from kiosk.touch.navigation import Swipe, Tap
from kiosk.touch.taps import FINGER, MOUSE, Pointer, TapFilter
from kiosk.touch.targets import (
    Geometry,
    Layout,
    contains,
    layout_detail,
    layout_home,
    layout_image,
    layout_list,
    paginate_home,
    target_px,
    unrotate,
)

SIZES = [(1920, 1080), (1080, 1920), (1280, 720), (1366, 768), (3840, 2160), (800, 480)]


# ------------------------------------------------------------------------------ target size and layout


def test_target_size_is_the_larger_of_9mm_and_8_percent_of_the_short_side() -> None:
    assert target_px((1920, 1080)) == 86  # 9 mm at ~40 DPI is only 14 px
    assert target_px((1080, 1920)) == 86
    assert target_px((800, 480), dpi=300) == 107  # a dense small panel: 9 mm wins


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def layouts(geom: Geometry) -> list[Layout]:
    pages = paginate_home([8, 5, 3], geom)
    return [*(layout_home(geom, rows, banner=True) for rows in pages),
            layout_list(geom, geom.list_rows(), banner=True),
            layout_detail(geom, image=True, banner=True, codes=2)]


@pytest.mark.parametrize("size", SIZES)
def test_targets_are_big_inside_the_screen_and_apart(size: tuple[int, int]) -> None:
    geom = Geometry.for_screen(size)
    for layout in layouts(geom):
        rects = list(layout.targets.values())
        for x, y, w, h in rects:
            assert w >= geom.target and h >= geom.target, layout.kind
            assert x >= 0 and y >= 0 and x + w <= size[0] and y + h <= size[1], layout.kind
        for a, b in itertools.combinations(rects, 2):
            assert not overlaps(a, b), (layout.kind, a, b)
        for name, (x, y, w, h) in layout.targets.items():
            assert layout.hit(x + w // 2, y + h // 2) == name


@pytest.mark.parametrize("size", SIZES)
def test_home_pages_hold_every_tile_once_and_fit(size: tuple[int, int]) -> None:
    geom = Geometry.for_screen(size)
    pages = paginate_home([8, 5, 0, 3], geom)
    tiles = [k for page in pages for row in page for k in row.tiles]
    assert tiles == list(range(16))
    for page in pages:
        assert not page[0].tiles and page[-1].tiles  # starts with a heading, never ends with one
        layout = layout_home(geom, page)
        bottom = max(y + h for name, (x, y, w, h) in layout.targets.items() if name.startswith("tile:"))
        assert bottom <= geom.content[1] + geom.content[3]
    assert paginate_home([], geom) == ((),)


@pytest.mark.parametrize("size", SIZES)
def test_detail_page_and_qr_panel_do_not_overlap(size: tuple[int, int]) -> None:
    geom = Geometry.for_screen(size)
    for codes in (1, 2):
        regions = layout_detail(geom, codes=codes).regions
        cx, cy, cw, ch = geom.content
        for n in range(codes):
            qr = regions[f"qr:{n}"]
            assert qr[2] == qr[3] and qr[2] >= geom.target
            assert not overlaps(qr, regions["page"])
            assert cx <= qr[0] and qr[0] + qr[2] <= cx + cw and cy <= qr[1] and qr[1] + qr[3] <= cy + ch


def test_enlarged_image_closes_on_a_tap_anywhere() -> None:
    layout = layout_image(Geometry.for_screen((1920, 1080)))
    assert layout.hit(0, 0) == layout.hit(1919, 1079) == "close"


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_unrotate_inverts_the_output_rotation(rotation: int) -> None:
    logical = (1080, 1920)
    for x, y in [(0, 0), (10, 20), (1079, 1919), (500, 1200)]:
        ox, oy, _, _ = map_rect((x, y, 1, 1), logical, rotation)
        assert unrotate(ox, oy, logical, rotation) == (x, y)
        assert contains((x, y, 1, 1), *unrotate(ox, oy, logical, rotation))


# ------------------------------------------------------------------------------ tap filter


def gesture(device: str, x: float, y: float, t: float, synthetic: bool = False, dx: float = 0,
            finger: int = 0) -> list[Pointer]:
    return [Pointer("down", x, y, t, device, finger, synthetic),
            Pointer("move", x + dx / 2, y, t + 0.03, device, finger, synthetic),
            Pointer("up", x + dx, y, t + 0.06, device, finger, synthetic)]


def run(events: list[Pointer], filt: TapFilter | None = None) -> list[Tap | Swipe]:
    filt = filt or TapFilter.for_target(86)
    return [out for e in events if (out := filt.feed(e)) is not None]


def test_a_finger_tap_with_sdl_synthesized_mouse_events_activates_once() -> None:
    finger = gesture(FINGER, 100, 200, 1.0)
    mouse = gesture(MOUSE, 100, 200, 1.0, synthetic=True)
    events = [finger[0], mouse[0], finger[1], finger[2], mouse[2]]
    assert run(events) == [Tap(100, 200, 1.06)]


@pytest.mark.parametrize("order", ["finger-first", "mouse-first", "interleaved", "mouse-inside"])
def test_a_panel_that_is_touch_and_mouse_at_once_activates_once(order: str) -> None:
    f = gesture(FINGER, 100, 200, 1.0)
    m = gesture(MOUSE, 103, 198, 1.01)  # the twin: not marked, a little off
    events = {"finger-first": f + m, "mouse-first": m + f, "interleaved": [f[0], m[0], f[1], m[1], f[2], m[2]],
              "mouse-inside": [f[0], m[0], m[2], f[2]]}[order]
    assert len(run(events)) == 1


def test_a_mouse_only_touchscreen_works_and_quick_taps_elsewhere_count() -> None:
    events = gesture(MOUSE, 100, 200, 1.0) + gesture(MOUSE, 900, 600, 1.2) + gesture(MOUSE, 100, 200, 2.0)
    assert run(events) == [Tap(100, 200, 1.06), Tap(900, 600, 1.26), Tap(100, 200, 2.06)]


def test_contact_bounce_is_one_tap_but_a_second_deliberate_tap_is_two() -> None:
    bounce = gesture(FINGER, 100, 200, 1.0) + gesture(FINGER, 102, 201, 1.1)
    assert len(run(bounce)) == 1
    assert len(run(gesture(FINGER, 100, 200, 1.0) + gesture(FINGER, 100, 200, 1.4))) == 2


def test_movement_beyond_the_slop_is_a_swipe() -> None:
    assert run(gesture(FINGER, 800, 500, 1.0, dx=-300)) == [Swipe(-300, 0, 1.06)]
    assert run(gesture(FINGER, 800, 500, 1.0, dx=20)) == [Tap(800, 500, 1.06)]  # drift: still a tap


def test_a_second_finger_is_ignored_and_a_lost_up_recovers() -> None:
    events = [Pointer("down", 100, 100, 1.0, FINGER, 1), Pointer("down", 900, 900, 1.01, FINGER, 2),
              Pointer("up", 900, 900, 1.05, FINGER, 2), Pointer("up", 100, 100, 1.1, FINGER, 1)]
    assert run(events) == [Tap(100, 100, 1.1)]
    lost = [Pointer("down", 100, 100, 1.0, FINGER, 1), Pointer("down", 500, 500, 3.0, FINGER, 1),
            Pointer("up", 500, 500, 3.1, FINGER, 1)]
    assert run(lost) == [Tap(500, 500, 3.1)]


def test_pressed_point_is_exposed_for_press_feedback() -> None:
    filt = TapFilter.for_target(86)
    assert filt.pressed is None
    filt.feed(Pointer("down", 100, 200, 1.0))
    assert filt.pressed == (100, 200)
    filt.feed(Pointer("move", 400, 200, 1.1))
    assert filt.pressed is None  # a swipe, not a press
    filt.feed(Pointer("up", 400, 200, 1.2))
    filt.feed(Pointer("down", 100, 200, 2.0))
    filt.cancel()
    assert filt.pressed is None and filt.feed(Pointer("up", 100, 200, 2.1)) is None


def test_lost_finger_up_does_not_block_later_taps() -> None:
    from kiosk.touch.taps import FINGER, Pointer, Tap, TapFilter

    taps = TapFilter.for_target(80)
    assert taps.feed(Pointer("down", 100, 100, 0.0, FINGER, 1)) is None  # its "up" never comes
    assert taps.feed(Pointer("down", 300, 300, 10.0, FINGER, 2)) is None
    got = taps.feed(Pointer("up", 300, 300, 10.1, FINGER, 2))
    assert isinstance(got, Tap) and (got.x, got.y) == (300, 300)
