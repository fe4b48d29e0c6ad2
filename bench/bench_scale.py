"""Scale benchmark: a township with 3,000 notices (bench/corpus.py) on the lobby player.

Prints, on SDL's dummy driver (what the frame loop itself pays; presenting is bench_screen.py's):
- start-up CPU: CPU seconds of the player process (all threads, from exec) to its first frame and
  until it has nothing left to prepare (the background layout queue empty): loading, laying out,
  drawing ahead — independent of the machine's load, which only stretches the wall time;
- frame times over ``--seconds`` of real-time playback through the real main loop (Runner, real
  clock, audit log on, fade transitions) with a slide change every 3 s: median, p99, max and the
  frames over 16.7 ms (one refresh at 60 Hz), the first frame (start-up) not counted;
- the first touch open: ms of the slowest frame from the tap on the lobby to the catalogue drawn,
  then a category list and a notice opened (median over ``--touch-runs`` fresh players).

Run: ``.venv/bin/python bench/bench_scale.py [--items 3000] [--seconds 300] [--corpus DIR]``
(``make bench`` runs a short version).  Figures from the 5-minute run are in the report of issue 11.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pygame  # noqa: E402
from corpus import make_corpus  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from kiosk.player.runner import PlayOptions, Runner  # noqa: E402
from kiosk.touch.navigation import Screen  # noqa: E402

AT = dt.datetime(2026, 11, 27, 10, 0)
ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 1000 / 60


def device_toml(state: Path, slide_s: float = 3.0) -> str:
    return (f'state_dir = "{state}"\n[schedule]\nmin_duration = {slide_s}\nmax_duration = {slide_s}\n'
            f"image_duration = {slide_s}\n")


STARTUP = r"""
import resource, sys, time
import kiosk.player.runner as r
from kiosk.cli import main

def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime

def prerender(runner):
    stage = getattr(runner, "stage", None)
    player = stage.lobby if stage is not None else runner.player
    return player.prerender

first = []
started = time.monotonic()
frame = r.Runner.frame
def timed(self):
    dirty = frame(self)
    if not first:
        first.append(cpu())
    elif time.monotonic() - started > 3 and prerender(self).idle():
        print("first-frame-cpu", first[0], "settled-cpu", cpu(), "after", time.monotonic() - started, flush=True)
        self.quit = True
    return dirty
r.Runner.frame = timed
main(sys.argv[1:])
"""


def startup_cpu(corpus: Path, tmp: Path, limit: float) -> tuple[float, float, float]:
    """(CPU s to the first frame, CPU s until the player has nothing left to prepare, wall s until then).

    The process's own CPU (all threads, from exec): what a 3,000-notice start-up costs, whatever the
    machine's load (which only stretches the wall time).
    """
    state = tmp / "state-startup"
    cfg = tmp / "startup.toml"
    cfg.write_text(device_toml(state) + "[kiosk]\nallow_quit = true\n", encoding="utf-8")
    args = [sys.executable, "-c", STARTUP, "play", "--config", str(cfg), "--content", str(corpus), "--windowed",
            "--size", "1920x1080", "--at", AT.isoformat()]
    try:
        out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=limit).stdout
    except subprocess.TimeoutExpired:
        return -1.0, -1.0, limit
    line = next((ln.split() for ln in out.splitlines() if ln.startswith("first-frame-cpu")), None)
    if line is None:
        return -1.0, -1.0, -1.0
    return float(line[1]), float(line[3]), float(line[5])


def open_runner(corpus: Path, tmp: Path, name: str) -> Runner:
    state = tmp / f"state-{name}"
    cfg = tmp / f"{name}.toml"
    cfg.write_text(device_toml(state), encoding="utf-8")
    return Runner(load_config(cfg), PlayOptions(content=corpus, windowed=True, size=(1920, 1080), start=AT))


def playback(corpus: Path, seconds: float, tmp: Path) -> tuple[list[float], list[float]]:
    """(frame ms, seconds since start of each frame) for real-time playback; the first frame left out."""
    r = open_runner(corpus, tmp, "playback")
    pacer = pygame.time.Clock()
    times: list[float] = []
    stamps: list[float] = []
    try:
        r.frame()  # start-up: content loaded, first slide drawn
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            r.wait(pacer)
            t0 = time.perf_counter()
            r.frame()
            times.append((time.perf_counter() - t0) * 1000)
            stamps.append(elapsed)
    finally:
        r.close()
    return times, stamps


def touch_of(r: Runner):  # noqa: ANN201 - touch browsing (layer stack, or the older Player before issue 10)
    stage = getattr(r, "stage", None)
    return stage.touch if stage is not None else r.player.touch  # type: ignore[attr-defined]


def post_finger(kind: int, x: float, y: float) -> None:
    pygame.event.post(pygame.event.Event(kind, touch_id=1, finger_id=0, x=x / 1920, y=y / 1080,
                                         dx=0.0, dy=0.0, pressure=1.0))


def timed(r: Runner) -> tuple[float, list]:
    t0 = time.perf_counter()
    dirty = r.frame()
    return (time.perf_counter() - t0) * 1000, dirty


def tap_until(r: Runner, x: float, y: float, screen: Screen, pacer) -> float:  # noqa: ANN001
    """Tap (x, y); run frames until the navigator shows ``screen`` drawn; the slowest frame's ms."""
    post_finger(pygame.FINGERDOWN, x, y)
    worst = 0.0
    for _ in range(3):
        pacer.tick(60)
        worst = max(worst, timed(r)[0])
    post_finger(pygame.FINGERUP, x, y)
    for _ in range(120):
        pacer.tick(60)
        ms, dirty = timed(r)
        worst = max(worst, ms)
        touch = touch_of(r)
        if touch is not None and touch.nav.screen is screen and dirty:
            for _ in range(40):  # let the screen settle (a tap right after a change is ignored)
                pacer.tick(60)
                r.frame()
            return worst
    raise SystemExit(f"{screen} never appeared")


