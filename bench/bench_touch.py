"""Touch benchmark: frames from a tap to the visible response, and frame times while paging a list.

Headless (SDL dummy driver), real SDL events posted into the running app, simulated time.
Prints, for 1920x1080 and 1080x1920:
- frames from FINGERDOWN to the first frame that redraws the pressed target (target: 1, the next);
- frames from FINGERUP to the new screen drawn;
- median and p99 frame time (ms) over repeated swipes through a category list and a notice,
  every frame included (page changes, press feedback, idle ticks).

Run: ``SDL_VIDEODRIVER=dummy .venv/bin/python bench/bench_touch.py``
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import datetime as dt  # noqa: E402

import pygame  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from kiosk.player.runner import PlayOptions, Runner  # noqa: E402
from kiosk.touch.navigation import Screen  # noqa: E402

AT = dt.datetime(2026, 11, 27, 10, 0)


def post_finger(kind: int, x: float, y: float, size: tuple[int, int]) -> None:
    pygame.event.post(pygame.event.Event(kind, touch_id=1, finger_id=0, x=x / size[0], y=y / size[1],
                                         dx=0.0, dy=0.0, pressure=1.0))


def timed_frame(r: Runner, times: list[float]) -> list:
    r.wait(None)
    t0 = time.perf_counter()
    dirty = r.frame()
    times.append((time.perf_counter() - t0) * 1000)
    return dirty


def centre(r: Runner, prefix: str) -> tuple[float, float]:
    layout = r.stage.touch.nav.view().layout
    name = next(n for n in layout.targets if n.startswith(prefix))
    x, y, w, h = layout.targets[name]
    return (x + w / 2, y + h / 2)


def longest_notice(r: Runner) -> tuple[float, float]:
    """The tile, then (called again on the list) the row, leading to the notice with most pages."""
    view = r.stage.touch.nav.view()
    pages = r.stage.touch.renderer.pages
    if view.screen is Screen.HOME:
        def best_of(tile) -> int:  # noqa: ANN001
            return max((pages(it, False) for it in r.stage.lobby.scheduler.current_items(AT)
                        if it.category == tile.shelf.category.id), default=0)
        index = max(range(len(view.tiles)), key=lambda i: best_of(view.tiles[i]))
        name = f"tile:{index}"
    else:
        rows = [n for n in view.layout.targets if n.startswith("row")]
        name = max(rows, key=lambda n: pages(view.items[int(n.split(":")[1])], False))
    x, y, w, h = view.layout.targets[name]
    return (x + w / 2, y + h / 2)


def tap(r: Runner, x: float, y: float, size: tuple[int, int], times: list[float]) -> tuple[int, int]:
    """Returns (frames to press feedback, frames to the new screen)."""
    post_finger(pygame.FINGERDOWN, x, y, size)
    press = next(i for i in range(1, 30) if timed_frame(r, times))
    before = r.stage.touch.nav.view()
    post_finger(pygame.FINGERUP, x, y, size)
    change = next(i for i in range(1, 30) if timed_frame(r, times) and r.stage.touch.nav.view() is not before)
    for _ in range(30):  # let the settle time pass
        timed_frame(r, times)
    return press, change


def swipe(r: Runner, size: tuple[int, int], times: list[float], dx: float) -> None:
    y = size[1] / 2
    x0 = size[0] / 2 - dx / 2
    post_finger(pygame.FINGERDOWN, x0, y, size)
    timed_frame(r, times)
    for i in range(1, 9):
        post_finger(pygame.FINGERMOTION, x0 + dx * i / 8, y, size)
        timed_frame(r, times)
    post_finger(pygame.FINGERUP, x0 + dx, y, size)
    for _ in range(25):
        timed_frame(r, times)


def bench(size: tuple[int, int]) -> None:
    r = Runner(load_config(), PlayOptions(headless=True, size=size, start=AT))
    times: list[float] = []
    try:
        r.frame()
        r.frame()
        presses, changes = [], []
        turned = 0
        p, c = tap(r, size[0] / 2, size[1] / 2, size, times)  # loop -> home
        assert r.stage.touch.nav.screen is Screen.HOME
        for _ in range(5):
            p, c = tap(r, *longest_notice(r), size, times)  # home -> list
            presses.append(p)
            changes.append(c)
            p, c = tap(r, *longest_notice(r), size, times)  # list -> the longest notice (several pages)
            presses.append(p)
            changes.append(c)
            scroll: list[float] = []
            for _ in range(6):
                before = r.stage.touch.nav.view().page
                swipe(r, size, scroll, -size[0] * 0.4)
                turned += r.stage.touch.nav.view().page != before
                swipe(r, size, scroll, size[0] * 0.4)
            times += scroll
            p, c = tap(r, *centre(r, "home"), size, times)
            presses.append(p)
            changes.append(c)
        print(f"{size[0]}x{size[1]}: tap -> press feedback: {statistics.median(presses)} frame(s) "
              f"(max {max(presses)}); release -> new screen: {statistics.median(changes)} frame(s) "
              f"(max {max(changes)})")
        ordered = sorted(scroll)
        print(f"{size[0]}x{size[1]}: paging a notice by swipes: median {statistics.median(scroll):.2f} ms, "
              f"p99 {ordered[int(0.99 * (len(ordered) - 1))]:.2f} ms over {len(scroll)} frames; "
              f"all touch frames p99 {sorted(times)[int(0.99 * (len(times) - 1))]:.2f} ms; "
              f"{turned} page turns")
    finally:
        r.close()


if __name__ == "__main__":
    for s in ((1920, 1080), (1080, 1920)):
        bench(s)
