"""Receiving proof-of-display uploads: append only what continues the chain already held.

A batch (docs/audit.md, "Upload protocol") is checked with the audit package's own verification
(:func:`kiosk.audit.verify.verify_lines`) against the head the office holds for the screen:

- records the office already holds must be byte-for-byte what it holds: a retransmission (the
  screen did not get the last answer, or lost its upload cursor) is acknowledged and nothing is
  stored twice; a *different* record under a seq already received is a rewritten log (refused);
  the very same request again (same ``nonce``) is a replay (refused);
- the new records must continue the head (``seq + 1``, ``prev`` = head hash), each intact, in
  order, linked; anything else is a broken chain (refused, nothing of the batch stored);
- after (re-)enrolment the first batch may start a new chain (a re-installed screen starts again
  at seq 1): noted on the screen's page, the old chain kept.

Accepted batches are stored as received (:class:`ProofBatch`) and folded into the screen's compact
timeline (:mod:`kiosk.office.fleet.timeline`).  Refused ones are kept as evidence on a
:class:`DeviceEvent` and flagged on the screen's page; nothing already received changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kiosk.audit.records import CHECKPOINT, Record, canonical, parse_record
from kiosk.audit.signatures import MAX_UNSIGNED, check_signatures
from kiosk.audit.verify import Problem, errors, verify_lines
from kiosk.office.fleet import timeline
from kiosk.office.fleet.conf import fleet_settings
from kiosk.office.fleet.events import note
from kiosk.office.fleet.models import EventKind, ProofBatch, Screen, Span
from kiosk.office.fleet.rows import insert_rows, select, select_row, update_row

log = logging.getLogger(__name__)

MAX_RECORDS = 2000  # per batch (screens send 500)
_CHAIN_FIELDS = ("id", "device_id", "chain", "chain_seq", "chain_hash", "chain_open", "proof_from", "proof_until",
                 "public_key", "signed_seq", "signed_at", "unsigned_from")
_BATCH_FIELDS = ("screen", "chain", "first_seq", "last_seq", "last_hash", "start", "end", "received", "nonce", "lines")
_SPAN_FIELDS = ("id", "kind", "feed", "item", "start", "end", "seconds", "showings", "versions")


class BatchRefused(Exception):
    """The batch is not appended; ``kind`` says why (an EventKind), ``status`` the HTTP answer."""

    def __init__(self, kind: str, message: str, status: int = 409, next_seq: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.status, self.next_seq = kind, message, status, next_seq


@dataclass(frozen=True)
class Received:
    """A batch parsed from the request body (shape checked, records not yet verified)."""

    device: str
    lines: tuple[bytes, ...]  # canonical JSON of each record, as the screen stored it
    seqs: tuple[int | None, ...]  # each record's seq (None: not a whole number; verification says more)
    nonce: str

    @property
    def last_seq(self) -> int:
        last = self.seqs[-1]
        assert last is not None  # parse_batch checked it against last_seq
        return last


def parse_batch(body: object) -> Received:
    """The upload body's shape; :class:`BatchRefused` (garbage) when it is not an upload."""
    if not isinstance(body, dict):
        raise BatchRefused(EventKind.GARBAGE, "the body is not a JSON object", 400)
    device, records = body.get("device"), body.get("records")
    if not isinstance(device, str) or not isinstance(records, list) or not records:
        raise BatchRefused(EventKind.GARBAGE, "an upload needs \"device\" and a non-empty \"records\" list", 400)
    if len(records) > MAX_RECORDS:
        raise BatchRefused(EventKind.GARBAGE, f"more than {MAX_RECORDS} records in one batch", 400)
    if not all(isinstance(r, dict) for r in records):
        raise BatchRefused(EventKind.GARBAGE, "every record must be a JSON object", 400)
    lines = tuple(canonical(r) for r in records)
    first, last, head = body.get("first_seq"), body.get("last_seq"), body.get("head")
    seqs = tuple(v if isinstance(v, int) and not isinstance(v, bool) else None for v in (r.get("seq") for r in records))
    if first != seqs[0] or last != seqs[-1] or last is None or not isinstance(head, dict) or head.get("seq") != last \
            or head.get("hash") != records[-1].get("hash"):
        raise BatchRefused(EventKind.GARBAGE, "first_seq, last_seq and head do not match the records", 400)
    nonce = body.get("nonce")
    return Received(device, lines, seqs, nonce if isinstance(nonce, str) and len(nonce) <= 64 else "")


