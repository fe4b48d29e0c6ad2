"""Rendering benchmark: frame times, CPU per minute, start-up time and peak memory.

Prints, for 1920x1080 and 1080x1920 (headless, SDL dummy driver):
- median and p99 frame time (update + draw + present) for a text slide, an image slide,
  a ticker-only frame and a transition;
- CPU seconds per minute of real-time playback of a still slide (ticker off) and with the ticker;
- time from process start to the saved first frame and the peak memory of that process
  (median of several ``kiosk play --headless --frames 1`` runs).

Run: ``make bench`` or ``SDL_VIDEODRIVER=dummy .venv/bin/python bench/bench_render.py [--quick]``.
The machine is shared and noisy: medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from kiosk.player.layers import Now  # noqa: E402
from kiosk.player.lobby import Lobby  # noqa: E402
from kiosk.player.runner import display_hours  # noqa: E402
from kiosk.player.sources import FolderSource  # noqa: E402
from kiosk.player.stage import Stage  # noqa: E402
from kiosk.render.fonts import FontSet  # noqa: E402
from kiosk.render.transition import Transition  # noqa: E402

AT = dt.datetime(2026, 11, 27, 10, 0)
ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def make_stage(config, size: tuple[int, int], prerender: bool) -> Stage:  # noqa: ANN001
    return Stage.build(config, size, FolderSource([("local", config.content_dir())]), display_hours(config),
                       fonts=FontSet.default(), prerender=prerender)


def make_player(size: tuple[int, int], ticker: bool = True) -> tuple[Stage, pygame.Surface]:
    config = load_config()
    config = dataclasses.replace(config, ticker=dataclasses.replace(config.ticker, enabled=ticker))
    screen = pygame.display.set_mode(size)
    stage = make_stage(config, size, prerender=False)
    stage.stack.start(Now(AT, 0.0))
    return stage, screen


def lobby_of(stage: Stage) -> Lobby:
    assert stage.lobby is not None
    return stage.lobby


def frame(stage: Stage, screen: pygame.Surface, now: dt.datetime, mono: float) -> float:
    t0 = time.perf_counter()
    stage.stack.update(Now(now, mono, 1 / 60))
    dirty = stage.stack.draw(screen)
    if dirty:
        pygame.display.update(dirty)
    return (time.perf_counter() - t0) * 1000


def show_item(stage: Stage, predicate, last_part: bool = False) -> None:  # noqa: ANN001
    """Put the first item matching ``predicate`` on screen (its first or last part, fully drawn)."""
    player = lobby_of(stage)
    for content in stage.programme.contents:
        for item in content.items:
            if predicate(item):
                part = player.slides.page_count(item) - 1 if last_part else 0
                player.surface = player.slides.slide(item, part)
                player.transition = None
                player._full_redraw = True
                if player.showing is not None:
                    player.showing.part_started = 1e9  # keep it: no slide change while measuring
                return
    raise SystemExit("no such item in the demo content")


def playback(size: tuple[int, int], seconds: float) -> list[float]:
    """Real-time 60 fps playback with a slide change every 3 s, prerender thread on.

    Every frame is timed, the ones at slide boundaries and during fades included: this shows
    whether any frame pays for layout (the next slide is laid out and drawn ahead, off-frame).
    """
    config = load_config()
    config = dataclasses.replace(config, schedule=dataclasses.replace(
        config.schedule, min_duration=3.0, max_duration=3.0, image_duration=3.0))
    screen = pygame.display.set_mode(size)
    player = make_stage(config, size, prerender=True)
    start = time.perf_counter()
    player.stack.start(Now(AT, 0.0))
    times = []
    clock = pygame.time.Clock()
    while (elapsed := time.perf_counter() - start) < seconds:
        times.append(frame(player, screen, AT + dt.timedelta(seconds=elapsed), elapsed))
        clock.tick(60)
    player.close()
    return times


def measure_frames(player: Stage, screen: pygame.Surface, n: int) -> list[float]:
    times = []
    mono = 1e9
    for i in range(n):
        now = AT + dt.timedelta(seconds=i / 60)
        times.append(frame(player, screen, now, mono + i / 60))
    return times


def bench_size(size: tuple[int, int], n: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    player, screen = make_player(size)
    show_item(player, lambda it: len(it.body) > 3 and not it.images)
    results["text slide"] = measure_frames(player, screen, n)
    show_item(player, lambda it: bool(it.images), last_part=True)  # an image page
    results["image slide"] = measure_frames(player, screen, n)
    # ticker-only: the slide is drawn, only header second and ticker change
    frame(player, screen, AT, 1e9)
    results["ticker-only frame"] = measure_frames(player, screen, n)
    items = [it for c in player.programme.contents for it in c.items][:2]
    lobby = lobby_of(player)
    a, b = (lobby.slides.slide(it, 0) for it in items)
    times = []
    for i in range(n):
        if lobby.transition is None:
            lobby.transition = Transition(a, b, "fade", 0.6)
            a, b = b, a
        times.append(frame(player, screen, AT, 1e9 + i / 60))
    results["transition"] = times
    player.close()
    return results


def cpu_per_minute(size: tuple[int, int], ticker: bool, seconds: float) -> float:
    """CPU seconds per minute of real-time playback through the real main loop (sleeps included).

    Measured inside the process from 3 s after the first frame (start-up and the one-off layout of
    every notice in the background are not counted).
    A still slide draws one frame a second (the clock); a moving ticker draws 60 a second.
    """
    code = (
        "import sys,time,resource;import kiosk.player.runner as app;from kiosk.cli import main\n"
        "mark=[]\norig=app._present\n"
        "t0=[]\n"
        "def present(*a):\n"
        "    t0 or t0.append(time.perf_counter())\n"
        "    if not mark and time.perf_counter()-t0[0]>3:\n"
        "        r=resource.getrusage(resource.RUSAGE_SELF);mark.append((r.ru_utime+r.ru_stime,time.perf_counter()))\n"
        "    return orig(*a)\n"
        "app._present=present\nmain(sys.argv[1:])\n"
        "r=resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(r.ru_utime+r.ru_stime-mark[0][0], time.perf_counter()-mark[0][1])\n"
    )
    frames = int((seconds + 3) * (60 if ticker else 1))
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "device.toml"
        cfg.write_text(f"[ticker]\nenabled = {'true' if ticker else 'false'}\n[transition]\nkind = \"cut\"\n"
                       "[schedule]\nmin_duration = 600.0\nmax_duration = 600.0\n", encoding="utf-8")
        args = ["play", "--config", str(cfg), "--windowed", "--size", f"{size[0]}x{size[1]}", "--frames",
                str(frames), "--at", AT.isoformat()]
        env = dict(os.environ, SDL_VIDEODRIVER="dummy")
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                             check=True, cwd=ROOT)
    cpu, wall = (float(v) for v in out.stdout.split()[-2:])
    return cpu / wall * 60


def startup(runs: int) -> tuple[list[float], list[float]]:
    times, mems = [], []
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "first.png"
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kiosk", "play", "--headless", "--frames", "1", "--at",
                            AT.isoformat(), "--screenshot", str(shot)], check=True, capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - t0)
            mems.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return times, mems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames and runs")
    args = parser.parse_args()
    n = 300 if args.quick else 1200
    # first, while no other child has run: RUSAGE_CHILDREN's peak is over all children so far
    times, mems = startup(3 if args.quick else 7)
    print(f"start to saved first frame: median {statistics.median(times):.3f} s (min {min(times):.3f}); "
          f"peak memory {max(mems):.1f} MiB")
    seconds = 5 if args.quick else 20
    for ticker in (False, True):
        cpu = cpu_per_minute((1920, 1080), ticker, seconds)
        label = "ticker moving" if ticker else "still slide"
        print(f"CPU per minute of playback, {label}: {cpu:.2f} s ({cpu / 60 * 100:.1f}% of one core)")
    pygame.display.init()
    pygame.freetype.init()
    print(f"{'size':>10} {'frame kind':<18} {'median ms':>9} {'p99 ms':>7}")
    for size in ((1920, 1080), (1080, 1920)):
        for kind, times in bench_size(size, n).items():
            print(f"{size[0]}x{size[1]:<5} {kind:<18} {statistics.median(times):9.2f} {pct(times, 0.99):7.2f}")
        times = playback(size, 10 if args.quick else 30)
        print(f"{size[0]}x{size[1]:<5} {'playback, 3 s slides':<18} {statistics.median(times):9.2f} "
              f"{pct(times, 0.99):7.2f}  (max {max(times):.2f}, {len(times)} frames)")
    pygame.quit()


if __name__ == "__main__":
    main()
