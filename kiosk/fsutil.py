"""Crash-safe file operations: every write is temp file + fsync + ``os.replace`` + fsync(dir)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

TMP_PREFIX = ".tmp-"


def fsync_dir(path: Path) -> None:
    """Make a rename or creation inside ``path`` durable."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # platforms that cannot open directories (Windows)
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.EBADF):  # filesystems without dir fsync
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(path: Path, mode: int = 0o644) -> Iterator[IO[bytes]]:
    """Yield a temp file next to ``path``; on success it is fsynced and renamed over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    with atomic_file(path, mode) as f:
        f.write(data)


def write_json(path: Path, value: Any) -> None:  # noqa: ANN401 - any JSON value
    write_bytes(path, json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n")


def read_json(path: Path) -> Any:  # noqa: ANN401 - any JSON value
    """Parsed JSON of ``path``, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` (must not exist) with ``mode`` from the start: for secrets."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)  # the umask may have removed bits we want; never adds any


def durable_copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to a new file ``dst`` and fsync it (no rename: ``dst`` is in a temp dir)."""
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())


def link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst``; copy when the filesystem cannot link (FAT, cross-device)."""
    try:
        os.link(src, dst)
    except OSError as e:
        if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        durable_copy(src, dst)


def remove_tree(path: Path) -> None:
    """Remove a file or directory tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def fsync_file(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path, workers: int = 8) -> None:
    """fsync every file below ``root``, then every directory (bottom-up), ``root`` last.

    The files are synced ``workers`` at a time: the file system commits concurrent fsyncs
    together (3,300 files of a feed version: 0.3 s here instead of 4.5 s one by one, and far
    more on an SD card).
    """
    from concurrent.futures import ThreadPoolExecutor

    files: list[str] = []
    dirs: list[str] = []
    for dirpath, _dirs, names in os.walk(root, topdown=False):
        files += (os.path.join(dirpath, name) for name in names)
        dirs.append(dirpath)
    if len(files) > 1 and workers > 1:
        with ThreadPoolExecutor(min(workers, len(files)), thread_name_prefix="kiosk-fsync") as pool:
            for _ in pool.map(fsync_file, files):
                pass
    else:
        for path in files:
            fsync_file(path)
    for dirpath in dirs:
        fsync_dir(Path(dirpath))
