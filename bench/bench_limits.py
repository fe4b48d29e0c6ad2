"""The largest inputs the limits allow (kiosk/content/limits.py), under a 2 GiB memory limit.

Each scenario runs in its own process under ``prlimit --as=2147483648`` (2 GiB of address space,
as on a small screen board; systemd-run is not available here) and prints the median wall time and
the peak resident memory (``ru_maxrss`` of the child) over ``--runs`` runs:

- the demo, for comparison (first frame of ``kiosk play --headless``);
- a notice at the body limit (one item file of just under 256 KB of Chinese text), first frame;
- a notice at the body limit made of a table at the table limits (500 rows x 12 columns), first frame;
- 2000 notices (the item limit), first frame;
- an image at the pixel limit (50 megapixels, PNG and JPEG, under the 25 MB file limit) decoded by
  the screen's decoder into a 1920x1080 box and into a logo-sized box;
- a PNG of 900 megapixels (the 875 KB logo of the issue): refused from its header.

Run: ``.venv/bin/python bench/bench_limits.py [--runs 3]`` (takes a few minutes).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.config import DEMO_CONTENT  # noqa: E402
from kiosk.content.limits import LIMITS  # noqa: E402

LIMIT_AS = 2 * 1024 ** 3
PARAGRAPH = ("为进一步加强基层党组织建设，推进党务公开工作规范化、制度化，根据上级有关文件精神，结合本镇实际，"
             "现将有关事项公示如下，接受广大党员和群众监督。公示期间如有意见，请通过意见箱或扫码反馈。")
FRONT = ('+++\nid = "{id}"\ncategory = "decisions"\ntitle = "{title}"\nissuer = "中共青禾镇委员会"\n'
         "date = 2026-11-20\n+++\n")


def folder(base: Path, items: dict[str, str]) -> Path:
    """The demo's publisher and catalogue with only ``items``."""
    root = base / "content"
    shutil.copytree(DEMO_CONTENT, root, ignore=shutil.ignore_patterns("items", "make_images.py"))
    (root / "items").mkdir()
    for stem, text in items.items():
        (root / "items" / f"{stem}.md").write_text(text, encoding="utf-8")
    return root


def text_notice() -> str:
    head = FRONT.format(id="big-text", title="二〇二六年度工作要点（全文）")
    body, n = [], 0
    budget = LIMITS.item_bytes - len(head.encode()) - 64
    while len("\n\n".join(body).encode()) + len(PARAGRAPH.encode()) + 16 < budget:
        n += 1
        body.append(f"## 第{n}部分" if n % 20 == 0 else PARAGRAPH)
    text = head + "\n\n".join(body) + "\n"
    assert len(text.encode()) <= LIMITS.item_bytes
    return text


def table_notice() -> str:
    head = FRONT.format(id="big-table", title="二〇二六年度村级财务收支明细")
    cols = LIMITS.table_columns
    header = "| " + " | ".join(f"项目{c}" for c in range(cols)) + " |\n|" + "---:|" * cols + "\n"
    rows = []
    cell = "支出一二三四五六七八九十"  # 12 characters a cell keeps the file under the body limit
    for r in range(LIMITS.table_rows):
        rows.append("| " + " | ".join(f"{cell}{r % 10}" for _ in range(cols)) + " |")
    text = head + "收支明细如下：\n\n" + header + "\n".join(rows) + "\n"
    assert len(text.encode()) <= LIMITS.item_bytes, len(text.encode())
    return text


def many_notices() -> dict[str, str]:
    return {f"n{k:04d}": FRONT.format(id=f"n{k:04d}", title=f"第{k}号公示") + PARAGRAPH * 3 + "\n"
            for k in range(LIMITS.items)}


