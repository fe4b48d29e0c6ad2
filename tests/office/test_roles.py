"""Per-feed roles: who sees which feed's pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kiosk.office.accounts.models import Membership, Role
from kiosk.office.accounts.roles import feeds_of, has_role, roles_of
from kiosk.office.feeds.models import Feed

pytestmark = pytest.mark.django_db

CATALOGUE = '[[category]]\nid = "decisions"\nname = "党内决策情况"\n'


@pytest.fixture
def feeds() -> tuple[Feed, Feed]:
    return (Feed.objects.create(name="township", publisher="中共青禾镇委员会", catalogue=CATALOGUE),
            Feed.objects.create(name="liuxi", publisher="柳溪村村民委员会", label="村务公开", catalogue=CATALOGUE))


def test_roles_are_per_feed(make_user: Any, feeds: tuple[Feed, Feed]) -> None:  # noqa: ANN401
    township, liuxi = feeds
    clerk = make_user("clerk")
    Membership.objects.create(user=clerk, feed=township, role=Role.DRAFTER)
    Membership.objects.create(user=clerk, feed=liuxi, role=Role.SUPERVISOR)
    assert roles_of(clerk, township) == {Role.DRAFTER}
    assert has_role(clerk, township, Role.DRAFTER) and not has_role(clerk, liuxi, Role.DRAFTER)
    assert list(feeds_of(clerk, Role.DRAFTER)) == [township]
    assert set(feeds_of(clerk)) == {township, liuxi}
    clerk.is_active = False
    assert roles_of(clerk, township) == set()


def test_feed_pages_are_404_for_non_members(client: Client, make_user: Any, feeds: tuple[Feed, Feed]) -> None:  # noqa: ANN401
    township, liuxi = feeds
    user = make_user("viewer", password="login-pass-123")
    Membership.objects.create(user=user, feed=township, role=Role.SUPERVISOR)
    client.force_login(user)
    assert client.get("/f/township/").status_code == 200
    assert client.get("/f/township/notices/").status_code == 200
    assert client.get("/f/liuxi/").status_code == 404
    assert client.get("/f/nope/").status_code == 404


def test_feedback_template_points_at_the_public_pages(feeds: tuple[Feed, Feed]) -> None:
    from kiosk.content.feedback import check_template, feedback_url
    from kiosk.content.model import Item

    township, _ = feeds
    template = township.feedback_template()
    check_template(template)
    assert template == "http://127.0.0.1:8080/p/township/{item}/?d={device}"
    item = Item(id="2026-dues", category="organisation", title="t", issuer="i", date=None,  # type: ignore[arg-type]
                show_from=None, show_until=None, feed="township")  # type: ignore[arg-type]
    assert feedback_url(template, item, "lobby 1") == "http://127.0.0.1:8080/p/township/2026-dues/?d=lobby%201"
