"""Reading an untrusted stick: every path is resolved one component at a time below the volume.

- Only the top-level ``kiosk-feed/`` folder is ever opened; names must look like feed-tree
  names (``2.snapshot.json``, ``images/<sha256>.<sha256>.jpg``): no ``..``, no empty or
  hidden components, no backslashes.
- Each directory is opened with ``O_NOFOLLOW | O_DIRECTORY`` relative to its parent's fd and
  the file with ``O_NOFOLLOW | O_NONBLOCK``: no symlink is ever followed (FAT/exFAT have none;
  a stick that has them was made to attack), and a FIFO or device never blocks the import.
- Only regular files are read, and callers cap the size before reading.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from kiosk.usb.errors import UsbError

FEED_DIR = "kiosk-feed"
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$")
MAX_DEPTH = 4  # targets/images/<file> is the deepest the feed layer writes

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class UnsafePathError(UsbError, ValueError):
    """A name that may not be opened on a stick (``..``, hidden, odd characters, too deep)."""


class RefusedFileError(UsbError, OSError):
    """The name exists but is not a plain file or directory (symlink, FIFO, device)."""


class TooLargeError(UsbError, OSError):
    """A file bigger than the cap for its kind."""


def split_rel(rel: str) -> tuple[str, ...]:
    """The components of a ``/``-separated path inside ``kiosk-feed/``; raises UnsafePathError."""
    parts = tuple(rel.split("/"))
    if not rel or len(parts) > MAX_DEPTH:
        raise UnsafePathError(f"{rel!r}: not a path inside the feed folder")
    for part in parts:
        if not _NAME.match(part):
            raise UnsafePathError(f"{rel!r}: {part!r} is not an allowed name on a feed stick")
    return parts


class SafeVolume:
    """A mounted stick; reads only below ``<volume>/kiosk-feed`` without following symlinks."""

    def __init__(self, volume: Path) -> None:
        self.volume = Path(os.path.abspath(volume))  # absolute (a file:// URL needs it), symlinks as given

    @property
    def feed_dir(self) -> Path:
        return self.volume / FEED_DIR

    @property
    def feed_url(self) -> str:
        """Base URL of the feed tree for a ``FeedSource`` (``file://…/kiosk-feed/``)."""
        return self.feed_dir.as_uri() + "/"

    def open(self, rel: str) -> int:
        """An fd of the regular file ``kiosk-feed/<rel>``; the caller closes it.

        Raises UnsafePathError for a bad name, FileNotFoundError when missing, RefusedFileError
        for a symlink (at any level) or a non-regular file, another OSError when unreadable.
        """
        *dirs, name = split_rel(rel)
        dir_fd = self._open_dir(dirs)
        try:
            try:
                fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
            except OSError as e:
                raise _refused_or(e, rel) from None
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                os.close(fd)
                raise RefusedFileError(f"{rel}: not a regular file")
            return fd
        finally:
            os.close(dir_fd)

    def _open_dir(self, dirs: list[str]) -> int:
        fd = os.open(self.volume, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        for part in (FEED_DIR, *dirs):
            try:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as e:
                os.close(fd)
                raise _refused_or(e, part) from None
            os.close(fd)
            fd = next_fd
        return fd

    def size(self, rel: str) -> int | None:
        """Size of ``kiosk-feed/<rel>``, or None when it cannot be opened as a plain file."""
        try:
            fd = self.open(rel)
        except (OSError, UnsafePathError):
            return None
        try:
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def read_bytes(self, rel: str, cap: int) -> bytes:
        """The whole file, refused (TooLargeError) beyond ``cap`` bytes."""
        fd = self.open(rel)
        with os.fdopen(fd, "rb") as f:
            if os.fstat(f.fileno()).st_size > cap:
                raise TooLargeError(f"{rel}: larger than {cap} bytes")
            data = f.read(cap + 1)
        if len(data) > cap:
            raise TooLargeError(f"{rel}: larger than {cap} bytes")
        return data



def read_chunks(fd: int, chunk: int) -> Iterator[bytes]:
    """Read an fd from :meth:`SafeVolume.open` to its end, closing it (also when abandoned)."""
    try:
        while data := os.read(fd, chunk):
            yield data
    finally:
        os.close(fd)


def _refused_or(error: OSError, what: str) -> OSError:
    """ELOOP/ENOTDIR from O_NOFOLLOW mean "a symlink was there": refuse it by name."""
    if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return RefusedFileError(f"{what}: a symlink or not a directory/file; not followed")
    return error
