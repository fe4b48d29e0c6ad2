"""Images are fetched several at a time over kept-alive connections; the byte budget is checked
before any of them is requested; the first failure stops the others and leaves the store as it was.

No timing: concurrency is proven with a barrier the server makes each image request wait at.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from feedkit import FeedHandler, FeedServer, Publisher, item_text, make_content, random_image, tree

from kiosk.feed.errors import FeedError, FeedRefusedError, FeedTooBigError
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed

IMAGES = 6


@pytest.fixture
def publisher(tmp_path: Path) -> Publisher:
    """A feed whose current version carries six images, each used by its own notice."""
    pub = Publisher(tmp_path / "office")
    shutil.rmtree(pub.content / "images")
    images = {f"images/p{n}.jpg": random_image(f"p{n}", 4000 + n) for n in range(IMAGES)}
    items = {f"n{n}": item_text(f"n{n}", images=(f"images/p{n}.jpg",)) for n in range(IMAGES)}
    make_content(pub.content, items, images)
    pub.publish()
    return pub


def image_paths(server: FeedServer) -> list[str]:
    return ["/" + p.relative_to(server.root).as_posix() for p in sorted((server.root / "targets/images").iterdir())]


class InFlight:
    """Counts image requests being answered at once; each waits at a barrier of ``parties``."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=10)
        self.now = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, h: FeedHandler, s: FeedServer) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            self.barrier.wait()  # a sequential client never gets past this: the sync would fail
            h.send_bytes((s.root / unquote(urlparse(h.path).path).lstrip("/")).read_bytes())
        except threading.BrokenBarrierError:
            h.send_bytes(b"nobody else came", 503)
        finally:
            with self.lock:
                self.now -= 1


def test_images_are_fetched_parallel_at_a_time(publisher: Publisher, server: FeedServer, tmp_path: Path) -> None:
    watch = InFlight(3)
    for path in image_paths(server):
        server.behaviours[path] = watch
    result = sync_feed(publisher.source(server.url, parallel=3), Store(tmp_path / "screen"))
    assert result.changed and result.images_downloaded == IMAGES
    assert watch.most == 3  # three at once, never more


def test_parallel_one_fetches_one_at_a_time(publisher: Publisher, server: FeedServer, tmp_path: Path) -> None:
    watch = InFlight(1)
    for path in image_paths(server):
        server.behaviours[path] = watch
    assert sync_feed(publisher.source(server.url, parallel=1), Store(tmp_path / "screen")).changed
    assert watch.most == 1


def test_connections_are_kept_and_reused(publisher: Publisher, server: FeedServer, tmp_path: Path) -> None:
    result = sync_feed(publisher.source(server.url, parallel=2), Store(tmp_path / "screen"))
    assert result.requests >= IMAGES + 4  # timestamp, snapshot, targets, manifest and the images
    assert 1 <= server.connections <= 2  # at most one per download running at once, each used again


def test_budget_is_checked_before_any_image_is_requested(publisher: Publisher, server: FeedServer,
                                                         tmp_path: Path) -> None:
    feed_bytes = sum(p.stat().st_size for p in (server.root / "targets/images").iterdir())
    manifest = max((server.root / "targets").glob("*.bundle.json"), key=lambda p: p.stat().st_mtime)
    source = publisher.source(server.url, max_bytes=manifest.stat().st_size + feed_bytes - 1)
    with pytest.raises(FeedTooBigError, match="max_bytes"):
        sync_feed(source, Store(tmp_path / "screen"))
    assert not [r for r in server.requests if r.startswith("/targets/images/")]


def test_first_failure_is_reported_and_the_store_is_unchanged(publisher: Publisher, server: FeedServer,
                                                              tmp_path: Path) -> None:
    store = Store(tmp_path / "screen")
    paths = image_paths(server)
    bad = paths[2]
    server.behaviours[bad] = lambda h, s: h.send_bytes(b"\xff" * (s.root / bad.lstrip("/")).stat().st_size)
    with pytest.raises(FeedRefusedError) as caught:
        sync_feed(publisher.source(server.url, parallel=3), store)
    target = bad.rsplit("/", 1)[1].split(".", 1)[1]  # the URL is images/<hash>.<target name>
    assert f"images/{target}: sha256 does not match" in str(caught.value)  # the bad one, not an abort
    assert store.current("township") is None
    assert not list(store.objects.iterdir())  # verified images of the failed sync are collected too
    del server.behaviours[bad]
    result = sync_feed(publisher.source(server.url, parallel=3), store)  # the next sync completes
    assert result.changed and tree(store.current("township"))


def test_parallel_must_be_sane(publisher: Publisher, server: FeedServer) -> None:
    for bad in (0, 17, 2.5):
        with pytest.raises(FeedError, match="parallel"):
            publisher.source(server.url, parallel=bad)
