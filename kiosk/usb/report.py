"""The small report a screen writes back onto the stick, for the technician's office.

``<volume>/kiosk-feed-report/<device-id>-<UTC time>.json``: time, device, site, and per feed
whether the stick was accepted and why not, with the versions before and after.  Written
with directory fds and ``O_NOFOLLOW | O_EXCL`` (a symlink planted on the stick cannot redirect
the write onto the device), to a temp name, fsynced and renamed.  A read-only, full or
removed stick is skipped: the import result stands either way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from kiosk.usb.events import FeedOutcome

log = logging.getLogger(__name__)

REPORT_DIR = "kiosk-feed-report"
FORMAT = "kiosk-usb-report/1"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def report_document(results: Sequence[FeedOutcome], device_id: str, site: str, when: dt.datetime) -> dict:
    return {
        "format": FORMAT,
        "time": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "device": device_id,
        "site": site,
        "results": [{"feed": r.feed, "accepted": r.outcome.accepted, "outcome": r.outcome.value,
                     "message": r.message, "version_before": r.version_before,
                     "version_after": r.version_after, "items": r.items, "detail": r.detail}
                    for r in results],
    }


def report_name(device_id: str, when: dt.datetime) -> str:
    """A FAT/exFAT-safe file name: ``<device>-<YYYYMMDDTHHMMSSZ>.json``."""
    device = _UNSAFE.sub("_", device_id).strip("_-")[:64] or "device"
    return f"{device}-{when.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.json"


def write_report(volume: Path, results: Sequence[FeedOutcome], device_id: str, site: str,
                 when: dt.datetime) -> Path | None:
    """Write the report on the stick; the path written, or None when the stick cannot take it."""
    data = json.dumps(report_document(results, device_id, site, when), ensure_ascii=False, indent=1)
    try:
        name = _write(Path(volume), report_name(device_id, when), data.encode("utf-8") + b"\n")
    except OSError as e:
        level = logging.INFO if e.errno in (errno.EROFS, errno.ENOENT, errno.ENODEV, errno.EIO) else logging.WARNING
        log.log(level, "usb report not written on %s (read-only or removed?): %s", volume, e)
        return None
    return Path(volume) / REPORT_DIR / name


def _write(volume: Path, name: str, data: bytes) -> str:
    volume_fd = os.open(volume, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(REPORT_DIR, 0o755, dir_fd=volume_fd)
        dir_fd = os.open(REPORT_DIR, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=volume_fd)
        try:
            final = _free_name(dir_fd, name)
            tmp = f".tmp-{final}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                         dir_fd=dir_fd)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.rename(tmp, final, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            _fsync_dir(dir_fd)
        finally:
            os.close(dir_fd)
        _fsync_dir(volume_fd)
    finally:
        os.close(volume_fd)
    return final


def _free_name(dir_fd: int, name: str) -> str:
    """``name``, or ``name`` with ``-2``, ``-3``… when a report of the same second exists."""
    stem = name.removesuffix(".json")
    for n in range(1, 100):
        candidate = name if n == 1 else f"{stem}-{n}.json"
        try:
            os.stat(candidate, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return candidate
    raise OSError(errno.EEXIST, f"too many reports named {name}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_dir(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.EBADF):
            raise
