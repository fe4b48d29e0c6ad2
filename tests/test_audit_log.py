"""The display log: append, chain, rotate by day, recover a torn last line, the player's Recorder."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
from pathlib import Path

import pytest

from kiosk.audit import records as records_mod
from kiosk.audit.log import AuditLog, Recorder
from kiosk.audit.records import GENESIS, canonical, day_files, parse_record
from kiosk.audit.verify import errors, verify
from kiosk.clock import FakeClock

START = dt.datetime(2026, 11, 20, 9, 0)
REGION = (0, 120, 1920, 840)


def frame(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def read(path: Path) -> list[records_mod.Record]:
    return [parse_record(line) for line in path.read_bytes().splitlines()]


def all_records(directory: Path) -> list[records_mod.Record]:
    return [r for p in day_files(directory) for r in read(p)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def test_append_writes_chained_canonical_lines(tmp_path: Path, clock: FakeClock) -> None:
    with AuditLog(tmp_path, clock) as log:
        for n in range(3):
            log.record("notice", clock.now(), clock.now() + dt.timedelta(seconds=10), item=f"n{n}", feed="town",
                       version="7", region=REGION, frame=frame(str(n)))
            clock.advance(10)
    path = tmp_path / "display-2026-11-20.jsonl"
    lines = path.read_bytes().splitlines()
    recs = [parse_record(line) for line in lines]
    assert [r.seq for r in recs] == [1, 2, 3]
    assert recs[0].prev == GENESIS
    assert [r.prev for r in recs[1:]] == [r.hash for r in recs[:-1]]
    for line, rec in zip(lines, recs, strict=True):
        body = json.loads(line)
        stored = body.pop("hash")
        assert stored == rec.compute_hash() == hashlib.sha256(canonical(body)).hexdigest()
        assert line + b"\n" == rec.line()  # written in canonical form
    assert recs[1].item == "n1" and recs[1].feed == "town" and recs[1].version == "7"
    assert recs[1].region == REGION and recs[1].start == START + dt.timedelta(seconds=10)


def test_rotates_by_local_day_and_chain_continues_across_files(tmp_path: Path) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 20, 23, 59, 50))
    with AuditLog(tmp_path, clock) as log:
        log.record("idle", clock.now(), clock.now() + dt.timedelta(seconds=5))
        clock.advance(20)
        log.record("idle", clock.now(), clock.now() + dt.timedelta(seconds=5))
    first, second = day_files(tmp_path)
    assert (first.name, second.name) == ("display-2026-11-20.jsonl", "display-2026-11-21.jsonl")
    assert read(second)[0].prev == read(first)[-1].hash
    assert verify(tmp_path) == []


def test_reopening_continues_the_chain(tmp_path: Path, clock: FakeClock) -> None:
    with AuditLog(tmp_path, clock) as log:
        a = log.record("idle", clock.now(), clock.now())
    with AuditLog(tmp_path, clock) as log:
        assert log.last == a and log.problems == []
        b = log.record("idle", clock.now(), clock.now())
    assert (b.seq, b.prev) == (2, a.hash)


def test_recorder_splits_a_showing_that_crosses_midnight(tmp_path: Path) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 20, 23, 59, 30))
    rec = Recorder(AuditLog(tmp_path, clock))
    rec.begin("town/gs-01", "town", 4, REGION, page=0, frame_hash=frame("p0"),
              window=(dt.datetime(2026, 11, 18), dt.datetime(2026, 11, 25)))
    clock.advance(60)
    rec.end()
    a, b = all_records(tmp_path)
    assert (a.start, a.end) == (dt.datetime(2026, 11, 20, 23, 59, 30), dt.datetime(2026, 11, 21))
    assert (b.start, b.end) == (dt.datetime(2026, 11, 21), dt.datetime(2026, 11, 21, 0, 0, 30))
    assert a.item == b.item == "gs-01" and a.feed == "town" and a.version == "4" and a.page == 0
    assert a.frame == b.frame == frame("p0") and a.window == b.window
    assert len(day_files(tmp_path)) == 2


def test_begin_closes_the_previous_showing_and_end_may_bring_the_frame_hash(tmp_path: Path,
                                                                             clock: FakeClock) -> None:
    rec = Recorder(AuditLog(tmp_path, clock))
    rec.begin("a", "town", None, REGION)
    clock.advance(12)
    rec.begin("b", "town", None, REGION)
    clock.advance(8)
    rec.end(frame("b-drawn"))
    rec.end()  # nothing open: nothing written
    a, b = all_records(tmp_path)
    assert (a.item, a.seconds, a.frame) == ("a", 12, None)
    assert (b.item, b.seconds, b.frame) == ("b", 8, frame("b-drawn"))
    assert a.end == b.start


def test_tick_cuts_long_showings_so_a_power_cut_loses_little(tmp_path: Path) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 20, 18, 0))
    rec = Recorder(AuditLog(tmp_path, clock), max_span=600)
    rec.screen_off()
    while clock.now() < dt.datetime(2026, 11, 21, 8, 0):
        clock.advance(60)
        rec.tick()
    rec.end()
    recs = all_records(tmp_path)
    assert all(r.kind == "screen-off" for r in recs)
    assert max(r.seconds for r in recs) <= 600
    assert sum(r.seconds for r in recs) == 14 * 3600
    assert all(r.start.date() == r.end.date() or r.end.time() == dt.time() for r in recs)
    assert any(r.end == dt.datetime(2026, 11, 21) for r in recs)
    assert [r.start for r in recs[1:]] == [r.end for r in recs[:-1]]


def test_start_says_how_the_previous_run_ended(tmp_path: Path, clock: FakeClock) -> None:
    rec = Recorder(AuditLog(tmp_path, clock))
    rec.start()
    rec.begin("a", "town", 1, REGION)
    clock.advance(30)  # power cut: no end(), no stop()
    rec.log.close()
    clock.advance(3600)
    rec = Recorder(AuditLog(tmp_path, clock))
    rec.start()
    rec.stop()
    rec = Recorder(AuditLog(tmp_path, clock))
    rec.start()
    notes = [r.note for r in all_records(tmp_path) if r.kind == "player-start"]
    assert notes[0] == "new log"
    assert "without a clean stop" in notes[1] and "power cut" in notes[1]
    assert notes[2].startswith("previous run stopped cleanly")
    assert [r.kind for r in all_records(tmp_path)] == ["player-start", "player-start", "player-stop",
                                                       "player-start"]


def test_torn_last_line_is_moved_aside_and_the_chain_continues(tmp_path: Path, clock: FakeClock) -> None:
    with AuditLog(tmp_path, clock) as log:
        for _ in range(3):
            last = log.record("idle", clock.now(), clock.now())
    path = tmp_path / "display-2026-11-20.jsonl"
    good = path.read_bytes()
    torn = b'{"end":"2026-11-20T09:00:00.000","feed":nu'
    path.write_bytes(good + torn)  # the power went while line 4 was being written

    log = AuditLog(tmp_path, clock)
    assert len(log.problems) == 1 and "power cut" in log.problems[0]
    side = tmp_path / f"display-2026-11-20.jsonl.torn-{len(good)}"
    assert side.read_bytes() == torn  # kept, not silently deleted
    assert path.read_bytes() == good
    assert log.last == last
    nxt = log.record("idle", clock.now(), clock.now())
    log.close()
    assert (nxt.seq, nxt.prev) == (4, last.hash)
    problems = verify(tmp_path)
    assert errors(problems) == []
    assert [p.kind for p in problems] == ["recovered"] and problems[0].file == side.name


def test_empty_newest_file_continues_from_the_previous_day(tmp_path: Path) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 20, 12, 0))
    with AuditLog(tmp_path, clock) as log:
        a = log.record("idle", clock.now(), clock.now())
    (tmp_path / "display-2026-11-21.jsonl").write_bytes(b"")  # created, then the power went
    clock.set(dt.datetime(2026, 11, 21, 9, 0))
    with AuditLog(tmp_path, clock) as log:
        b = log.record("idle", clock.now(), clock.now())
    assert (b.seq, b.prev) == (2, a.hash)
    assert verify(tmp_path) == []


def test_a_failed_write_leaves_no_half_line_and_the_player_goes_on(tmp_path: Path, clock: FakeClock,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(AuditLog(tmp_path, clock))
    rec.begin("a", "town", 1, REGION)
    clock.advance(10)
    rec.end()

    def disk_full(fd: int, data: bytes) -> None:
        import os
        os.write(fd, data[:7])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("kiosk.audit.log.write_all", disk_full)
    rec.begin("b", "town", 1, REGION)
    clock.advance(10)
    rec.end()  # must not raise
    assert rec.last_error is not None and "free space" in rec.last_error
    monkeypatch.undo()
    rec.begin("c", "town", 1, REGION)
    clock.advance(10)
    rec.end()
    assert rec.last_error is None
    assert [(r.seq, r.item) for r in all_records(tmp_path)] == [(1, "a"), (2, "c")]
    assert verify(tmp_path) == []


def test_clock_going_back_is_noted_not_fatal(tmp_path: Path, clock: FakeClock) -> None:
    rec = Recorder(AuditLog(tmp_path, clock))
    rec.begin("a", "town", 1, REGION)
    clock.set(START - dt.timedelta(minutes=5))  # NTP correction
    rec.end()
    (r,) = all_records(tmp_path)
    assert r.seconds == 0 and r.note is not None and "clock went back" in r.note


def test_clock_jump_writes_two_records_not_one_per_day(tmp_path) -> None:  # noqa: ANN001
    import datetime as _dt

    from kiosk.audit.log import AuditLog, Recorder
    from kiosk.clock import FakeClock

    clock = FakeClock(_dt.datetime(2000, 1, 1, 0, 5))  # a board that booted with a dead RTC
    rec = Recorder(AuditLog(tmp_path, clock))
    rec.start()
    rec.idle((0, 0, 10, 10))
    clock.set(_dt.datetime(2026, 11, 27, 9, 0))  # NTP corrects the clock
    rec.tick()
    rec.begin("local/x", "local", None, (0, 0, 10, 10))
    rec.stop()
    lines = sum(1 for f in tmp_path.glob("display-*.jsonl") for _ in f.open(encoding="utf-8"))
    assert lines < 10
