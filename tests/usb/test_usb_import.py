"""Sticks imported end to end through real watchdog observers: accepted, up to date, rollback, shared cache."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from feedkit import FeedServer, Publisher, item_text, tree
from usbkit import Screen, make_stick, source_for, start_screen, state_tree

from kiosk.feed.errors import FeedRollbackError
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed
from kiosk.usb.events import Outcome, StickDetected, StickDone, StickProgress, StickRemoved, StickResult
from kiosk.usb.importer import UsbImporter
from kiosk.usb.panel import UsbPanel


def publish_change(pub: Publisher, tag: str) -> None:
    (pub.content / "items" / f"{tag}.md").write_text(item_text(tag, title=f"新增 {tag}"), encoding="utf-8")
    pub.publish()


def test_stick_imported_end_to_end(screen: Screen, stick: Path, store: Store, office: Publisher) -> None:
    started = time.monotonic()
    screen.insert(stick)
    [result] = screen.wait_done()
    assert time.monotonic() - started < 5  # watchdog noticed it; no waiting for a rescan
    assert result.outcome is Outcome.ACCEPTED
    assert (result.feed, result.version_before, result.version_after, result.items) == ("township", None, 2, 2)
    assert result.message == "更新成功：版本 2，共 2 条公开内容"
    assert store.current_version("township") == 2
    assert tree(store.current("township") / "items") == tree(office.content / "items")
    kinds = [type(e) for e in screen.events]
    assert kinds[0] is StickDetected and kinds[-2:] == [StickResult, StickDone]
    percents = [e.percent for e in screen.events if isinstance(e, StickProgress)]
    assert percents[0] == 0 and percents[-1] == 100 and percents == sorted(percents)


def test_overlay_state_follows_the_events(screen: Screen, stick: Path) -> None:
    screen.insert(stick)
    screen.wait_done()
    panel = UsbPanel(linger=20.0)
    seen = []
    for event in screen.events:
        panel = panel.apply(event, mono=100.0)
        seen.append(panel.view(100.0).message)
    assert seen[0] == "检测到U盘…"
    assert "正在校验 0%" in seen
    assert seen[-1] == "更新成功：版本 2，共 2 条公开内容"
    assert panel.view(100.0).detail == "可以拔出U盘"
    assert panel.view(119.9) is not None and panel.view(120.0) is None


def test_same_stick_twice_is_already_up_to_date(screen: Screen, stick: Path, store: Store, tmp_path: Path) -> None:
    spare = tmp_path / "spare"
    shutil.copytree(stick, spare)
    volume = screen.insert(stick)
    assert screen.wait_done()[0].outcome is Outcome.ACCEPTED
    before = state_tree(store.root)
    screen.remove(volume)
    screen.wait_for(lambda events: any(isinstance(e, StickRemoved) for e in events), timeout=5)
    screen.insert(spare)
    [again] = screen.wait_done(2)
    assert again.outcome is Outcome.UP_TO_DATE and again.message == "已是最新版本"
    assert (again.version_before, again.version_after) == (2, 2)
    assert state_tree(store.root) == before


def test_stick_older_than_the_network_is_a_rollback(screen: Screen, stick: Path, store: Store,
                                                     office: Publisher) -> None:
    publish_change(office, "v3")
    with FeedServer(office.feed) as server:
        sync_feed(office.source(server.url), store)
    assert store.current_version("township") == 3
    before = state_tree(store.root)
    screen.insert(stick)  # still version 2
    [result] = screen.wait_done()
    assert result.outcome is Outcome.ROLLBACK
    assert result.message == "未更新：内容比当前旧"
    assert (result.version_before, result.version_after) == (3, 3)
    assert state_tree(store.root) == before  # metadata cache included


def test_older_signature_of_the_same_content_is_up_to_date(screen: Screen, stick: Path, store: Store,
                                                           office: Publisher) -> None:
    office.publish()  # re-sign only (renewed expiry): version 3, same manifest
    with FeedServer(office.feed) as server:
        sync_feed(office.source(server.url), store)
    before = state_tree(store.root)
    screen.insert(stick)
    [result] = screen.wait_done()
    assert result.outcome is Outcome.UP_TO_DATE
    assert state_tree(store.root) == before


def test_newer_stick_accepted_with_the_network_down_and_cache_shared(screen: Screen, store: Store,
                                                                     office: Publisher, tmp_path: Path) -> None:
    old_feed = tmp_path / "feed-v2"
    shutil.copytree(office.feed, old_feed)
    with FeedServer(office.feed) as server:
        url = server.url
        sync_feed(office.source(url), store)
    # the server is gone now (network down); the office publishes version 3 onto a stick
    publish_change(office, "v3")
    screen.insert(make_stick(office, tmp_path / "sticks" / "v3"))
    [result] = screen.wait_done()
    assert result.outcome is Outcome.ACCEPTED and (result.version_before, result.version_after) == (2, 3)
    assert result.items == 3
    with FeedServer(old_feed) as stale:  # the network comes back, still serving version 2
        with pytest.raises(FeedRollbackError):
            sync_feed(office.source(stale.url), store)
    assert store.current_version("township") == 3


def test_stick_matched_to_the_right_feed_among_several(tmp_path: Path, store: Store, office: Publisher,
                                                       other_office: Publisher) -> None:
    sources = [source_for(office, "township"), source_for(other_office, "village")]
    screen = start_screen(tmp_path / "media", store, sources)
    try:
        screen.insert(make_stick(other_office, tmp_path / "sticks" / "village"))
        [result] = screen.wait_done()
    finally:
        screen.service.stop()
    assert (result.feed, result.outcome) == ("village", Outcome.ACCEPTED)
    assert store.current_version("village") == 2 and store.current_version("township") is None


def test_report_written_on_the_stick(screen: Screen, stick: Path) -> None:
    volume = screen.insert(stick, "技术员 U盘")  # a volume label with Chinese and a space
    screen.wait_done()
    report = screen.done_event().report
    assert report is not None and report.parent == volume / "kiosk-feed-report"
    assert re.fullmatch(r"0007-\d{8}T\d{6}Z\.json", report.name)  # FAT-safe: ASCII letters, digits, - and _
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert doc["device"] == "青禾镇-0007" and doc["site"] == "柳溪村" and doc["time"].endswith("Z")
    [entry] = doc["results"]
    assert entry == {**entry, "feed": "township", "accepted": True, "outcome": "accepted",
                     "version_before": None, "version_after": 2, "items": 2,
                     "message": "更新成功：版本 2，共 2 条公开内容"}


def test_import_waits_for_a_network_sync_holding_the_store(screen: Screen, stick: Path, store: Store) -> None:
    held, released = threading.Event(), threading.Event()

    def hold() -> None:
        with Store(store.root).lock("township"):  # as the network sync does, with its own Store
            held.set()
            released.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    screen.insert(stick)
    assert store.contended.wait(10)  # the import reached the store and found it busy
    assert not any(isinstance(e, StickResult) for e in screen.collect())  # waiting, not failing
    released.set()
    holder.join()
    assert screen.wait_done()[0].outcome is Outcome.ACCEPTED


def test_store_busy_too_long(stick: Path, store: Store, office: Publisher) -> None:
    importer = UsbImporter([source_for(office)], store, device_id="t", lock_wait=0.3, write_reports=False)
    with store.lock("township"):
        [result] = importer.import_volume(stick)
    assert result.outcome is Outcome.BUSY and result.message == "未更新：设备正在联网更新，请稍后重新插入U盘"
    assert store.current_version("township") is None
    assert importer.import_volume(stick)[0].outcome is Outcome.ACCEPTED


def test_import_does_not_wait_behind_a_network_sync_stuck_on_a_slow_server(stick: Path, store: Store,
                                                                           office: Publisher) -> None:
    """A server sending its headers one byte a second held the store lock for ever: the stick was "busy"."""
    from hostile import HostileServer, headers_one_byte_a_time

    from kiosk.feed.errors import FeedFetchError

    failures: list[Exception] = []

    def network_sync(url: str) -> None:
        try:
            sync_feed(office.source(url, read_timeout=30.0, transfer_timeout=600.0), store)
        except Exception as e:  # noqa: BLE001 - the test looks at it
            failures.append(e)

    with HostileServer(headers_one_byte_a_time) as slow:
        thread = threading.Thread(target=network_sync, args=(slow.url,))
        thread.start()
        deadline = time.monotonic() + 10
        while slow.connections == 0:  # the sync holds the store and is stuck in the headers
            assert time.monotonic() < deadline
            time.sleep(0.02)
        importer = UsbImporter([source_for(office)], store, device_id="t", lock_wait=5.0, write_reports=False)
        started = time.monotonic()
        [result] = importer.import_volume(stick)
        took = time.monotonic() - started
        thread.join(10)
    assert result.outcome is Outcome.ACCEPTED, result.detail
    assert took < 4, f"the import waited {took:.1f} s for the network sync"
    assert store.current_version("township") == 2
    assert len(failures) == 1 and isinstance(failures[0], FeedFetchError)
    assert "a USB stick is being imported" in str(failures[0])
