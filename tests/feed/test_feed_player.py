"""The player on signed feeds: it plays the verified version from the store, takes a new version at
a slide boundary, and keeps playing the last good one when a sync is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from feedkit import NOW, FeedServer, Publisher, item_text, make_content

from kiosk.config import ConfigError, load_config
from kiosk.feed.errors import FeedError
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed
from kiosk.player.runner import PlayOptions, Runner

AT = dt.datetime(2026, 11, 27, 10, 0)


def device_toml(tmp_path: Path, store: Store, source: FeedSource) -> Path:
    path = tmp_path / "device.toml"
    path.write_text(f'state_dir = "{store.root}"\n[ticker]\nenabled = false\n[transition]\nkind = "cut"\n'
                    f'[schedule]\nmin_duration = 8.0\nmax_duration = 8.0\nimage_duration = 8.0\n'
                    f'[[feed]]\nname = "{source.name}"\nurl = "{source.url}"\nroot = "{source.root_path}"\n',
                    encoding="utf-8")
    return path


def runner(config_path: Path) -> Runner:
    r = Runner(load_config(config_path), PlayOptions(headless=True, size=(1280, 720), start=AT))
    r.frame()
    return r


def run_seconds(r: Runner, seconds: float) -> set[str]:
    shown = set()
    for _ in range(int(seconds * r.fps)):
        r.wait(None)
        r.frame()
        if r.stage.lobby.showing is not None:
            shown.add(r.stage.lobby.showing.slot.item.key)
    return shown


def test_plays_verified_version_labelled_by_feed(tmp_path: Path, synced: Store, source: FeedSource) -> None:
    r = runner(device_toml(tmp_path, synced, source))
    try:
        assert [(c.feed, c.version) for c in r.stage.programme.contents] == [("township", "2")]
        assert run_seconds(r, 40) == {"township/dues", "township/plan"}
        assert "township: 版本 2 2条" in r.stage.status_lines()[0]
    finally:
        r.close()


def test_new_version_taken_at_slide_boundary(tmp_path: Path, synced: Store, source: FeedSource,
                                             publisher: Publisher) -> None:
    r = runner(device_toml(tmp_path, synced, source))
    try:
        first = r.stage.lobby.showing
        make_content(publisher.content, items={"plan": item_text("plan"), "new": item_text("new", title="新通知")})
        publisher.publish(NOW + dt.timedelta(minutes=1))
        sync_feed(source, synced)
        run_seconds(r, 1)
        assert r.stage.lobby.showing is first  # the slide on screen is not cut
        shown = run_seconds(r, 40)
        assert r.stage.programme.contents[0].version == "3"
        assert "township/new" in shown
    finally:
        r.close()


def test_refused_sync_keeps_last_good(tmp_path: Path, synced: Store, source: FeedSource,
                                      publisher: Publisher, server: FeedServer) -> None:
    r = runner(device_toml(tmp_path, synced, source))
    try:
        make_content(publisher.content, items={"evil": item_text("evil")})
        publisher.publish(NOW + dt.timedelta(minutes=1))
        manifest = next(p for p in (publisher.feed / "targets").rglob("*.json") if b"evil" in p.read_bytes())
        manifest.write_bytes(manifest.read_bytes().replace(b"evil", b"EVIL"))
        with pytest.raises(FeedError):
            sync_feed(source, synced)
        shown = run_seconds(r, 20)
        assert r.stage.programme.contents[0].version == "2"
        assert "township/evil" not in shown and shown
    finally:
        r.close()


def test_feed_config_errors_name_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "d.toml"
    bad.write_text('[[feed]]\nname = "a"\nurl = "https://x.org/"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feed 1.root: required"):
        load_config(bad)
    bad.write_text('[[feed]]\nname = "a"\nurl = "https://x.org/"\nroot = "r.json"\npoll = 5\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feed 1.poll: unknown setting"):
        load_config(bad)
    bad.write_text('[[feed]]\nname = "a"\nurl = "https://x.org/"\nroot = "r.json"\n'
                   '[[feed]]\nname = "a"\nurl = "https://y.org/"\nroot = "s.json"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="two feeds share a name"):
        load_config(bad)
