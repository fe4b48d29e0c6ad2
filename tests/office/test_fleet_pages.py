"""The console's fleet pages: who sees and does what, the code shown once, queries that do not grow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fleetkit import add_enrolled, beat_body, make_feed, post

from kiosk.office.accounts.models import Membership, Role
from kiosk.office.datadir import DataDir
from kiosk.office.fleet.models import DeviceEvent, EventKind, Screen
from kiosk.office.history.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def feeds(office: DataDir, tmp_path: Path) -> tuple[Any, Any]:  # noqa: ANN401
    return make_feed(office, tmp_path), make_feed(office, tmp_path, "liuxi")


def member(make_user: Any, name: str, feed: Any, role: Role) -> Any:  # noqa: ANN401
    user = make_user(name)
    Membership.objects.create(user=user, feed=feed, role=role)
    return user


def test_an_admin_adds_a_screen_and_sees_its_code_once(client: Client, feeds: tuple[Any, Any],
                                                       make_user: Any) -> None:  # noqa: ANN401
    township, liuxi = feeds
    client.force_login(member(make_user, "admin1", township, Role.ADMIN))
    page = client.get("/fleet/add/")
    assert page.status_code == 200 and re.findall(r"公开（([a-z]+)）</label>", page.content.decode()) == ["township"]
    bad = client.post("/fleet/add/", {"device_id": "bad id!", "name": "", "audience": "public",
                                      "feeds": [liuxi.pk]})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    done = client.post("/fleet/add/", {"device_id": "liuxi-01", "name": "柳溪村大厅", "place": "柳溪村",
                                       "audience": "public", "feeds": [township.pk]})
    text = done.content.decode()
    code = re.search(r'id="enrol-code">([2-9A-Z-]{14})<', text)
    assert code is not None and done["Cache-Control"] == "no-store"
    assert f"kiosk enrol http://127.0.0.1:8080 {code[1]}" in text
    screen = Screen.objects.get(device_id="liuxi-01")
    assert list(screen.feeds.all()) == [township] and code[1] not in client.get("/fleet/s/liuxi-01/").content.decode()
    assert Event.objects.filter(action="fleet.add").exists()
    again = client.post("/fleet/add/", {"device_id": "LIUXI-01", "name": "x", "audience": "public",
                                        "feeds": [township.pk]})
    assert "已有屏幕使用这个编号" in again.content.decode()


def test_people_see_only_screens_of_their_feeds_and_only_admins_change_them(
        client: Client, feeds: tuple[Any, Any], make_user: Any) -> None:  # noqa: ANN401
    township, liuxi = feeds
    add_enrolled(client, "t-1", [township])
    add_enrolled(client, "v-1", [liuxi])
    client.force_login(member(make_user, "super1", township, Role.SUPERVISOR))
    page = client.get("/fleet/").content.decode()
    assert "t-1" in page and "v-1" not in page
    assert client.get("/fleet/s/v-1/").status_code == 404
    assert client.get("/fleet/add/").status_code == 404
    assert client.post("/fleet/s/t-1/retire/", {"confirm": "t-1"}).status_code == 404
    assert client.post("/fleet/s/t-1/code/").status_code == 404
    assert client.post("/fleet/s/t-1/screenshot/").status_code == 302  # supervisors may look at a screen
    assert Screen.objects.get(device_id="t-1").shot_requested is not None


def test_retire_needs_the_id_typed_and_keeps_the_records(client: Client, feeds: tuple[Any, Any],
                                                         make_user: Any) -> None:  # noqa: ANN401
    township, _ = feeds
    screen, token = add_enrolled(client, "t-1", [township])
    client.force_login(member(make_user, "admin1", township, Role.ADMIN))
    client.post("/fleet/s/t-1/retire/", {"confirm": "wrong"})
    assert Screen.objects.get(pk=screen.pk).retired is None
    client.post("/fleet/s/t-1/retire/", {"confirm": "t-1"})
    assert Screen.objects.get(pk=screen.pk).retired is not None
    assert post(client, "/device/v1/heartbeat", beat_body("t-1"), token).status_code == 401
    assert "已停用" in client.get("/fleet/?state=retired").content.decode()


def test_alerts_are_reviewed_by_a_person(client: Client, feeds: tuple[Any, Any], make_user: Any) -> None:  # noqa: ANN401
    township, _ = feeds
    one, token = add_enrolled(client, "t-1", [township])
    add_enrolled(client, "t-2", [township])
    post(client, "/device/v1/heartbeat", beat_body("t-2"), token)  # t-1's token for t-2
    one.refresh_from_db()
    assert one.alerts == 1
    client.force_login(member(make_user, "super1", township, Role.SUPERVISOR))
    page = client.get("/fleet/s/t-1/").content.decode()
    assert "冒用其他屏幕的凭据" in page and "有 1 条未确认的告警" in page
    event = DeviceEvent.objects.get(screen=one, kind=EventKind.WRONG_DEVICE)
    client.post(f"/fleet/s/t-1/events/{event.pk}/review/")
    one.refresh_from_db()
    assert one.alerts == 0 and DeviceEvent.objects.get(pk=event.pk).reviewed_by is not None
    assert Event.objects.filter(action="fleet.review").exists()


def test_the_fleet_page_costs_the_same_queries_for_5_or_40_screens(client: Client, feeds: tuple[Any, Any],
                                                                   make_user: Any) -> None:  # noqa: ANN401
    township, liuxi = feeds
    client.force_login(make_user("boss", is_superuser=True))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/fleet/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        add_enrolled(client, f"a-{i}", [township, liuxi])
    few = queries()
    for i in range(35):
        add_enrolled(client, f"b-{i}", [township, liuxi])
    assert queries() == few
