"""What the screen pays: CPU and memory of the player on a real X server, against Chromium.

Starts its own Xvfb (Debian's ``xvfb``: a real X server without a GPU, like a kiosk board whose
GPU driver is missing) at 1920x1080x24 and runs, in turn, each for ``--warm`` seconds of settling
and ``--seconds`` of measurement (real time, real clock):

- the player (``kiosk play``, fullscreen, the demo content, audit log on) under Xvfb and on SDL's
  dummy driver (no presenting at all), in four scenes: a still slide (ticker off: only the clock
  changes, once a second), the ticker moving (one notice, no slide change), the demo loop (the
  default settings: fades between slides, the ticker), and touch browsing (a scripted visitor
  taps and swipes through categories and notices every 2 s);
- Debian's Chromium showing the equivalent page (the same notice, header, logo, QR code and font;
  the clock a JavaScript ``setInterval``; the ticker a CSS ``transform`` animation at the player's
  speed), a still page and the ticker page, on the same Xvfb (headful, ``--disable-gpu``: software
  compositing, like the player's software path) and headless (nothing presented, like the dummy
  driver).

For each it prints the CPU of the program in % of one core (all its processes and threads), the X
server's CPU over the same window, the resident memory (RSS; for Chromium the sum over its
processes) and PSS (shared pages divided among processes: the fair sum for Chromium), and then the
ratio player / Chromium for the same scene on the same display path.  Medians of ``--repeat`` runs;
the scenes run interleaved so machine load hits both programs alike.  ``--soak SECONDS`` adds the
steady-state memory of the demo loop under Xvfb: RSS sampled every 10 s over that much real-time
playback (the report of issue 11 uses ``--soak 600``).

Needs (Debian, as root): ``apt-get install xvfb chromium``; ``make bench-screen`` installs them.
Run: ``.venv/bin/python bench/bench_screen.py [--seconds 30] [--repeat 3] [--soak 600] [--only REGEX]``.
Frame times on the dummy driver are bench_render.py's; the 3,000-notice figures bench_scale.py's.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")
SIZE = (1920, 1080)
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--password-store=basic", "--noerrdialogs", "--disable-features=Translate,MediaRouter",
                  "--hide-scrollbars"]

# ---------------------------------------------------------------- processes


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants now alive."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB."""
    rss = pss = 0
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    return rss, pss


@dataclass
class Sample:
    cpu: float  # % of one core, the program (all its processes)
    xcpu: float  # % of one core, the X server (0 without one)
    rss: float  # MiB
    pss: float  # MiB
    fps: float = -1.0  # frames the player drew per second (-1: not known, Chromium)


def frames(stats: Path | None) -> tuple[float, float] | None:
    try:
        doc = json.loads(stats.read_text()) if stats is not None else None
    except (OSError, ValueError):
        return None
    return (doc["frames"], doc["t"]) if doc else None


