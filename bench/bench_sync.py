"""Feed sync benchmark: verify+import over HTTP from 127.0.0.1, against ``sha256sum``.

Generates a feed of 200 items and 50 JPEG-like images (~100 MB, random bytes behind a
JPEG header, so nothing compresses), serves it with a threaded HTTP server on
127.0.0.1 and prints:

- time to publish (hash + sign) and to sync into an empty store (server in another process) (refresh, download,
  verify every hash, materialize, atomic switch), its throughput and the ratio to
  ``sha256sum`` of the same image files in the same run (best of ``--runs``);
- requests and bytes of a poll when nothing changed, and of an update with one new image;
- peak Python heap (tracemalloc) during an import and the largest image: the sync
  streams each image to a temp file while hashing, so the peak stays far below one image.

Run: ``.venv/bin/python bench/bench_sync.py [--mb 100] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.feed.publish import publish  # noqa: E402
from kiosk.feed.repo import init_feed  # noqa: E402
from kiosk.feed.source import FeedSource  # noqa: E402
from kiosk.feed.store import Store  # noqa: E402
from kiosk.feed.sync import SyncResult, sync_feed  # noqa: E402

ITEMS, IMAGES = 200, 50
CATEGORIES = ("decisions", "ideology", "organisation", "leadership", "cadres", "service", "integrity", "major")


def make_content(root: Path, total_mb: float, rng: random.Random) -> list[Path]:
    (root / "items").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "content.toml").write_text('name = "中共青禾镇委员会"\nlabel = "党务公开"\n', encoding="utf-8")
    (root / "catalogue.toml").write_text("".join(
        f'[[category]]\nid = "{c}"\nname = "类别{n}"\norder = {n}\n\n' for n, c in enumerate(CATEGORIES, 1)),
        encoding="utf-8")
    size = int(total_mb * 1e6 / IMAGES)
    images = []
    for n in range(IMAGES):
        path = root / "images" / f"photo-{n:02d}.jpg"
        path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(size - 11))
        images.append(path)
    body = "村民代表会议审议通过了本季度的财务收支情况，现予以公示，接受群众监督。" * 20
    for n in range(ITEMS):
        image = f'"images/photo-{n % IMAGES:02d}.jpg"'
        (root / "items" / f"item-{n:03d}.md").write_text(
            f'+++\nid = "item-{n:03d}"\ncategory = "{CATEGORIES[n % len(CATEGORIES)]}"\n'
            f'title = "第{n}号公示"\nissuer = "中共青禾镇委员会"\ndate = 2026-10-08\nimages = [{image}]\n+++\n'
            f"{body}\n\n| 项目 | 金额 |\n|:---|---:|\n| 收入 | {n * 100} |\n", encoding="utf-8")
    return images


def start_server(folder: Path) -> subprocess.Popen[str]:
    """The feed server in its own process (like a real one: it does not share our GIL)."""
    code = ("import sys, time; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
            "from kiosk.feed.demo import serve_directory; s, _ = serve_directory(Path(sys.argv[1]));"
            "print(s.server_address[1], flush=True); time.sleep(3600)")
    return subprocess.Popen([sys.executable, "-c", code, str(folder), str(Path(__file__).resolve().parents[1])],
                            stdout=subprocess.PIPE, text=True)


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201 - a bench helper
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def sha256sum_seconds(files: list[Path]) -> float:
    _, seconds = timed(subprocess.run, ["sha256sum", *map(str, files)], check=True, stdout=subprocess.DEVNULL)
    return seconds


def fresh_sync(source: FeedSource, base: Path, n: int) -> tuple[SyncResult, float, Store]:
    store = Store(base / f"state-{n}")
    result, seconds = timed(sync_feed, source, store)
    return result, seconds, store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="total image megabytes")
    parser.add_argument("--runs", type=int, default=3, help="repetitions (best is reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        run(Path(tmp), args.mb, args.runs)


def run(base: Path, mb: float, runs: int) -> None:
    rng = random.Random(42)
    now = dt.datetime.now(dt.UTC)
    images = make_content(base / "content", mb, rng)
    total = sum(p.stat().st_size for p in images)
    init = init_feed(base / "feed", base / "keys", now)
    published, publish_s = timed(publish, base / "content", base / "feed", [base / "keys"], now)
    server = start_server(base / "feed")
    source = FeedSource("bench", f"http://127.0.0.1:{server.stdout.readline().strip()}/", init.root_json)  # type: ignore[union-attr]
    try:
        syncs = []
        for n in range(runs):
            result, seconds, store = fresh_sync(source, base, n)
            syncs.append(seconds)
            if n < runs - 1:
                shutil.rmtree(store.root)
        sha_s = min(sha256sum_seconds(images) for _ in range(runs))
        sync_s = min(syncs)
        unchanged = sync_feed(source, store)
        tracemalloc.start()
        fresh_sync(source, base, runs)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        images[0].write_bytes(b"\xff\xd8\xff\xe0" + rng.randbytes(images[0].stat().st_size - 4))
        publish(base / "content", base / "feed", [base / "keys"], now)
        update, update_s = timed(sync_feed, source, store)
    finally:
        server.kill()
        server.wait()
    report(total, published.version, publish_s, result, sync_s, sha_s, unchanged, update, update_s, peak, images)


def report(total: int, version: int, publish_s: float, result: SyncResult, sync_s: float, sha_s: float,
           unchanged: SyncResult, update: SyncResult, update_s: float, peak: int, images: list[Path]) -> None:
    mb = total / 1e6
    biggest = max(p.stat().st_size for p in images)
    print(f"feed: {ITEMS} items, {IMAGES} images, {mb:.1f} MB of images (version {version})")
    print(f"publish (hash + sign):          {publish_s:6.2f} s")
    print(f"sync into empty store:          {sync_s:6.2f} s  {mb / sync_s:7.1f} MB/s  "
          f"({result.requests} requests, {result.bytes / 1e6:.1f} MB)")
    print(f"sha256sum of the same images:   {sha_s:6.2f} s  {mb / sha_s:7.1f} MB/s")
    print(f"sync throughput / sha256sum:    {sha_s / sync_s:6.2f}")
    print(f"unchanged poll:                 {unchanged.requests} request(s), {unchanged.bytes} bytes of body")
    print(f"update with one new image:      {update_s:6.2f} s  {update.requests} requests, "
          f"{update.bytes / 1e6:.2f} MB, {update.images_downloaded} downloaded / {update.images_reused} reused")
    print(f"peak Python heap during import: {peak / 1e6:6.2f} MB  (largest image {biggest / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