def first_touch(corpus: Path, warm: float, tmp: Path, n: int) -> tuple[float, float, float]:
    """Slowest frame (ms) of the first open of home, of a category list and of a notice."""
    r = open_runner(corpus, tmp, f"touch-{n}")
    pacer = pygame.time.Clock()
    try:
        r.frame()
        start = time.perf_counter()
        while time.perf_counter() - start < warm:
            r.wait(pacer)
            r.frame()
        home = tap_until(r, 960, 540, Screen.HOME, pacer)
        x, y, w, h = touch_of(r).nav.view().layout.targets["tile:0"]
        listing = tap_until(r, x + w / 2, y + h / 2, Screen.LIST, pacer)
        x, y, w, h = touch_of(r).nav.view().layout.targets["row:0"]
        notice = tap_until(r, x + w / 2, y + h / 2, Screen.DETAIL, pacer)
    finally:
        r.close()
    return home, listing, notice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--corpus", type=Path, help="use (or make once) this corpus folder")
    parser.add_argument("--seconds", type=float, default=60.0, help="real-time playback (the report: 300)")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--startup-limit", type=float, default=300.0, help="give up on a start-up after this long")
    parser.add_argument("--touch-runs", type=int, default=3)
    parser.add_argument("--touch-warm", type=float, default=10.0, help="seconds of playback before the tap")
    parser.add_argument("--skip", default="", help="comma list of parts to skip: startup,playback,touch")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        tmp = Path(name)
        corpus = args.corpus or tmp / "corpus"
        if not (corpus / "content.toml").exists():
            make_corpus(corpus, args.items, args.images)
        items = len(list((corpus / "items").glob("*.md")))
        print(f"corpus: {items} notices ({corpus}); load average {os.getloadavg()[0]:.2f}")
        if "startup" not in skip:
            runs = [startup_cpu(corpus, tmp, args.startup_limit) for _ in range(args.startup_runs)]
            first, settled, wall = (statistics.median(col) for col in zip(*runs, strict=True))
            print(f"start-up CPU (median of {len(runs)}): {first:.2f} s to the first frame, {settled:.2f} s until "
                  f"nothing is left to prepare ({wall:.1f} s of wall time); runs: "
                  + ", ".join(f"{r[0]:.2f}/{r[1]:.2f}" for r in runs))
        if "playback" not in skip:
            times, stamps = playback(corpus, args.seconds, tmp)
            over = [(s, t) for s, t in zip(stamps, times, strict=True) if t > BUDGET_MS]
            ordered = sorted(times)
            print(f"playback {args.seconds:.0f} s, 3 s slides: {len(times)} frames, median "
                  f"{statistics.median(times):.2f} ms, p99 {ordered[int(0.99 * (len(ordered) - 1))]:.2f} ms, "
                  f"max {max(times):.2f} ms; {len(over)} frame(s) over {BUDGET_MS:.1f} ms")
            if over:
                print("  over budget at: " + ", ".join(f"{s:.0f}s {t:.0f}ms" for s, t in over[:20])
                      + (" ..." if len(over) > 20 else ""))
        if "touch" not in skip:
            runs = [first_touch(corpus, args.touch_warm, tmp, n) for n in range(args.touch_runs)]
            home, listing, notice = (statistics.median(col) for col in zip(*runs, strict=True))
            print(f"first touch open (slowest frame, median of {len(runs)}): home {home:.1f} ms, "
                  f"category list {listing:.1f} ms, notice {notice:.1f} ms "
                  f"(runs: {', '.join('/'.join(f'{v:.0f}' for v in run) for run in runs)})")


if __name__ == "__main__":
    main()
