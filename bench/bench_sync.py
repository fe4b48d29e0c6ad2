"""Feed sync benchmark: verify + import over HTTP, on loopback and over a simulated slow link.

Generates a feed of ``--items`` notices and ``--images`` JPEG-like images (``--mb`` in all,
random bytes behind a JPEG header, so nothing compresses), serves it from another process
(Python's threaded HTTP server, keep-alive, or Debian's nginx with ``--server nginx``) and prints:

- publish time (hash + sign);
- a sync into an empty store (refresh, download, verify every hash, materialize, atomic switch)
  on loopback: time, requests, throughput, and the ratio to ``hashlib.sha256`` over the same files
  in this process and to coreutils ``sha256sum`` (best of ``--runs``);
- the same from a local feed folder (``file://``, a technician's USB stick): no network, so it
  shows what the download loop itself costs against hashlib;
- the same through ``bench/link.py``, a proxy adding ``--rtt-ms`` of round trip (and ``--mbit``
  of bandwidth cap if given): time, requests and TCP connections opened;
- requests and bytes of a poll when nothing changed, and of an update with one new image;
- peak Python heap (tracemalloc) during an import and the largest image: each image is streamed
  to a temp file while hashed, so the peak stays far below the feed's size.

Run: ``.venv/bin/python bench/bench_sync.py [--items 3000] [--images 300] [--mb 100] [--rtt-ms 50]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import socket
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

HERE = Path(__file__).resolve().parent
CATEGORIES = ("decisions", "ideology", "organisation", "leadership", "cadres", "service", "integrity", "major")


def make_content(root: Path, total_mb: float, rng: random.Random, items: int = 200, images: int = 50) -> list[Path]:
    (root / "items").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "content.toml").write_text('name = "中共青禾镇委员会"\nlabel = "党务公开"\n', encoding="utf-8")
    (root / "catalogue.toml").write_text("".join(
        f'[[category]]\nid = "{c}"\nname = "类别{n}"\norder = {n}\n\n' for n, c in enumerate(CATEGORIES, 1)),
        encoding="utf-8")
    size = int(total_mb * 1e6 / images)
    paths = []
    for n in range(images):
        path = root / "images" / f"photo-{n:03d}.jpg"
        path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(size - 11))
        paths.append(path)
    body = "村民代表会议审议通过了本季度的财务收支情况，现予以公示，接受群众监督。" * 20
    for n in range(items):
        image = f'"images/photo-{n % images:03d}.jpg"'
        (root / "items" / f"item-{n:04d}.md").write_text(
            f'+++\nid = "item-{n:04d}"\ncategory = "{CATEGORIES[n % len(CATEGORIES)]}"\n'
            f'title = "第{n}号公示"\nissuer = "中共青禾镇委员会"\ndate = 2026-10-08\nimages = [{image}]\n+++\n'
            f"{body}\n\n| 项目 | 金额 |\n|:---|---:|\n| 收入 | {n * 100} |\n", encoding="utf-8")
    return paths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, kind: str, tmp: Path) -> tuple[subprocess.Popen, int]:
    """The feed server in its own process (like a real one: it does not share our GIL)."""
    if kind == "nginx":
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(f"daemon off; worker_processes 1; error_log stderr; pid {tmp}/nginx.pid;\n"
                        "events { worker_connections 256; }\n"
                        f"http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;\n"
                        f"  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};\n"
                        f"  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};\n"
                        f"  server {{ listen 127.0.0.1:{port}; root {folder}; }} }}\n", encoding="utf-8")
        proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)], stderr=subprocess.DEVNULL)
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return proc, port
            time.sleep(0.05)
        raise SystemExit("nginx did not start")
    code = ("import sys, time; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
            "from kiosk.feed.demo import serve_directory; s, _ = serve_directory(Path(sys.argv[1]));"
            "print(s.server_address[1], flush=True); time.sleep(3600)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder), str(HERE.parent)], stdout=subprocess.PIPE,
                            text=True)
    return proc, int(proc.stdout.readline().strip())  # type: ignore[union-attr]


def start_link(port: int, rtt_ms: float, mbit: float, stats: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, str(HERE / "link.py"), "--upstream", f"127.0.0.1:{port}",
                             "--rtt-ms", str(rtt_ms), "--mbit", str(mbit), "--stats", str(stats)],
                            stdout=subprocess.PIPE, text=True)
    return proc, int(proc.stdout.readline().strip())  # type: ignore[union-attr]


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201 - a bench helper
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def sha256sum_seconds(files: list[Path]) -> float:
    _, seconds = timed(subprocess.run, ["sha256sum", *map(str, files)], check=True, stdout=subprocess.DEVNULL)
    return seconds


def hashlib_seconds(files: list[Path]) -> float:
    """Read and hash every file in 1 MiB pieces (the page cache is warm, as for sha256sum)."""
    start = time.perf_counter()
    for path in files:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return time.perf_counter() - start


def best_sync(source: FeedSource, base: Path, tag: str, runs: int) -> tuple[SyncResult, float]:
    """Best of ``runs`` syncs into an empty store."""
    best: tuple[SyncResult, float] | None = None
    for n in range(runs):
        store = Store(base / f"state-{tag}-{n}")
        result, seconds = timed(sync_feed, source, store)
        shutil.rmtree(store.root)
        if best is None or seconds < best[1]:
            best = (result, seconds)
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000, help="notices in the feed")
    parser.add_argument("--images", type=int, default=300, help="images in the feed")
    parser.add_argument("--mb", type=float, default=100.0, help="total image megabytes")
    parser.add_argument("--runs", type=int, default=3, help="repetitions (best is reported)")
    parser.add_argument("--rtt-ms", type=float, default=50.0, help="round trip of the simulated link (0: skip)")
    parser.add_argument("--mbit", type=float, default=0.0, help="bandwidth cap of the simulated link (0: none)")
    parser.add_argument("--server", choices=("python", "nginx"), default="python")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        run(Path(tmp), args)


def run(base: Path, args: argparse.Namespace) -> None:
    rng = random.Random(42)
    now = dt.datetime.now(dt.UTC)
    images = make_content(base / "content", args.mb, rng, args.items, args.images)
    mb = sum(p.stat().st_size for p in images) / 1e6
    init = init_feed(base / "feed", base / "keys", now)
    published, publish_s = timed(publish, base / "content", base / "feed", [base / "keys"], now)
    print(f"feed: {args.items} notices, {args.images} images, {mb:.1f} MB of images (version {published.version}); "
          f"server: {args.server}; load average {os.getloadavg()[0]:.2f}")
    print(f"publish (hash + sign):            {publish_s:6.2f} s")
    server, port = start_server(base / "feed", args.server, base)
    source = FeedSource("bench", f"http://127.0.0.1:{port}/", init.root_json)
    link = None
    try:
        result, sync_s = best_sync(source, base, "loop", args.runs)
        hash_s = min(hashlib_seconds(images) for _ in range(args.runs))
        sha_s = min(sha256sum_seconds(images) for _ in range(args.runs))
        print(f"sync into empty store, loopback: {sync_s:6.2f} s  {mb / sync_s:7.1f} MB/s  "
              f"({result.requests} requests, {result.bytes / 1e6:.1f} MB)")
        print(f"hashlib.sha256 of the images:    {hash_s:6.2f} s  {mb / hash_s:7.1f} MB/s;  sync / hashlib "
              f"{hash_s / sync_s:.2f}")
        print(f"sha256sum of the images:         {sha_s:6.2f} s  {mb / sha_s:7.1f} MB/s;  sync / sha256sum "
              f"{sha_s / sync_s:.2f}")
        local = FeedSource("bench", (base / "feed").as_uri(), init.root_json)
        lresult, local_s = best_sync(local, base, "file", args.runs)
        print(f"sync from a local folder (USB):  {local_s:6.2f} s  {mb / local_s:7.1f} MB/s;  / hashlib "
              f"{hash_s / local_s:.2f}  ({lresult.requests} reads)")
        if args.rtt_ms > 0:
            stats = base / "link.json"
            link, link_port = start_link(port, args.rtt_ms, args.mbit, stats)
            slow = FeedSource("bench", f"http://127.0.0.1:{link_port}/", init.root_json)
            sresult, slow_s = best_sync(slow, base, "link", 1)
            connections = json.loads(stats.read_text())["connections"]
            cap = f", {args.mbit:g} Mbit/s" if args.mbit else ""
            print(f"sync over a {args.rtt_ms:g} ms link{cap}:     {slow_s:6.2f} s  {mb / slow_s:7.1f} MB/s  "
                  f"({sresult.requests} requests over {connections} TCP connection(s))")
        store = Store(base / "state-kept")
        sync_feed(source, store)
        unchanged = sync_feed(source, store)
        tracemalloc.start()
        sync_feed(source, Store(base / "state-heap"))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        images[0].write_bytes(b"\xff\xd8\xff\xe0" + rng.randbytes(images[0].stat().st_size - 4))
        publish(base / "content", base / "feed", [base / "keys"], now)
        update, update_s = timed(sync_feed, source, store)
    finally:
        for proc in (server, link):
            if proc is not None:
                proc.kill()
                proc.wait()
    print(f"unchanged poll:                  {unchanged.requests} request(s), {unchanged.bytes} bytes of body")
    print(f"update with one new image:       {update_s:6.2f} s  {update.requests} requests, "
          f"{update.bytes / 1e6:.2f} MB, {update.images_downloaded} downloaded / {update.images_reused} reused")
    biggest = max(p.stat().st_size for p in images)
    print(f"peak Python heap during import:  {peak / 1e6:6.2f} MB  (largest image {biggest / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
