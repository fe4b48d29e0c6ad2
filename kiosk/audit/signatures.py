"""Check the screen's signed checkpoints in a display log: a pure function over records and a key.

A checkpoint (``kind = "checkpoint"``) is a record whose ``sig`` is the screen's ed25519 signature
of its own content (``signer``, ``seq``, time and ``prev``, the hash of the record before it).  As
every record's ``prev`` is the hash of the one before, a valid checkpoint vouches for every record
before it: rewriting any of them, however consistently, changes the hash the checkpoint signed.
Together with the chain check (:mod:`kiosk.audit.verify`) it tells records the screen wrote from
records someone with file access wrote.

:func:`check_signatures` takes record lines as stored (bytes, text or the parsed JSON objects an
upload carries), in chain order, and the screen's public key(s) as registered (64 hex digits); the
office runs the same function on what screens upload.  It reports:

- ``bad-signature``: a checkpoint that does not verify: forged, or records before it rewritten;
- ``wrong-key``: a checkpoint signed by a key that is not the screen's;
- ``unsigned`` (error): records after the newest valid checkpoint spanning more than
  ``max_unsigned``: the screen signs every :data:`~kiosk.audit.log.CHECKPOINT_EVERY` seconds, so
  checkpoints were removed (or the log was written by something else); a shorter unsigned tail is
  normal (the next checkpoint signs it) and only counted.

Not detectable here: records cut off the end of the log together with the checkpoints after them
(only a receiver that already holds newer records sees that), and records written with the
screen's key by someone who can read it (root on the screen).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.audit.keys import verify_hex
from kiosk.audit.records import CHECKPOINT, canonical, checkpoint_payload, parse_record
from kiosk.audit.verify import Problem
from kiosk.content.limits import parse_json

CHECKPOINT_EVERY_S = 600.0  # the recorder's interval (kiosk.audit.log.CHECKPOINT_EVERY)
MAX_UNSIGNED = dt.timedelta(seconds=2 * CHECKPOINT_EVERY_S + 300)

Line = bytes | str | dict[str, Any]


@dataclass
class SignatureReport:
    problems: list[Problem] = field(default_factory=list)
    signed_through: int | None = None  # seq of the newest valid checkpoint
    signed_at: dt.datetime | None = None  # its time
    unsigned: int = 0  # records after it (not yet signed)
    checkpoints: int = 0  # valid checkpoints seen
    keys: tuple[str, ...] = ()  # keys the checkpoints name, in order of first appearance


@dataclass
class SignatureChecker:
    """Feed lines in chain order with :meth:`line`, then :meth:`finish`; or use :func:`check_signatures`."""

    keys: Sequence[str]  # the screen's public keys (hex); empty: check against the key the log names
    max_unsigned: dt.timedelta = MAX_UNSIGNED
    report: SignatureReport = field(default_factory=SignatureReport)
    _before: str | None = None  # content hash of the previous readable line
    _first_unsigned: tuple[dt.datetime, str | None, int | None] | None = None
    _last_end: dt.datetime | None = None

    def line(self, raw: Line, file: str | None = None, number: int | None = None) -> None:
        try:
            body = raw if isinstance(raw, dict) else parse_json(raw)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            rec = parse_record(canonical(body))
        except ValueError:
            self._before = None  # the chain check reports the line; nothing here vouches across it
            return
        content = hashlib.sha256(canonical({k: v for k, v in body.items() if k != "hash"})).hexdigest()
        r = self.report
        if rec.kind == CHECKPOINT:
            self._checkpoint(body, rec.seq, rec.start, rec.prev, file, number)
        else:
            r.unsigned += 1
            if self._first_unsigned is None:
                self._first_unsigned = (rec.start, file, number)
            self._last_end = rec.end if self._last_end is None else max(self._last_end, rec.end)
        self._before = content

    def _checkpoint(self, body: dict[str, Any], seq: int, when: dt.datetime, prev: str, file: str | None,
                    number: int | None) -> None:
        r = self.report
        signer, sig = body.get("signer"), body.get("sig")
        if not isinstance(signer, str) or not isinstance(sig, str):
            self._add("bad-signature", "a checkpoint without a signer or signature: not written by the screen",
                      file, number, seq)
            return
        if signer not in r.keys:
            r.keys = (*r.keys, signer)
        trusted = self.keys or r.keys[:1]  # without registered keys: the first key the log names
        if signer not in trusted:
            self._add("wrong-key", f"signed by key {signer[:16]}…, not by the screen's key "
                                   f"{', '.join(k[:16] + '…' for k in trusted)}: written with another key",
                      file, number, seq)
            return
        if not verify_hex(signer, sig, checkpoint_payload(body)):
            self._add("bad-signature", "the signature does not match the checkpoint: it was forged or edited",
                      file, number, seq)
            return
        if self._before is not None and prev != self._before:
            self._add("bad-signature", "the checkpoint signed another record before it than the one in the log: "
                                       "the records before it were rewritten", file, number, seq)
            return
        r.checkpoints += 1
        r.signed_through, r.signed_at = seq, when
        r.unsigned = 0
        self._first_unsigned = None
        self._last_end = None

    def _add(self, kind: str, message: str, file: str | None, number: int | None, seq: int | None,
             severity: str = "error") -> None:
        self.report.problems.append(Problem(kind, message, file, number, seq, severity))

    def finish(self) -> SignatureReport:
        r = self.report
        if not self.keys and not r.keys:  # no key to check against and none named: an unsigned log
            if r.unsigned:
                self._add("unsigned", f"no record is signed ({r.unsigned} records, no checkpoint): written before "
                                      "screens signed their logs, or its checkpoints were removed; only the hash "
                                      "chain was checked (give the screen's public key to require signatures)",
                          None, None, None, severity="notice")
            return r
        if self._first_unsigned is not None and self._last_end is not None:
            start, file, number = self._first_unsigned
            span = self._last_end - start
            after = f"after seq {r.signed_through}" if r.signed_through is not None else "in the log"
            text = (f"{r.unsigned} record(s) {after}, spanning {_hours(span)}, are not signed by the screen's key")
            if span > self.max_unsigned:
                self._add("unsigned", text + ": the screen signs every "
                          f"{CHECKPOINT_EVERY_S / 60:g} minutes, so its checkpoints were removed or these "
                          "records were written by something else", file, number, None)
            else:
                self._add("unsigned", text + " yet (the next checkpoint signs them)", file, number, None,
                          severity="notice")
        if not self.keys and r.keys:
            self._add("key", f"checked against the key the log names ({r.keys[0]}); compare it with the key "
                             "registered for this screen (`kiosk device key` on the screen)", None, None, None,
                      severity="notice")
        return r


def check_signatures(lines: Iterable[Line], public_keys: str | Sequence[str] = (), *,
                     max_unsigned: dt.timedelta = MAX_UNSIGNED) -> SignatureReport:
    """Check the checkpoints of ``lines`` (chain order) against the screen's ``public_keys`` (hex).

    ``public_keys`` empty: against the key the log itself names (shows only internal consistency).
    Pure: no files, no clock.
    """
    keys = [public_keys] if isinstance(public_keys, str) else list(public_keys)
    checker = SignatureChecker([k.strip().lower() for k in keys], max_unsigned)
    for raw in lines:
        checker.line(raw)
    return checker.finish()


def _hours(span: dt.timedelta) -> str:
    minutes = max(0, round(span.total_seconds() / 60))
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