def big_png(path: Path, width: int, height: int, bits: int = 8) -> Path:
    """An RGB (or 1-bit) PNG written row by row (no image of that size in memory)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    if bits == 1:
        ihdr, row = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0), b"\0" * (1 + (width + 7) // 8)
        rows = (row for _ in range(height))
    else:
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        base = bytes(range(256)) * (width * 3 // 256 + 2)
        rows = (b"\0" + base[y % 256:y % 256 + width * 3] for y in range(height))
    packer = zlib.compressobj(6)
    idat = b"".join(packer.compress(r) for r in rows) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def big_jpeg(path: Path, width: int, height: int) -> Path:
    from PIL import Image

    small = Image.radial_gradient("L").resize((width // 8, height // 8)).convert("RGB")
    small.resize((width, height)).save(path, quality=85)
    return path


def run(argv: list[str], runs: int) -> tuple[float, float, float, int, str]:
    """(median s, min s, max s, peak KiB, last stderr tail) of ``argv`` under the 2 GiB limit."""
    times, peaks, err = [], [], ""
    measure = ("import resource, subprocess, sys, time; t = time.monotonic(); "
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(p.returncode, time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
               "sys.stderr.write(p.stderr[-400:])")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    for _ in range(runs):
        done = subprocess.run(["prlimit", f"--as={LIMIT_AS}", sys.executable, "-c", measure, *argv],
                              capture_output=True, text=True, env=env)
        code, seconds, peak = done.stdout.split()
        if int(code) != 0:
            raise SystemExit(f"{argv}: exit code {code}\n{done.stderr}")
        times.append(float(seconds))
        peaks.append(int(peak))
        err = done.stderr
    return statistics.median(times), min(times), max(times), max(peaks), err


def play(content: Path, base: Path) -> list[str]:
    return [sys.executable, "-m", "kiosk", "play", "--content", str(content), "--headless", "--frames", "1",
            "--size", "1920x1080", "--at", "2026-11-20T10:00", "--screenshot", str(base / "shot.png"),
            "--state-dir", str(base / "state")]


def decode(image: Path, box: tuple[int, int]) -> list[str]:
    code = ("import sys; from pathlib import Path; from kiosk.render.images import ImageError, load_fitted\n"
            "try:\n    s = load_fitted(Path(sys.argv[1]), (int(sys.argv[2]), int(sys.argv[3])))\n"
            "    print(s.get_size(), file=sys.stderr)\n"
            "except ImageError as e:\n    print('refused:', e.reason, file=sys.stderr)")
    return [sys.executable, "-c", code, str(image), str(box[0]), str(box[1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        base = Path(tmp)
        side = int((LIMITS.image_pixels / 1.5) ** 0.5)
        w, h = int(side * 1.5), side  # 3:2, at most the pixel limit
        png = big_png(base / "limit.png", w, h)
        jpg = big_jpeg(base / "limit.jpg", w, h)
        bomb = big_png(base / "bomb.png", 30000, 30000, bits=1)
        scenarios: list[tuple[str, list[str]]] = []
        contents: list[tuple[str, dict[str, str] | None]] = [
            ("demo (33 notices)", None), ("notice at the body limit: text", {"big": text_notice()}),
            ("notice at the body limit: 500x12 table", {"big": table_notice()}),
            (f"{LIMITS.items} notices (item limit)", many_notices())]
        for n, (name, items) in enumerate(contents):
            where = base / f"scenario-{n}"
            where.mkdir()
            content = DEMO_CONTENT if items is None else folder(where, items)
            scenarios.append((f"first frame, {name}", play(content, where)))
        for label, image in ((f"PNG {w}x{h} ({png.stat().st_size >> 20} MB)", png),
                             (f"JPEG {w}x{h} ({jpg.stat().st_size >> 20} MB)", jpg)):
            scenarios.append((f"decode {label} into 1920x1080", decode(image, (1920, 1080))))
            scenarios.append((f"decode {label} into a 100x100 logo", decode(image, (100, 100))))
        scenarios.append((f"refuse a 30000x30000 PNG ({bomb.stat().st_size >> 10} KB) from its header",
                          decode(bomb, (100, 100))))
        print(f"under prlimit --as={LIMIT_AS} (2 GiB), {args.runs} run(s) each; time: median (min-max); "
              "peak RSS of the process")
        for name, argv in scenarios:
            med, lo, hi, peak, err = run(argv, args.runs)
            note = err.strip().splitlines()[-1][:90] if "refused" in err else ""
            print(f"  {name:<62} {med:6.2f} s ({lo:.2f}-{hi:.2f})  {peak / 1024:7.0f} MB  {note}")
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"total {time.monotonic() - started:.0f} s")
