"""Contact details erased after the retention period (fake clock), by the purge and its command."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from feedbackkit import Published, member, published_feed, token_for

from kiosk.office.accounts.models import Role
from kiosk.office.datadir import DataDir, OfficeSettings
from kiosk.office.feedback.models import Hit, Status, Submission
from kiosk.office.feedback.retention import PurgeThread, purge
from kiosk.office.history.models import Event

pytestmark = pytest.mark.django_db

NOTICE = "/p/township/dues-q3/"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def pub(office: DataDir, tmp_path: Path) -> Published:
    return published_feed(office, tmp_path)


def sent_at(moment: dt.datetime, name: str, monkeypatch: Any) -> Submission:  # noqa: ANN401
    from kiosk.office.feedback import public

    monkeypatch.setattr(public, "now", lambda: moment)
    c = Client(REMOTE_ADDR="192.0.2.1")
    response = c.post(NOTICE, {"token": token_for(c, NOTICE), "body": "意见", "name": name, "phone": "13800001234"})
    assert response.status_code == 303
    return Submission.objects.get(name=name)


def test_contacts_erased_retention_days_after_closing(pub: Published, make_user: Any, settings: Any,  # noqa: ANN401
                                                     monkeypatch: Any) -> None:  # noqa: ANN401
    settings.OFFICE = OfficeSettings(sections={"feedback": {"contact_retention_days": 30}})
    closed = sent_at(T0, "已办结", monkeypatch)
    still_open = sent_at(T0 + dt.timedelta(minutes=1), "未办结", monkeypatch)
    Submission.objects.filter(pk=closed.pk).update(status=Status.ANSWERED, closed_at=T0 + dt.timedelta(days=1))
    Hit.objects.create(scope="lookup", key="k", at=T0)

    report = purge(T0 + dt.timedelta(days=30), dry_run=False)  # 29 days after closing: kept
    assert report.contacts_erased == 0 and report.clients_erased == 2 and report.hits_deleted == 1
    closed.refresh_from_db()
    assert closed.contact == "13800001234" and closed.client == ""

    assert purge(T0 + dt.timedelta(days=31, hours=1), dry_run=True).contacts_erased == 1  # counts, changes nothing
    assert Submission.objects.get(pk=closed.pk).contact == "13800001234"

    report = purge(T0 + dt.timedelta(days=31, hours=1))
    assert report.contacts_erased == 1
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert (closed.name, closed.contact) == ("", "") and closed.contact_erased_at is not None
    assert closed.body == "意见"  # the comment itself stays for the archive
    assert still_open.contact == "13800001234"  # an open case keeps what is needed to answer it
    event = Event.objects.get(action="feedback.erase")
    assert event.actor_name == "系统" and event.details["codes"] == [closed.code]
    assert "13800001234" not in str(event.details)
    assert purge(T0 + dt.timedelta(days=400)).contacts_erased == 0  # nothing twice

    reviewer = Client()
    reviewer.force_login(member(make_user, pub.feed, "reviewer", Role.REVIEWER))
    page = reviewer.get(f"/f/township/feedback/{closed.pk}/").content.decode()
    assert "按保存期限删除" in page


@pytest.mark.django_db(transaction=True)  # the thread closes stale connections, as in serve
def test_command_and_serve_thread(pub: Published, monkeypatch: Any) -> None:  # noqa: ANN401
    sub = sent_at(T0, "张三", monkeypatch)
    Submission.objects.filter(pk=sub.pk).update(status=Status.REJECTED, closed_at=T0)
    out = StringIO()
    call_command("feedback_purge", "--dry-run", stdout=out)
    assert "(dry run, nothing changed) contact details erased: 1 case(s)" in out.getvalue()
    assert Submission.objects.get().contact == "13800001234"
    report = PurgeThread().run_once()
    assert report is not None and report.contacts_erased == 1
    assert Submission.objects.get().contact == ""


def test_kiosk_office_purge_command(tmp_path: Path) -> None:
    from officekit import run_kiosk

    folder = tmp_path / "office-cli"
    assert run_kiosk("office", "init", str(folder)).returncode == 0
    result = run_kiosk("office", "purge", str(folder), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "(dry run, nothing changed) contact details erased: 0 case(s)" in result.stdout
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "office.toml").write_text("[feedback]\nholidays = [\"2026-02-30\"]\n", encoding="utf-8")
    (broken / "secret.key").write_text("x" * 50, encoding="utf-8")
    result = run_kiosk("office", "purge", str(broken))
    assert result.returncode != 0 and "feedback.holidays" in result.stderr and "2026-02-30" in result.stderr
