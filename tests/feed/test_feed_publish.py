from __future__ import annotations

import argparse
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from feedkit import NOW, Publisher, item_text, make_content, random_image

from kiosk.cli import main
from kiosk.feed.cli import add_feed_commands, parse_feed_arg
from kiosk.feed.errors import FeedConfigError, FeedPublishError
from kiosk.feed.names import name_problem, path_problems, tree_problems
from kiosk.feed.publish import publish
from kiosk.feed.repo import init_feed


def test_key_files_are_owner_only_and_never_in_the_feed(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # the most permissive umask must not leak into key permissions
    try:
        result = init_feed(tmp_path / "feed", tmp_path / "keys", NOW, threshold=2)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    names = sorted(p.name for p in (tmp_path / "keys").iterdir())
    assert names == ["root.pem", "snapshot.pem", "targets-1.pem", "targets-2.pem", "timestamp.pem"]
    for path in (tmp_path / "keys").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert result.root_json == tmp_path / "feed/metadata/1.root.json"
    for path in (tmp_path / "feed").rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes()


def test_key_directory_inside_the_feed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FeedPublishError, match="inside the feed"):
        init_feed(tmp_path / "feed", tmp_path / "feed" / "keys", NOW)
    pub = Publisher(tmp_path / "p")
    shutil.copytree(pub.keys, pub.feed / "oops")
    with pytest.raises(FeedPublishError, match="inside the feed"):
        publish(pub.content, pub.feed, [pub.feed / "oops"], NOW)


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    pub = Publisher(tmp_path / "p")
    with pytest.raises(FeedPublishError, match="already holds a feed"):
        init_feed(pub.feed, tmp_path / "other-keys", NOW)


def test_threshold_two_needs_drafter_and_reviewer(tmp_path: Path) -> None:
    pub = Publisher(tmp_path / "p", threshold=2)
    reviewer = tmp_path / "reviewer-stick"
    reviewer.mkdir(mode=0o700)
    shutil.move(pub.keys / "targets-2.pem", reviewer / "targets-2.pem")
    with pytest.raises(FeedPublishError) as info:
        publish(pub.content, pub.feed, [pub.keys], NOW)
    message = str(info.value)
    assert "targets role needs 2 signature(s)" in message and "drafter and reviewer" in message
    assert "only 1" in message and "targets-1.pem" in message and "--keys" in message
    assert publish(pub.content, pub.feed, [pub.keys, reviewer], NOW).version == 2


def test_publish_refuses_content_with_errors_and_writes_nothing(tmp_path: Path) -> None:
    pub = Publisher(tmp_path / "p")
    timestamp = (pub.feed / "metadata/timestamp.json").read_bytes()
    (pub.content / "items/bad.md").write_text(item_text("bad", category="nope"), encoding="utf-8")
    with pytest.raises(FeedPublishError, match="unknown category 'nope'"):
        pub.publish()
    (pub.content / "catalogue.toml").unlink()
    with pytest.raises(FeedPublishError, match="unusable"):
        pub.publish()
    assert (pub.feed / "metadata/timestamp.json").read_bytes() == timestamp


def test_publish_reports_changes_and_empty_categories(tmp_path: Path) -> None:
    pub = Publisher(tmp_path / "p")
    first = pub.publish()
    assert "items/dues.md" in first.changes.added and first.warnings == ()
    images = {"images/meeting.jpg": random_image("other", 100), "images/logo.png": random_image("logo", 900)}
    make_content(pub.content, items={"plan": item_text("plan")}, images=images)
    second = pub.publish()
    assert second.changes.removed == ("items/dues.md",)
    assert second.changes.changed == ("images/meeting.jpg",)
    assert second.warnings == ("category organisation (党的组织管理情况) has no current item",)
    assert "  - items/dues.md" in second.changes.lines()


def test_expired_items_count_as_missing(tmp_path: Path) -> None:
    pub = Publisher(tmp_path / "p")
    (pub.content / "items/dues.md").write_text(
        item_text("dues", "organisation").replace("date = 2026-01-05", "date = 2020-01-05\nshow_until = 2020-02-01"),
        encoding="utf-8")
    assert any("organisation" in w for w in pub.publish().warnings)


