"""``kiosk usb export``: what lands on the stick, the swap, the read-back, room, the CLI."""

from __future__ import annotations

import argparse
import os
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest
from feedkit import Publisher, item_text, random_image

from kiosk.usb import export as export_module
from kiosk.usb.cli import add_usb_commands
from kiosk.usb.events import Outcome
from kiosk.usb.export import UsbError, UsbSpaceError, export_feed, feed_files, space_needed, verify_stick


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_export_writes_the_current_version_and_verifies_it(office: Publisher, tmp_path: Path) -> None:
    (office.content / "items" / "extra.md").write_text(item_text("extra"), encoding="utf-8")
    office.publish()  # version 3; version 2's files stay in the office
    dest = tmp_path / "STICK"
    dest.mkdir()
    (dest / "家庭照片").mkdir()  # the technician's own files are left alone
    result = export_feed(office.feed, dest, office.root_json)
    assert result.folder == dest / "kiosk-feed"
    on_stick = files_under(result.folder)
    assert on_stick == set(feed_files(office.feed))
    assert "metadata/3.targets.json" in on_stick and "metadata/2.targets.json" not in on_stick
    assert {"metadata/1.root.json", "metadata/timestamp.json"} <= on_stick
    v = result.verified
    assert (v.outcome, v.version_after, v.items) == (Outcome.ACCEPTED, 3, 3)
    assert sorted(p.name for p in dest.iterdir()) == ["kiosk-feed", "家庭照片"]  # no temp folders left


def test_export_replaces_an_older_copy(office: Publisher, tmp_path: Path) -> None:
    dest = tmp_path / "STICK"
    dest.mkdir()
    export_feed(office.feed, dest, office.root_json)
    (office.content / "images" / "meeting.jpg").write_bytes(random_image("new", 4000))
    office.publish()
    (dest / ".kiosk-feed-tmp-leftover").mkdir()  # from an export that was interrupted
    result = export_feed(office.feed, dest)
    assert files_under(result.folder) == set(feed_files(office.feed))
    assert result.verified.version_after == 3
    assert [p.name for p in dest.iterdir()] == ["kiosk-feed"]


def test_no_room_says_how_much_is_needed(office: Publisher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "STICK"
    dest.mkdir()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(export_module.shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(UsbSpaceError) as info:
        export_feed(office.feed, dest, office.root_json)
    needed = space_needed(feed_files(office.feed), os.statvfs(dest).f_frsize)
    assert info.value.needed == needed and info.value.free == 1000
    assert f"needs {export_module.mb(needed)}" in str(info.value) and "bigger" in str(info.value)
    assert list(dest.iterdir()) == []


def test_space_counts_whole_clusters() -> None:
    files = {"metadata/timestamp.json": 600, "targets/images/a.jpg": 40_000, "targets/b.json": 1}
    assert space_needed(files, 32768) == (1 + 2 + 1) * 32768 + 4 * 32768 + export_module.SLACK


def test_wrong_root_fails_and_leaves_no_copy(office: Publisher, other_office: Publisher, tmp_path: Path) -> None:
    dest = tmp_path / "STICK"
    dest.mkdir()
    with pytest.raises(UsbError, match="不是本设备的内容源"):
        export_feed(office.feed, dest, other_office.root_json)
    assert list(dest.iterdir()) == []


def test_relative_paths(office: Publisher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "STICK").mkdir()
    monkeypatch.chdir(tmp_path)
    result = export_feed(Path(os.path.relpath(office.feed)), Path("STICK"), Path(os.path.relpath(office.root_json)))
    assert result.verified.outcome is Outcome.ACCEPTED
    assert verify_stick(Path("STICK"), Path(os.path.relpath(office.root_json))).outcome is Outcome.ACCEPTED


def test_bad_arguments(office: Publisher, tmp_path: Path) -> None:
    with pytest.raises(UsbError, match="not a folder"):
        export_feed(office.feed, tmp_path / "not-mounted")
    (tmp_path / "empty-feed").mkdir()
    with pytest.raises(UsbError, match="not a published feed"):
        export_feed(tmp_path / "empty-feed", tmp_path)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk")
    add_usb_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_cli_export_and_check(office: Publisher, other_office: Publisher, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "STICK"
    dest.mkdir()
    args = parse(["usb", "export", str(office.feed), str(dest), "--root", str(office.root_json)])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "Exported version 2 (2 notice(s), 7 files" in out and "verified" in out
    args = parse(["usb", "check", str(dest), "--root", str(office.root_json)])
    assert args.handler(args) == 0
    args = parse(["usb", "check", str(dest), "--root", str(other_office.root_json)])
    assert args.handler(args) == 1
    assert "不是本设备的内容源" in capsys.readouterr().err


def test_cli_refuses_a_full_stick(office: Publisher, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A real 64 KiB filesystem (needs root and mount(8))."""
    dest = tmp_path / "tiny"
    dest.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(dest)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root and mount(8)")
    try:
        (office.content / "images" / "big.jpg").write_bytes(random_image("big", 300_000))
        office.publish()
        args = parse(["usb", "export", str(office.feed), str(dest)])
        assert args.handler(args) == 1
        err = capsys.readouterr().err
        assert "free but the feed needs" in err
        assert list(dest.iterdir()) == []
    finally:
        subprocess.run(["umount", "-l", str(dest)], capture_output=True)
