"""The USB importer wired into the running app: config [usb] roots, overlay over the slide, new
version on screen at a slide boundary."""

from __future__ import annotations

import time
from pathlib import Path

from feedkit import Publisher, item_text
from usbkit import make_stick

from kiosk.config import load_config
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed
from kiosk.player.runner import PlayOptions, Runner


def test_stick_inserted_while_the_app_runs(tmp_path: Path, office: Publisher) -> None:
    state, media = tmp_path / "state", tmp_path / "media"
    media.mkdir()
    device = tmp_path / "device.toml"
    device.write_text(
        f'state_dir = "{state}"\n[ticker]\nenabled = false\n[transition]\nkind = "cut"\n'
        f'[schedule]\nmin_duration = 8.0\nmax_duration = 8.0\nimage_duration = 8.0\n'
        f'[usb]\nmount_roots = ["{media}"]\nrescan_s = 0.5\nmessage_s = 1.0\n'
        f'[[feed]]\nname = "township"\nurl = "http://127.0.0.1:9/"\nroot = "{office.root_json}"\n'
        f'connect_timeout = 0.5\n', encoding="utf-8")
    store = Store(state)
    sync_feed(FeedSource("township", office.feed.as_uri() + "/", office.root_json), store)  # version 2
    (office.content / "items" / "extra.md").write_text(item_text("extra", title="新增公示"), encoding="utf-8")
    office.publish()
    stick = make_stick(office, tmp_path / "sticks" / "v3")
    runner = Runner(load_config(device), PlayOptions(windowed=True, size=(960, 540)))
    try:
        runner.frame()
        assert runner.stage.programme.contents[0].version == "2"
        stick.rename(media / "KIOSK")  # the technician plugs the stick in (the network is down)
        saw_panel = False
        deadline = time.monotonic() + 60
        # run until the panel has been drawn and version 3 plays (the import may finish within a frame)
        while not (saw_panel and runner.stage.programme.contents[0].version == "3") and time.monotonic() < deadline:
            runner.frame()
            saw_panel |= runner.stage.usb.view is not None
            time.sleep(0.01)
            if store.current_version("township") == 3 and runner.stage.programme.contents[0].version != "3":
                runner.stage.lobby.advance(runner.stage.lobby.now, runner.stage.lobby.mono)  # a slide boundary
        assert saw_panel
        assert runner.stage.programme.contents[0].version == "3"
        assert {it.id for it in runner.stage.programme.contents[0].items} >= {"extra"}
    finally:
        runner.close()
