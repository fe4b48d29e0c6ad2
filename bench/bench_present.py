"""Presenting paths measured on their own: what a ticker with a clock costs on a real X server.

One synthetic lobby frame at 1920x1080 (a slide of Chinese text, a header whose clock changes once a
second, a footer ticker moving 2 px per frame at 60 fps, the player's defaults), drawn for
``--seconds`` under a fresh Xvfb by each way SDL can put pixels on screen:

- ``surface``: the window surface with SDL's default framebuffer (on X11 it is drawn through
  OpenGL: here Mesa's llvmpipe, software), updated by rectangles (``pygame.display.update``);
- ``surface-noaccel``: the same with ``SDL_FRAMEBUFFER_ACCELERATION=0`` (X11 shared-memory images:
  only the changed rectangles travel to the X server);
- ``renderer-software`` / ``renderer-opengl`` / ``renderer-opengles2``: ``pygame._sdl2.video``
  Renderer with one texture per layer (slide, header, clock, ticker pieces), the ticker moved by
  its destination rectangle, the clock a small texture replaced once a second, every frame
  composed and presented whole (what a GPU does for free and a CPU pays for).

Each runs in its own process; the figures are CPU % of one core for the process and for the X
server (median of ``--repeat``), and the resident memory.  Fade transitions: ``--scene fade``
cross-fades two slides continuously instead (the worst case of the demo loop).

Run: ``.venv/bin/python bench/bench_present.py [--seconds 20] [--repeat 3] [--scene ticker|still|fade]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_screen import cpu_seconds, memory_kib, stop, xvfb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("surface", "surface-noaccel", "renderer-software", "renderer-opengl", "renderer-opengles2")
SIZE = (1920, 1080)
HEADER_H, FOOTER_H = 97, 76


def scene_parts(pygame):  # noqa: ANN001, ANN201 - pygame passed in: imported in the child only
    """(slide, header, ticker strip pieces, clock renderer) as surfaces."""
    font = pygame.freetype.Font(str(ROOT / "assets" / "fonts" / "NotoSansCJK-Regular.ttc"), 36, font_index=2)
    slide = pygame.Surface((SIZE[0], SIZE[1] - HEADER_H - FOOTER_H))
    slide.fill((251, 247, 238))
    line = "根据党务公开有关规定，现将会议议定事项公开如下，接受群众监督。"
    for n in range(16):
        font.render_to(slide, (150, 40 + n * 54), line, (34, 34, 34))
    header = pygame.Surface((SIZE[0], HEADER_H))
    header.fill((168, 18, 28))
    font.render_to(header, (40, 30), "中共青禾镇委员会  党务公开", (255, 240, 200), size=41)
    titles = [f"◆ 关于第{n}号公示事项的通知（村务公开）" for n in range(8)]
    pieces = [font.render(t, (255, 250, 235), size=38)[0] for t in titles]

    def clock(second: int):  # noqa: ANN202
        return font.render(f"10:{second // 60 % 60:02d}:{second % 60:02d}", (246, 206, 110), size=47)[0]
    return slide, header, pieces, clock


def child(path: str, scene: str) -> None:
    """Draw the scene forever (the parent measures and kills us)."""
    if path == "surface-noaccel":
        os.environ["SDL_FRAMEBUFFER_ACCELERATION"] = "0"
    import pygame
    import pygame.freetype

    pygame.display.init()
    pygame.freetype.init()
    slide, header, pieces, clock = scene_parts(pygame)
    other = slide.copy()
    other.fill((238, 244, 251))
    gap = 114
    length = sum(p.get_width() + gap for p in pieces)
    ticker = pygame.Rect(0, SIZE[1] - FOOTER_H, SIZE[0], FOOTER_H)
    main = pygame.Rect(0, HEADER_H, SIZE[0], SIZE[1] - HEADER_H - FOOTER_H)
    pacer = pygame.time.Clock()
    offset = 0
    if path.startswith("surface"):
        screen = pygame.display.set_mode(SIZE)
        screen.blit(header, (0, 0))
        screen.blit(slide, main)
        pygame.display.flip()
        shown = -1
        frame = 0
        while True:
            pygame.event.pump()
            dirty = []
            second = int(time.time())
            if second != shown:
                shown = second
                c = clock(second)
                r = c.get_rect(midright=(SIZE[0] - 30, HEADER_H // 2))
                screen.fill((168, 18, 28), r.inflate(40, 10))
                screen.blit(c, r)
                dirty.append(r.inflate(40, 10))
            if scene == "ticker":
                offset = (offset + 2) % (length + SIZE[0])
                screen.fill((120, 10, 18), ticker)
                screen.set_clip(ticker)
                x = ticker.right - offset
                for p in pieces:
                    if x + p.get_width() > 0 and x < SIZE[0]:
                        screen.blit(p, (x, ticker.centery - p.get_height() // 2))
                    x += p.get_width() + gap
                screen.set_clip(None)
                dirty.append(ticker)
            elif scene == "fade":
                frame += 1
                t = (frame % 36) / 35
                screen.blit(slide, main)
                other.set_alpha(round(255 * t))
                screen.blit(other, main)
                dirty.append(main)
            if dirty:
                pygame.display.update(dirty)
            pacer.tick(60 if scene != "still" else 1)
    from pygame._sdl2.video import Renderer, Texture, Window

    names = [d.name for d in pygame._sdl2.video.get_drivers()]
    window = Window("bench", SIZE)
    renderer = Renderer(window, index=names.index(path.split("-", 1)[1]), accelerated=-1)
    t_slide = Texture.from_surface(renderer, slide)
    t_other = Texture.from_surface(renderer, other)
    t_header = Texture.from_surface(renderer, header)
    t_pieces = [Texture.from_surface(renderer, p) for p in pieces]
    shown = -1
    t_clock = None
    frame = 0
    while True:
        pygame.event.pump()
        second = int(time.time())
        changed = False
        if second != shown:
            shown = second
            t_clock = Texture.from_surface(renderer, clock(second))
            changed = True
        if scene == "still" and not changed:
            pacer.tick(60)
            continue
        renderer.draw_color = (120, 10, 18, 255)
        renderer.clear()
        t_header.draw(dstrect=(0, 0))
        assert t_clock is not None
        t_clock.draw(dstrect=t_clock.get_rect(midright=(SIZE[0] - 30, HEADER_H // 2)))
        t_slide.draw(dstrect=main)
        if scene == "fade":
            frame += 1
            t_other.alpha = round(255 * (frame % 36) / 35)
            t_other.draw(dstrect=main)
        if scene == "ticker":
            offset = (offset + 2) % (length + SIZE[0])
            x = ticker.right - offset
            for t in t_pieces:
                if x + t.width > 0 and x < SIZE[0]:
                    t.draw(dstrect=(x, ticker.centery - t.height // 2))
                x += t.width + gap
        renderer.present()
        pacer.tick(60)


def run(path: str, scene: str, display: str, xpid: int, warm: float, seconds: float) -> tuple[float, float, float]:
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    env.pop("SDL_VIDEODRIVER", None)
    proc = subprocess.Popen([sys.executable, __file__, "--child", path, "--scene", scene], env=env,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        time.sleep(warm)
        if proc.poll() is not None:
            raise SystemExit(f"{path}: {proc.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
        c0, x0, t0 = cpu_seconds(proc.pid), cpu_seconds(xpid), time.monotonic()
        time.sleep(seconds)
        wall = time.monotonic() - t0
        cpu, xcpu = cpu_seconds(proc.pid) - c0, cpu_seconds(xpid) - x0
        return cpu / wall * 100, xcpu / wall * 100, memory_kib(proc.pid)[0] / 1024
    finally:
        import signal

        stop(proc, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warm", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scene", choices=("ticker", "still", "fade"), default="ticker")
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.scene)
        return
    paths = args.paths.split(",")
    results: dict[str, list[tuple[float, float, float]]] = {p: [] for p in paths}
    load0 = os.getloadavg()[0]
    with xvfb() as (display, xpid):
        for _ in range(args.repeat):
            for path in paths:
                results[path].append(run(path, args.scene, display, xpid, args.warm, args.seconds))
                print(f"  {path}: {results[path][-1]}", file=sys.stderr)
    print(f"scene {args.scene}, {args.repeat} x {args.seconds:.0f} s under Xvfb; load average {load0:.2f} -> "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'path':<20} {'CPU %':>7} {'+X %':>6} {'total %':>8} {'RSS MiB':>8}")
    for path, runs in results.items():
        cpu, xcpu, rss = (statistics.median(col) for col in zip(*runs, strict=True))
        print(f"{path:<20} {cpu:7.2f} {xcpu:6.2f} {cpu + xcpu:8.2f} {rss:8.0f}")


if __name__ == "__main__":
    main()
