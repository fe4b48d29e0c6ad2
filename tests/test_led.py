"""LED board mode: only the configured region is drawn, in the board's palette, whole-pixel steps."""

from __future__ import annotations

import pytest
from PIL import Image
from pilot import Pilot, configured


def board(**led: object) -> Pilot:
    """The app on an LED board (region and layout from ``led``), before its first frame."""
    return Pilot(configured(led={"enabled": True, **led}), (1280, 720), frames=0)


def colours(img: Image.Image, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    data = img.crop(box).tobytes()
    return {tuple(data[i:i + 3]) for i in range(0, len(data), 3)}  # type: ignore[misc]


@pytest.mark.parametrize(("layout", "palette", "allowed"), [
    ("ticker", "red", {(0, 0, 0), (255, 0, 0)}),
    ("pages", "red", {(0, 0, 0), (255, 0, 0)}),
    ("pages", "red-green", {(0, 0, 0), (255, 0, 0), (0, 255, 0), (255, 255, 0)}),
])
def test_only_region_drawn_in_palette(layout: str, palette: str,
                                      allowed: set[tuple[int, int, int]]) -> None:
    with board(x=64, y=32, width=384, height=96, layout=layout, palette=palette) as p:
        p.frames(240)  # 4 s: the ticker has entered the board, pages have turned
        img = p.screenshot()
    region = (64, 32, 64 + 384, 32 + 96)
    inside = colours(img, region)
    assert inside <= allowed, inside - allowed  # hard-edged glyphs: no antialiasing greys
    assert len(inside) > 1  # and something is lit
    outside = img.copy()
    outside.paste((0, 0, 0), region)
    assert colours(outside, (0, 0, 1280, 720)) == {(0, 0, 0)}


def offsets(p: Pilot, frames: int) -> list[int]:
    """The ticker's offset after each of ``frames`` frames."""
    out = []
    for _ in range(frames):
        p.frames(1)
        out.append(p.stage.main.offset)
    return out


def test_ticker_moves_whole_pixels_every_frame() -> None:
    with board(speed=120) as p:  # 60 fps -> 2 px per refresh
        p.frames(1)
        seen = offsets(p, 600)
    steps = [b - a for a, b in zip(seen, seen[1:], strict=False) if b > a]
    assert set(steps) == {2}
    assert sum(1 for a, b in zip(seen, seen[1:], strict=False) if b < a) <= 1  # wraps at most once


@pytest.mark.parametrize("speed", [90, 100, 149])
def test_ticker_moves_at_the_configured_speed(speed: int) -> None:
    """Every speed is its own (it was rounded to whole pixels per frame: 90 to 149 px/s all gave 120)."""
    with board(speed=speed) as p:
        p.frames(1)
        seen = offsets(p, 301)  # 5 s at 60 fps
    steps = [b - a for a, b in zip(seen, seen[1:], strict=False)]
    assert all(s >= 0 for s in steps), "the strip wrapped during the measurement"
    assert abs(sum(steps) - speed * 5) <= 1
    assert set(steps) <= {speed // 60, speed // 60 + 1}  # whole pixels, never a jump


def test_region_outside_output_falls_back() -> None:
    with board(x=5000, y=5000) as p:
        p.frames(1)
        assert tuple(p.stage.main.rect) == (0, 0, 384, 96)