def test_feed_tree_names_are_fat_safe(tmp_path: Path) -> None:
    pub = Publisher(tmp_path / "p")
    (pub.content / "images/会议 现场.JPG").write_bytes(random_image("cjk", 500))
    pub.publish()
    assert tree_problems(pub.feed) == []
    names = [p.name for p in pub.feed.rglob("*")]
    assert all(len(n) <= 255 for n in names)


def test_image_names_invalid_on_fat_are_refused(tmp_path: Path) -> None:
    pub = Publisher(tmp_path / "p")
    (pub.content / "images/a:b.jpg").write_bytes(random_image("x", 100))
    with pytest.raises(FeedPublishError, match="FAT"):
        pub.publish()
    (pub.content / "images/a:b.jpg").unlink()
    (pub.content / "images/Meeting.jpg").write_bytes(random_image("y", 100))
    with pytest.raises(FeedPublishError, match="differ only in case"):
        pub.publish()


@pytest.mark.parametrize("name", ["a:b", "x?", 'q"', "<", "p|q", "star*", "CON", "nul.txt", "dot.", "sp ", "",
                                  "a\x01", "x" * 256])
def test_name_problem_flags_bad_names(name: str) -> None:
    assert name_problem(name) is not None


def test_path_problems() -> None:
    assert path_problems(["images/a.jpg", "images/b.jpg", "items/x.md"]) == []
    assert path_problems(["images/a.jpg", "Images/b.jpg"])
    assert path_problems(["a/" * 130 + "x"])
    assert name_problem("会议现场.jpg") is None


