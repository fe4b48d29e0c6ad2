"""The watcher: real watchdog observers on temporary mount roots, the periodic rescan, real mounts."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from usbkit import Screen, state_tree, unmount

from kiosk.feed.store import Store
from kiosk.usb import watcher as watcher_module
from kiosk.usb.events import Outcome
from kiosk.usb.watcher import UsbWatcher, scan_roots


class Seen:
    def __init__(self) -> None:
        self.inserted: list[Path] = []
        self.removed: list[Path] = []
        self.changed = threading.Event()

    def insert(self, volume: Path) -> None:
        self.inserted.append(volume)
        self.changed.set()

    def remove(self, volume: Path) -> None:
        self.removed.append(volume)
        self.changed.set()

    def wait(self, what: list[Path], count: int, timeout: float) -> float:
        started = time.monotonic()
        while len(what) < count:
            assert time.monotonic() - started < timeout, f"nothing seen within {timeout}s"
            self.changed.wait(0.01)
            self.changed.clear()
        return time.monotonic() - started


@contextlib.contextmanager
def watching(roots: list[Path], **options: object) -> Iterator[tuple[UsbWatcher, Seen]]:
    seen = Seen()
    watcher = UsbWatcher(roots, seen.insert, seen.remove, **options)  # type: ignore[arg-type]
    watcher.start()
    try:
        yield watcher, seen
    finally:
        assert watcher.stop(5.0)


def fake_stick(where: Path) -> Path:
    (where / "kiosk-feed" / "metadata").mkdir(parents=True)
    return where


def test_watchdog_notices_a_stick_at_once(tmp_path: Path) -> None:
    root = tmp_path / "media"
    root.mkdir()
    with watching([root], rescan_s=60.0) as (watcher, seen):
        assert watcher.wait_for_scans(1, 5.0)  # the root is watched from its first scan on
        os.rename(fake_stick(tmp_path / "stage"), root / "STICK")
        assert seen.wait(seen.inserted, 1, timeout=2.0) < 1.0  # not the 60 s rescan
        unmount(root / "STICK", tmp_path)
        seen.wait(seen.removed, 1, timeout=2.0)
    assert seen.inserted == [root / "STICK"] and seen.removed == [root / "STICK"]


def test_periodic_rescan_without_any_event(tmp_path: Path) -> None:
    root = tmp_path / "mnt"
    root.mkdir()
    with watching([root], rescan_s=0.2, use_watchdog=False) as (_, seen):
        os.rename(fake_stick(tmp_path / "stage"), root / "usb")
        seen.wait(seen.inserted, 1, timeout=2.0)


def test_sticks_under_a_user_folder_and_roots_that_appear_later(tmp_path: Path) -> None:
    media, run_media = tmp_path / "media", tmp_path / "run-media"
    media.mkdir()
    with watching([media, run_media], rescan_s=0.3) as (watcher, seen):
        assert watcher.wait_for_scans(1, 5.0)
        scans = watcher.scans
        (media / "tech").mkdir()
        assert watcher.wait_for_scans(scans + 2, 5.0)  # a scan begun after the mkdir watches tech/ too
        os.rename(fake_stick(tmp_path / "a"), media / "tech" / "U盘")
        run_media.mkdir()
        (run_media / "kiosk").mkdir()
        os.rename(fake_stick(tmp_path / "b"), run_media / "kiosk" / "STICK")
        seen.wait(seen.inserted, 2, timeout=3.0)
    assert sorted(seen.inserted) == sorted([media / "tech" / "U盘", run_media / "kiosk" / "STICK"])


def test_stick_present_at_start(tmp_path: Path) -> None:
    root = tmp_path / "media"
    fake_stick(root / "STICK")
    with watching([root]) as (_, seen):
        seen.wait(seen.inserted, 1, timeout=2.0)
    with watching([root], import_present=False, rescan_s=0.05) as (watcher, seen):
        assert watcher.wait_for_scans(2, 5.0)
    assert seen.inserted == []


def test_same_folder_with_a_new_stick_between_two_scans(tmp_path: Path) -> None:
    root = tmp_path / "mnt"
    fake_stick(root / "usb")
    with watching([root], rescan_s=60.0, use_watchdog=False, settle_s=0.0) as (watcher, seen):
        seen.wait(seen.inserted, 1, timeout=2.0)
        assert watcher.wait_until_calm(5.0)  # settled: the watcher's own next scan is 60 s away
        before = os.stat(root / "usb" / "kiosk-feed").st_mtime_ns
        shutil.rmtree(root / "usb" / "kiosk-feed")
        fake_stick(root / "usb")
        os.utime(root / "usb" / "kiosk-feed", ns=(before + 10**9, before + 10**9))  # a later stick, surely
        watcher.scan_once()
        assert seen.inserted == [root / "usb"]  # changed: reported once it stays the same at the next scan
        watcher.scan_once()
    assert seen.inserted == [root / "usb", root / "usb"] and seen.removed == []


def scans_by_hand(root: Path) -> UsbWatcher:
    """A watcher whose scans the test makes (no thread); a stick settles at the next scan."""
    return UsbWatcher([root], lambda v: None, rescan_s=60.0, settle_s=0.0, use_watchdog=False)


def test_a_stick_deleted_file_by_file_is_not_imported_half_deleted(tmp_path: Path) -> None:
    """The CI flake of test_same_stick_twice_is_already_up_to_date: a scan between two deletions of
    a stick's files saw ``kiosk-feed/`` changed and imported what was left of it ("no readable
    root metadata").  A stick that changes is now reported only once it stops changing."""
    root = tmp_path / "media"
    volume = fake_stick(root / "STICK")
    (volume / "kiosk-feed" / "metadata" / "1.root.json").write_text("{}")
    (volume / "kiosk-feed" / "targets" / "images").mkdir(parents=True)
    seen = Seen()
    watcher = scans_by_hand(root)
    watcher.on_insert, watcher.on_remove = seen.insert, seen.remove
    watcher.scan_once()
    watcher.scan_once()
    assert seen.inserted == [volume]
    # what shutil.rmtree does, with a scan after each step
    (volume / "kiosk-feed" / "metadata" / "1.root.json").unlink()
    watcher.scan_once()
    (volume / "kiosk-feed" / "metadata").rmdir()
    watcher.scan_once()
    (volume / "kiosk-feed" / "targets" / "images").rmdir()
    watcher.scan_once()
    (volume / "kiosk-feed" / "targets").rmdir()
    watcher.scan_once()
    assert seen.inserted == [volume] and seen.removed == []
    (volume / "kiosk-feed").rmdir()
    watcher.scan_once()
    assert seen.inserted == [volume] and seen.removed == [volume]


