"""LED board benchmark: frame time and the steadiness of the ticker's step, through the real loop.

Runs the player in LED ticker mode (384x96 region) for a few seconds in real time on the SDL dummy
driver at 60 fps, timing every frame and recording the ticker offset.  Prints the median and p99
frame time, the distribution of pixel steps per refresh (a steady ticker moves the same whole
number of pixels every frame) and of the intervals between frames (pacing by pygame's clock here;
on a real board the display's refresh paces it).

Run: ``SDL_VIDEODRIVER=dummy .venv/bin/python bench/bench_led.py [--seconds N]``
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import statistics
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402

from kiosk.config import LedSettings, load_config  # noqa: E402
from kiosk.player.runner import PlayOptions, Runner  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    for speed in (60, 120):
        cfg = load_config()
        cfg = dataclasses.replace(cfg, led=LedSettings(enabled=True, speed=speed))
        r = Runner(cfg, PlayOptions(windowed=True, size=(1280, 720)))
        frame_ms, stamps, offsets = [], [], []
        pacer = pygame.time.Clock()
        try:
            r.frame()
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end:
                r.wait(pacer)
                t0 = time.perf_counter()
                r.frame()
                frame_ms.append((time.perf_counter() - t0) * 1000)
                stamps.append(t0)
                offsets.append(r.stage.main.offset)
        finally:
            r.close()
        steps = collections.Counter(b - a for a, b in zip(offsets, offsets[1:], strict=False) if b >= a)
        gaps = [(b - a) * 1000 for a, b in zip(stamps, stamps[1:], strict=False)]
        ordered = sorted(frame_ms)
        print(f"speed {speed} px/s: {len(frame_ms)} frames; frame time median {statistics.median(frame_ms):.3f} ms, "
              f"p99 {ordered[int(0.99 * (len(ordered) - 1))]:.3f} ms; steps per refresh {dict(steps)}; "
              f"frame interval median {statistics.median(gaps):.2f} ms, stdev {statistics.pstdev(gaps):.2f} ms")


if __name__ == "__main__":
    main()
