"""The stick as untrusted input, piece by piece: names, symlinks, caps, read errors, the report file."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from feedkit import Publisher
from tuf.api import exceptions as tuf_exc
from usbkit import Screen, source_for

from kiosk.feed.store import Store
from kiosk.usb import report as report_module
from kiosk.usb import safefs
from kiosk.usb.events import FeedOutcome, Outcome
from kiosk.usb.fetcher import StickFetcher, cap_for
from kiosk.usb.importer import UsbImporter
from kiosk.usb.plan import PlanError, read_plan
from kiosk.usb.report import write_report
from kiosk.usb.safefs import RefusedFileError, SafeVolume, UnsafePathError, split_rel


@pytest.mark.parametrize("rel", ["", "..", "../x", "metadata/../../etc/passwd", "metadata/.hidden",
                                 "metadata//x", "/etc/passwd", "a\\b", "a/b/c/d/e", "timestamp.json\x00",
                                 "metadata/时间.json", "metadata/x y"])
def test_unsafe_names_refused(rel: str) -> None:
    with pytest.raises(UnsafePathError):
        split_rel(rel)


def test_feed_names_allowed() -> None:
    assert split_rel("targets/images/ab.cd.jpg") == ("targets", "images", "ab.cd.jpg")
    assert split_rel("metadata/12.root.json") == ("metadata", "12.root.json")


def test_dotdot_urls_refused_even_when_the_file_exists(stick: Path) -> None:
    (stick / "secret.json").write_text("{}")  # outside kiosk-feed/, on the stick
    fetcher = StickFetcher(SafeVolume(stick), 1 << 20)
    base = fetcher.base_url
    for url in (base + "metadata/../../secret.json", base + "metadata/%2e%2e/%2e%2e/secret.json",
                base + "..%2fsecret.json", "file:///etc/passwd", base[:-1] + "-evil/metadata/timestamp.json"):
        with pytest.raises(tuf_exc.DownloadHTTPError) as info:
            b"".join(fetcher.fetch(url))
        assert info.value.status_code == 403, url
    assert b"".join(fetcher.fetch(base + "metadata/timestamp.json")).startswith(b"{")


def test_plan_refuses_target_paths_escaping(stick: Path) -> None:
    def read(rel: str, cap: int) -> bytes:
        data = SafeVolume(stick).read_bytes(rel, cap)
        if rel.endswith(".targets.json"):
            doc = json.loads(data)
            doc["signed"]["targets"]["../../../etc/evil.jpg"] = {"hashes": {"sha256": "ab"}, "length": 1}
            return json.dumps(doc).encode()
        return data

    with pytest.raises(PlanError):
        read_plan(read)


def test_symlinks_refused_at_every_level(stick: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    meta = stick / "kiosk-feed" / "metadata"
    (meta / "evil.json").symlink_to(outside)
    (meta / "inside.json").symlink_to(meta / "timestamp.json")  # even one staying on the stick
    volume = SafeVolume(stick)
    for rel in ("metadata/evil.json", "metadata/inside.json"):
        with pytest.raises(RefusedFileError):
            volume.open(rel)
    with pytest.raises(FileNotFoundError):
        volume.open("metadata/none.json")


def test_caps_by_role() -> None:
    assert cap_for("metadata/timestamp.json", 1 << 30) == 16384
    assert cap_for("metadata/7.root.json", 1 << 30) == 512000
    assert cap_for("metadata/7.snapshot.json", 1 << 30) == 2_000_000
    assert cap_for("metadata/7.targets.json", 1 << 30) == 5_000_000
    assert cap_for("targets/images/a.b.jpg", 123) == 123


class _OsShim(types.SimpleNamespace):
    """The ``os`` module with some calls replaced (monkeypatched into one module only)."""

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)


def test_read_error_mid_file_is_incomplete(stick: Path, store: Store, office: Publisher,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A sector that cannot be read (EIO, the stick pulled out) is the stick's fault, not the store's."""
    reads = {"n": 0}

    def failing_read(fd: int, n: int) -> bytes:
        reads["n"] += 1
        if reads["n"] > 2:
            raise OSError(errno.EIO, "Input/output error")
        return os.read(fd, n)

    monkeypatch.setattr(safefs, "os", _OsShim(read=failing_read))
    importer = UsbImporter([source_for(office)], store, device_id="t", write_reports=False)
    [result] = importer.import_volume(stick)
    assert result.outcome is Outcome.INCOMPLETE and "read failed on the stick" in result.detail
    assert store.current_version("township") is None
    assert not any((store.root / "objects").glob("*"))  # nothing half-imported left behind


def test_read_only_stick_report_skipped(stick: Path, store: Store, office: Publisher,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*args: object, **kwargs: object) -> None:  # mkdir, and open for writing
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(report_module, "os", _OsShim(mkdir=read_only, open=_open_read_only(read_only)))
    importer = UsbImporter([source_for(office)], store, device_id="t")
    [result] = importer.import_volume(stick)
    assert result.outcome is Outcome.ACCEPTED
    done = importer.poll_events()[-1]
    assert done.report is None and not (stick / "kiosk-feed-report").exists()


def _open_read_only(fail: Callable[[], None]) -> Callable[..., int]:
    def opener(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            fail()
        return os.open(path, flags, *args, **kwargs)  # type: ignore[arg-type]
    return opener


def test_report_not_written_through_a_planted_symlink(stick: Path, tmp_path: Path) -> None:
    device_dir = tmp_path / "device-files"
    device_dir.mkdir()
    (stick / "kiosk-feed-report").symlink_to(device_dir)
    result = FeedOutcome("township", Outcome.ACCEPTED, 1, 2, 5)
    assert write_report(stick, [result], "dev", "", dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)) is None
    assert list(device_dir.iterdir()) == []


def test_report_on_a_removed_stick_is_skipped(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    assert write_report(gone, [], "dev", "", dt.datetime(2026, 1, 5, tzinfo=dt.UTC)) is None


def test_no_feed_folder_on_the_stick(screen: Screen, tmp_path: Path) -> None:
    """A stick whose kiosk-feed/ is empty: refused as incomplete, nothing else touched."""
    empty = tmp_path / "empty"
    (empty / "kiosk-feed").mkdir(parents=True)
    screen.insert(empty)
    [result] = screen.wait_done()
    assert (result.feed, result.outcome) == (None, Outcome.INCOMPLETE)
