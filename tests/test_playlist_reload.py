"""Technicians edit playlists on the device: valid edits apply at the next slide boundary, invalid
ones are reported (file, line, reason) and the previous playlist keeps running."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pygame
from stagekit import Rig

from kiosk.config import DEMO_CONTENT, load_config
from kiosk.device.watch import FolderWatch
from kiosk.render.fonts import FontSet
from kiosk.schedule.book import PlaylistBook

ONLY_SERVICE = '[playlist]\nname = "lobby"\n\n[[entry]]\ncategory = "service"\n'
ONLY_INTEGRITY = '[playlist]\nname = "lobby"\n\n[[entry]]\ncategory = "integrity"\n'
BROKEN = '[playlist]\nname = "lobby"\n\n[[entry]]\ncatgory = "integrity"\n'
AT = dt.datetime(2026, 11, 27, 10, 0)


def test_invalid_edit_keeps_previous_version(tmp_path: Path) -> None:
    (tmp_path / "lobby.toml").write_text(ONLY_SERVICE, encoding="utf-8")
    book = PlaylistBook(tmp_path)
    assert [e.category for e in book.reload()[0].entries] == ["service"]
    (tmp_path / "lobby.toml").write_text(BROKEN, encoding="utf-8")
    kept = book.reload()
    assert [e.category for e in kept[0].entries] == ["service"]
    assert "lobby.toml" in book.errors[0] and "catgory" in book.errors[0]
    assert "previous version stays in use" in book.errors[0]
    (tmp_path / "new.toml").write_text("[playlist\n", encoding="utf-8")
    book.reload()
    assert any("new.toml: invalid TOML" in e and "line 1" in e and "file skipped" in e for e in book.errors)


def test_folder_watch_sees_an_edit(tmp_path: Path) -> None:
    watch = FolderWatch(tmp_path)
    assert watch.start()
    try:
        assert not watch.take()
        (tmp_path / "lobby.toml").write_text(ONLY_SERVICE, encoding="utf-8")
        assert watch.wait(5), "no change noticed"
        assert watch.take() and not watch.take()  # once per burst
    finally:
        watch.stop()


def test_player_applies_edits_at_slide_boundary(tmp_path: Path) -> None:
    playlists = tmp_path / "playlists"
    playlists.mkdir()
    (playlists / "lobby.toml").write_text(ONLY_SERVICE, encoding="utf-8")
    cfg = load_config()
    cfg = dataclasses.replace(cfg, content=dataclasses.replace(cfg.content, playlists=str(playlists),
                                                                playlist_source="device"))
    pygame.display.init()
    watch = FolderWatch(playlists)
    assert watch.start()
    rig = Rig(FontSet.default(), DEMO_CONTENT, (1280, 720), cfg, watch=watch)
    try:
        t = 0.0

        def categories(seconds: float) -> set[str]:
            nonlocal t
            seen = set()
            end = t + seconds
            while t < end:
                rig.frame(AT + dt.timedelta(seconds=t), t, 0.5)
                showing = rig.lobby.showing
                if showing is not None and not showing.slot.item.urgent:
                    seen.add(showing.slot.item.category)
                t += 0.5
            return seen

        rig.start(AT)
        assert categories(600) == {"service"}
        (playlists / "lobby.toml").write_text(BROKEN, encoding="utf-8")
        assert watch.wait(5)
        assert categories(300) == {"service"}  # the broken edit changes nothing on screen
        assert any("catgory" in e for e in rig.programme.errors)
        assert any("catgory" in line for line in rig.stage.status_lines())
        (playlists / "lobby.toml").write_text(ONLY_INTEGRITY, encoding="utf-8")
        assert watch.wait(5)
        assert "integrity" in categories(600)
        assert not any("catgory" in e for e in rig.programme.errors)
    finally:
        rig.stage.close()
