"""How ``kiosk screenshot`` (run by technicians, often with sudo) finds the running player and reads
what it saved, without trusting anything the kiosk user could have planted in the state directory.

The player writes ``player.pid`` as ``{"pid": N, "start": T}`` where ``T`` is the process's start
time in clock ticks since boot (``/proc/N/stat``, field 22): a pid reused by another process after a
crash has another start time.  :func:`find_player` signals only a process whose start time matches
and that belongs to the owner of the state directory (the kiosk user can signal its own processes
anyway: a forged pid file gains it nothing).  :func:`read_screenshot` opens the player's PNG without
following a symbolic link, only as a single-link regular file of that owner, at most
:data:`MAX_SHOT` bytes, and only if it is a PNG.  Linux only (``/proc``); elsewhere no player is found.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from kiosk.fsutil import write_bytes

PID_FILE = "player.pid"
MAX_SHOT = 64 * 1024 * 1024  # a 4K RGB frame, uncompressed, is 25 MB
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class NotThePlayer(Exception):
    """The pid file or the screenshot is not what the player wrote."""


def start_time(pid: int) -> int | None:
    """Field 22 of ``/proc/PID/stat`` (start time in clock ticks), or None without such a process."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2:].split()  # after "pid (comm) ": comm may hold spaces
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def write_pid_file(state_dir: Path) -> Path:
    """Record this process as the running player (atomically: a reader never sees half a file)."""
    path = state_dir / PID_FILE
    write_bytes(path, json.dumps({"pid": os.getpid(), "start": start_time(os.getpid())}).encode() + b"\n")
    return path


def _read_small(path: Path, owner: int, limit: int) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise NotThePlayer(f"{path}: cannot open it without following links: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            raise NotThePlayer(f"{path}: not a plain file")
        if st.st_uid not in (owner, 0):
            raise NotThePlayer(f"{path}: owned by uid {st.st_uid}, not by the player's user (uid {owner})")
        if st.st_size > limit:
            raise NotThePlayer(f"{path}: {st.st_size} bytes, more than a screenshot can be")
        chunks: list[bytes] = []
        size = 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise NotThePlayer(f"{path}: grew past {limit} bytes while it was read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def find_player(state_dir: Path) -> int:
    """The pid of the player running with ``state_dir``.

    Raises:
        NotThePlayer: no pid file, or it names no live process started at the recorded time and
            owned by the state directory's owner.
    """
    owner = os.stat(state_dir).st_uid
    raw = _read_small(state_dir / PID_FILE, owner, 4096)
    try:
        record = json.loads(raw)
        pid, started = int(record["pid"]), int(record["start"])
    except (ValueError, KeyError, TypeError):
        raise NotThePlayer(f"{state_dir / PID_FILE}: not a pid file written by the player") from None
    if pid <= 1 or start_time(pid) != started:
        raise NotThePlayer(f"process {pid} is not the player that wrote {PID_FILE} (it has ended)")
    try:
        uid = os.stat(f"/proc/{pid}").st_uid
    except OSError:
        raise NotThePlayer(f"process {pid} has ended") from None
    if uid != owner:
        raise NotThePlayer(f"process {pid} belongs to uid {uid}, not to the state directory's owner (uid {owner})")
    return pid


def read_screenshot(path: Path, state_dir: Path) -> bytes:
    """The PNG the player saved at ``path`` (see the module docstring for what is checked).

    Raises:
        NotThePlayer: a link, a special or multiply linked file, a stranger's file, too big, not a PNG.
    """
    data = _read_small(path, os.stat(state_dir).st_uid, MAX_SHOT)
    if not data.startswith(PNG_SIGNATURE):
        raise NotThePlayer(f"{path}: not a PNG")
    return data
