"""公示期 coverage over a simulated fortnight: night-time screen-off, an outage, a break in rotation, a
screen that stopped reporting; checked against the records themselves (the device's own report)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fleetkit import ITEMS, START, UNTIL, build_fortnight, notice

from kiosk.audit.records import Record, file_name
from kiosk.audit.report import report as device_report
from kiosk.office.datadir import DataDir
from kiosk.office.fleet import coverage, notices
from kiosk.office.fleet.models import PublishedNotice, Screen

pytestmark = pytest.mark.django_db

@pytest.fixture
def fleet(client: Client, office: DataDir, tmp_path: Path) -> dict[str, Any]:
    return build_fortnight(client, office, tmp_path)


def report_now() -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, 20, 12))


def office_report(item: str = "gs-07") -> coverage.NoticeCoverage:
    n = PublishedNotice.objects.select_related("feed").get(item=item)
    return coverage.notice_coverage(n, report_now(), dt.timedelta(minutes=15))


def device_gaps(records: list[Record], tmp_path: Path, now: dt.datetime | None) -> list[tuple[Any, Any, str]]:
    """The device's own `kiosk audit report` on the same records, written as its day files."""
    folder = tmp_path / f"device-{id(records)}"
    folder.mkdir()
    days: dict[str, list[bytes]] = defaultdict(list)
    for r in records:
        days[file_name(r.start.date())].append(r.line())
    for name, day_lines in days.items():
        (folder / name).write_bytes(b"".join(day_lines))
    [rep] = device_report(folder, START.date(), UNTIL.date(), "township/gs-07", now=now)
    return [(g.start, g.end, g.cause) for g in rep.gaps]


def test_the_notice_index_lists_the_window_and_audience(fleet: dict[str, Any]) -> None:
    n = PublishedNotice.objects.get(item="gs-07")
    assert coverage.local(n.show_from) == START and coverage.local(n.show_until) == UNTIL
    assert n.audience == "public" and n.title == "关于张三同志任前公示" and n.gone_version is None
    assert [x.item for x in coverage.feed_notices(fleet["feed"])] == ["gs-07"]


def test_every_screen_that_should_show_it_and_how_much_it_did(fleet: dict[str, Any], tmp_path: Path) -> None:
    cov = office_report()
    assert [s.screen.device_id for s in cov.screens] == ["a", "b", "c"]  # d follows another feed
    by = {s.screen.device_id: s for s in cov.screens}
    due = (10 + 13 * 11.5 + 1.5) * 3600  # first day from 09:00, thirteen full days, last day until 09:00
    assert by["a"].due_s == pytest.approx(due) and by["a"].complete and by["a"].share == 1.0
    assert [g.cause for g in by["a"].gaps] == ["screen-off"] * 14

    b = by["b"]
    assert b.missed_s == 3 * 3600 and b.share == pytest.approx((due - 3 * 3600) / due)
    [outage] = b.missed_gaps
    assert (outage.start, outage.end, outage.cause) == (dt.datetime(2026, 11, 3, 10), dt.datetime(2026, 11, 3, 13),
                                                        "outage")
    assert [d.missed_s for d in b.days if d.missed_s] == [3 * 3600] and b.days[1].number == 2

    c = by["c"]
    causes = [(g.start, g.end, g.cause) for g in c.missed_gaps]
    assert causes == [(dt.datetime(2026, 11, 6, 13, 59), dt.datetime(2026, 11, 6, 15, 31), "not-scheduled"),
                      (dt.datetime(2026, 11, 14, 12), UNTIL, "offline")]
    assert not cov.complete


def test_the_office_agrees_with_the_devices_own_report(fleet: dict[str, Any], tmp_path: Path) -> None:
    by = {s.screen.device_id: s for s in office_report().screens}
    for name in ("a", "b"):
        office = [(g.start, g.end, g.cause) for g in by[name].gaps]
        assert office == device_gaps(fleet["chains"][name].records, tmp_path, now=UNTIL)
    received = [(g.start, g.end, g.cause) for g in by["c"].gaps if g.cause != "offline"]
    assert received == device_gaps(fleet["chains"]["c"].records, tmp_path, now=None)


