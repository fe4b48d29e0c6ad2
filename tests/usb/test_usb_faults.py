"""Bad sticks through real watchers: each refused with the right reason, the store exactly as it was.

The screen plays version 2 (imported from a good stick); the office publishes version 3 with a
new image; then a damaged or hostile copy of version 3 is inserted.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from feedkit import Publisher, flip_byte, item_text, random_image
from usbkit import RemovingFetcher, Screen, make_stick, state_tree

from kiosk.feed.store import Store
from kiosk.usb.events import FeedOutcome, Outcome, StickRemoved


@pytest.fixture
def playing(screen: Screen, stick: Path, store: Store, office: Publisher, tmp_path: Path) -> Iterator[Path]:
    """The screen plays version 2; yields a fresh (not inserted) stick of version 3."""
    volume = screen.insert(stick, "FIRST")
    assert screen.wait_done()[0].outcome is Outcome.ACCEPTED
    screen.remove(volume)
    (office.content / "items" / "plan.md").write_text(item_text("plan", title="计划 v3"), encoding="utf-8")
    (office.content / "images" / "meeting.jpg").write_bytes(random_image("meeting-v3", 5000))
    office.publish()
    yield make_stick(office, tmp_path / "sticks" / "v3")


def refused(screen: Screen, store: Store, bad: Path, expected: Outcome, metadata_kept: bool) -> FeedOutcome:
    """Insert ``bad``; it is refused with ``expected`` and the store still holds exactly version 2."""
    before = state_tree(store.root)
    done = sum(1 for e in screen.collect() if type(e).__name__ == "StickDone")
    screen.insert(bad, "BAD")
    [result] = screen.wait_done(done + 1)
    assert result.outcome is expected, result.detail
    assert result.message == f"未更新：{expected.reason}"
    assert store.current_version("township") == 2
    if metadata_kept:
        assert state_tree(store.root) == before
    else:  # verified metadata of version 3 may stay cached (as after any network failure); nothing else
        assert state_tree(store.root, metadata=False) == state_tree_without_metadata(before)
    return result


def state_tree_without_metadata(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in tree.items() if "/metadata/" not in k}


def first(folder: Path, pattern: str) -> Path:
    return sorted(folder.glob(pattern))[0]


NEW_IMAGE = "kiosk-feed/targets/images/*.jpg"

INCOMPLETE: dict[str, tuple[Callable[[Path], None], bool]] = {
    "image missing": (lambda s: first(s, NEW_IMAGE).unlink(), False),
    "image cut short": (lambda s: os.truncate(first(s, NEW_IMAGE), 1000), False),
    "bundle missing": (lambda s: first(s, "kiosk-feed/targets/*.bundle.json").unlink(), False),
    "snapshot cut short": (lambda s: os.truncate(s / "kiosk-feed/metadata/3.snapshot.json", 100), False),
    "targets metadata missing": (lambda s: (s / "kiosk-feed/metadata/3.targets.json").unlink(), False),
    "timestamp missing": (lambda s: (s / "kiosk-feed/metadata/timestamp.json").unlink(), True),
    "timestamp empty": (lambda s: os.truncate(s / "kiosk-feed/metadata/timestamp.json", 0), True),
    "only the root copied": (lambda s: [p.unlink() for p in s.rglob("*") if p.is_file()
                                        and p.name != "1.root.json"], True),
}


@pytest.mark.parametrize("damage", INCOMPLETE, ids=list(INCOMPLETE))
def test_half_copied_stick_is_incomplete(damage: str, screen: Screen, playing: Path, store: Store) -> None:
    mutate, metadata_kept = INCOMPLETE[damage]
    mutate(playing)
    refused(screen, store, playing, Outcome.INCOMPLETE, metadata_kept)


def test_corrupted_target_is_damaged(screen: Screen, playing: Path, store: Store) -> None:
    flip_byte(first(playing, NEW_IMAGE), 100)
    refused(screen, store, playing, Outcome.DAMAGED, metadata_kept=False)


def test_corrupted_bundle_is_damaged(screen: Screen, playing: Path, store: Store) -> None:
    flip_byte(first(playing, "kiosk-feed/targets/*.bundle.json"), 20)
    refused(screen, store, playing, Outcome.DAMAGED, metadata_kept=False)


def test_corrupted_timestamp_fails_its_signature(screen: Screen, playing: Path, store: Store) -> None:
    path = playing / "kiosk-feed/metadata/timestamp.json"
    path.write_bytes(path.read_bytes().replace(b'"version": 3', b'"version": 9'))
    refused(screen, store, playing, Outcome.BAD_SIGNATURE, metadata_kept=True)


def test_wrong_key_is_a_bad_signature(screen: Screen, playing: Path, store: Store, other_office: Publisher,
                                      office: Publisher, tmp_path: Path) -> None:
    """Another issuer's feed wearing our root.json: it matches our feed, then fails every signature."""
    forged = make_stick(other_office, tmp_path / "sticks" / "forged")
    shutil.copyfile(office.root_json, forged / "kiosk-feed/metadata/1.root.json")
    refused(screen, store, forged, Outcome.BAD_SIGNATURE, metadata_kept=True)


def test_root_rotation_by_an_unknown_key_is_a_bad_signature(screen: Screen, playing: Path, store: Store,
                                                            other_office: Publisher) -> None:
    shutil.copyfile(other_office.root_json, playing / "kiosk-feed/metadata/2.root.json")
    refused(screen, store, playing, Outcome.BAD_SIGNATURE, metadata_kept=True)


