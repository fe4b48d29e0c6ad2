"""Office benchmarks: approval-to-served latency and preview render time per page.

Sets up a throw-away office data folder (SQLite) with the demo township (``init --demo`` path:
two feeds, demo people with random passphrases), serves it with waitress on 127.0.0.1 in this
process, then prints:

- **approval to served**: from the moment the reviewer's signature is asked for (passphrase
  typed) to the moment an HTTP poll of ``/feeds/township/metadata/timestamp.json`` returns the
  new version; the drafter's submission is not counted. Median and spread over ``--runs``.
  Split into the signature (key unlock by scrypt, sign, finalize, mirror) and the serving part.
- **preview render time per page**: every demo notice drawn at 1920x1080 and 1080x1920 by the
  player's renderer (cold cache), total time divided by pages; median per notice, and the
  cached answer's time.

Run: ``.venv/bin/python bench/bench_office.py [--runs 7]`` (make bench runs it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def _setup(folder: Path):  # noqa: ANN202 - the demo report
    from kiosk.office.cli import migrate, setup_django
    from kiosk.office.datadir import DataDir

    DataDir(folder).create()
    setup_django(folder)
    migrate()
    from kiosk.office.demo import load_demo
    from kiosk.office.setup import create_admin

    create_admin()
    return load_demo()


def _serve() -> tuple[str, object]:
    from waitress.server import create_server

    from kiosk.office.wsgi import application

    server = create_server(application, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server  # type: ignore[union-attr]


def _version(url: str, session) -> int:  # noqa: ANN001
    import json

    response = session.get(url, timeout=10)
    response.raise_for_status()
    return int(json.loads(response.content)["signed"]["version"])


def bench_approval(report, base: str, runs: int) -> None:  # noqa: ANN001
    import requests

    from kiosk.content.writer import DraftBlock, ItemDraft, write_item
    from kiosk.office.accounts.models import Role
    from kiosk.office.approval.building import Edits
    from kiosk.office.approval.models import PubKind
    from kiosk.office.approval.service import sign, submit
    from kiosk.office.authoring.models import Notice
    from kiosk.office.feeds.models import Feed

    feed = Feed.objects.get(name="township")
    people = {p.role: p for p in report.people}
    from django.contrib.auth import get_user_model

    users = {role: get_user_model().objects.get(username=p.username) for role, p in people.items()}
    session = requests.Session()
    url = f"{base}/feeds/township/metadata/timestamp.json"
    totals, signing = [], []
    for n in range(runs):
        item_id = f"bench-{n}"
        text = write_item(ItemDraft(id=item_id, category="decisions", title=f"基准测试公告 {n}",
                                    issuer="中共青禾镇委员会", date=dt.date(2026, 11, 20),
                                    blocks=(DraftBlock("p", "正文。" * 200),)))
        notice = Notice.objects.create(feed=feed, item_id=item_id, title=item_id, created_by=users[Role.DRAFTER],
                                       updated_by=users[Role.DRAFTER])
        pub = submit(feed, users[Role.DRAFTER], people[Role.DRAFTER].passphrase, PubKind.NEW, item_id,
                     Edits({f"items/{item_id}.md": text}, {}), notice)
        before = _version(url, session)
        start = time.perf_counter()
        sign(pub, users[Role.REVIEWER], people[Role.REVIEWER].passphrase)
        signed = time.perf_counter()
        while _version(url, session) <= before:
            time.sleep(0.001)
        end = time.perf_counter()
        totals.append(end - start)
        signing.append(signed - start)
    print(f"approval to served (reviewer signs -> HTTP poll sees the new version), {runs} runs:")
    print(f"  median {statistics.median(totals) * 1000:.0f} ms (min {min(totals) * 1000:.0f}, "
          f"max {max(totals) * 1000:.0f}); of which signing+finalize+mirror median "
          f"{statistics.median(signing) * 1000:.0f} ms (scrypt key unlock ~100 ms included)")


def bench_preview() -> None:
    from kiosk.office.approval.building import published_files
    from kiosk.office.authoring.previews import _render, images_for, preview_root
    from kiosk.office.feeds.models import Feed
    from kiosk.office.feeds.service import load_repo

    per_page, pages_total, seconds_total = [], 0, 0.0
    for feed in Feed.objects.all():
        texts, _ = published_files(load_repo(feed))
        for rel, text in sorted(texts.items()):
            if not rel.startswith("items/"):
                continue
            import re

            rels = re.findall(r'"(images/[^"]+)"|\((images/[^)]+)\)', text)
            images = images_for(feed, [a or b for a, b in rels])
            folder = preview_root() / f"bench-{feed.name}-{Path(rel).stem}"
            started = time.perf_counter()
            result = _render(feed.name, feed.content_toml(), feed.catalogue, Path(rel).stem, text, images, folder,
                             dt.datetime(2026, 11, 20, 9))
            took = time.perf_counter() - started
            pages = sum(len(s.pages) for s in result.sizes)
            per_page.append(took / pages)
            pages_total += pages
            seconds_total += took
    print(f"preview render (1920x1080 + 1080x1920, player renderer, cold), {len(per_page)} notices, "
          f"{pages_total} pages:")
    print(f"  per page: median {statistics.median(per_page) * 1000:.0f} ms (min {min(per_page) * 1000:.0f}, "
          f"max {max(per_page) * 1000:.0f}); {seconds_total:.1f} s in all (PNG writing included)")


def bench_cached_preview() -> None:
    from kiosk.office.approval.building import published_files
    from kiosk.office.authoring.previews import images_for, worker
    from kiosk.office.feeds.models import Feed
    from kiosk.office.feeds.service import load_repo

    feed = Feed.objects.get(name="township")
    texts, _ = published_files(load_repo(feed))
    rel, text = next((r, t) for r, t in sorted(texts.items()) if r.startswith("items/"))
    item_id = Path(rel).stem
    worker().preview(feed, item_id, text, images_for(feed, [])).result()
    times = []
    for _ in range(20):
        started = time.perf_counter()
        worker().preview(feed, item_id, text, images_for(feed, [])).result()
        times.append(time.perf_counter() - started)
    print(f"  the same notice again (cached by content hash): median {statistics.median(times) * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-office-") as tmp:
        report = _setup(Path(tmp) / "office")
        base, server = _serve()
        bench_approval(report, base, args.runs)
        bench_preview()
        bench_cached_preview()
        server.close()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
