"""Check the display log: every edited, removed, reordered, inserted or truncated record, and where.

Reads the day files in date order as one chain.  Each record's own ``hash`` must match its content
(an edited field shows here), its ``seq`` must follow the one before (removed, reordered and
inserted records show here, also across a deleted day file), and its ``prev`` must be the ``hash``
of the record with the previous ``seq`` (a record replaced with a recomputed hash shows here).
When the log was uploaded, the record the server acknowledged must still be there, unchanged: the
newest records are protected only by that anchor.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.audit.records import (
    CURSOR_NAME,
    GENESIS,
    content_hash,
    day_files,
    file_day,
    iter_lines,
    parse_record,
    torn_tail,
)

_RECENT = 200_000  # how many seq -> hash links are remembered for checking prev


@dataclass(frozen=True)
class Problem:
    """Something wrong in the log, with where it is."""

    kind: str  # edited, unreadable, missing, missing-day, reordered, duplicate, broken-link, truncated, anchor,
    #            recovered (notice: a torn write moved aside after a power cut)
    message: str
    file: str | None = None
    line: int | None = None
    seq: int | None = None
    severity: str = "error"  # "error" or "notice"

    def __str__(self) -> str:
        where = self.file or "log"
        if self.line is not None:
            where += f":{self.line}"
        if self.seq is not None:
            where += f" (seq {self.seq})"
        return f"{where}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class _Loc:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class _Gap:
    low: int
    high: int
    after: _Loc | None
    before: _Loc


@dataclass
class _Checker:
    anchor: tuple[int, str] | None = None
    problems: list[Problem] = field(default_factory=list)
    max_seq: int = 0
    max_loc: _Loc | None = None
    recent: dict[int, tuple[str, _Loc]] = field(default_factory=dict)
    gaps: list[_Gap] = field(default_factory=list)
    anchor_seen: bool = False
    unreadable_run: int = 0  # unreadable lines since the last readable one: they hide that many seqs

    def add(self, kind: str, message: str, loc: _Loc | None = None, seq: int | None = None,
            severity: str = "error") -> None:
        self.problems.append(Problem(kind, message, loc.file if loc else None, loc.line if loc else None, seq,
                                     severity))

    def line(self, raw: bytes, loc: _Loc) -> None:
        try:
            stored, computed = content_hash(raw)
            rec = parse_record(raw)
        except ValueError as e:
            self.add("unreadable", f"not a valid record ({e}): the line was edited or damaged", loc)
            self.unreadable_run += 1
            return
        if stored != computed:
            self.add("edited", "the content does not match the record's hash: a field was changed", loc, rec.seq)
        self._order(rec.seq, loc)
        self._link(rec.seq, rec.prev, loc)
        self._check_anchor(rec.seq, rec.hash, loc)
        self.recent[rec.seq] = (rec.hash, loc)
        if len(self.recent) > _RECENT:
            del self.recent[next(iter(self.recent))]
        if rec.seq > self.max_seq:
            self.max_seq, self.max_loc = rec.seq, loc

    def _order(self, seq: int, loc: _Loc) -> None:
        if seq in self.recent:
            self.add("duplicate", f"seq {seq} appears again (first at {self.recent[seq][1]}): a record was "
                                  "inserted or copied", loc, seq)
        elif seq <= self.max_seq:
            if self._fill_gap(seq):
                self.add("reordered", f"comes after seq {self.max_seq} ({self.max_loc}): records were reordered "
                                      "or moved", loc, seq)
            else:
                self.add("duplicate", f"seq {seq} was already used: a record was inserted", loc, seq)
        elif seq > self.max_seq + 1 + self.unreadable_run:
            self.gaps.append(_Gap(self.max_seq + 1, seq - 1, self.max_loc, loc))
        self.unreadable_run = 0

    def _fill_gap(self, seq: int) -> bool:
        for i, gap in enumerate(self.gaps):
            if gap.low <= seq <= gap.high:
                parts = [_Gap(lo, hi, gap.after, gap.before) for lo, hi in ((gap.low, seq - 1), (seq + 1, gap.high))
                         if lo <= hi]
                self.gaps[i:i + 1] = parts
                return True
        return False

    def _link(self, seq: int, prev: str, loc: _Loc) -> None:
        if seq == 1:
            if prev != GENESIS:
                self.add("broken-link", "the first record must have prev = 000…0", loc, seq)
            return
        before = self.recent.get(seq - 1)
        if before is not None and prev != before[0]:
            self.add("broken-link", f"prev does not match the hash of seq {seq - 1} ({before[1]}): that record "
                                    "was replaced, or this one was inserted", loc, seq)

    def _check_anchor(self, seq: int, digest: str, loc: _Loc) -> None:
        if self.anchor is None or seq != self.anchor[0]:
            return
        self.anchor_seen = True
        if digest != self.anchor[1]:
            self.add("anchor", f"differs from the record the report server acknowledged (hash "
                               f"{self.anchor[1][:12]}…): it was rewritten after upload", loc, seq)

    def finish(self, days: Iterable[dt.date]) -> None:
        have = set(days)
        for gap in self.gaps:
            self._missing(gap, have)
        if self.anchor is not None and not self.anchor_seen:
            seq, digest = self.anchor
            self.add("anchor", f"the report server acknowledged seq {seq} (hash {digest[:12]}…) but the log "
                               f"{'ends at seq ' + str(self.max_seq) if seq > self.max_seq else 'lacks it'}: "
                               "records were removed after upload", None, seq)

    def _missing(self, gap: _Gap, have: set[dt.date]) -> None:
        count = gap.high - gap.low + 1
        span = f"seq {gap.low}" if count == 1 else f"seq {gap.low}-{gap.high} ({count} records)"
        if gap.after is None:
            self.add("missing", f"{span} missing before the first record: older day files or lines were "
                                "removed", gap.before, gap.low)
            return
        text = f"{span} missing between {gap.after} and {gap.before}"
        absent = _days_without_file(gap.after.file, gap.before.file, have)
        if absent:
            listed = ", ".join(d.isoformat() for d in absent[:5]) + (" …" if len(absent) > 5 else "")
            self.add("missing-day", f"{text}; no day file for {listed}: a day file was removed", gap.before, gap.low)
        else:
            self.add("missing", f"{text}: records were deleted", gap.before, gap.low)


def _days_without_file(after: str, before: str, have: set[dt.date]) -> list[dt.date]:
    first, last = file_day(Path(after)), file_day(Path(before))
    if first is None or last is None:
        return []
    days = (first + dt.timedelta(days=n) for n in range(1, (last - first).days))
    return [d for d in days if d not in have]


def read_anchor(directory: Path) -> tuple[int, str] | None:
    """``(seq, hash)`` the report server acknowledged, from the upload cursor, if any."""
    try:
        data = json.loads((directory / CURSOR_NAME).read_bytes())
        seq, digest = data["acked_seq"], data["acked_hash"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if isinstance(seq, int) and seq > 0 and isinstance(digest, str):
        return seq, digest
    return None


def verify(directory: Path, public_keys: Sequence[str] | None = None) -> list[Problem]:
    """All problems found in the log in ``directory`` (no errors: the chain is intact, and signed).

    ``public_keys``: check the screen's signed checkpoints too (:mod:`kiosk.audit.signatures`)
    against these keys (hex, as registered); an empty list checks them against the key the log
    names, with a notice saying so; None checks the hash chain only.
    """
    from kiosk.audit.signatures import SignatureChecker

    checker = _Checker(anchor=read_anchor(directory))
    signatures = SignatureChecker([k.strip().lower() for k in public_keys or ()])
    files = day_files(directory)
    for path in files:
        for line in iter_lines(path):
            checker.line(line.raw, _Loc(path.name, line.number))
            if public_keys is not None:
                signatures.line(line.raw, path.name, line.number)
        torn = torn_tail(path)
        if torn is not None:
            checker.add("truncated", f"the file ends in the middle of a record ({len(torn[1])} bytes after the "
                                     "last complete line): a power cut not yet repaired, or the file was cut",
                        _Loc(path.name, _count_lines(path) + 1))
    for side in sorted(directory.glob("display-*.jsonl.torn-*")):
        checker.add("recovered", "an incomplete write (power cut) was moved aside into this file when the "
                                 "player started", _Loc(side.name, 1), severity="notice")
    checker.finish(d for d in (file_day(p) for p in files) if d is not None)
    problems = checker.problems + (signatures.finish().problems if public_keys is not None else [])
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0))  # in file order


def verify_lines(lines: Sequence[bytes], after: tuple[int, str] | None = None, source: str = "batch") -> list[Problem]:
    """Problems in records received as a batch (raw lines, oldest first) that must continue ``after``.

    ``after`` is ``(seq, hash)`` of the record already held before the batch: the first record must
    be ``seq + 1`` with ``prev == hash``.  Without it the batch may start a chain at any seq (a
    receiver's first batch from a screen whose older records went elsewhere); from seq 1 it must
    start at ``000…0``.  The same checks as :func:`verify` (edited, unreadable, missing, reordered,
    duplicate, broken-link); places read ``SOURCE:N`` with N the line within the batch.
    """
    checker = _Checker()
    if after is not None:
        seq, digest = after
        checker.max_seq, checker.max_loc = seq, _Loc("received", 0)
        if seq > 0:
            checker.recent[seq] = (digest, checker.max_loc)
    else:
        first = _first_seq(lines)
        if first is not None:
            checker.max_seq = first - 1
    for number, raw in enumerate(lines, start=1):
        checker.line(raw, _Loc(source, number))
    checker.finish(())
    return checker.problems


def _first_seq(lines: Sequence[bytes]) -> int | None:
    for raw in lines:
        try:
            return parse_record(raw).seq
        except ValueError:
            continue
    return None


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 16), b""))


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
