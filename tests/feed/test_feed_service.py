from __future__ import annotations

import random
import threading
import time
from pathlib import Path

from feedkit import FeedServer, Publisher, hang, item_text, make_content, tree, wait_for

from kiosk.content.loader import load_content
from kiosk.feed.demo import prepare_demo
from kiosk.feed.service import SyncService, next_delay
from kiosk.feed.source import FeedSource
from kiosk.feed.status import read_status
from kiosk.feed.store import Store


def test_backoff_doubles_to_the_ceiling_with_jitter() -> None:
    source = FeedSource("f", "http://x/", Path("r.json"), poll_interval=300, jitter=0.1, retry_min=10,
                        retry_max=100)
    rng = random.Random(1)
    assert 270 <= next_delay(source, 0, rng) <= 330
    assert [round(next_delay(source.__class__(**{**source.__dict__, "jitter": 0.0}), n, rng))
            for n in range(1, 6)] == [10, 20, 40, 80, 100]
    spread = {round(next_delay(source, 0, rng)) for _ in range(50)}
    assert len(spread) > 10


def test_service_syncs_in_the_background_and_reports(source: FeedSource, store: Store, server: FeedServer,
                                                     publisher: Publisher) -> None:
    changed: list[tuple[str, int]] = []
    service = SyncService([source], store, on_change=lambda feed, v: changed.append((feed, v)))
    service.start()
    try:
        assert wait_for(lambda: store.current_version("township") == 2)
        assert wait_for(lambda: service.status()["township"].last_success is not None)
        (publisher.content / "items/plan.md").write_text(item_text("plan", title="新"), encoding="utf-8")
        publisher.publish()
        service.poke()
        assert wait_for(lambda: store.current_version("township") == 3)
    finally:
        assert service.stop(timeout=5)
    assert changed == [("township", 2), ("township", 3)]
    saved = read_status(store.root)["township"]
    assert saved.version == 3 and saved.last_error is None and saved.failures == 0


def test_a_hanging_server_never_blocks_the_caller_or_the_stop(synced: Store, source: FeedSource,
                                                              server: FeedServer) -> None:
    before = tree(synced.current("township"))
    server.behaviours["/metadata/timestamp.json"] = hang
    service = SyncService([source], synced)
    started = time.monotonic()
    service.start()
    assert time.monotonic() - started < 0.1  # start returns at once: the frame loop goes on
    assert wait_for(lambda: service.status()["township"].failures >= 1, timeout=5)
    status = service.status()["township"]
    assert status.error_kind == "fetch" and "township" in (status.last_error or "")
    assert status.version == 2  # still playing the last good version
    assert service.stop(timeout=3)
    assert not [t for t in threading.enumerate() if t.name == "kiosk-sync"]
    assert tree(synced.current("township")) == before


def test_sync_all_reports_each_feed(tmp_path: Path, store: Store) -> None:
    good, empty = Publisher(tmp_path / "good"), Publisher(tmp_path / "empty")
    good.publish()
    sources = [FeedSource("township", good.feed.resolve().as_uri(), good.root_json),
               FeedSource("village", empty.feed.resolve().as_uri(), empty.root_json)]
    outcome = SyncService(sources, store).sync_all()
    assert outcome["township"].version == 2  # type: ignore[union-attr]
    assert "no content yet" in str(outcome["village"])
    saved = read_status(store.root)
    assert saved["village"].error_kind == "refused" and saved["township"].error_kind is None


def test_demo_is_built_once_and_reused(tmp_path: Path) -> None:
    content = make_content(tmp_path / "demo-content")
    cache = tmp_path / "cache"
    first = prepare_demo(content, cache)
    try:
        assert first.rebuilt and first.store.current("demo") is None
        assert first.sync().changed
        folder = first.store.current("demo")
        assert folder is not None and len(load_content(folder).items) == 2
    finally:
        first.stop()
    second = prepare_demo(content, cache)
    try:
        assert not second.rebuilt
        assert second.store.current("demo") == folder  # first frame needs no sync
        result = second.sync()
        assert not result.changed and result.requests == 1
    finally:
        second.stop()
    (content / "items/plan.md").write_text(item_text("plan", title="改了"), encoding="utf-8")
    third = prepare_demo(content, cache)
    try:
        assert third.rebuilt and third.sync().version == 3
    finally:
        third.stop()
