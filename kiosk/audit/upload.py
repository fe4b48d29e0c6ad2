"""Optional upload of the display log to a report server, in batches, with backoff.

Nothing is deleted: records stay in the day files whatever happens; the uploader only remembers
how far the server has acknowledged (``upload-cursor.json``, written atomically), so a screen
offline for weeks sends everything when it is back, oldest first.

Protocol (see docs/audit.md): ``POST url`` with JSON
``{"device", "records": [record objects exactly as stored], "first_seq", "last_seq",
"head": {"seq", "hash"}}``; the server answers 2xx with ``{"acked": SEQ}``, the highest seq it has
stored.  Anything else (no JSON, an HTML captive portal, an ack outside the batch) is a failure.
The head hash the server keeps anchors the chain: a device whose log is rewritten afterwards no
longer matches what the server holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import random
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from kiosk import httpio
from kiosk.audit.net import Backoff, SendError, Timeout, post_json
from kiosk.audit.records import CURSOR_NAME, GENESIS, canonical, day_files, iter_lines, parse_record
from kiosk.clock import Clock
from kiosk.fsutil import write_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadSettings:
    url: str
    device_id: str
    interval: float = 300.0  # seconds between uploads once everything is sent
    batch_size: int = 500
    batches_per_step: int = 20  # then the step returns, so a long backlog never hogs the thread
    backoff_base: float = 30.0
    backoff_cap: float = 3600.0
    timeout: Timeout = (10.0, 30.0)  # connect; silence while reading
    deadline: float = 120.0  # one whole batch exchange, connect to last byte
    reply_cap: int = 64 * 1024  # bytes of reply read at most (after gunzip)


@dataclass(frozen=True)
class Cursor:
    """How far the server has acknowledged, and where that record ends in its day file."""

    acked_seq: int = 0
    acked_hash: str = GENESIS
    file: str | None = None
    offset: int = 0  # byte offset just after the acknowledged record's line


def load_cursor(directory: Path) -> Cursor:
    try:
        data = json.loads((directory / CURSOR_NAME).read_bytes())
        cursor = Cursor(**data)
    except FileNotFoundError:
        return Cursor()
    except (OSError, ValueError, TypeError) as e:
        log.error("audit upload: %s unreadable (%s); uploading everything again", directory / CURSOR_NAME, e)
        return Cursor()
    if not isinstance(cursor.acked_seq, int) or not isinstance(cursor.offset, int):
        return Cursor()
    return cursor


def save_cursor(directory: Path, cursor: Cursor) -> None:
    write_bytes(directory / CURSOR_NAME, canonical(dataclasses.asdict(cursor)) + b"\n")


@dataclass(frozen=True)
class _Entry:
    seq: int
    hash: str
    file: str
    end: int  # byte offset after the line
    body: dict[str, Any]


class Uploader:
    """Sends the records of ``directory`` not yet acknowledged; call :meth:`step` from a thread."""

    def __init__(self, directory: Path, settings: UploadSettings, clock: Clock,
                 session: requests.Session | None = None, rng: random.Random | None = None) -> None:
        self.directory = directory
        self.settings = settings
        self.clock = clock
        self.session = httpio.guard(session or requests.Session())
        self.cursor = load_cursor(directory)
        self.backoff = Backoff(settings.backoff_base, settings.backoff_cap, rng=rng)
        self.last_error: str | None = None
        self.last_success: dt.datetime | None = None
        self._next = clock.monotonic()

    def step(self) -> float:
        """Upload if it is time; returns seconds until the next step is useful (never 0)."""
        now = self.clock.monotonic()
        if now < self._next:
            return self._next - now
        try:
            more = self._send_batches()
        except (SendError, OSError) as e:
            delay = self.backoff.next_delay()
            if self.last_error is None or self.backoff.failures in (1, 10, 100):
                log.warning("audit upload failed (attempt %d, next in %.0fs): %s", self.backoff.failures, delay, e)
            self.last_error = str(e)
        else:
            self.backoff.reset()
            self.last_error = None
            self.last_success = self.clock.now()
            delay = 1.0 if more else self.settings.interval
        self._next = now + delay
        return delay

    def pending(self, limit: int) -> list[_Entry]:
        """Up to ``limit`` records after the acknowledged one, oldest first."""
        out: list[_Entry] = []
        c = self.cursor
        for path in day_files(self.directory):
            if c.file is not None and path.name < c.file:
                continue
            offset = c.offset if path.name == c.file else 0
            if offset > path.stat().st_size:
                log.warning("audit upload: %s is shorter than when it was acknowledged; reading it again", path)
                offset = 0
            for line in iter_lines(path, offset):
                entry = self._entry(path, line.raw, line.offset + len(line.raw) + 1)
                if entry is not None and entry.seq > c.acked_seq:
                    out.append(entry)
                    if len(out) >= limit:
                        return out
        return out

    def _entry(self, path: Path, raw: bytes, end: int) -> _Entry | None:
        try:
            rec = parse_record(raw)
            body = json.loads(raw)
        except ValueError:
            log.warning("audit upload: unreadable line in %s skipped (run `kiosk audit verify`)", path.name)
            return None
        return _Entry(rec.seq, rec.hash, path.name, end, body)

    def _send_batches(self) -> bool:
        """Send up to ``batches_per_step`` batches; True when more may be waiting."""
        for _ in range(self.settings.batches_per_step):
            batch = self.pending(self.settings.batch_size)
            if not batch:
                return False
            self._send(batch)
        return True

    def _send(self, batch: list[_Entry]) -> None:
        body = {"device": self.settings.device_id, "records": [e.body for e in batch],
                "first_seq": batch[0].seq, "last_seq": batch[-1].seq,
                "head": {"seq": batch[-1].seq, "hash": batch[-1].hash},
                "nonce": secrets.token_hex(16)}  # a new one per request: a receiver tells a replay from a resend
        reply = post_json(self.session, self.settings.url, body, self.settings.timeout, self.settings.deadline,
                          self.settings.reply_cap)
        acked = reply.get("acked")
        if not isinstance(acked, int) or isinstance(acked, bool) or acked > batch[-1].seq:
            raise SendError(f"{self.settings.url}: the reply has no valid \"acked\" seq (got {acked!r})")
        done = [e for e in batch if e.seq <= acked]
        if not done:
            raise SendError(f"{self.settings.url}: the server acknowledged nothing of seq "
                            f"{batch[0].seq}-{batch[-1].seq} (acked {acked})")
        last = done[-1]
        cursor = Cursor(last.seq, last.hash, last.file, last.end)
        save_cursor(self.directory, cursor)
        self.cursor = cursor
