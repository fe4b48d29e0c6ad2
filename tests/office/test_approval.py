"""The approval rules as rules: two different people, their own passphrases, their own keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from approvalkit import Office, make_office, screen_sync

from kiosk.feed.store import Store
from kiosk.office.accounts.models import Role
from kiosk.office.approval import keychanges
from kiosk.office.approval.models import KeyStatus, PubStatus
from kiosk.office.approval.service import ApprovalError, reject, sign
from kiosk.office.authoring.models import Notice, NoticeState
from kiosk.office.history.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def town() -> Office:
    return make_office()


def test_drafter_and_reviewer_publish_and_a_screen_shows_it(town: Office, tmp_path: Path) -> None:
    pub = town.submit_notice("plan", "2027年工作计划")
    assert pub.status == PubStatus.SIGNING and [s.role for s in pub.signatures.all()] == ["drafter"]
    assert not (town.feed.tree / "metadata" / "timestamp.json").exists()  # nothing public before approval
    pub = town.approve(pub)
    assert pub.status == PubStatus.PUBLISHED and pub.version == 1
    notice = Notice.objects.get(item_id="plan")
    assert notice.state == NoticeState.PUBLISHED and "2027年工作计划" in notice.published_text
    result = screen_sync(town, tmp_path / "screen")
    assert result.version == 1
    current = Store(tmp_path / "screen").current("township")
    assert current is not None and (current / "items" / "plan.md").read_text(encoding="utf-8") == \
        notice.published_text
    actions = list(Event.objects.filter(feed="township").values_list("action", flat=True))
    assert actions[-4:] == ["notice.submit", "notice.sign", "notice.sign", "notice.publish"]


def test_the_drafter_cannot_approve_their_own_notice(town: Office) -> None:
    town.add_person("both", Role.DRAFTER, Role.REVIEWER)
    keychanges_apply(town)
    pub = town.submit_notice("x", by="both")
    with pytest.raises(ApprovalError, match="两个不同的人"):
        sign(pub, town["both"].user, town["both"].passphrase)
    pub.refresh_from_db()
    assert pub.status == PubStatus.SIGNING and pub.signatures.count() == 1


def keychanges_apply(town: Office) -> None:
    change = keychanges.propose(town.feed, town["admin"].user)
    keychanges.sign(change, town["admin"].user, town["admin"].passphrase)
    keychanges.sign(change, town["reviewer"].user, town["reviewer"].passphrase)
    change.refresh_from_db()
    assert change.status == KeyStatus.APPLIED


def test_wrong_passphrase_and_login_password_are_refused(town: Office) -> None:
    pub = town.submit_notice("x")
    for phrase in ("not-my-passphrase", town["reviewer"].password):
        with pytest.raises(ApprovalError, match="签名口令不正确") as e:
            sign(pub, town["reviewer"].user, phrase)
        assert e.value.field == "passphrase"
    assert pub.signatures.count() == 1


def test_a_person_without_a_key_cannot_sign(town: Office) -> None:
    town.add_person("newreviewer", Role.REVIEWER, key=False)
    pub = town.submit_notice("x")
    with pytest.raises(ApprovalError, match="还没有签名密钥"):
        sign(pub, town["newreviewer"].user, "whatever-passphrase")


def test_a_key_the_feed_does_not_trust_yet_cannot_sign(town: Office) -> None:
    town.add_person("newreviewer", Role.REVIEWER)  # has a key, but no key change made it a signer
    pub = town.submit_notice("x")
    with pytest.raises(ApprovalError, match="还没有被这个内容源接受"):
        sign(pub, town["newreviewer"].user, town["newreviewer"].passphrase)


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_only_reviewers_approve(town: Office, who: str) -> None:
    pub = town.submit_notice("x")
    with pytest.raises(ApprovalError):
        sign(pub, town[who].user, town[who].passphrase or "x" * 12)
    with pytest.raises(ApprovalError):
        reject(pub, town[who].user, "不同意")


def test_reject_needs_a_reason_the_drafter_sees(town: Office) -> None:
    pub = town.submit_notice("x")
    with pytest.raises(ApprovalError, match="理由"):
        reject(pub, town["reviewer"].user, "  ")
    reject(pub, town["reviewer"].user, "金额与会议纪要不符")
    notice = Notice.objects.get(item_id="x")
    assert notice.state == NoticeState.REJECTED and notice.reject_reason == "金额与会议纪要不符"
    with pytest.raises(ApprovalError):
        sign(pub, town["reviewer"].user, town["reviewer"].passphrase)


def test_a_publication_landing_first_makes_the_other_sign_again(town: Office, tmp_path: Path) -> None:
    first = town.submit_notice("first")
    second = town.submit_notice("second")
    town.approve(first)
    second.refresh_from_db()
    assert second.status == PubStatus.STALE and "第 1 版" in second.reason and "重新签名" in second.reason
    fresh = second.feed.publications.get(replaces=second)
    assert fresh.status == PubStatus.SIGNING and fresh.version == 2 and fresh.signatures.count() == 0
    with pytest.raises(ApprovalError):  # the old one cannot be signed any more
        sign(second, town["reviewer"].user, town["reviewer"].passphrase)
    with pytest.raises(ApprovalError, match="拟稿人先签名"):  # the drafter signs the rebuilt version again
        sign(fresh, town["reviewer"].user, town["reviewer"].passphrase)
    sign(fresh, town["drafter"].user, town["drafter"].passphrase)
    fresh = town.approve(fresh)
    assert fresh.status == PubStatus.PUBLISHED
    screen_sync(town, tmp_path / "screen")
    current = Store(tmp_path / "screen").current("township")
    assert current is not None and {p.name for p in (current / "items").iterdir()} == {"first.md", "second.md"}


def test_reviewer_who_opened_a_stale_page_is_told_why(town: Office) -> None:
    first, second = town.submit_notice("first"), town.submit_notice("second")
    town.approve(first)
    second.status = PubStatus.SIGNING  # as the reviewer's open page still believes
    with pytest.raises(ApprovalError):
        sign(second, town["reviewer"].user, town["reviewer"].passphrase)


def test_adding_a_signer_needs_two_key_holders_and_screens_accept_it(town: Office, tmp_path: Path) -> None:
    town.approve(town.submit_notice("first"))
    screen_sync(town, tmp_path / "screen")
    town.add_person("drafter2", Role.DRAFTER)
    change = keychanges.propose(town.feed, town["admin"].user)
    assert "drafter2" in change.summary
    keychanges.sign(change, town["admin"].user, town["admin"].passphrase)
    change.refresh_from_db()
    assert change.status == KeyStatus.PENDING  # one key holder is not enough
    with pytest.raises(ApprovalError):
        keychanges.sign(change, town["admin"].user, town["admin"].passphrase)
    with pytest.raises(ApprovalError):
        keychanges.sign(change, town["drafter"].user, town["drafter"].passphrase)  # not a key holder
    keychanges.sign(change, town["reviewer"].user, town["reviewer"].passphrase)
    change.refresh_from_db()
    assert change.status == KeyStatus.APPLIED and (town.feed.tree / "metadata" / "2.root.json").exists()
    pub = town.approve(town.submit_notice("second", by="drafter2"))
    assert pub.status == PubStatus.PUBLISHED
    assert screen_sync(town, tmp_path / "screen").version == pub.version
