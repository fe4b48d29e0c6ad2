"""A content folder on a running screen: changes noticed through file events (the folder is not
listed at every slide boundary) and loaded off the frame loop; an unwatchable folder is listed
now and then only.  No timing: the tests wait on the watch and the loader themselves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kiosk.player.sources as sources
from kiosk.config import DEMO_CONTENT
from kiosk.player.sources import FolderSource


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEMO_CONTENT, tmp_path / "content"))


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    real = sources.folder_fingerprint

    def counting(root: Path) -> tuple[tuple[str, int, int], ...]:
        seen.append(root)
        return real(root)

    monkeypatch.setattr(sources, "folder_fingerprint", counting)
    return seen


def edit(folder: Path, title: str) -> None:
    item = folder / "items" / "02-decisions-committee-meeting.md"
    text = item.read_text(encoding="utf-8")
    start = text.index('title = "') + len('title = "')
    item.write_text(text[:start] + title + text[text.index('"', start):], encoding="utf-8")


def titles(loaded: sources.Loaded | None) -> set[str]:
    assert loaded is not None
    return {it.title for c in loaded.contents for it in c.items}


def test_a_watched_folder_is_listed_only_after_a_change(folder: Path, listings: list[Path]) -> None:
    source = FolderSource([("local", folder)], watch=True)
    try:
        assert source.poll() is not None
        first = len(listings)
        for _ in range(50):  # fifty slide boundaries, nothing changed: the folder is never listed
            assert source.poll() is None
        assert len(listings) == first
        edit(folder, "改过的标题")
        assert source._watches is not None and source._watches[0].wait(10)
        assert "改过的标题" in titles(source.poll())
    finally:
        source.close()


def test_background_loading_hands_over_at_a_later_poll(folder: Path) -> None:
    source = FolderSource([("local", folder)], background=True)
    assert source.poll() is not None  # the first load is done at once: nothing is on screen yet
    edit(folder, "后台载入的标题")
    assert source.poll() is None  # the boundary does not wait for the load
    assert source.wait_loaded()
    assert "后台载入的标题" in titles(source.poll())
    assert source.poll() is None


def test_a_broken_edit_loaded_behind_keeps_the_last_good_content(folder: Path) -> None:
    source = FolderSource([("local", folder)], background=True)
    good = titles(source.poll())
    (folder / "content.toml").write_text("name = [", encoding="utf-8")
    assert source.poll() is None
    assert source.wait_loaded()
    loaded = source.poll()
    assert titles(loaded) == good and loaded is not None and loaded.errors


def test_an_unwatchable_folder_is_listed_every_rescan_s(folder: Path, listings: list[Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FolderSource, "_watch", staticmethod(lambda folders: None))
    clock = [100.0]
    source = FolderSource([("local", folder)], watch=True, rescan_s=30.0, monotonic=lambda: clock[0])
    assert source.poll() is not None
    first = len(listings)
    edit(folder, "网络盘上的标题")
    clock[0] += 10
    assert source.poll() is None and len(listings) == first  # not yet: listed every 30 s at most
    clock[0] += 25
    assert "网络盘上的标题" in titles(source.poll())
