"""``kiosk demo`` runs the whole chain: sign the demo content into a feed, serve it on 127.0.0.1,
sync it into a store and play the verified version; a second start reuses all of it."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

from kiosk.config import load_config
from kiosk.feed.store import Store
from kiosk.player.runner import PlayOptions, Runner


def demo_runner(state: Path, headless: bool) -> Runner:
    cfg = load_config()
    cfg = dataclasses.replace(cfg, state_dir=str(state))
    return Runner(cfg, PlayOptions(demo=True, headless=headless, windowed=not headless, size=(960, 540)))


def test_demo_signs_serves_syncs_and_reuses(tmp_path: Path, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.INFO, logger="kiosk")
    store = Store(tmp_path / "demo-cache" / "state")
    r = demo_runner(tmp_path, headless=False)
    try:
        r.frame()  # the first frame does not wait for the chain: the demo folder plays meanwhile
        assert r.stage.programme.contents and r.stage.programme.contents[0].version is None
        deadline = time.monotonic() + 30
        while store.current_version("demo") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.current_version("demo") == 2
        r.stage.lobby.poll_content()  # at a slide boundary: the new version is loaded off the frame loop…
        assert r.stage.programme.source.wait_loaded()
        r.stage.lobby.poll_content()  # …and taken at the next boundary
        assert r.stage.programme.contents[0].version == "2"
        assert len(r.stage.programme.contents[0].items) >= 24
    finally:
        r.close()
    caplog.clear()
    r = demo_runner(tmp_path, headless=False)
    try:
        r.frame()
        assert r.stage.programme.contents[0].version == "2"  # straight from the store: no rebuild, no wait
        deadline = time.monotonic() + 30
        while "reused" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "(reused)" in caplog.text
    finally:
        r.close()
