"""A screen's compact timeline, extended batch by batch (pure: no Django, naive local times).

From the proof-of-display records the office keeps three kinds of pieces per screen:

- ``run``: time covered by records (the player ran); consecutive records touch, so a day of
  playing is one piece and every stop makes a new one;
- ``off``: screen-off records (outside display hours), merged the same way;
- ``show``: per notice, the time it was *in rotation*: its showings merged across the breaks in
  which the player ran and showed other notices, when a break is shorter than ``min_gap`` (the
  rule of ``kiosk audit report``, which does not list such breaks).  A break that contains
  screen-off or outage time is never bridged, so those causes stay visible.

The coverage report then needs only these pieces (a few per screen and day, instead of one
record per slide) and :func:`kiosk.audit.report.attribute_gaps`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kiosk.audit import intervals as iv
from kiosk.audit.intervals import Span
from kiosk.audit.records import NOTICE, SCREEN_OFF, Record

RUN = "run"
OFF = "off"
SHOW = "show"


@dataclass
class Piece:
    kind: str
    start: dt.datetime
    end: dt.datetime
    feed: str = ""
    item: str = ""
    seconds: float = 0.0
    showings: int = 0
    versions: set[str] = field(default_factory=set)
    id: int | None = None  # the stored row; None for a new piece
    changed: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return self.kind, self.feed, self.item

    @property
    def span(self) -> Span:
        return self.start, self.end


def merge_batch(records: Sequence[Record], stored: Iterable[Piece], min_gap: dt.timedelta) -> list[Piece]:
    """Extend the ``stored`` pieces (those that may touch the batch) with ``records``.

    Returns the pieces to write: stored ones that changed (``changed``) and new ones (``id`` None).
    ``stored`` must hold every piece of the screen ending at or after the batch's first start
    minus ``min_gap``.
    """
    by_key: dict[tuple[str, str, str], list[Piece]] = defaultdict(list)
    pieces: list[Piece] = []
    for piece in stored:
        by_key[piece.key].append(piece)
        pieces.append(piece)
    out: dict[int, Piece] = {}

    def before(key: tuple[str, str, str], start: dt.datetime) -> Piece | None:
        """The piece of ``key`` that a span starting at ``start`` may extend: the latest begun by then."""
        return max((p for p in by_key[key] if p.start <= start), key=lambda p: p.end, default=None)

    def extend(kind: str, span: Span, feed: str = "", item: str = "", bridge: bool = False) -> Piece:
        cur = before((kind, feed, item), span[0])
        if cur is not None and (span[0] <= cur.end or bridge):
            if span[1] > cur.end:
                cur.end = span[1]
            cur.changed = True
        else:
            cur = Piece(kind, span[0], span[1], feed, item)
            by_key[cur.key].append(cur)
            pieces.append(cur)
        out[id(cur)] = cur
        return cur

    spans = [(r.start, r.end) for r in records if r.end > r.start]
    for span in iv.union(spans):
        extend(RUN, span)
    for span in iv.union((r.start, r.end) for r in records if r.kind == SCREEN_OFF and r.end > r.start):
        extend(OFF, span)
    running = iv.union(p.span for p in pieces if p.kind == RUN)
    off = iv.union(p.span for p in pieces if p.kind == OFF)
    for rec in sorted((r for r in records if r.kind == NOTICE and r.item is not None and r.end > r.start),
                      key=lambda r: r.start):
        feed, item = rec.feed or "", rec.item or ""
        cur = before((SHOW, feed, item), rec.start)
        bridge = cur is not None and _bridgeable((cur.end, rec.start), running, off, min_gap)
        piece = extend(SHOW, (rec.start, rec.end), feed, item, bridge)
        piece.seconds += rec.seconds
        piece.showings += 1
        if rec.version is not None:
            piece.versions.add(rec.version)
    return list(out.values())


def _bridgeable(hole: Span, running: list[Span], off: list[Span], min_gap: dt.timedelta) -> bool:
    """A break between two showings that is ordinary rotation: short, the player ran, screen on."""
    start, end = hole
    if end <= start:
        return True
    if end - start >= min_gap:
        return False
    return not iv.subtract([hole], running) and not iv.intersect([hole], off)
