"""The proof-of-display log: append-only, hash-chained JSON lines, one file per local day.

:class:`AuditLog` writes records (each write flushed and fsynced; a new day file also fsyncs the
directory) and, when opened, recovers from a power cut: a torn last line is moved to a
``.torn-OFFSET`` side file, reported in :attr:`AuditLog.problems`, and the chain continues from the
last complete record.  :class:`Recorder` is what the player calls when a slide starts and ends.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.audit.records import (
    CHECKPOINT,
    GENESIS,
    IDLE,
    NOTICE,
    PLAYER_START,
    PLAYER_STOP,
    SCREEN_OFF,
    AuditError,
    Record,
    Region,
    day_files,
    file_day,
    file_name,
    iter_lines,
    parse_record,
    torn_tail,
    write_all,
)
from kiosk.clock import Clock

if TYPE_CHECKING:
    from kiosk.audit.keys import DeviceKey
from kiosk.fsutil import fsync_dir, write_bytes

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 600.0  # seconds between signed checkpoints while records are written

Window = tuple[dt.datetime, dt.datetime | None]


class AuditLog:
    """The hash-chained display log in ``directory``; time comes from ``clock``.

    Opening repairs a torn last line (power cut mid-write) and notes it in ``problems``.

    Raises:
        AuditError: the directory cannot be created or read.
    """

    def __init__(self, directory: Path, clock: Clock) -> None:
        self.directory = directory
        self.clock = clock
        self.problems: list[str] = []  # what was found and repaired when opening
        self.last: Record | None = None  # the newest complete record
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._open_day: dt.date | None = None
        self._day: dt.date | None = None  # day of the newest file: never write to an older one
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._recover()
        except OSError as e:
            raise AuditError(f"audit log {directory}: cannot open: {e} "
                             "(check that the state directory exists and is writable)") from e

    # ------------------------------------------------------------ opening

    def _recover(self) -> None:
        files = day_files(self.directory)
        if files:
            self._day = file_day(files[-1])
        for path in reversed(files):
            self._move_torn(path)
            self.last = self._last_record(path)
            if self.last is not None:
                return

    def _move_torn(self, path: Path) -> None:
        torn = torn_tail(path)
        if torn is None:
            return
        offset, data = torn
        side = path.with_name(f"{path.name}.torn-{offset}")
        write_bytes(side, data)  # saved before the file is cut: never lost
        with open(path, "r+b") as f:
            f.truncate(offset)
            f.flush()
            os.fsync(f.fileno())
        self._problem(f"{path.name}: incomplete last line ({len(data)} bytes at byte {offset}, a write cut "
                      f"short by a power cut or crash) moved to {side.name}; the log continues after it")

    def _last_record(self, path: Path) -> Record | None:
        last: Record | None = None
        bad_after: list[int] = []
        for line in iter_lines(path):
            try:
                last = parse_record(line.raw)
                bad_after = []
            except ValueError:
                bad_after.append(line.number)
        if bad_after:
            where = f"seq {last.seq}" if last else "the previous file"
            self._problem(f"{path.name}: line(s) {', '.join(map(str, bad_after))} at the end are not readable "
                          f"records; the chain continues from {where} (run `kiosk audit verify`)")
        return last

    def _problem(self, text: str) -> None:
        log.warning("audit log: %s", text)
        self.problems.append(text)

    # ------------------------------------------------------------ writing

    @property
    def head(self) -> tuple[int, str] | None:
        """``(seq, hash)`` of the newest record: what an anchor must remember."""
        last = self.last
        return (last.seq, last.hash) if last is not None else None

    def record(self, kind: str, start: dt.datetime, end: dt.datetime, *, item: str | None = None,
               feed: str | None = None, version: str | None = None, page: int | None = None,
               region: Region | None = None, frame: str | None = None, window: Window | None = None,
               note: str | None = None) -> Record:
        """Append one record; returns it with its ``seq``, ``prev`` and ``hash``.

        Raises:
            AuditError: the record could not be written (full or read-only disk); the log stays
                consistent and the next record retries.
        """
        if end < start:
            note = ((note + "; ") if note else "") + f"clock went back: end was {end.isoformat()}"
            end = start
        with self._lock:
            last = self.last
            rec = Record(seq=last.seq + 1 if last else 1, kind=kind, start=start, end=end, item=item, feed=feed,
                         version=version, page=page, region=region, frame=frame, window=window, note=note,
                         prev=last.hash if last else GENESIS)
            rec, line = rec.sealed()
            self._append(rec, line)
            self.last = rec
            return rec

    def checkpoint(self, key: DeviceKey, note: str | None = None) -> Record | None:
        """Append a checkpoint signed by ``key``: it signs the hash of the newest record, and so,
        through the chain, every record before it.  None when the log is empty (nothing to sign).

        Raises:
            AuditError: as :meth:`record`.
        """
        with self._lock:
            last = self.last
            if last is None:
                return None
            now = self.clock.now()
            rec = Record(seq=last.seq + 1, kind=CHECKPOINT, start=now, end=now, note=note, prev=last.hash,
                         signer=key.public_hex)
            rec = replace(rec, sig=key.sign(rec.signed_payload()))
            rec, line = rec.sealed()
            self._append(rec, line)
            self.last = rec
            return rec

    def _append(self, rec: Record, line: bytes) -> None:
        day = rec.start.date()
        if self._day is not None and day < self._day:
            day = self._day  # the clock went back over midnight: keep files in chain order
        path = self.directory / file_name(day)
        try:
            fd = self._file_for(day, path)
            size = os.fstat(fd).st_size
            try:
                write_all(fd, line)
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)  # leave no half line behind
                raise
        except OSError as e:
            raise AuditError(f"audit log {path}: cannot write record seq {rec.seq}: {e} "
                             "(check free space and permissions of the state directory)") from e

    def _file_for(self, day: dt.date, path: Path) -> int:
        if self._fd is not None and self._open_day == day:
            return self._fd
        self.close()
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if created:
            fsync_dir(self.directory)
        self._fd, self._open_day, self._day = fd, day, day
        return fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._open_day = None

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- the player's side


@dataclass(frozen=True)
class _Showing:
    kind: str
    start: dt.datetime
    item: str | None = None
    feed: str | None = None
    version: str | None = None
    page: int | None = None
    region: Region | None = None
    frame: str | None = None
    window: Window | None = None


def _region(region: Sequence[int] | None) -> Region | None:
    if region is None:
        return None
    x, y, w, h = (int(v) for v in region)
    return (x, y, w, h)


def split_at_midnight(start: dt.datetime, end: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """``[start, end)`` cut at every local midnight it crosses."""
    while start.date() < end.date():
        midnight = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time())
        yield start, midnight
        start = midnight
    yield start, end


class Recorder:
    """Turns "this slide started / ended" into records.

    A showing that crosses midnight becomes two records; one that lasts longer than ``max_span``
    seconds (the night's screen-off, a long idle) is cut into pieces by :meth:`tick`, so a power
    cut loses at most that much.  Write failures are logged and kept in :attr:`last_error`: the
    screen never stops because the log cannot be written.
    """

    def __init__(self, log: AuditLog, max_span: float = 600.0, key: DeviceKey | None = None,
                 checkpoint_every: float = CHECKPOINT_EVERY) -> None:
        self.log = log
        self.max_span = dt.timedelta(seconds=max_span)
        self.key = key
        self.checkpoint_every = checkpoint_every
        self.last_error: str | None = None
        self._current: _Showing | None = None
        self._signed_at = log.clock.monotonic()
        self._unsigned = 0  # records written since the last checkpoint

    def start(self) -> None:
        """The player starts: a zero-length mark saying how the previous run ended, then a checkpoint
        (it signs what the previous run wrote after its last checkpoint, e.g. before a power cut)."""
        now = self.log.clock.now()
        self._write(_Showing(PLAYER_START, now), now, now, note=self._previous_run(now))
        self.checkpoint()

    def checkpoint(self) -> None:
        """Sign the chain as it is now (with a key, and when records were written since the last one)."""
        if self.key is None or self._unsigned == 0:
            return
        try:
            self.log.checkpoint(self.key)
            self._unsigned = 0
            self._signed_at = self.log.clock.monotonic()
            self.last_error = None
        except AuditError as e:
            if self.last_error != str(e):
                log.error("%s", e)
            self.last_error = str(e)

    def _previous_run(self, now: dt.datetime) -> str:
        last = self.log.last
        if last is None:
            text = "new log"
        elif last.kind == PLAYER_STOP:
            text = f"previous run stopped cleanly at {last.end.isoformat(timespec='seconds')}"
        else:
            text = (f"previous run ended without a clean stop (power cut or crash); its last record "
                    f"ended {last.end.isoformat(timespec='seconds')}")
        if last is not None and last.end > now:
            text += "; the clock is now earlier than that record"
        if self.log.problems:
            text += f"; repaired on open: {len(self.log.problems)} problem(s)"
        return text

    def begin(self, item_key: str, feed: str, version: str | int | None, region: Sequence[int] | None, *,
              page: int | None = None, window: Window | None = None, frame_hash: str | None = None) -> None:
        """A notice (or one page of it) is now on screen.  ``item_key``: ``Item.key`` or ``Item.id``."""
        item = item_key[len(feed) + 1:] if item_key.startswith(f"{feed}/") else item_key
        self._open(_Showing(NOTICE, self.log.clock.now(), item=item, feed=feed,
                            version=None if version is None else str(version), page=page,
                            region=_region(region), frame=frame_hash, window=window))

    def idle(self, region: Sequence[int] | None, frame_hash: str | None = None) -> None:
        """The idle screen is shown (nothing scheduled)."""
        self._open(_Showing(IDLE, self.log.clock.now(), region=_region(region), frame=frame_hash))

    def screen_off(self, region: Sequence[int] | None = None, frame_hash: str | None = None) -> None:
        """Outside the display hours."""
        self._open(_Showing(SCREEN_OFF, self.log.clock.now(), region=_region(region), frame=frame_hash))

    def end(self, frame_hash: str | None = None) -> None:
        """What was on screen has gone; ``frame_hash`` (if given) replaces the one from ``begin``."""
        current = self._current
        if current is None:
            return
        if frame_hash is not None:
            current = replace(current, frame=frame_hash)
        self._current = None
        self._write_pieces(current, self.log.clock.now())

    def tick(self) -> None:
        """Call now and then (every second is fine): cuts long showings at midnight and ``max_span``,
        and signs a checkpoint every ``checkpoint_every`` seconds."""
        self._cut()
        if self.log.clock.monotonic() - self._signed_at >= self.checkpoint_every:
            self.checkpoint()

    def _cut(self) -> None:
        current = self._current
        if current is None:
            return
        now = self.log.clock.now()
        if (now.date() - current.start.date()).days >= 2:  # a clock jump: see _write_pieces
            self._write_pieces(current, now)
            self._current = replace(current, start=now)
            return
        if now.date() > current.start.date():
            cut = dt.datetime.combine(current.start.date() + dt.timedelta(days=1), dt.time())
        elif now - current.start >= self.max_span:
            cut = now
        else:
            return
        self._write(current, current.start, cut)
        self._current = replace(current, start=cut)

    def stop(self) -> None:
        """The player stops cleanly: the stop mark, signed."""
        self.end()
        now = self.log.clock.now()
        self._write(_Showing(PLAYER_STOP, now), now, now)
        self.checkpoint()
        self.log.close()

    def _open(self, showing: _Showing) -> None:
        if self._current is not None:
            self.end()
        self._current = showing

    def _write_pieces(self, showing: _Showing, end: dt.datetime) -> None:
        if end < showing.start:  # the clock went back: one record, noted by the log
            self._write(showing, showing.start, end)
            return
        pieces = list(split_at_midnight(showing.start, end))
        if len(pieces) > 2:
            # days at once: the clock jumped (a board booted with a dead RTC, then NTP) or the
            # player was frozen; one record for the rest, noted, instead of thousands of day pieces
            self._write(showing, *pieces[0])
            self._write(showing, pieces[1][0], end, note=f"clock jumped or player stalled: {len(pieces) - 1} days "
                                                         "in one step")
            return
        for start, stop in pieces:
            self._write(showing, start, stop)

    def _write(self, s: _Showing, start: dt.datetime, end: dt.datetime, note: str | None = None) -> None:
        try:
            self.log.record(s.kind, start, end, item=s.item, feed=s.feed, version=s.version, page=s.page,
                            region=s.region, frame=s.frame, window=s.window, note=note)
            self._unsigned += 1
            self.last_error = None
        except AuditError as e:
            if self.last_error != str(e):
                log.error("%s", e)
            self.last_error = str(e)