def receive(screen_id: int, batch: Received, remote: str | None = None) -> int:
    """Append ``batch`` to the screen's proof; the seq acknowledged.  Raises :class:`BatchRefused`.

    A batch received counts as contact: ``last_seen`` is updated with the chain's head.
    """
    with transaction.atomic():
        locked = select_row(Screen, _CHAIN_FIELDS, "id", screen_id, for_update=True)
        if locked is None:
            raise BatchRefused(EventKind.RETIRED, "this screen no longer exists", 403)
        screen = Screen(**locked)
        contact = {"last_seen": timezone.now(), "last_ip": remote}
        new, chain, after = _new_part(screen, batch)
        if not new:
            update_row(Screen, screen.pk, contact)
            return batch.last_seq
        problems = errors(verify_lines(new, after))
        if problems and screen.chain_open and after is not None:
            restart = errors(verify_lines(new, None))
            if not restart:
                chain, after, problems = screen.chain + 1, None, []
        if problems:
            raise BatchRefused(EventKind.BROKEN_CHAIN, _describe(problems), next_seq=screen.chain_seq + 1)
        records = [parse_record(line) for line in new]
        timed = [t for t in (_timed(r) for r in records) if t is not None]
        signing = _signatures(screen, chain, new, timed)
        _append(screen, chain, after, new, records, timed, batch.nonce, {**contact, **signing})
    return batch.last_seq


def _new_part(screen: Screen, batch: Received) -> tuple[Sequence[bytes], int, tuple[int, str] | None]:
    """The lines not held yet, the chain they go to and the head they must continue."""
    after = (screen.chain_seq, screen.chain_hash) if screen.chain_seq > 0 else None
    seqs = batch.seqs
    held_seqs = {i: s for i, s in enumerate(seqs) if s is not None and after is not None and s <= after[0]}
    if not held_seqs or after is None:
        return batch.lines, screen.chain, after
    held = list(held_seqs)
    stored = _stored_lines(screen, min(held_seqs.values()), after[0])
    differs = [s for i, s in held_seqs.items() if stored.get(s) != batch.lines[i]]
    if differs:
        if screen.chain_open:
            return batch.lines, screen.chain + 1, None  # a re-enrolled screen whose log started again
        raise BatchRefused(EventKind.REWRITTEN, f"seq {differs[0]} differs from the record received before "
                                                f"({len(differs)} record(s)): the screen's log was rewritten after "
                                                "upload", next_seq=screen.chain_seq + 1)
    rest = batch.lines[len(held):] if held == list(range(len(held))) else None
    if rest is None:
        raise BatchRefused(EventKind.BROKEN_CHAIN, "records already received are mixed with new ones out of order",
                           next_seq=screen.chain_seq + 1)
    if not rest:
        _check_replay(screen, batch, seqs)
    return rest, screen.chain, after


def _check_replay(screen: Screen, batch: Received, seqs: Sequence[int | None]) -> None:
    """Everything in the batch is held already: a retransmission, or the same request replayed."""
    first = seqs[0]
    if batch.nonce and first is not None and ProofBatch.objects.filter(screen=screen, chain=screen.chain,
                                                                       nonce=batch.nonce, first_seq=first).exists():
        raise BatchRefused(EventKind.REPLAY, f"this upload (seq {seqs[0]}-{seqs[-1]}, nonce {batch.nonce[:12]}…) "
                                             "was received before: a replayed request", next_seq=screen.chain_seq + 1)
    note(screen, EventKind.RESENT, f"seq {seqs[0]}-{seqs[-1]} sent again, identical to what was received; "
                                   "acknowledged, not stored twice")


def _seq(line: bytes) -> int | None:
    try:
        return parse_record(line).seq
    except ValueError:
        return None


def _stored_lines(screen: Screen, low: int, high: int) -> dict[int, bytes]:
    """The records ``low..high`` of the screen's current chain as stored (seq -> line)."""
    out: dict[int, bytes] = {}
    batches = ProofBatch.objects.filter(screen=screen, chain=screen.chain, last_seq__gte=low, first_seq__lte=high)
    for b in batches.only("lines"):
        for line in unpack(b.lines):
            seq = _seq(line)
            if seq is not None and low <= seq <= high:
                out[seq] = line
    return out


def pack(lines: Sequence[bytes]) -> bytes:
    return zlib.compress(b"\n".join(lines), 6)


def unpack(data: bytes | memoryview) -> list[bytes]:
    return zlib.decompress(bytes(data)).split(b"\n")


