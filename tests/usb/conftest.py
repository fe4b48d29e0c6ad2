from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "feed"))  # feedkit: publishers, servers

from feedkit import Publisher  # noqa: E402
from usbkit import Screen, make_stick, source_for, start_screen  # noqa: E402

from kiosk.feed.store import Store  # noqa: E402


@pytest.fixture
def office(tmp_path: Path) -> Publisher:
    """Our township office: a feed with version 2 published."""
    pub = Publisher(tmp_path / "office")
    pub.publish()
    return pub


@pytest.fixture
def other_office(tmp_path: Path) -> Publisher:
    """Another issuer with its own keys (a village committee elsewhere)."""
    pub = Publisher(tmp_path / "other-office")
    pub.publish()
    return pub


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "screen-state")


@pytest.fixture
def stick(office: Publisher, tmp_path: Path) -> Path:
    """A stick (not yet inserted) with the office's version 2."""
    return make_stick(office, tmp_path / "sticks" / "v2")


@pytest.fixture
def screen(tmp_path: Path, store: Store, office: Publisher) -> Iterator[Screen]:
    """A screen following the office's feed, watching a temporary mount root (rescan every 2 s)."""
    scr = start_screen(tmp_path / "media", store, [source_for(office)])
    yield scr
    assert scr.service.stop(5.0)
