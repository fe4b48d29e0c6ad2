"""Accounts, roles per feed and new feeds, as an office administrator and as others."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from kiosk.office.accounts.models import Membership, Role
from kiosk.office.feeds.models import Feed
from kiosk.office.history.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user: Any) -> Client:  # noqa: ANN401
    client = Client()
    client.force_login(make_user("boss", is_superuser=True))
    return client


def test_new_account_gets_a_random_password_shown_once(admin: Client) -> None:
    html = admin.post("/account/people/", {"username": "zhangsan", "name": "张三"}).content.decode()
    password = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert password and len(password[1]) >= 12
    assert password[1] not in admin.get("/account/people/").content.decode()
    other = Client()
    response = other.post("/login/", {"username": "zhangsan", "password": password[1]})
    assert response.status_code == 302
    assert Event.objects.filter(action="account.create").exists()
    html = admin.post("/account/people/", {"username": "zhangsan", "name": "又一个"}).content.decode()
    assert "这个账号已经存在" in html


def test_only_office_admins_manage_accounts(make_user: Any) -> None:  # noqa: ANN401
    client = Client()
    client.force_login(make_user("clerk"))
    assert client.get("/account/people/").status_code == 403
    assert client.post("/account/feeds/new/", {}).status_code == 403


def test_new_feed_checks_the_catalogue_with_the_screens_rules(admin: Client) -> None:
    bad = admin.post("/account/feeds/new/", {"name": "village", "publisher": "某村村民委员会", "label": "村务公开",
                                               "catalogue": '[[category]]\nid = "Bad Id"\nname = "x"\n'})
    assert "公开目录有误" in bad.content.decode() and not Feed.objects.exists()
    good = admin.post("/account/feeds/new/", {"name": "village", "publisher": "某村村民委员会", "label": "村务公开",
                                                "catalogue": '[[category]]\nid = "finance"\nname = "村级财务"\n'})
    assert good.status_code == 302
    feed = Feed.objects.get(name="village")
    assert (feed.online_keys / "timestamp.pem").exists()
    assert Membership.objects.filter(feed=feed, role=Role.ADMIN).exists()


def test_feed_admin_grants_and_removes_roles(admin: Client, make_user: Any) -> None:  # noqa: ANN401
    admin.post("/account/feeds/new/", {"name": "village", "publisher": "某村", "label": "村务公开",
                                       "catalogue": '[[category]]\nid = "finance"\nname = "村级财务"\n'})
    clerk = make_user("clerk")
    admin.post("/f/village/people/", {"user": clerk.pk, "role": "drafter"})
    member = Membership.objects.get(user=clerk)
    assert member.role == "drafter"
    outsider = Client()
    outsider.force_login(clerk)
    assert outsider.post("/f/village/people/", {"remove": member.pk}).status_code == 403  # drafters do not manage
    admin.post("/f/village/people/", {"remove": member.pk})
    assert not Membership.objects.filter(user=clerk).exists()
    assert list(Event.objects.filter(feed="village").values_list("action", flat=True))[-2:] == ["member.add",
                                                                                              "member.remove"]

@pytest.mark.parametrize("name", ["s", "request"])
def test_feed_names_of_the_residents_fixed_routes_are_refused(admin: Client, name: str) -> None:
    # /p/s/<code>/ and /p/request/ are fixed routes: a feed so named would never be reached
    response = admin.post("/account/feeds/new/", {"name": name, "publisher": "某村村民委员会", "label": "村务公开",
                                                    "catalogue": '[[category]]\nid = "finance"\nname = "村级财务"\n'})
    assert "保留名称" in response.content.decode() and not Feed.objects.exists()
    assert admin.post("/account/feeds/new/", {"name": "requests", "publisher": "某村村民委员会", "label": "村务公开",
                                               "catalogue": '[[category]]\nid = "finance"\nname = "村级财务"\n'}
                      ).status_code == 302