def measure(pid: int, xpid: int | None, warm: float, seconds: float, proc: subprocess.Popen,
            stats: Path | None = None) -> Sample:
    time.sleep(warm)
    if proc.poll() is not None:
        raise SystemExit(f"{proc.args[:3]} exited early with {proc.returncode}")
    pids = tree(pid)
    c0 = {p: cpu_seconds(p) for p in pids}
    x0 = cpu_seconds(xpid) if xpid else 0.0
    f0 = frames(stats)
    t0 = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - t0
    pids_now = tree(pid)
    cpu = sum(cpu_seconds(p) - c0.get(p, 0.0) for p in pids_now)
    xcpu = (cpu_seconds(xpid) - x0) if xpid else 0.0
    f1 = frames(stats)
    fps = (f1[0] - f0[0]) / (f1[1] - f0[1]) if f0 and f1 and f1[1] > f0[1] else -1.0
    mems = [memory_kib(p) for p in pids_now]
    return Sample(cpu / wall * 100, xcpu / wall * 100, sum(m[0] for m in mems) / 1024, sum(m[1] for m in mems) / 1024,
                  fps)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """End a program we started (its whole process group); the player gets SIGKILL: a kiosk that
    does not allow quitting ignores SIGTERM (SDL turns it into a quit event)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextlib.contextmanager
def xvfb() -> Iterator[tuple[str, int]]:
    """A fresh Xvfb on a free display number; yields (DISPLAY, its pid)."""
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb not found: apt-get install xvfb (or make bench-screen)")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24",
                             "-nolisten", "tcp", "-noreset"], pass_fds=(write,), stderr=subprocess.DEVNULL,
                            start_new_session=True)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        raise SystemExit("Xvfb did not start")
    try:
        yield f":{number}", proc.pid
    finally:
        stop(proc)


# ---------------------------------------------------------------- the player


PRESENT: list[str] = []  # --present: screen.present for the player (players before issue 11 have none)


def player_toml(scene: str, state: Path, tree: Path | None = None) -> str:
    present = f'present = "{PRESENT[0]}"\n' if PRESENT and tree is None else ""
    common = f'state_dir = "{state}"\n[screen]\nfullscreen = true\n{present}[kiosk]\nhide_cursor = true\n'
    if scene == "still":
        return common + ('[ticker]\nenabled = false\n[transition]\nkind = "cut"\n'
                         "[schedule]\nmin_duration = 3600.0\nmax_duration = 3600.0\n")
    if scene == "ticker":
        return common + '[transition]\nkind = "cut"\n[schedule]\nmin_duration = 3600.0\nmax_duration = 3600.0\n'
    return common  # demo, touch: the defaults (fades, automatic durations, ticker)


def run_player(scene: str, display: str | None, tmp: Path, extra_env: dict[str, str],
               stats: Path | None = None, tree: Path | None = None) -> subprocess.Popen:
    """``tree``: run that checkout's player instead of this one (a baseline)."""
    state = tmp / f"state-{scene}-{display or 'dummy'}"
    shutil.rmtree(state, ignore_errors=True)
    cfg = tmp / f"{scene}.toml"
    cfg.write_text(player_toml(scene, state, tree), encoding="utf-8")
    env = dict(os.environ, SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1", **extra_env)
    if tree is not None:
        env["KIOSK_BENCH_TREE"] = str(tree)
        env["PYTHONPATH"] = str(tree)
    if display:
        env["DISPLAY"] = display
        env.pop("SDL_VIDEODRIVER", None)
    else:
        env["SDL_VIDEODRIVER"] = "dummy"
        env.pop("DISPLAY", None)
    visitor = ["--visitor", "2"] if scene == "touch" else []
    if stats is not None:
        stats.unlink(missing_ok=True)
        visitor += ["--stats", str(stats)]
    args = [sys.executable, str(HERE / "screen_player.py"), *visitor, "--", "--config", str(cfg),
            "--size", f"{SIZE[0]}x{SIZE[1]}"]
    return subprocess.Popen(args, cwd=tree or ROOT, env=env, stdout=subprocess.DEVNULL, stderr=tmp.joinpath(
        f"player-{scene}.log").open("w"), start_new_session=True)


# ---------------------------------------------------------------- Chromium


def notice() -> tuple[str, str, list[str], list[str]]:
    """(title, issuer, paragraphs, ticker titles) from the demo content."""
    items = sorted((ROOT / "assets" / "demo" / "items").glob("*.md"))
    text = items[1].read_text(encoding="utf-8")
    _, front, body = text.split("+++", 2)
    title = re.search(r'^title = "(.+)"', front, re.M).group(1)  # type: ignore[union-attr]
    issuer = re.search(r'^issuer = "(.+)"', front, re.M).group(1)  # type: ignore[union-attr]
    paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
    titles = [re.search(r'^title = "(.+)"', p.read_text(encoding="utf-8"), re.M).group(1)  # type: ignore[union-attr]
              for p in items[:8]]
    return title, issuer, paragraphs, titles


def write_page(folder: Path, ticker: bool) -> Path:
    """The still notice page, or the same with a CSS ticker; the clock is JavaScript."""
    title, issuer, paragraphs, titles = notice()
    fonts = (ROOT / "assets" / "fonts").as_uri()
    logo = (ROOT / "assets" / "demo" / "images" / "logo.png").as_uri()
    qr = folder / "qr.png"
    if not qr.exists():
        import qrcode

        qrcode.make("https://feedback.example.org/qinghe?item=2026-dwh-10&dev=demo-0001").save(qr)
    header_h, footer_h = round(SIZE[1] * 0.09), round(SIZE[1] * 0.07) if ticker else 0
    body = "".join(f"<h2>{html.escape(p[3:])}</h2>" if p.startswith("## ") else f"<p>{html.escape(p)}</p>"
                   for p in paragraphs)
    entries = "".join(f"<span>◆ {html.escape(t)}</span>" for t in titles)
    width_guess = sum(len(t) + 6 for t in titles) * 38  # px of one run of titles at 38 px
    seconds = (width_guess + SIZE[0]) / 120  # the player's default speed: 120 px/s
    footer = (f'<footer><div class="run">{entries}{entries}</div></footer>' if ticker else "")
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>kiosk bench</title><style>
@font-face {{ font-family: K; src: url("{fonts}/NotoSansCJK-Regular.ttc"); font-weight: 400; }}
@font-face {{ font-family: K; src: url("{fonts}/NotoSansCJK-Bold.ttc"); font-weight: 700; }}
html, body {{ margin: 0; width: {SIZE[0]}px; height: {SIZE[1]}px; overflow: hidden; font-family: K, sans-serif;
  background: #fbf7ee; }}
header {{ position: absolute; top: 0; left: 0; right: 0; height: {header_h}px; background: #a8121c; color: #fff0c8;
  display: flex; align-items: center; padding: 0 29px; font-size: 41px; font-weight: 700; }}
header img {{ height: 76px; margin-right: 20px; }}
header .date {{ margin-left: auto; font-weight: 400; font-size: 33px; margin-right: 29px; }}
header .clock {{ color: #f6ce6e; font-size: 47px; font-variant-numeric: tabular-nums; }}
main {{ position: absolute; top: {header_h}px; bottom: {footer_h}px; left: 76px; right: 76px; overflow: hidden; }}
.band {{ margin-top: 19px; border-bottom: 3px solid #d4a017; padding-bottom: 6px; font-size: 30px; color: #6e645a; }}
.chip {{ background: #c8102e; color: #fff; font-weight: 700; padding: 4px 14px; border-radius: 8px;
  margin-right: 24px; }}
h1 {{ color: #a8121c; text-align: center; font-size: 47px; margin: 26px 380px 20px 0; }}
h2 {{ color: #a8121c; font-size: 38px; margin: 14px 0; }}
p {{ font-size: 36px; line-height: 1.5; text-indent: 2em; margin: 0 380px 10px 0; color: #222; }}
.qr {{ position: absolute; right: 10px; bottom: 90px; width: 290px; text-align: center; font-size: 38px; }}
.qr img {{ width: 290px; }}
footer {{ position: absolute; bottom: 0; left: 0; right: 0; height: {footer_h}px; background: #780a12; overflow: hidden;
  color: #fffaeb; font-size: 38px; line-height: {footer_h}px; white-space: nowrap; }}
footer .run {{ position: absolute; left: 0; top: 0; will-change: transform;
  animation: run {seconds:.1f}s linear infinite; }}
footer span {{ margin-right: 114px; }}
@keyframes run {{ from {{ transform: translateX({SIZE[0]}px); }} to {{ transform: translateX(-50%); }} }}
</style></head><body>
<header><img src="{logo}" alt=""><span>中共青禾镇委员会 党务公开</span>
<span class="date" id="date"></span><span class="clock" id="clock"></span></header>
<main><div class="band"><span class="chip">党内决策情况</span>{html.escape(issuer)}</div>
<h1>{html.escape(title)}</h1>{body}
<div class="qr"><img src="{qr.as_uri()}" alt=""><div>扫码提意见</div></div></main>
{footer}
<script>
const W = "日一二三四五六";
function tick() {{
  const d = new Date();
  const p = n => String(n).padStart(2, "0");
  document.getElementById("clock").textContent = `${{p(d.getHours())}}:${{p(d.getMinutes())}}:${{p(d.getSeconds())}}`;
  document.getElementById("date").textContent =
    `${{d.getFullYear()}}年${{d.getMonth() + 1}}月${{d.getDate()}}日 星期${{W[d.getDay()]}}`;
  setTimeout(tick, 1000 - d.getMilliseconds());
}}
tick();
</script></body></html>
"""
    path = folder / ("ticker.html" if ticker else "still.html")
    path.write_text(page, encoding="utf-8")
    return path


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise SystemExit("Chromium not found: apt-get install chromium (or make bench-screen)")


def run_chromium(page: Path, display: str | None, tmp: Path, n: int) -> subprocess.Popen:
    profile = tmp / f"chromium-profile-{n}"
    shutil.rmtree(profile, ignore_errors=True)
    args = [chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
            f"--window-size={SIZE[0]},{SIZE[1]}", "--window-position=0,0"]
    env = dict(os.environ)
    if display:
        env["DISPLAY"] = display
        args += ["--kiosk", page.as_uri()]
    else:
        env.pop("DISPLAY", None)
        args += ["--headless", "--remote-debugging-port=0", page.as_uri()]  # keeps running (a debug port)
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


# ---------------------------------------------------------------- the run


SCENES = [  # (label, program, scene, on Xvfb)
    ("player still, Xvfb", "player", "still", True),
    ("chromium still, Xvfb", "chromium", "still", True),
    ("player ticker, Xvfb", "player", "ticker", True),
    ("chromium ticker, Xvfb", "chromium", "ticker", True),
    ("player demo loop, Xvfb", "player", "demo", True),
    ("player touch, Xvfb", "player", "touch", True),
    ("player still, dummy", "player", "still", False),
    ("chromium still, headless", "chromium", "still", False),
    ("player ticker, dummy", "player", "ticker", False),
    ("chromium ticker, headless", "chromium", "ticker", False),
    ("player demo loop, dummy", "player", "demo", False),
    ("player touch, dummy", "player", "touch", False),
]


def run_scene(label: str, program: str, scene: str, display: str | None, xpid: int | None, tmp: Path,
              args: argparse.Namespace, n: int) -> Sample:
    env = dict(kv.split("=", 1) for kv in args.env)
    stats = None
    if program in ("player", "before"):
        stats = tmp / "frames.json"
        proc = run_player(scene, display, tmp, env, stats, args.baseline if program == "before" else None)
    else:
        proc = run_chromium(write_page(tmp, scene == "ticker"), display, tmp, n)
    try:
        return measure(proc.pid, xpid, args.warm, args.seconds, proc, stats)
    finally:
        stop(proc, signal.SIGTERM if program == "chromium" else signal.SIGKILL)


def soak(display: str, xpid: int, tmp: Path, seconds: float, env: dict[str, str], tree: Path | None = None) -> None:
    proc = run_player("demo", display, tmp, env, tree=tree)
    samples: list[tuple[float, float]] = []
    try:
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            time.sleep(min(10.0, seconds - elapsed) or 0.1)
            if proc.poll() is not None:
                raise SystemExit(f"player exited early with {proc.returncode}")
            samples.append((time.monotonic() - start, memory_kib(proc.pid)[0] / 1024))
        cpu = cpu_seconds(proc.pid)
    finally:
        stop(proc, signal.SIGKILL)
    marks = [s for s in samples if s[0] <= 11] + [s for s in samples if any(abs(s[0] - m) < 5 for m in
                                                  range(60, int(seconds) + 1, 60))]
    who = "before: " if tree else ""
    print(f"\nsteady-state memory, {who}demo loop under Xvfb, {seconds:.0f} s of real-time playback "
          f"(CPU {cpu / seconds * 100:.1f}% of a core on average):")
    print("  " + ", ".join(f"{t:.0f} s {m:.0f} MiB" for t, m in marks))
    print(f"  max {max(m for _, m in samples):.0f} MiB, at the end {samples[-1][1]:.0f} MiB RSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per scene and run")
    parser.add_argument("--warm", type=float, default=8.0, help="seconds of settling before measuring")
    parser.add_argument("--repeat", type=int, default=3, help="runs of every scene (medians are printed)")
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of demo loop for steady-state memory")
    parser.add_argument("--only", default="", help="regular expression: run only the scenes whose label matches")
    parser.add_argument("--baseline", type=Path, help="another checkout: its player runs every player scene too, "
                        "interleaved (labelled before:), and the ratios after/before are printed")
    parser.add_argument("--present", choices=("auto", "gpu", "software"),
                        help="the player's screen.present (default: its own default)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the player (e.g. SDL_FRAMEBUFFER_ACCELERATION=0)")
    args = parser.parse_args()
    if args.present:
        PRESENT.append(args.present)
    scenes = [s for s in SCENES if re.search(args.only, s[0])]
    if args.baseline is not None:  # the same player scenes from the baseline checkout, interleaved
        scenes = [x for s in scenes for x in ([s, (f"before: {s[0]}", "before", s[2], s[3])] if s[1] == "player"
                                               else [s])]
    results: dict[str, list[Sample]] = {s[0]: [] for s in scenes}
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-screen-") as name, xvfb() as (display, xpid):
        tmp = Path(name)
        for n in range(args.repeat):
            for label, program, scene, on_x in scenes:
                results[label].append(run_scene(label, program, scene, display if on_x else None,
                                                xpid if on_x else None, tmp, args, n))
                print(f"  run {n + 1}: {label}: {results[label][-1]}", file=sys.stderr)
        report(results, args, load0, os.getloadavg())
        if args.soak > 0:
            soak(display, xpid, tmp, args.soak, dict(kv.split("=", 1) for kv in args.env))
            if args.baseline is not None:
                soak(display, xpid, tmp, args.soak, dict(kv.split("=", 1) for kv in args.env), args.baseline)


def report(results: dict[str, list[Sample]], args: argparse.Namespace, load0: tuple[float, ...],
           load1: tuple[float, ...]) -> None:
    def med(label: str, field: str) -> float:
        return statistics.median(getattr(s, field) for s in results[label])

    print(f"{args.repeat} run(s) x {args.seconds:.0f} s per scene (after {args.warm:.0f} s); load average "
          f"{load0[0]:.2f} -> {load1[0]:.2f} (2 cores, shared); SDL env: {' '.join(args.env) or 'default'}; "
          f"screen.present: {args.present or 'default'}")
    print(f"{'scene':<28} {'CPU %':>7} {'+X %':>6} {'total %':>8} {'RSS MiB':>8} {'PSS MiB':>8} {'fps':>5}"
          "   runs (CPU %)")
    for label, samples in results.items():
        fps = med(label, "fps")
        print(f"{label:<28} {med(label, 'cpu'):7.2f} {med(label, 'xcpu'):6.2f} "
              f"{med(label, 'cpu') + med(label, 'xcpu'):8.2f} {med(label, 'rss'):8.0f} {med(label, 'pss'):8.0f} "
              f"{fps if fps >= 0 else float('nan'):5.1f}   " + " ".join(f"{s.cpu:.1f}" for s in samples))
    for label in results:
        if label.startswith("before: ") and label[8:] in results:
            after, before = label[8:], label
            total = (med(after, "cpu") + med(after, "xcpu")) / max(med(before, "cpu") + med(before, "xcpu"), 1e-9)
            print(f"after / before, {after}: CPU {med(after, 'cpu') / max(med(before, 'cpu'), 1e-9):.3f}, with the "
                  f"X server {total:.3f}; RSS {med(after, 'rss'):.0f} vs {med(before, 'rss'):.0f} MiB")
    for scene, path, other in (("still", "Xvfb", "Xvfb"), ("ticker", "Xvfb", "Xvfb"),
                               ("still", "dummy", "headless"), ("ticker", "dummy", "headless")):
        mine, theirs = f"player {scene}, {path}", f"chromium {scene}, {other}"
        if mine in results and theirs in results:
            own = med(mine, "cpu") / max(med(theirs, "cpu"), 1e-9)
            total = (med(mine, "cpu") + med(mine, "xcpu")) / max(med(theirs, "cpu") + med(theirs, "xcpu"), 1e-9)
            print(f"ratio player / Chromium, {scene} ({path} / {other}): CPU {own:.2f}"
                  + (f", with the X server {total:.2f}" if path == "Xvfb" else "")
                  + f"; PSS {med(mine, 'pss') / max(med(theirs, 'pss'), 1e-9):.2f}")


if __name__ == "__main__":
    main()
