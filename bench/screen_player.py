"""``kiosk play`` for bench_screen.py, optionally with a scripted visitor browsing the touch screen.

``screen_player.py [--visitor SECONDS] -- <kiosk play arguments>``: the visitor is a thread that
posts real SDL touch events into the running player, one action every SECONDS: a tap on the lobby
opens the catalogue, then a category, its first notice, the next page twice, a swipe back, home,
the next category, and so on (the player never times out back to the loop while it browses).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

# KIOSK_BENCH_TREE: run another checkout's player (bench_screen.py --baseline) with this script
sys.path.insert(0, os.environ.get("KIOSK_BENCH_TREE") or str(Path(__file__).resolve().parent.parent))


def touch_of(runner):  # noqa: ANN001, ANN201 - the runner's touch browsing (layer stack, or the older Player)
    stage = getattr(runner, "stage", None)
    return stage.touch if stage is not None else runner.player.touch


def visitor(runner_box: list, every: float) -> None:  # noqa: C901 - a script, step by step
    import pygame

    from kiosk.touch.navigation import Screen

    while not runner_box or touch_of(runner_box[0]) is None:
        time.sleep(0.1)
    runner = runner_box[0]
    size = runner._out_size

    def finger(kind: int, x: float, y: float) -> None:
        pygame.event.post(pygame.event.Event(kind, touch_id=1, finger_id=0, x=x / size[0], y=y / size[1],
                                             dx=0.0, dy=0.0, pressure=1.0))

    def tap(rect: tuple[int, int, int, int]) -> None:
        x, y, w, h = rect
        finger(pygame.FINGERDOWN, x + w / 2, y + h / 2)
        time.sleep(0.08)
        finger(pygame.FINGERUP, x + w / 2, y + h / 2)

    def swipe(dx: float) -> None:
        y, x0 = size[1] / 2, size[0] / 2 - dx / 2
        finger(pygame.FINGERDOWN, x0, y)
        for i in range(1, 9):
            time.sleep(1 / 60)
            finger(pygame.FINGERMOTION, x0 + dx * i / 8, y)
        finger(pygame.FINGERUP, x0 + dx, y)

    category = 0
    pages = 0
    while True:
        time.sleep(every)
        nav = touch_of(runner).nav
        view = nav.view()
        targets = view.layout.targets
        print(f"visitor on {nav.screen.value}", file=sys.stderr, flush=True)
        if nav.screen is Screen.LOOP:
            tap((0, 0, *size))
        elif nav.screen is Screen.HOME:
            tiles = sorted(n for n in targets if n.startswith("tile:"))
            if tiles:
                tap(targets[tiles[category % len(tiles)]])
                category += 1
        elif nav.screen is Screen.LIST:
            rows = sorted(n for n in targets if n.startswith("row:"))
            tap(targets[rows[0]] if rows else targets["home"])
            pages = 0
        else:
            pages += 1
            if pages <= 2 and "next" in targets:
                tap(targets["next"])
            elif pages == 3:
                swipe(size[0] * 0.4)
            else:
                tap(targets["home"])


def frame_stats(runner_box: list, path: Path) -> None:
    """Write {"frames": N, "t": monotonic} twice a second (bench_screen.py reads the frame rate)."""
    import json

    while True:
        time.sleep(0.5)
        if runner_box:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"frames": runner_box[0].frames, "t": time.monotonic()}))
            tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitor", type=float, default=0.0, help="seconds between visitor actions (0: none)")
    parser.add_argument("--stats", type=Path, help="write the frame count to this file twice a second")
    parser.add_argument("play", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    play = [a for a in args.play if a != "--"]
    import kiosk.player.runner as runner_module
    from kiosk.cli import main as kiosk_main

    box: list = []
    start = runner_module.Runner.start

    def capture(self) -> None:  # noqa: ANN001
        box.append(self)
        start(self)

    runner_module.Runner.start = capture  # type: ignore[method-assign]
    if args.visitor > 0:
        threading.Thread(target=visitor, args=(box, args.visitor), daemon=True).start()
    if args.stats is not None:
        threading.Thread(target=frame_stats, args=(box, args.stats), daemon=True).start()
    sys.exit(kiosk_main(["play", *play]))


if __name__ == "__main__":
    main()
