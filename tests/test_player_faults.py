"""Faults found in review, each pinned: the screen must pick up content, keep the last good one,
and never record what it did not show."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pygame
from stagekit import Rig

from kiosk.config import DEMO_CONTENT, load_config
from kiosk.content import load_content
from kiosk.player.sources import FolderSource, StoreSource
from kiosk.render.fonts import FontSet
from kiosk.schedule import parse_windows

AT = dt.datetime(2026, 11, 27, 10, 0)


class Calls:
    """A recorder that remembers what it was told."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str):  # noqa: ANN204
        return lambda *a, **k: self.calls.append(name)


def rig_for(source: FolderSource, recorder: Calls | None = None, **config_changes: object) -> Rig:
    pygame.display.init()
    cfg = dataclasses.replace(load_config(), **config_changes)
    return Rig(FontSet.default(), source, (960, 540), cfg, recorder=recorder)


def run(rig: Rig, start: dt.datetime, seconds: float, t0: float = 0.0) -> None:
    for i in range(int(seconds * 2)):
        t = t0 + i / 2
        rig.frame(start + dt.timedelta(seconds=t), t, 0.5)


def test_idle_screen_picks_up_content_that_arrives(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    shutil.copytree(DEMO_CONTENT, folder)
    items = sorted((folder / "items").glob("*.md"))
    keep = tmp_path / "later"
    keep.mkdir()
    for f in items:
        f.rename(keep / f.name)
    rig = rig_for(FolderSource([("local", folder)]))
    rig.start(AT)
    run(rig, AT, 3)
    assert rig.lobby.showing is None
    (keep / items[2].name).rename(folder / "items" / items[2].name)  # the first sync lands
    run(rig, AT, 5, t0=3)
    assert rig.lobby.showing is not None


def test_forever_window_and_oversized_feedback_url(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    shutil.copytree(DEMO_CONTENT, folder)
    first = sorted((folder / "items").glob("*.md"))[0]
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("+++\n", "+++\nshow_until = 9999-12-31\n", 1), encoding="utf-8")
    second = sorted((folder / "items").glob("*.md"))[1]
    long_url = "https://x.org/?" + "a" * 400 + "&i={item}"
    second.write_text(second.read_text(encoding="utf-8").replace("+++\n", f'+++\nfeedback_url = "{long_url}"\n',
                                                                  1), encoding="utf-8")
    content = load_content(folder)
    assert any(it.show_until == dt.datetime.max for it in content.items)
    assert any("feedback_url" in e and "too long for a QR code" in e for e in content.errors)
    rig = rig_for(FolderSource([("local", folder)]))
    rig.start(AT)
    assert rig.lobby.showing is not None


def test_store_read_failure_keeps_the_feed(tmp_path: Path) -> None:
    folder = tmp_path / "versions" / "7"
    shutil.copytree(DEMO_CONTENT, folder)
    answers = iter([folder, None, folder])
    source = StoreSource(["township"], lambda name: next(answers, folder))
    first = source.poll()
    assert first is not None and first.contents[0].version == "7"
    assert source.poll() is None  # the failed read changes nothing: same folder, no reload


def test_start_in_off_hours_records_screen_off() -> None:
    hours = parse_windows([{"days": "daily", "from": "07:30", "until": "19:00"}], "hours")
    cfg = load_config()
    rec = Calls()
    rig = rig_for(FolderSource([("local", DEMO_CONTENT)]), rec, display=dataclasses.replace(cfg.display, hours=hours))
    rig.start(dt.datetime(2026, 11, 27, 23, 0))
    assert "begin" not in rec.calls and rec.calls[-1] == "screen_off"


def test_urgent_interruption_keeps_the_slot_decided_ahead() -> None:
    rig = rig_for(FolderSource([("local", DEMO_CONTENT)]))
    rig.start(AT)
    run(rig, AT, 60)
    upcoming = rig.lobby.upcoming
    assert upcoming is not None
    urgent = next(s for s in [rig.lobby.scheduler.next_slot(AT)] if s is not None)
    rig.lobby._begin(urgent, AT, 60.0)
    assert rig.lobby.upcoming is upcoming