def _describe(problems: list[Problem]) -> str:
    shown = "; ".join(str(p) for p in problems[:5])
    return shown + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")


def aware(naive: dt.datetime) -> dt.datetime:
    """A record's local time (the screen's clock, the office's time zone) as an aware datetime."""
    if naive.tzinfo is not None:
        return naive
    return timezone.make_aware(naive, timezone.get_default_timezone())


def local(when: dt.datetime) -> dt.datetime:
    """An aware datetime as naive local time in the office's time zone (what records and
    kiosk.audit.intervals use); called for every span of a report, so straight to the zone."""
    return when.astimezone(timezone.get_default_timezone()).replace(tzinfo=None)


def _append(screen: Screen, chain: int, after: tuple[int, str] | None, lines: Sequence[bytes],
            records: Sequence[Record], timed: Sequence[Record], nonce: str, contact: dict[str, Any]) -> None:
    """Store the batch as received (its records parsed, those with possible times in ``timed``);
    fold the records whose times are possible into the timeline."""
    now = timezone.now()
    start, end = (min(r.start for r in timed), max(r.end for r in timed)) if timed else (local(now), local(now))
    insert_rows(ProofBatch, _BATCH_FIELDS, [(screen.pk, chain, records[0].seq, records[-1].seq, records[-1].hash,
                                             aware(start), aware(end), now, nonce, pack(lines))])
    if len(timed) < len(records):
        note(screen, EventKind.BAD_TIME, f"{len(records) - len(timed)} record(s) of seq {records[0].seq}-"
                                         f"{records[-1].seq} carry impossible times (before {EARLIEST.year}, after "
                                         f"{LATEST.year}, or ending before they start): kept as received, not counted "
                                         "in coverage")
    if timed:
        _merge_spans(screen, timed, start)
    if chain != screen.chain:
        note(screen, EventKind.CHAIN_START, f"after enrolment the screen's log starts a new chain at seq "
                                            f"{records[0].seq} (chain {chain}); the earlier chain is kept")
    elif after is None and records[0].seq > 1:
        note(screen, EventKind.CHAIN_START, f"the first records received start at seq {records[0].seq}: older "
                                            "records were not sent to this office")
    updates: dict[str, Any] = {**contact, "chain": chain, "chain_seq": records[-1].seq, "chain_hash": records[-1].hash,
                               "chain_open": False}
    if timed:
        updates["proof_until"] = aware(end) if screen.proof_until is None else max(screen.proof_until, aware(end))
        if screen.proof_from is None or aware(start) < screen.proof_from:
            updates["proof_from"] = aware(start)
    update_row(Screen, screen.pk, updates)


def _signatures(screen: Screen, chain: int, lines: Sequence[bytes], timed: Sequence[Record]) -> dict[str, Any]:
    """Check the batch's checkpoints against the key the screen registered at enrolment: the
    screen's new signing state (nothing to check without a registered key).

    A checkpoint that does not verify (forged, signed by another key, or records before it
    rewritten) refuses the batch, kept as evidence on the screen's page, like a broken chain.
    Records spanning longer than the screen's signing interval allows after the chain's newest
    valid checkpoint (checkpoints removed) are stored, as there is nothing to verify, but are an
    alert on the screen's page.  Records before a chain's first checkpoint wait for it: it
    vouches for every record before it (a log from before the screen signed is not an alert).

    Raises:
        BatchRefused: a checkpoint does not verify.
    """
    key = screen.public_key
    if not key:
        return {}
    report = check_signatures(lines, key, max_unsigned=dt.timedelta.max)
    wrong = [p for p in report.problems if p.kind in ("bad-signature", "wrong-key")]
    if wrong:
        raise BatchRefused(EventKind.BAD_SIGNATURE, f"{len(wrong)} checkpoint(s) do not verify against the screen's "
                                                    f"key {key[:16]}…: {_describe(wrong)}",
                           next_seq=screen.chain_seq + 1)
    same = chain == screen.chain
    signed_seq = screen.signed_seq if same else None
    signed_at = screen.signed_at if same else None
    unsigned_from = screen.unsigned_from if same else None
    if report.signed_through is not None:
        signed_seq = report.signed_through
        point = next((r for r in timed if r.seq == signed_seq and r.kind == CHECKPOINT), None)
        signed_at = aware(point.start) if point is not None else signed_at
        later = [r.start for r in timed if r.seq > signed_seq]
        unsigned_from = aware(min(later)) if later else None
    elif unsigned_from is None and timed:
        unsigned_from = aware(min(r.start for r in timed))
    if signed_seq is not None and unsigned_from is not None and timed:
        newest = aware(max(r.end for r in timed))
        if newest - unsigned_from > MAX_UNSIGNED:
            note(screen, EventKind.UNSIGNED, f"no valid checkpoint since seq {signed_seq}: the records from "
                                             f"{local(unsigned_from):%Y-%m-%d %H:%M} to {local(newest):%H:%M} "
                                             f"({(newest - unsigned_from).total_seconds() / 60:.0f} min) are not "
                                             "signed by the screen's key (it signs every 10 minutes): its "
                                             "checkpoints were removed, or something else wrote these records")
    return {"signed_seq": signed_seq, "signed_at": signed_at, "unsigned_from": unsigned_from}


