"""The compact timeline: showings merged across ordinary rotation, never across screen-off or outages."""

from __future__ import annotations

import datetime as dt

from fleetkit import Chain

from kiosk.audit.records import NOTICE
from kiosk.office.fleet.timeline import OFF, RUN, SHOW, Piece, merge_batch

T0 = dt.datetime(2026, 11, 2, 8, 0)
GAP = dt.timedelta(minutes=15)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def merged(chain: Chain, batches: int = 1) -> list[Piece]:
    """Merge ``chain`` in ``batches`` pieces, as uploads arrive; all pieces afterwards."""
    stored: list[Piece] = []
    size = -(-len(chain.records) // batches)
    for i in range(0, len(chain.records), size):
        out = merge_batch(chain.records[i:i + size], [p for p in stored], GAP)
        for p in out:
            if p.id is None:
                p.id = len(stored) + 1
                stored.append(p)
    return sorted(stored, key=lambda p: (p.kind, p.item, p.start))


def test_a_day_of_rotation_is_one_piece_per_kind_and_notice_whatever_the_batches() -> None:
    chain = Chain()
    chain.play(T0, T0 + dt.timedelta(hours=10), ["a", "b", "c"])
    for batches in (1, 7, 60):
        pieces = merged(chain, batches)
        assert [(p.kind, p.item) for p in pieces] == [(RUN, ""), (SHOW, "a"), (SHOW, "b"), (SHOW, "c")]
        run = pieces[0]
        assert (run.start, run.end) == (T0, T0 + dt.timedelta(hours=10))
        a = pieces[1]
        assert a.showings == 600 and a.seconds == 600 * 20 and a.start == T0
        assert pieces[3].end == T0 + dt.timedelta(hours=10)


def test_an_outage_inside_the_rotation_is_never_bridged() -> None:
    chain = Chain()
    chain.play(T0, T0 + minutes(60), ["a", "b"])
    chain.play(T0 + minutes(65), T0 + minutes(120), ["a", "b"])  # 5 minutes without records
    pieces = merged(chain, 3)
    assert [(p.start, p.end) for p in pieces if p.kind == RUN] == [(T0, T0 + minutes(60)),
                                                                   (T0 + minutes(65), T0 + minutes(120))]
    assert len([p for p in pieces if p.kind == SHOW and p.item == "a"]) == 2


def test_screen_off_splits_and_a_long_absence_splits() -> None:
    chain = Chain()
    chain.play(T0, T0 + minutes(30), ["a", "b"])
    chain.dark(T0 + minutes(30), T0 + minutes(35))
    chain.add(NOTICE, T0 + minutes(35), T0 + minutes(60), "b", "township")
    chain.add(NOTICE, T0 + minutes(60), T0 + minutes(61), "a", "township")  # 30 minutes of b only
    pieces = merged(chain, 2)
    assert [(p.start, p.end) for p in pieces if p.kind == OFF] == [(T0 + minutes(30), T0 + minutes(35))]
    assert [p.start for p in pieces if p.kind == SHOW and p.item == "a"] == [T0, T0 + minutes(60)]
    assert [(p.start, p.end) for p in pieces if p.kind == RUN] == [(T0, T0 + minutes(61))]


def test_a_clock_that_went_back_starts_new_pieces_instead_of_swallowing_them() -> None:
    chain = Chain()
    chain.play(T0, T0 + minutes(30), ["a"])
    chain.play(T0 - minutes(60), T0 - minutes(50), ["a"])
    pieces = merged(chain, 2)
    assert sorted((p.start, p.end) for p in pieces if p.kind == RUN) == [(T0 - minutes(60), T0 - minutes(50)),
                                                                         (T0, T0 + minutes(30))]