def test_feed_of_another_issuer_is_not_ours(screen: Screen, playing: Path, store: Store,
                                            other_office: Publisher, tmp_path: Path) -> None:
    foreign = make_stick(other_office, tmp_path / "sticks" / "foreign")
    refused(screen, store, foreign, Outcome.NOT_OURS, metadata_kept=True)
    assert screen.wait_done(2)[0].feed is None


SYMLINKS: dict[str, tuple[str, bool]] = {
    "image": (NEW_IMAGE, False),
    "targets folder": ("kiosk-feed/targets", False),
    "metadata folder": ("kiosk-feed/metadata", True),
    "timestamp": ("kiosk-feed/metadata/timestamp.json", True),
}


@pytest.mark.parametrize("what", SYMLINKS, ids=list(SYMLINKS))
def test_symlink_out_of_the_stick_is_not_followed(what: str, screen: Screen, playing: Path, store: Store,
                                                  tmp_path: Path) -> None:
    """Each link points at a perfect copy outside the stick: following it would have been accepted."""
    pattern, metadata_kept = SYMLINKS[what]
    inside = first(playing, pattern)
    outside = tmp_path / "elsewhere" / inside.name
    outside.parent.mkdir()
    shutil.move(inside, outside)
    inside.symlink_to(outside)
    result = refused(screen, store, playing, Outcome.INCOMPLETE, metadata_kept)
    assert "not followed" in result.detail or "root metadata" in result.detail


def test_fifo_instead_of_a_file_does_not_hang(screen: Screen, playing: Path, store: Store) -> None:
    path = playing / "kiosk-feed/metadata/timestamp.json"
    path.unlink()
    os.mkfifo(path)
    refused(screen, store, playing, Outcome.INCOMPLETE, metadata_kept=True)


@pytest.mark.parametrize(("name", "expected"), [("timestamp.json", Outcome.INCOMPLETE),
                                               ("3.snapshot.json", Outcome.DAMAGED)])  # longer than signed
def test_deeply_nested_metadata_is_refused_with_a_report(name: str, expected: Outcome, screen: Screen,
                                                         playing: Path, store: Store, office: Publisher,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Deeply nested JSON made the plan reader raise RecursionError: "设备存储出错" and no report."""
    from kiosk.cli import build_parser

    path = first(playing, f"kiosk-feed/metadata/{name}")
    path.write_bytes(b'{"signed": ' + b"[" * 5000 + b"]" * 5000 + b"}")  # within the timestamp's size cap
    refused(screen, store, playing, expected, metadata_kept=name == "timestamp.json")
    volume = screen.mount_root / "BAD"
    assert list((volume / "kiosk-feed-report").iterdir())  # the technician finds the report on the stick
    args = build_parser(["usb", "check"]).parse_args(["usb", "check", str(volume), "--root", str(office.root_json)])
    assert args.handler(args) == 1
    assert f"未更新：{expected.reason}" in capsys.readouterr().err


HUGE: dict[str, tuple[str, int, bool]] = {
    "timestamp of 3 GB": ("kiosk-feed/metadata/timestamp.json", 3 << 30, True),
    "image of 2 GB": (NEW_IMAGE, 2 << 30, False),  # over max_bytes: refused by its size
    "image of 500 MB": (NEW_IMAGE, 500 << 20, False),  # under max_bytes: cut at its signed length
    "bundle of 2 GB": ("kiosk-feed/targets/*.bundle.json", 2 << 30, False),
}


@pytest.mark.parametrize("what", HUGE, ids=list(HUGE))
def test_huge_file_where_a_small_one_is_expected(what: str, screen: Screen, playing: Path, store: Store) -> None:
    pattern, size, metadata_kept = HUGE[what]
    path = first(playing, pattern)
    with open(path, "r+b") as f:  # sparse: costs no disk, reads as zeros
        f.truncate(size)
    started = time.monotonic()
    result = refused(screen, store, playing, Outcome.DAMAGED, metadata_kept)
    assert time.monotonic() - started < 5  # capped before reading, not after reading gigabytes
    assert "larger than" in result.detail or "more than" in result.detail


@pytest.mark.parametrize("after", [0, 2, 3, 4, 5])
def test_stick_pulled_out_mid_import(after: int, screen: Screen, playing: Path, store: Store) -> None:
    """The stick disappears while file number ``after + 1`` is being read (files vanish mid-read)."""
    screen.wrap(lambda inner: RemovingFetcher(inner, screen.mount_root / "BAD", after))
    refused(screen, store, playing, Outcome.INCOMPLETE, metadata_kept=after == 0)
    assert screen.done_event().report is None  # the stick is gone: no report, no error
    deadline = time.monotonic() + 5
    while not any(isinstance(e, StickRemoved) for e in screen.collect()):
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_good_stick_after_all_that(screen: Screen, playing: Path, store: Store, tmp_path: Path) -> None:
    spare = tmp_path / "spare"
    shutil.copytree(playing, spare)
    flip_byte(first(playing, NEW_IMAGE), 100)
    refused(screen, store, playing, Outcome.DAMAGED, metadata_kept=False)
    screen.insert(spare, "GOOD")
    [result] = screen.wait_done(3)
    assert result.outcome is Outcome.ACCEPTED and (result.version_before, result.version_after) == (2, 3)
