from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from feedkit import NOW, FeedServer, Publisher, item_text, make_content, random_image, tree

from kiosk.content.loader import load_content
from kiosk.feed.errors import FeedClockError, FeedInvalidError
from kiosk.feed.fetchers import DirectoryFetcher
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed
from kiosk.feed.verify import verify_feed


class FixedClock:
    def __init__(self, when: dt.datetime) -> None:
        self.when = when

    def now(self) -> dt.datetime:
        return self.when


def test_publish_then_sync_gives_a_loadable_content_folder(source: FeedSource, store: Store,
                                                           publisher: Publisher) -> None:
    assert store.current("township") is None
    result = sync_feed(source, store)
    assert result.changed and result.version == 2
    folder = store.current("township")
    assert folder is not None and store.current_version("township") == 2
    content = load_content(folder, feed="township")
    assert content.errors == ()
    assert {i.id for i in content.items} == {"dues", "plan"}
    assert all(i.feed == "township" for i in content.items)
    assert content.publisher.name == "中共青禾镇委员会"
    dues = content.item("dues")
    assert dues is not None and dues.images[0].read_bytes() == (publisher.content / "images/meeting.jpg").read_bytes()
    for rel in ("content.toml", "catalogue.toml", "items/dues.md", "images/logo.png"):
        assert (folder / rel).read_bytes() == (publisher.content / rel).read_bytes()


def test_unchanged_feed_costs_one_small_request(synced: Store, source: FeedSource, server: FeedServer) -> None:
    before = tree(synced.current("township"))
    result = sync_feed(source, synced)
    assert not result.changed and result.version == 2
    assert server.requests == ["/metadata/timestamp.json"]
    assert result.requests == 1 and result.bytes < 1500
    assert tree(synced.current("township")) == before


def test_only_the_changed_image_is_downloaded(synced: Store, source: FeedSource, server: FeedServer,
                                              publisher: Publisher) -> None:
    (publisher.content / "images/meeting.jpg").write_bytes(random_image("meeting-v2", 3100))
    (publisher.content / "items/plan.md").write_text(item_text("plan", title="修订后的计划"), encoding="utf-8")
    changes = publisher.publish().changes
    assert changes.changed == ("images/meeting.jpg", "items/plan.md")
    result = sync_feed(source, synced)
    assert result.changed and result.version == 3
    assert (result.images_downloaded, result.images_reused) == (1, 1)
    image_requests = [r for r in server.requests if r.startswith("/targets/images/")]
    assert len(image_requests) == 1
    content = load_content(synced.current("township"), feed="township")  # type: ignore[arg-type]
    assert content.item("plan").title == "修订后的计划"  # type: ignore[union-attr]


def test_previous_version_is_kept_and_the_rest_collected(synced: Store, source: FeedSource,
                                                         publisher: Publisher) -> None:
    for n in range(3):
        make_content(publisher.content, images={"images/meeting.jpg": random_image(f"m{n}", 2000),
                                                "images/logo.png": random_image("logo", 900)})
        publisher.publish()
        sync_feed(source, synced)
    versions = sorted(p.name for p in (synced.root / "feeds/township/versions").iterdir())
    assert versions == ["4", "5"]
    pointer = json.loads((synced.root / "feeds/township/current").read_text())
    assert pointer["version"] == 5 and pointer["previous"] == 4
    objects = {p.name for p in synced.objects.iterdir()}
    needed = set()
    for v in versions:
        needed |= {r["sha256"] for r in json.loads(
            (synced.root / f"feeds/township/versions/{v}/.bundle.json").read_text())["images"].values()}
    assert objects == needed


def test_republish_without_changes_keeps_the_same_folder(synced: Store, source: FeedSource,
                                                         publisher: Publisher) -> None:
    folder = synced.current("township")
    result = publisher.publish(now=NOW + dt.timedelta(minutes=5))
    assert result.changes.empty
    outcome = sync_feed(source, synced)
    assert not outcome.changed and synced.current("township") == folder


def test_device_clock_before_signed_time_is_reported_and_content_kept(synced: Store, source: FeedSource) -> None:
    before = tree(synced.current("township"))
    with pytest.raises(FeedClockError, match="device clock"):
        sync_feed(source, synced, clock=FixedClock(NOW - dt.timedelta(days=400)))
    assert tree(synced.current("township")) == before


def test_content_signed_in_the_future_is_a_clock_error(source: FeedSource, store: Store,
                                                       publisher: Publisher) -> None:
    (publisher.content / "items/plan.md").write_text(item_text("plan", title="明天的通知"), encoding="utf-8")
    publisher.publish(now=NOW + dt.timedelta(days=2))
    with pytest.raises(FeedClockError):
        sync_feed(source, store, clock=FixedClock(NOW))
    assert store.current("township") is None


def test_directory_fetcher_syncs_a_usb_tree(publisher: Publisher, store: Store) -> None:
    source = FeedSource(name="usb", url=publisher.feed.resolve().as_uri(), root_path=publisher.root_json)
    result = sync_feed(source, store, DirectoryFetcher(publisher.feed))
    assert result.changed
    assert tree(store.current("usb"))["items/plan.md"] == (publisher.content / "items/plan.md").read_bytes()


def test_two_feeds_share_objects_but_not_trust(tmp_path: Path, store: Store) -> None:
    a, b = Publisher(tmp_path / "a"), Publisher(tmp_path / "b")
    a.publish()
    b.publish()
    src_a = FeedSource("township", a.feed.resolve().as_uri(), a.root_json)
    src_b = FeedSource("village", b.feed.resolve().as_uri(), b.root_json)
    sync_feed(src_a, store)
    assert sync_feed(src_b, store).images_reused == 2  # same images: stored once
    assert store.feeds() == ["township", "village"]
    wrong = FeedSource("village", b.feed.resolve().as_uri(), a.root_json)  # village feed, township root
    with pytest.raises(Exception, match="village"):
        sync_feed(wrong, Store(tmp_path / "other"))


def test_empty_feed_says_publish_first(tmp_path: Path, store: Store) -> None:
    pub = Publisher(tmp_path / "new")  # initialised, nothing published
    source = FeedSource("township", pub.feed.resolve().as_uri(), pub.root_json)
    with pytest.raises(FeedInvalidError, match="publish"):
        sync_feed(source, store)


def test_verify_reports_the_feed(publisher: Publisher) -> None:
    report = verify_feed(publisher.feed, publisher.root_json)
    assert report.version == 2 and report.items == 2 and report.images == 2
    assert "OK: version 2" in report.lines()[0]