def test_a_feed_copied_onto_a_mounted_stick_is_imported_once_complete(tmp_path: Path) -> None:
    root = tmp_path / "media"
    volume = root / "STICK"
    volume.mkdir(parents=True)
    seen = Seen()
    watcher = scans_by_hand(root)
    watcher.on_insert = seen.insert
    feed = volume / "kiosk-feed"
    steps = [
        lambda: (feed / "metadata").mkdir(parents=True),
        lambda: (feed / "metadata" / "1.root.json").write_text("{}"),
        lambda: (feed / "metadata" / "timestamp.json").write_text("{}"),
        lambda: (feed / "targets").mkdir(),
        lambda: (feed / "targets" / "a.bundle.json").write_text("{}"),
        lambda: (feed / "targets" / "images").mkdir(),
        lambda: (feed / "targets" / "images" / "b.jpg").write_bytes(b"x"),
    ]
    for n, step in enumerate(steps):
        step()
        for path in [feed, *(feed / sub for sub in watcher_module.SETTLE_DIRS)]:
            if path.exists():  # every step shows, even where mtimes are coarse
                os.utime(path, ns=(n * 10**9, n * 10**9))
        watcher.scan_once()
        assert seen.inserted == [], f"read while copying, after step {n}"
    watcher.scan_once()
    assert seen.inserted == [volume]
    watcher.scan_once()
    assert seen.inserted == [volume]


def test_a_root_that_is_itself_the_stick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fake_stick(tmp_path / "usb")
    (root / "照片").mkdir()
    monkeypatch.setattr(watcher_module, "_subdirs", lambda *a: pytest.fail("a stick was listed"))
    assert list(scan_roots([root]).volumes) == [root]


