"""The server keeps timestamps fresh with its online keys; screens accept the renewed feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from approvalkit import make_office, screen_sync

from kiosk.feed.repo import FeedRepo
from kiosk.office.feeds.renewal import RenewalThread
from kiosk.office.feeds.service import ONLINE_EXPIRY, renew_if_due
from kiosk.office.history.models import Event
from kiosk.office.paths import mirror_root

pytestmark = pytest.mark.django_db


def test_timestamp_renewed_only_when_due_and_screens_accept_it(tmp_path: Path) -> None:
    town = make_office()
    town.approve(town.submit_notice("first"))
    screen_sync(town, tmp_path / "screen")
    now = dt.datetime.now(dt.UTC)
    assert renew_if_due(town.feed, now) is None  # 7 days left: nothing to do
    later = now + ONLINE_EXPIRY - dt.timedelta(days=1)
    version = renew_if_due(town.feed, later)
    repo = FeedRepo.load(town.feed.tree)
    assert version == repo.timestamp.signed.version and repo.targets.signed.version == 1
    assert repo.timestamp.signed.expires > later + dt.timedelta(days=6)
    assert (mirror_root() / "township" / "metadata" / "timestamp.json").read_bytes() == \
        (town.feed.tree / "metadata" / "timestamp.json").read_bytes()
    result = screen_sync(town, tmp_path / "screen")
    assert result.version == 1 and not result.changed  # same content, fresh signatures


def test_renewal_thread_records_what_it_did(monkeypatch: pytest.MonkeyPatch) -> None:
    town = make_office()
    town.approve(town.submit_notice("first"))
    import kiosk.office.feeds.service as service

    monkeypatch.setattr(service, "RENEW_BEFORE", dt.timedelta(days=30))  # everything is due
    RenewalThread().run_once()
    assert Event.objects.filter(action="feed.renew", feed="township").exists()
