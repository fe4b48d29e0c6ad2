"""LED board mode: only the configured region is drawn, in the board's palette, whole-pixel steps."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pygame
import pytest
from PIL import Image

from kiosk.config import LedSettings, load_config
from kiosk.player.runner import PlayOptions, Runner

AT = dt.datetime(2026, 11, 27, 10, 0)


def runner(tmp_path: Path, **led: object) -> Runner:
    cfg = load_config()
    cfg = dataclasses.replace(cfg, led=dataclasses.replace(LedSettings(enabled=True), **led))
    return Runner(cfg, PlayOptions(headless=True, size=(1280, 720), start=AT))


def shot(r: Runner) -> Image.Image:
    return Image.frombytes("RGB", r.screen.get_size(), pygame.image.tobytes(r.screen, "RGB"))


def colours(img: Image.Image, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    data = img.crop(box).tobytes()
    return {tuple(data[i:i + 3]) for i in range(0, len(data), 3)}  # type: ignore[misc]


@pytest.mark.parametrize(("layout", "palette", "allowed"), [
    ("ticker", "red", {(0, 0, 0), (255, 0, 0)}),
    ("pages", "red", {(0, 0, 0), (255, 0, 0)}),
    ("pages", "red-green", {(0, 0, 0), (255, 0, 0), (0, 255, 0), (255, 255, 0)}),
])
def test_only_region_drawn_in_palette(tmp_path: Path, layout: str, palette: str,
                                      allowed: set[tuple[int, int, int]]) -> None:
    r = runner(tmp_path, x=64, y=32, width=384, height=96, layout=layout, palette=palette)
    try:
        for _ in range(240):  # 4 s: the ticker has entered the board, pages have turned
            r.frame()
            r.wait(None)
        img = shot(r)
    finally:
        r.close()
    region = (64, 32, 64 + 384, 32 + 96)
    inside = colours(img, region)
    assert inside <= allowed, inside - allowed  # hard-edged glyphs: no antialiasing greys
    assert len(inside) > 1  # and something is lit
    outside = img.copy()
    outside.paste((0, 0, 0), region)
    assert colours(outside, (0, 0, 1280, 720)) == {(0, 0, 0)}


def test_ticker_moves_whole_pixels_every_frame(tmp_path: Path) -> None:
    r = runner(tmp_path, speed=120)  # 60 fps -> 2 px per refresh
    try:
        r.frame()
        offsets = []
        for _ in range(600):
            r.wait(None)
            r.frame()
            offsets.append(r.stage.main.offset)
    finally:
        r.close()
    steps = [b - a for a, b in zip(offsets, offsets[1:], strict=False) if b > a]
    assert set(steps) == {2}
    assert sum(1 for a, b in zip(offsets, offsets[1:], strict=False) if b < a) <= 1  # wraps at most once


@pytest.mark.parametrize("speed", [90, 100, 149])
def test_ticker_moves_at_the_configured_speed(tmp_path: Path, speed: int) -> None:
    """Every speed is its own (it was rounded to whole pixels per frame: 90 to 149 px/s all gave 120)."""
    r = runner(tmp_path, speed=speed)
    try:
        r.frame()
        offsets = []
        for _ in range(301):  # 5 s at 60 fps
            r.wait(None)
            r.frame()
            offsets.append(r.stage.main.offset)
    finally:
        r.close()
    steps = [b - a for a, b in zip(offsets, offsets[1:], strict=False)]
    assert all(s >= 0 for s in steps), "the strip wrapped during the measurement"
    assert abs(sum(steps) - speed * 5) <= 1
    assert set(steps) <= {speed // 60, speed // 60 + 1}  # whole pixels, never a jump


def test_region_outside_output_falls_back(tmp_path: Path) -> None:
    r = runner(tmp_path, x=5000, y=5000)
    try:
        r.frame()
        assert tuple(r.stage.main.rect) == (0, 0, 384, 96)
    finally:
        r.close()
