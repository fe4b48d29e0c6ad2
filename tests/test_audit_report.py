"""Report totals over a simulated two-week announcement period, CSV and text output, the CLI."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest

from kiosk.audit.cli import add_audit_commands
from kiosk.audit.log import AuditLog, Recorder
from kiosk.audit.report import ItemReport, format_text, report, write_csv
from kiosk.audit.verify import verify
from kiosk.clock import FakeClock

D = dt.datetime
FIRST, LAST = dt.date(2026, 11, 2), dt.date(2026, 11, 15)  # two weeks
WINDOW = (D(2026, 11, 5, 8, 0), D(2026, 11, 12, 8, 0))  # a seven-day 公示 period
SLIDE = 120  # seconds per slide; the notice is one slide in five: 20% of the daytime
OTHERS = ("budget", "dues", "hotline", "rules")
POWER_CUT = (D(2026, 11, 7, 9, 59), D(2026, 11, 7, 12, 0))  # mid-slide at 09:58; back at 12:00
DROPPED = (D(2026, 11, 9, 14, 0), D(2026, 11, 9, 16, 0))  # the notice left the playlist for two hours
REGION = (0, 120, 1920, 840)


def on_air(now: dt.datetime) -> bool:
    return 8 <= now.hour < 18  # display hours 08:00-18:00; screen off every night


def slot_item(now: dt.datetime) -> str:
    index = ((now.hour - 8) * 3600 + now.minute * 60) // SLIDE
    wanted = index % 5 == 0 and WINDOW[0] <= now < WINDOW[1] and not DROPPED[0] <= now < DROPPED[1]
    return "gs-2026-07" if wanted else OTHERS[index % 4]


def simulate(directory: Path) -> None:
    clock = FakeClock(D(2026, 11, 2, 0, 0))
    rec = Recorder(AuditLog(directory, clock), max_span=600)
    rec.start()
    end = D.combine(LAST + dt.timedelta(days=1), dt.time())
    off = False
    while clock.now() < end:
        now = clock.now()
        if on_air(now):
            item = slot_item(now)
            rec.begin(f"township/{item}", "township", 12, REGION, page=0, frame_hash=f"{hash(item) & 0xffff:064x}",
                      window=WINDOW if item == "gs-2026-07" else None)
            off = False
            if now == POWER_CUT[0] - dt.timedelta(minutes=1):
                clock.advance(60)
                rec.log.close()  # the power goes mid-slide: that slide is never recorded
                clock.set(POWER_CUT[1])
                rec = Recorder(AuditLog(directory, clock), max_span=600)
                rec.start()
                continue
        elif not off:
            rec.screen_off(REGION)
            off = True
        clock.advance(SLIDE)
        rec.tick()
    rec.stop()


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("audit")
    with pytest.MonkeyPatch.context() as mp:  # 5000 fsyncs would make the suite slow on a slow disk;
        mp.setattr(os, "fsync", lambda fd: None)  # durability has its own tests in test_audit_log.py
        simulate(directory)
    return directory


def notice(reports: list[ItemReport]) -> ItemReport:
    (r,) = [r for r in reports if r.item == "gs-2026-07"]
    return r


def test_totals_days_and_gaps_over_two_weeks(logdir: Path) -> None:
    r = notice(report(logdir, FIRST, LAST))
    full_day = 600 // 10 * SLIDE  # 60 showings of 2 minutes in 10 hours: 2 hours, 20% of the day
    lost = 12 * SLIDE  # 2 hours of outage, and 2 hours not scheduled: 12 showings each
    assert r.seconds == 7 * full_day - 2 * lost
    assert r.key == "township/gs-2026-07" and r.versions == ("12",) and r.window == WINDOW
    days = dict(r.days)
    assert sorted(days) == [dt.date(2026, 11, d) for d in range(5, 12)]
    assert days[dt.date(2026, 11, 6)] == full_day
    assert days[dt.date(2026, 11, 7)] == days[dt.date(2026, 11, 9)] == full_day - lost
    assert r.checked == WINDOW and r.missing_days == ()
    assert r.complete is False

    nights = [g for g in r.gaps if g.cause == "screen-off"]
    assert len(nights) == 7 and all(g.seconds == 14 * 3600 for g in nights)
    assert nights[0].start == D(2026, 11, 5, 18, 0) and nights[-1].end == WINDOW[1]
    (outage,) = [g for g in r.gaps if g.cause == "outage"]
    assert (outage.start, outage.end) == (D(2026, 11, 7, 9, 58), POWER_CUT[1])  # the unrecorded slide too
    (dropped,) = [g for g in r.gaps if g.cause == "not-scheduled"]
    assert dropped.start == D(2026, 11, 9, 13, 52) and dropped.end == DROPPED[1]


def test_the_simulated_log_verifies(logdir: Path) -> None:
    assert verify(logdir) == []


def test_other_notices_have_no_window_and_full_totals(logdir: Path) -> None:
    reports = report(logdir, FIRST, LAST)
    assert [r.item for r in reports] == sorted(["gs-2026-07", *OTHERS])
    budget = next(r for r in reports if r.item == "budget")
    assert budget.window is None and budget.complete is None and budget.gaps == ()
    assert len(budget.days) == 14


def test_item_filter_and_a_clean_stretch_is_complete(logdir: Path) -> None:
    (r,) = report(logdir, dt.date(2026, 11, 10), dt.date(2026, 11, 11), item="gs-2026-07")
    assert r.complete is True
    assert r.checked == (D(2026, 11, 10), D(2026, 11, 12))
    assert {g.cause for g in r.gaps} == {"screen-off"}
    assert r.seconds == 2 * 600 // 10 * SLIDE
    assert report(logdir, FIRST, LAST, item="township/gs-2026-07")[0].seconds == notice(report(logdir, FIRST,
                                                                                                  LAST)).seconds


def test_window_not_yet_over_is_judged_only_up_to_now(logdir: Path) -> None:
    (r,) = report(logdir, FIRST, LAST, item="gs-2026-07", now=D(2026, 11, 6, 12, 0))
    assert r.checked == (WINDOW[0], D(2026, 11, 6, 12, 0))
    assert r.complete is True


def test_csv_output(logdir: Path) -> None:
    out = io.StringIO()
    write_csv(report(logdir, FIRST, LAST, item="gs-2026-07"), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    total = next(r for r in rows if r["row"] == "total")
    assert float(total["seconds"]) == notice(report(logdir, FIRST, LAST)).seconds
    assert total["cause"] == "gaps" and total["start"] == "2026-11-05 08:00:00"
    assert sum(1 for r in rows if r["row"] == "day") == 7
    gaps = [r for r in rows if r["row"] == "gap"]
    assert [g["cause"] for g in gaps].count("screen-off") == 7
    assert {"outage", "not-scheduled"} <= {g["cause"] for g in gaps}


def test_text_output(logdir: Path) -> None:
    text = format_text(report(logdir, FIRST, LAST, item="gs-2026-07"))
    assert "township/gs-2026-07: on screen 13:12:00" in text
    assert "NOT COMPLETE" in text and "player not running (outage)" in text
    assert any(line.split() == ["2026-11-07", "01:36:00"] for line in text.splitlines())
    assert format_text([]).startswith("no notice")


def cli(state_dir: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    sub = parser.add_subparsers(dest="command", required=True)
    add_audit_commands(sub, lambda args: args.state_dir)
    args = parser.parse_args([*argv[:2], "--state-dir", str(state_dir), *argv[2:]])
    return args.handler(args)


def test_cli_report_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock(D(2026, 11, 20, 9, 0))
    rec = Recorder(AuditLog(tmp_path / "audit", clock))
    rec.begin("town/n1", "town", 1, REGION, window=(D(2026, 11, 20), D(2026, 11, 21)))
    clock.advance(30)
    rec.stop()
    out = tmp_path / "report.csv"
    assert cli(tmp_path, "audit", "report", "--from", "2026-11-20", "--to", "2026-11-20", "--csv", str(out)) == 0
    assert "town/n1: on screen 00:00:30" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xef\xbb\xbffeed,item,row")
    assert cli(tmp_path, "audit", "verify") == 0
    assert "OK" in capsys.readouterr().out

    path = tmp_path / "audit" / "display-2026-11-20.jsonl"
    first, rest = path.read_bytes().split(b"\n", 1)
    path.write_bytes(json.dumps({**json.loads(first), "item": "x"}).encode() + b"\n" + rest)
    assert cli(tmp_path, "audit", "verify") == 1
    assert "edited" in capsys.readouterr().out
    assert cli(tmp_path / "nowhere", "audit", "verify") == 2


def test_a_forged_record_with_a_time_zone_is_reported_not_a_crash(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A record with "+08:00" made `kiosk audit report` compare aware and naive times: TypeError."""
    from kiosk.audit.records import Record

    clock = FakeClock(D(2026, 11, 20, 9, 0))
    log = AuditLog(tmp_path / "audit", clock)
    rec = Recorder(log)
    rec.begin("town/n1", "town", 1, REGION, window=(D(2026, 11, 20), D(2026, 11, 21)))
    clock.advance(30)
    rec.end()
    last = log.last
    assert last is not None
    aware = dt.timezone(dt.timedelta(hours=8))
    forged, line = Record(seq=last.seq + 1, kind="notice", start=D(2026, 11, 20, 9, 1, tzinfo=aware),
                          end=D(2026, 11, 20, 23, 0, tzinfo=aware), item="n1", feed="town", version="1",
                          prev=last.hash).sealed()  # a consistent hash: only the time zone is wrong
    log.close()
    with open(tmp_path / "audit" / "display-2026-11-20.jsonl", "ab") as f:
        f.write(line)
    assert cli(tmp_path, "audit", "report", "--from", "2026-11-20", "--to", "2026-11-20") == 0
    out = capsys.readouterr().out
    assert "town/n1: on screen 00:00:30" in out  # the forged 14 hours are not counted
    assert cli(tmp_path, "audit", "verify") == 1
    assert "has a time zone" in capsys.readouterr().out
