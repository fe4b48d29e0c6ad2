"""The audit record, its canonical JSON form and hash, and reading the day files.

One record is one line of a ``display-YYYY-MM-DD.jsonl`` file, written in canonical JSON (keys
sorted, no spaces, UTF-8).  ``hash`` is the sha256 of the canonical JSON of the record *without*
its ``hash`` field; ``prev`` is the ``hash`` of the record before it (``GENESIS`` for the very
first record), so the chain continues across day files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kiosk.content.limits import parse_json

FORMAT_VERSION = 1
GENESIS = "0" * 64
FILE_PREFIX = "display-"
FILE_SUFFIX = ".jsonl"
CURSOR_NAME = "upload-cursor.json"  # what the report server acknowledged (see kiosk.audit.upload)
_FILE_RE = re.compile(r"^display-(\d{4}-\d{2}-\d{2})\.jsonl$")
TIME_SPEC = "milliseconds"

# What a record says was on screen.  Gaps between records mean the player was not running.
NOTICE = "notice"  # an item (one page of it) on screen
IDLE = "idle"  # the idle screen: nothing scheduled
SCREEN_OFF = "screen-off"  # outside the display hours (screen black or showing the clock)
PLAYER_START = "player-start"  # zero-length mark; ``note`` says how the previous run ended
PLAYER_STOP = "player-stop"  # zero-length mark of a clean stop
CHECKPOINT = "checkpoint"  # zero-length: the screen's key signs the chain up to here (``signer``, ``sig``)
KINDS = (NOTICE, IDLE, SCREEN_OFF, PLAYER_START, PLAYER_STOP, CHECKPOINT)
CHECKPOINT_DOMAIN = b"kiosk-audit-checkpoint/1\n"  # prefixed to what a checkpoint signs

Region = tuple[int, int, int, int]


class AuditError(Exception):
    """Base of every audit-layer error: the log could not be read or written, a record is not
    well formed (:class:`RecordError`), a receiver did not take what was sent
    (:class:`~kiosk.audit.net.SendError`).  The message names the file or server and what to do."""


class RecordError(AuditError, ValueError):
    """One line of the log is not a well-formed record (the chain check reports it as damage)."""


@dataclass(frozen=True)
class Record:
    """One line of the display log."""

    seq: int
    kind: str
    start: dt.datetime
    end: dt.datetime
    item: str | None = None
    feed: str | None = None
    version: str | None = None
    page: int | None = None
    region: Region | None = None
    frame: str | None = None  # hex sha256 of what was drawn
    window: tuple[dt.datetime, dt.datetime | None] | None = None  # the item's publish window
    note: str | None = None
    prev: str = GENESIS
    hash: str = ""
    signer: str | None = None  # checkpoints: the screen's public key (64 hex digits)
    sig: str | None = None  # checkpoints: its signature of :meth:`signed_payload` (hex)

    @property
    def key(self) -> str | None:
        """``feed/id`` of a notice, as ``Item.key``."""
        return f"{self.feed}/{self.item}" if self.item is not None else None

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())

    def body(self) -> dict[str, Any]:
        """The JSON object without ``hash``: what the hash covers."""
        window = None
        if self.window is not None:
            window = [_iso(self.window[0]), _iso(self.window[1]) if self.window[1] else None]
        body = {"v": FORMAT_VERSION, "seq": self.seq, "kind": self.kind, "start": _iso(self.start),
                "end": _iso(self.end), "item": self.item, "feed": self.feed, "version": self.version,
                "page": self.page, "region": list(self.region) if self.region is not None else None,
                "frame": self.frame, "window": window, "note": self.note, "prev": self.prev}
        if self.signer is not None:  # only checkpoints carry these: older records keep their hashes
            body["signer"] = self.signer
        if self.sig is not None:
            body["sig"] = self.sig
        return body

    def signed_payload(self) -> bytes:
        """What a checkpoint's ``sig`` covers: its body without ``sig`` (so ``prev``, the hash of the
        record before it, and through the chain every record before that)."""
        return checkpoint_payload(self.body())

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical(self.body())).hexdigest()

    def sealed(self) -> tuple[Record, bytes]:
        """This record with its ``hash`` set, and its line (newline included) as written to the file."""
        body = self.body()
        digest = hashlib.sha256(canonical(body)).hexdigest()
        body["hash"] = digest
        return replace(self, hash=digest), canonical(body) + b"\n"

    def line(self) -> bytes:
        """The line as written to the file, newline included."""
        return canonical({**self.body(), "hash": self.hash}) + b"\n"


def checkpoint_payload(body: dict[str, Any]) -> bytes:
    """The bytes a checkpoint signs, from its JSON object (``hash`` and ``sig`` left out)."""
    return CHECKPOINT_DOMAIN + canonical({k: v for k, v in body.items() if k not in ("hash", "sig")})


def canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _iso(when: dt.datetime) -> str:
    return when.isoformat(timespec=TIME_SPEC)


def _time(value: object, name: str) -> dt.datetime:
    if not isinstance(value, str):
        raise RecordError(f"{name} is not a time string")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"{name} is not a time like 2026-11-20T09:00:00.000") from None
    if when.tzinfo is not None:  # the player writes local times without a zone: this line was not written by it
        raise RecordError(f"{name} {value!r} has a time zone; records hold local times without one")
    return when


def _opt_str(d: dict[str, Any], name: str) -> str | None:
    value = d.get(name)
    if value is not None and not isinstance(value, str):
        raise RecordError(f"{name} is not a string")
    return value


def content_hash(raw: bytes) -> tuple[str | None, str]:
    """``(stored hash, hash of the line's own content)`` of a raw line, whatever fields it has."""
    d = parse_json(raw)
    if not isinstance(d, dict):
        raise RecordError("not a JSON object")
    stored = d.pop("hash", None)
    return (stored if isinstance(stored, str) else None), hashlib.sha256(canonical(d)).hexdigest()


def parse_record(raw: bytes | str) -> Record:
    """Parse one line.

    Raises:
        RecordError: the line is not a well-formed record (also a ``ValueError``, as bad JSON is).
    """
    d = parse_json(raw)
    if not isinstance(d, dict):
        raise RecordError("not a JSON object")
    seq, kind, prev, digest = d.get("seq"), d.get("kind"), d.get("prev"), d.get("hash")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise RecordError("seq is not a positive integer")
    if not isinstance(kind, str) or not isinstance(prev, str) or not isinstance(digest, str):
        raise RecordError("kind, prev or hash missing")
    region = d.get("region")
    if region is not None and (not isinstance(region, list) or len(region) != 4
                               or not all(isinstance(v, int) for v in region)):
        raise RecordError("region is not [x, y, w, h]")
    window = d.get("window")
    if window is not None:
        if not isinstance(window, list) or len(window) != 2:
            raise RecordError("window is not [from, until]")
        window = (_time(window[0], "window"), _time(window[1], "window") if window[1] is not None else None)
    page = d.get("page")
    if page is not None and not isinstance(page, int):
        raise RecordError("page is not an integer")
    return Record(seq=seq, kind=kind, start=_time(d.get("start"), "start"), end=_time(d.get("end"), "end"),
                  item=_opt_str(d, "item"), feed=_opt_str(d, "feed"), version=_opt_str(d, "version"),
                  page=page, region=tuple(region) if region is not None else None,
                  frame=_opt_str(d, "frame"), window=window, note=_opt_str(d, "note"), prev=prev, hash=digest,
                  signer=_opt_str(d, "signer"), sig=_opt_str(d, "sig"))


# ---------------------------------------------------------------- files


def file_name(day: dt.date) -> str:
    return f"{FILE_PREFIX}{day.isoformat()}{FILE_SUFFIX}"


def file_day(path: Path) -> dt.date | None:
    m = _FILE_RE.match(path.name)
    if m is None:
        return None
    try:
        return dt.date.fromisoformat(m.group(1))
    except ValueError:
        return None


def day_files(directory: Path) -> list[Path]:
    """The day files in date order (``.torn`` side files and other names excluded)."""
    try:
        found = [p for p in directory.iterdir() if file_day(p) is not None and p.is_file()]
    except FileNotFoundError:
        return []
    return sorted(found, key=lambda p: p.name)


@dataclass(frozen=True)
class Line:
    """One complete line of a day file: where it is and what it holds."""

    path: Path
    number: int  # 1-based
    offset: int  # byte offset of its first byte
    raw: bytes  # without the newline


def iter_lines(path: Path, offset: int = 0, first_number: int = 1) -> Iterator[Line]:
    """Complete (newline-terminated) lines of ``path`` from ``offset``; a torn tail is not yielded."""
    with open(path, "rb") as f:
        f.seek(offset)
        number = first_number
        for raw in f:
            if not raw.endswith(b"\n"):
                return
            yield Line(path, number, offset, raw[:-1])
            offset += len(raw)
            number += 1


def torn_tail(path: Path) -> tuple[int, bytes] | None:
    """``(offset, bytes)`` of data after the last newline of ``path``, if any."""
    size = path.stat().st_size
    if size == 0:
        return None
    with open(path, "rb") as f:
        pos = size
        chunk = 4096
        tail = b""
        while pos > 0:
            start = max(0, pos - chunk)
            f.seek(start)
            tail = f.read(pos - start) + tail
            cut = tail.rfind(b"\n")
            if cut >= 0:
                rest = tail[cut + 1:]
                return (size - len(rest), rest) if rest else None
            pos = start
        return 0, tail


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
