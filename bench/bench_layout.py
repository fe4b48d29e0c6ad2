"""Layout benchmark: time to lay out every notice of a content folder (default: the demo).

For each screen size, the notices are laid out as a lobby screen lays them out (the same
``SlideRenderer``, the feedback-code corner kept free), off the frame loop as the player does
it on its prerender thread:
- cold: a fresh font set (character advances measured on first use), the first layout after
  start-up;
- warm: fonts already measured, an empty layout cache: a content update.
Medians of several runs, wall clock and CPU time of the process (on a shared, loaded machine the
CPU time is the steadier figure; the first cold run also pays for loading the word dictionary).

Run: ``SDL_VIDEODRIVER=dummy .venv/bin/python bench/bench_layout.py [--runs N] [--size WxH …] [CONTENT]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from kiosk.config import load_config  # noqa: E402
from kiosk.content import load_content  # noqa: E402
from kiosk.render.checkpages import lobby_slides  # noqa: E402
from kiosk.render.fonts import FontSet  # noqa: E402
from kiosk.resources import DEMO_CONTENT  # noqa: E402

SIZES = ("1920x1080", "1080x1920", "1366x768", "3840x2160")


def lay_out_all(content, config, size, fonts) -> tuple[float, float, int]:  # noqa: ANN001
    """Wall and CPU milliseconds to lay out every notice, and the pages they make."""
    slides = lobby_slides(content, config, size, fonts)
    start, cpu = time.perf_counter(), time.process_time()
    pages = sum(len(slides.layout(item)) for item in content.items)
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="?", type=Path, default=DEMO_CONTENT)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", action="append")
    args = parser.parse_args()
    config = load_config()
    content = load_content(args.content)
    print(f"{args.content}: {len(content.items)} notices; medians of {args.runs} runs")
    for spec in args.size or SIZES:
        size = tuple(int(v) for v in spec.split("x"))
        cold = [lay_out_all(content, config, size, FontSet.default()) for _ in range(args.runs)]
        fonts = FontSet.default()
        lay_out_all(content, config, size, fonts)
        warm = [lay_out_all(content, config, size, fonts) for _ in range(args.runs)]
        pages = warm[-1][2]

        def med(runs: list[tuple[float, float, int]], k: int) -> float:
            return statistics.median(r[k] for r in runs)

        print(f"{spec:>10}: {pages:3d} pages  cold {med(cold, 0):5.0f} ms (CPU {med(cold, 1):4.0f})  "
              f"warm {med(warm, 0):5.0f} ms (CPU {med(warm, 1):4.0f}, min {min(r[1] for r in warm):.0f})")


if __name__ == "__main__":
    main()