def test_symlinked_feed_folder_is_not_a_stick(tmp_path: Path) -> None:
    root = tmp_path / "media"
    (root / "STICK").mkdir(parents=True)
    (root / "STICK" / "kiosk-feed").symlink_to(fake_stick(tmp_path / "elsewhere") / "kiosk-feed")
    (root / "LINK").symlink_to(tmp_path / "elsewhere")
    assert scan_roots([root]).volumes == {}


def thousands_of_files(volume: Path) -> None:
    for d in range(300):
        folder = volume / f"照片{d:03d}"
        folder.mkdir(parents=True)
        for f in range(10):
            (folder / f"IMG_{f:04d}.JPG").write_bytes(b"x")
    for f in range(2000):
        (volume / f"文件{f:04d}.txt").write_bytes(b"x")


def test_unrelated_files_are_never_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "media"
    volume = fake_stick(root / "STICK")
    thousands_of_files(volume)
    plain = root / "OTHER"  # a folder that is not a stick, with many entries: not descended either
    thousands_of_files(plain)
    listed: list[str] = []
    real_scandir = os.scandir

    def spy(path: str | os.PathLike) -> object:
        listed.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(watcher_module.os, "scandir", spy)
    started = time.perf_counter()
    scan = scan_roots([root, tmp_path / "missing"])
    elapsed = time.perf_counter() - started
    monkeypatch.undo()
    assert list(scan.volumes) == [volume]
    assert listed == [str(root), str(plain)]  # the stick itself is never listed; OTHER stops at 64 entries
    assert elapsed < 0.05


def test_scan_is_cheap(tmp_path: Path) -> None:
    roots = [tmp_path / "media", tmp_path / "run-media", tmp_path / "mnt"]
    for n in range(3):
        fake_stick(roots[0] / "tech" / f"S{n}")
    roots[2].mkdir()
    started = time.perf_counter()
    for _ in range(200):
        scan_roots(roots)
    per_scan = (time.perf_counter() - started) / 200
    assert per_scan < 0.002  # ~50 µs here; every 2 s that is nothing


def test_stick_with_thousands_of_unrelated_files_imports(screen: Screen, stick: Path, store: Store) -> None:
    thousands_of_files(stick)
    screen.insert(stick)
    assert screen.wait_done()[0].outcome is Outcome.ACCEPTED


# ---------------------------------------------------------------- real mounts (root only)


def run(*args: str) -> bool:
    return subprocess.run(args, capture_output=True).returncode == 0


@pytest.fixture
def mounts(tmp_path: Path) -> Iterator[list[Path]]:
    """Mount points to clean up; skips the test where mounting is not allowed."""
    probe = tmp_path / "probe"
    probe.mkdir()
    if os.geteuid() != 0 or not run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)):
        pytest.skip("needs root and mount(8)")
    done: list[Path] = [probe]
    yield done
    for path in reversed(done):
        run("umount", "-l", str(path))


def mount_stick(stick: Path, target: Path, mounts: list[Path], read_only: bool) -> None:
    """A tmpfs holding the stick, bind-mounted over the existing empty ``target`` (no inotify event)."""
    stage = stick.parent / f"{stick.name}-fs"
    stage.mkdir()
    assert run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(stage))
    mounts.append(stage)
    shutil.copytree(stick, stage, dirs_exist_ok=True)
    if read_only:
        assert run("mount", "-o", "remount,ro", str(stage))
    assert run("mount", "--bind", str(stage), str(target))
    mounts.append(target)


def test_mount_over_an_existing_folder_and_read_only_stick(screen: Screen, stick: Path, store: Store,
                                                           mounts: list[Path]) -> None:
    target = screen.mount_root / "usb"
    watcher = screen.service.watcher
    scans = watcher.scans
    target.mkdir()
    assert watcher.wait_for_scans(scans + 1, 5.0)  # the mkdir was noticed…
    assert watcher.wait_until_calm(10.0)  # …and its fast rescans are over: only the periodic scan can see it now
    mount_stick(stick, target, mounts, read_only=True)
    [result] = screen.wait_done(timeout=10)
    assert result.outcome is Outcome.ACCEPTED
    assert screen.done_event().report is None  # read-only: skipped, not failed
    assert not (target / "kiosk-feed-report").exists()
    assert "feeds/township/current" in state_tree(store.root)