EARLIEST = dt.datetime(2000, 1, 1)
LATEST = dt.datetime(2200, 1, 1)


def _timed(rec: Record) -> Record | None:
    """``rec`` with local naive times (a time with an offset is converted), or None when its times are impossible."""
    start, end = rec.start, rec.end
    if start.tzinfo is not None or end.tzinfo is not None:
        try:
            start, end = local(start if start.tzinfo else aware(start)), local(end if end.tzinfo else aware(end))
        except (OverflowError, ValueError):
            return None
    if not EARLIEST <= start <= end < LATEST:
        return None
    window = rec.window
    if window is not None and any(t is not None and t.tzinfo is not None for t in window):
        window = None  # a window with an offset is not the screen's own: not used for anything here
    return replace(rec, start=start, end=end, window=window)


def _merge_spans(screen: Screen, records: Sequence[Record], start: dt.datetime) -> None:
    min_gap = dt.timedelta(minutes=fleet_settings().min_gap_min)
    rows = select(Span, _SPAN_FIELDS, [("screen", "=", screen.pk), ("end", ">=", aware(start - min_gap))])
    stored = [timeline.Piece(r["kind"], local(r["start"]), local(r["end"]), r["feed"], r["item"], r["seconds"],
                             r["showings"], set(filter(None, r["versions"].split(","))), r["id"]) for r in rows]
    changed, new = [], []
    for piece in timeline.merge_batch(records, stored, min_gap):
        versions = ",".join(sorted(piece.versions, key=lambda v: (len(v), v)))[-200:]
        if piece.id is None:
            new.append((screen.pk, piece.kind, piece.feed, piece.item, aware(piece.start), aware(piece.end),
                        piece.seconds, piece.showings, versions))
        else:
            changed.append((aware(piece.end), piece.seconds, piece.showings, versions, piece.id))
    if changed:
        _update_spans(changed)
    insert_rows(Span, ("screen", "kind", "feed", "item", "start", "end", "seconds", "showings", "versions"), new)


def _update_spans(rows: list[tuple[dt.datetime, float, int, str, int]]) -> None:
    """Extend stored pieces (end, seconds, showings, versions, id): one prepared UPDATE run per row
    (Django's bulk_update builds a CASE per column and row, costlier than the rest of an upload)."""
    q = connection.ops.quote_name
    statement = (f"UPDATE {q(Span._meta.db_table)} SET {q('end')} = %s, {q('seconds')} = %s, {q('showings')} = %s, "
                 f"{q('versions')} = %s WHERE {q('id')} = %s")
    end_field = Span._meta.get_field("end")
    with connection.cursor() as cursor:
        cursor.executemany(statement, [(end_field.get_db_prep_save(end, connection), seconds, showings, versions, pk)
                                       for end, seconds, showings, versions, pk in rows])


def held_batches(screen: Screen, chain: int | None = None) -> Iterator[list[bytes]]:
    """The records received from ``screen`` (one chain, default the current one), batch by batch, oldest first."""
    chain = screen.chain if chain is None else chain
    for b in ProofBatch.objects.filter(screen=screen, chain=chain).order_by("first_seq").only("lines").iterator(100):
        yield unpack(b.lines)


def held_lines(screen: Screen, chain: int | None = None) -> list[bytes]:
    """Every record received from ``screen`` (one chain, default the current one), oldest first."""
    return [line for lines in held_batches(screen, chain) for line in lines]


def chains_of(screen: Screen) -> list[int]:
    return sorted(set(ProofBatch.objects.filter(screen=screen).values_list("chain", flat=True)))