def test_summary_and_csv_a_supervisor_can_file(fleet: dict[str, Any]) -> None:
    cov = office_report()
    text = coverage.summary(cov)
    assert text[0] == "“关于张三同志任前公示”在 青禾镇a 上公示期内全程轮播（100%，按时段关屏除外），共 15 天。".replace(
        "青禾镇a", Screen.objects.get(device_id="a").name)
    assert "第 2 天（11月3日）缺 3 小时（播放器未运行）" in text[1]
    assert "第 5 天（11月6日）缺 1 小时 32 分（未排入播放）" in text[2] and "屏幕离线" in text[2]
    rows = list(csv.reader(io.StringIO(coverage.to_csv([cov]).lstrip("\ufeff"))))
    assert rows[0][:3] == ["内容源", "编号", "标题"]
    totals = [r for r in rows if r[6] == "合计"]
    assert [(r[3], r[11], r[12]) for r in totals] == [("a", "100%", "全程"), ("b", "98.14%", "有缺失"),
                                                      ("c", coverage.percent(cov.screens[2].share), "有缺失")]
    outage = [r for r in rows if r[3] == "b" and r[6] == "缺失" and r[12] == "播放器未运行"]
    assert outage == [["township", "gs-07", "关于张三同志任前公示", "b", cov.screens[1].screen.name, "柳溪村", "缺失",
                       "2026-11-03", "2026-11-03 10:00:00", "2026-11-03 13:00:00", "10800", "", "播放器未运行"]]


def test_a_members_only_notice_is_due_only_on_members_screens(fleet: dict[str, Any], office: DataDir,
                                                                  tmp_path: Path) -> None:
    from fleetkit import republish

    republish(office, tmp_path, "township", {**ITEMS, "mem": notice("mem", "发展党员公示", True, "members")})
    notices.refresh(fleet["feed"])
    cov = office_report("mem")
    assert [s.screen.device_id for s in cov.screens] == ["c"]
    assert cov.published_late  # signed today, long after its show_from: the time before is not judged


def test_a_large_fleet_lists_the_screens_that_missed_time_and_counts_the_rest(fleet: dict[str, Any],
                                                                             monkeypatch: Any) -> None:  # noqa: ANN401
    cov = office_report()
    rows, hidden_short, hidden = coverage.table(cov)
    assert [s.screen.device_id for s in rows] == ["c", "b", "a"] and hidden == hidden_short == 0  # least shown first
    monkeypatch.setattr(coverage, "LISTED", 0)
    monkeypatch.setattr(coverage, "SHORT_LISTED", 1)
    monkeypatch.setattr(coverage, "NAMED", 1)
    rows, hidden_short, hidden = coverage.table(cov)
    assert [s.screen.device_id for s in rows] == ["c"] and (hidden_short, hidden) == (1, 1)
    assert coverage.table(cov, show_all=True)[1:] == (0, 0)
    assert coverage.summary(cov)[-1] == "另有 1 台屏幕未全程显示或不计入，见下表和表格文件。"


def test_screens_added_after_or_retired_before_the_period_are_not_due(fleet: dict[str, Any],
                                                                      client: Client) -> None:
    from fleetkit import add_enrolled

    late, _ = add_enrolled(client, "late", [fleet["feed"]])
    gone, _ = add_enrolled(client, "gone", [fleet["feed"]])
    Screen.objects.filter(pk=late.pk).update(created=timezone.make_aware(dt.datetime(2026, 11, 18)))
    Screen.objects.filter(pk=gone.pk).update(created=timezone.make_aware(dt.datetime(2026, 10, 1)),
                                             retired=timezone.make_aware(dt.datetime(2026, 10, 20)))
    assert [s.screen.device_id for s in office_report().screens] == ["a", "b", "c"]
