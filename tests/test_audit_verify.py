"""`verify` finds every kind of tampering and says where: file, line, seq and what."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from kiosk.audit.log import AuditLog, Recorder
from kiosk.audit.records import canonical, parse_record
from kiosk.audit.upload import Cursor, save_cursor
from kiosk.audit.verify import Problem, errors, verify
from kiosk.clock import FakeClock

DAYS = ("2026-11-20", "2026-11-21", "2026-11-22")
PER_DAY = 6


def file_of(directory: Path, day: str) -> Path:
    return directory / f"display-{day}.jsonl"


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def write_lines(path: Path, content: list[bytes]) -> None:
    path.write_bytes(b"".join(content))


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    """Three day files of six records each (seq 1-18)."""
    clock = FakeClock(dt.datetime(2026, 11, 20, 9, 0))
    for day in range(3):
        clock.set(dt.datetime(2026, 11, 20 + day, 9, 0))
        rec = Recorder(AuditLog(tmp_path, clock))
        for n in range(PER_DAY):
            rec.begin(f"town/item-{n}", "town", 3, (0, 0, 1920, 1080), frame_hash=f"{n:064x}")
            clock.advance(15)
        rec.end()
        rec.log.close()
    return tmp_path


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_an_intact_log_verifies(logdir: Path) -> None:
    assert verify(logdir) == []


def test_edited_field_is_found_at_its_line(logdir: Path) -> None:
    path = file_of(logdir, DAYS[1])
    content = lines(path)
    body = json.loads(content[2])
    body["item"] = "another-notice"
    content[2] = canonical(body) + b"\n"
    write_lines(path, content)
    p = only(verify(logdir))
    assert (p.kind, p.file, p.line, p.seq) == ("edited", path.name, 3, PER_DAY + 3)
    assert "display-2026-11-21.jsonl:3 (seq 9): edited" in str(p)


def test_edited_time_with_a_recomputed_hash_breaks_the_link(logdir: Path) -> None:
    path = file_of(logdir, DAYS[0])
    content = lines(path)
    body = json.loads(content[1])
    del body["hash"]
    body["end"] = "2026-11-20T10:00:00.000"
    content[1] = canonical({**body, "hash": hashlib.sha256(canonical(body)).hexdigest()}) + b"\n"
    write_lines(path, content)
    p = only(verify(logdir))
    assert (p.kind, p.file, p.line, p.seq) == ("broken-link", path.name, 3, 3)
    assert "seq 2" in p.message


def test_deleted_line_is_reported_as_missing_seq(logdir: Path) -> None:
    path = file_of(logdir, DAYS[1])
    content = lines(path)
    del content[3]
    write_lines(path, content)
    p = only(verify(logdir))
    assert (p.kind, p.seq, p.file, p.line) == ("missing", 10, path.name, 4)
    assert f"{path.name}:3 and {path.name}:4" in p.message


def test_swapped_lines_are_reported_as_reordered(logdir: Path) -> None:
    path = file_of(logdir, DAYS[0])
    content = lines(path)
    content[2], content[3] = content[3], content[2]
    write_lines(path, content)
    p = only(verify(logdir))
    assert (p.kind, p.seq, p.line) == ("reordered", 3, 4)


def test_inserted_copy_is_reported_as_duplicate(logdir: Path) -> None:
    path = file_of(logdir, DAYS[2])
    content = lines(path)
    content.insert(4, content[1])
    write_lines(path, content)
    problems = errors(verify(logdir))
    assert problems and problems[0].kind == "duplicate" and problems[0].line == 5


def test_file_cut_mid_line_is_reported_as_truncated(logdir: Path) -> None:
    path = file_of(logdir, DAYS[2])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    p = only(verify(logdir))
    assert (p.kind, p.file, p.line) == ("truncated", path.name, PER_DAY)


def test_middle_file_cut_mid_line_also_shows_the_lost_records(logdir: Path) -> None:
    path = file_of(logdir, DAYS[1])
    content = lines(path)
    write_lines(path, content[:2] + [content[2][:30]])
    kinds = {(p.kind, p.file) for p in verify(logdir)}
    assert ("truncated", path.name) in kinds
    assert ("missing", file_of(logdir, DAYS[2]).name) in kinds


def test_removed_middle_day_file_is_named(logdir: Path) -> None:
    file_of(logdir, DAYS[1]).unlink()
    p = only(verify(logdir))
    assert p.kind == "missing-day" and p.seq == PER_DAY + 1
    assert "2026-11-21" in p.message and f"{PER_DAY} records" in p.message


def test_removed_first_day_file_is_found(logdir: Path) -> None:
    file_of(logdir, DAYS[0]).unlink()
    p = only(verify(logdir))
    assert p.kind == "missing" and "before the first record" in p.message


def test_unreadable_line_is_reported(logdir: Path) -> None:
    path = file_of(logdir, DAYS[0])
    content = lines(path)
    content[0] = b"this is not json\n"
    write_lines(path, content)
    p = only(verify(logdir))
    assert (p.kind, p.line) == ("unreadable", 1)


def test_removing_the_newest_records_is_caught_by_the_upload_anchor(logdir: Path) -> None:
    path = file_of(logdir, DAYS[2])
    content = lines(path)
    last = parse_record(content[-1])
    save_cursor(logdir, Cursor(last.seq, last.hash, path.name, len(b"".join(content))))
    assert verify(logdir) == []
    write_lines(path, content[:-2])  # the chain alone cannot see this
    p = only(verify(logdir))
    assert p.kind == "anchor" and p.seq == last.seq and "removed" in p.message


def test_rewriting_the_acknowledged_record_is_caught_by_the_anchor(logdir: Path) -> None:
    path = file_of(logdir, DAYS[1])
    content = lines(path)
    acked = parse_record(content[-1])
    save_cursor(logdir, Cursor(acked.seq, "f" * 64, path.name, 0))
    p = only(verify(logdir))
    assert (p.kind, p.seq, p.file) == ("anchor", acked.seq, path.name)