def run_cli(*argv: str, loader: object = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    add_feed_commands(parser.add_subparsers(dest="command", required=True), loader)  # type: ignore[arg-type]
    args = parser.parse_args(argv)
    return args.handler(args)


def test_cli_init_publish_verify_sync_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed, keys, content, state = tmp_path / "feed", tmp_path / "keys", tmp_path / "content", tmp_path / "state"
    make_content(content)
    assert run_cli("feed", "init", str(feed), "--keys", str(keys)) == 0
    assert "1.root.json" in capsys.readouterr().out
    assert run_cli("feed", "publish", str(content), str(feed), "--keys", str(keys), "--expires-days", "7") == 0
    out = capsys.readouterr().out
    assert "Published version 2" in out and "+ items/dues.md" in out
    root = feed / "metadata/1.root.json"
    assert run_cli("feed", "verify", str(feed), "--root", str(root)) == 0
    assert "OK: version 2, 2 item(s), 2 image(s)" in capsys.readouterr().out
    spec = f"township={feed.resolve().as_uri()},{root}"
    assert run_cli("sync", "--once", "--state-dir", str(state), "--feed", spec) == 0
    assert "township: updated to version 2" in capsys.readouterr().out
    assert run_cli("status", "--state-dir", str(state), "--feed", spec) == 0
    assert "township: version 2; last successful sync" in capsys.readouterr().out


def test_cli_failures_exit_non_zero_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pub = Publisher(tmp_path / "p", threshold=2)
    (pub.keys / "targets-2.pem").unlink()
    assert run_cli("feed", "publish", str(pub.content), str(pub.feed), "--keys", str(pub.keys)) == 1
    assert "needs 2 signature(s)" in capsys.readouterr().err
    spec = f"township=http://127.0.0.1:9/,{pub.root_json}"
    assert run_cli("sync", "--once", "--state-dir", str(tmp_path / "s"), "--feed", spec) == 1
    err = capsys.readouterr().err
    assert "feed 'township'" in err
    assert run_cli("status", "--state-dir", str(tmp_path / "s"), "--feed", spec) == 0
    out = capsys.readouterr().out
    assert "township: nothing yet; last successful sync never; last error (fetch" in out


def test_cli_uses_the_device_config_loader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pub = Publisher(tmp_path / "p")
    pub.publish()

    class Config:
        feeds = [parse_feed_arg(f"township={pub.feed.resolve().as_uri()},{pub.root_json}")]
        state_dir = tmp_path / "state"

    seen: list[object] = []

    def loader(path: Path | None) -> Config:
        seen.append(path)
        return Config()

    assert run_cli("sync", "--once", "--config", str(tmp_path / "device.toml"), loader=loader) == 0
    assert seen == [tmp_path / "device.toml"]
    assert (tmp_path / "state/status.json").is_file()


def test_bad_feed_arguments() -> None:
    with pytest.raises(FeedConfigError):
        parse_feed_arg("township")
    with pytest.raises(FeedConfigError, match="feed name"):
        parse_feed_arg("Town Ship=http://x/,/r.json")


def test_expiry_days_are_bounded(tmp_path: Path) -> None:
    pub = Publisher(tmp_path / "p")
    with pytest.raises(FeedPublishError, match="expires-days"):
        pub.publish(expires_days=0)
    assert pub.publish(now=NOW, expires_days=1).version == 2


def test_publish_reports_half_width_punctuation_set_full_width(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    feed, keys, content = tmp_path / "feed", tmp_path / "keys", tmp_path / "content"
    make_content(content, {"plan": item_text("plan", body="镇党委研究决定,一直坚持(试行)!联系电话:0000-6612301。"),
                           "dues": item_text("dues")})
    assert run_cli("feed", "init", str(feed), "--keys", str(keys)) == 0
    assert run_cli("feed", "publish", str(content), str(feed), "--keys", str(keys)) == 0
    out = capsys.readouterr().out
    assert "normalised:" in out and "plan.md: 5 half-width mark(s) in Chinese text set full width (, ( ) ! :)" in out
    assert "dues.md" not in out.split("normalised:", 1)[1].split("\n", 1)[0]


# ------------------------------------------------------------------ a full disk


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _new_version(pub: Publisher) -> None:
    (pub.content / "images" / "big.jpg").write_bytes(random_image("big", 150_000))
    (pub.content / "items" / "x.md").write_text(item_text("x", images=("images/big.jpg",)), encoding="utf-8")


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4, 5])  # the image, the bundle, targets, snapshot, timestamp
def test_a_full_disk_at_any_write_leaves_the_feed_as_it_was(fail_at: int, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import contextlib
    import errno

    from kiosk import fsutil

    pub = Publisher(tmp_path / "p")
    pub.publish()
    before = _tree(pub.feed)
    _new_version(pub)
    real = fsutil.atomic_file
    calls = 0

    @contextlib.contextmanager
    def filling(path: Path, mode: int = 0o644) -> Iterator[IO[bytes]]:
        nonlocal calls
        calls += 1
        if calls == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        with real(path, mode) as f:
            yield f

    monkeypatch.setattr(fsutil, "atomic_file", filling)
    with pytest.raises(FeedPublishError, match="No space left on device.*still serves version 2"):
        pub.publish()
    monkeypatch.undo()
    assert _tree(pub.feed) == before  # nothing half-written left behind either
    assert pub.publish().version == 3  # with room again, the same content publishes


def test_publish_on_a_real_full_disk_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A small tmpfs (needs root and mount(8)): a clear message, no traceback, the feed unchanged."""
    import subprocess

    pub = Publisher(tmp_path / "p")
    pub.publish()
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    used = sum(len(v) for v in _tree(pub.feed).values())
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={used + 100_000}", "tmpfs",
                                            str(tiny)], capture_output=True).returncode != 0:
        pytest.skip("needs root and mount(8)")
    try:
        shutil.copytree(pub.feed, tiny / "feed")
        before = _tree(tiny / "feed")
        _new_version(pub)
        (pub.content / "images" / "big2.jpg").write_bytes(random_image("big2", 150_000))
        assert main(["feed", "publish", str(pub.content), str(tiny / "feed"), "--keys", str(pub.keys)]) == 1
        err = capsys.readouterr().err
        assert "No space left on device; nothing was published, the feed still serves version 2" in err
        assert _tree(tiny / "feed") == before
        assert main(["feed", "verify", str(tiny / "feed"), "--root", str(pub.root_json)]) == 0
    finally:
        subprocess.run(["umount", "-l", str(tiny)], capture_output=True)
