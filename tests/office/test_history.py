"""The history is append-only (model, queryset and database) and hash-chained."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from kiosk.office.history.api import record, to_csv, verify
from kiosk.office.history.models import AppendOnlyError, Event

pytestmark = pytest.mark.django_db


def test_record_chains_events(make_user: Any) -> None:  # noqa: ANN401
    clerk = make_user("clerk", full_name="王芳")
    first = record("notice.write", "编写公告“党费”", actor=clerk, feed="township", subject="notice:dues")
    second = record("login", "登录", actor=clerk)
    assert second.prev_hash == first.hash and first.actor_name == "王芳（clerk）"
    assert verify().ok and verify().events == 2


def test_model_and_queryset_refuse_changes(make_user: Any) -> None:  # noqa: ANN401
    event = record("login", "登录", actor=make_user("a"))
    event.summary = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


@pytest.mark.parametrize("sql", ["UPDATE history_event SET summary = 'forged'", "DELETE FROM history_event"])
def test_database_refuses_changes_behind_djangos_back(make_user: Any, sql: str) -> None:  # noqa: ANN401
    from kiosk.office.history.triggers import install

    install(connection)  # as migration 0002 does (the test database drops them: see conftest)
    record("login", "登录", actor=make_user("a"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert Event.objects.get().summary == "登录"


def test_verify_names_a_changed_record(make_user: Any) -> None:  # noqa: ANN401
    user = make_user("a")
    events = [record("login", f"登录 {n}", actor=user) for n in range(3)]
    events[1].summary = "forged"  # as if someone edited the row in a copy of the database
    report = verify(events)
    assert not report.ok and "event" in report.problems[0] and str(events[1].id) in report.problems[0]
    report = verify([events[0], events[2]])
    assert any("removed or reordered" in p for p in report.problems)


def test_csv_export_is_spreadsheet_safe(make_user: Any) -> None:  # noqa: ANN401
    event = record("notice.write", "=HYPERLINK(\"http://evil\")", actor=make_user("a"))
    text = to_csv([event])
    assert text.startswith("\ufeff序号,时间,操作人")
    assert "'=HYPERLINK" in text and "编写公告" in text


def test_login_and_failed_login_are_recorded(client: Any, make_user: Any) -> None:  # noqa: ANN401
    make_user("clerk", password="right-password-1")
    client.post("/login/", {"username": "clerk", "password": "wrong"})
    client.post("/login/", {"username": "clerk", "password": "right-password-1"})
    actions = list(Event.objects.values_list("action", "actor_name"))
    assert actions == [("login_failed", "clerk"), ("login", "clerk")]


def test_supervisors_read_and_export_their_feeds_history(make_user: Any) -> None:  # noqa: ANN401
    from django.test import Client

    from kiosk.office.accounts.models import Membership, Role
    from kiosk.office.feeds.models import Feed

    feed = Feed.objects.create(name="township", publisher="中共青禾镇委员会", catalogue="")
    other = Feed.objects.create(name="liuxi", publisher="柳溪村", catalogue="")
    supervisor, drafter = make_user("supervisor"), make_user("drafter")
    Membership.objects.create(user=supervisor, feed=feed, role=Role.SUPERVISOR)
    Membership.objects.create(user=drafter, feed=feed, role=Role.DRAFTER)
    record("notice.publish", "已发布第 3 版：党费公示", actor=drafter, feed="township", subject="notice:dues")
    record("notice.publish", "别的内容源", actor=drafter, feed="liuxi")
    client = Client()
    client.force_login(supervisor)
    html = client.get("/history/").content.decode()
    assert "已发布第 3 版：党费公示" in html and "别的内容源" not in html
    response = client.get("/history/export.csv?feed=township")
    text = response.content.decode("utf-8")
    assert response["Content-Type"].startswith("text/csv") and "已发布第 3 版" in text and "发布" in text
    assert Event.objects.filter(action="export", actor=supervisor).exists()
    writer = Client()
    writer.force_login(drafter)
    assert writer.get("/history/export.csv").status_code == 403
    record("notice.write", "别人在别的内容源的操作", actor=make_user("someone"), feed=other.name)
    assert "别人在别的内容源的操作" not in writer.get("/history/").content.decode()  # people see their own
