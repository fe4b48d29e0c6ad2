"""USB import benchmark: from "insert" to the new version being current in the store.

For the demo feed (assets/demo) and a ~100 MB feed (200 items, 50 images, as bench_sync.py),
each run: a fresh screen state, a stick folder exported by ``kiosk usb export`` and evicted from
the page cache, a ``UsbService`` (real watchdog observer) on a temporary mount root; the clock
starts when the stick folder is renamed into the mount root (a mount appears in one step) and
stops when ``Store.current_version()`` reports the new version.  Prints median / min / max of
the detection latency (first event) and of insert → current, plus the same with watchdog off
(the 2 s periodic rescan alone).

What a technician sees on screen adds the player's wait for the next slide boundary (the
player takes new content only there) and the stick's own read speed (a USB 2.0 stick reads
20–35 MB/s: ~3–5 s more for 100 MB than this VM's disk).

Run: ``.venv/bin/python bench/bench_usb.py [--mb 100] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import make_content  # noqa: E402

from kiosk.config import DEMO_CONTENT  # noqa: E402
from kiosk.feed.publish import publish  # noqa: E402
from kiosk.feed.repo import init_feed  # noqa: E402
from kiosk.feed.source import FeedSource  # noqa: E402
from kiosk.feed.store import Store  # noqa: E402
from kiosk.usb.events import StickDetected  # noqa: E402
from kiosk.usb.export import export_feed  # noqa: E402
from kiosk.usb.service import UsbService, UsbSettings  # noqa: E402


def build_feed(base: Path, content: Path) -> tuple[Path, Path, int]:
    """Publish ``content``; returns (stick master folder, root.json, version)."""
    now = dt.datetime.now(dt.UTC)
    init = init_feed(base / "feed", base / "keys", now)
    version = publish(content, base / "feed", [base / "keys"], now).version
    master = base / "stick-master"
    master.mkdir()
    export_feed(base / "feed", master, init.root_json)
    return master, init.root_json, version


def evict(folder: Path) -> None:
    """Drop the stick's pages from the cache so the import reads the disk (as from a stick)."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def one_run(base: Path, master: Path, root_json: Path, version: int, n: int, rescan_only: bool) -> tuple[float, float]:
    run_dir = base / f"run-{n}"
    mount_root, staging = run_dir / "media", run_dir / "STICK"
    mount_root.mkdir(parents=True)
    shutil.copytree(master, staging)
    evict(staging)
    store = Store(run_dir / "state")
    source = FeedSource("bench", "https://feed.example.invalid/", root_json)
    service = UsbService([source], store, UsbSettings(mount_roots=(mount_root,), write_report=False),
                         device_id="bench")
    if rescan_only:
        service.watcher.use_watchdog = False
    service.start()
    # the first scan is done (nothing there); then a random phase of the 2 s rescan period
    time.sleep(0.3 + (random.Random(n).uniform(0, 2.0) if rescan_only else 0.0))
    detected = None
    start = time.perf_counter()
    os.rename(staging, mount_root / "STICK")
    while store.current_version("bench") != version:
        if detected is None and any(isinstance(e, StickDetected) for e in service.importer.poll_events()):
            detected = time.perf_counter() - start
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    service.stop()
    shutil.rmtree(run_dir)
    return detected if detected is not None else elapsed, elapsed


def line(label: str, values: list[float]) -> str:
    return (f"{label:<36} median {statistics.median(values):6.3f} s   "
            f"min {min(values):6.3f}   max {max(values):6.3f}   (n={len(values)})")


def bench(name: str, base: Path, content: Path, runs: int) -> None:
    master, root_json, version = build_feed(base, content)
    size = sum(p.stat().st_size for p in master.rglob("*") if p.is_file())
    print(f"{name}: version {version}, {size / 1e6:.1f} MB on the stick")
    for rescan_only in (False, True):
        detect, total = [], []
        for n in range(runs):
            d, t = one_run(base, master, root_json, version, n, rescan_only)
            detect.append(d)
            total.append(t)
        how = "rescan only" if rescan_only else "watchdog"
        print("  " + line(f"detected ({how})", detect))
        print("  " + line(f"insert -> version current ({how})", total))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="image megabytes of the big feed")
    parser.add_argument("--runs", type=int, default=5, help="repetitions (medians are reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-usb-") as tmp:
        base = Path(tmp)
        (base / "demo").mkdir()
        bench("demo feed (assets/demo)", base / "demo", DEMO_CONTENT, args.runs)
        big = base / "big"
        big.mkdir()
        make_content(big / "content", args.mb, random.Random(42))
        bench(f"{args.mb:.0f} MB feed (200 items, 50 images)", big, big / "content", args.runs)


if __name__ == "__main__":
    main()
