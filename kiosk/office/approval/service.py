"""The approval rules and publishing: two different people sign every new version.

- ``submit``: a drafter (拟稿人) builds a new version from their edits and signs it with their
  own key, unlocked by their signing passphrase.
- ``sign``: a reviewer (审核人), never the person who signed first, adds the second signature;
  with it the version meets the targets threshold and the server finalizes it (snapshot and
  timestamp with its online keys), mirrors it and marks the notices published.
- ``reject``: a reviewer sends it back with a reason the drafter sees.
- When another version lands first, every other pending publication of the feed is built again
  on the new version (its edits replayed) and needs both signatures again; the old one keeps the
  reason (``publication.stale``).

Every step goes to the history.  Messages in ``ApprovalError`` are for the person at the
console (Chinese); ``field`` names the form field they belong to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from securesystemslib.signer import CryptoSigner

from kiosk.feed.errors import FeedPublishError, FeedStaleError
from kiosk.feed.keys import PassphraseError, open_key
from kiosk.feed.repo import FeedRepo, PendingVersion, finalize_version, missing_signatures
from kiosk.office.accounts.models import Role, SigningKey
from kiosk.office.accounts.roles import roles_of
from kiosk.office.approval.building import BuildError, Built, Edits, build, load_pending, staging_dir
from kiosk.office.approval.models import PubKind, Publication, PubStatus, Signature
from kiosk.office.authoring.models import Notice, NoticeState
from kiosk.office.feeds.models import Feed
from kiosk.office.feeds.service import ONLINE_EXPIRY, load_repo, mirror, online_signers
from kiosk.office.history.api import record

log = logging.getLogger(__name__)


class ApprovalError(Exception):
    def __init__(self, message: str, field: str | None = None, problems: tuple[str, ...] = ()) -> None:
        self.message, self.field, self.problems = message, field, problems
        super().__init__(message)


def unlock(user: User, passphrase: str) -> CryptoSigner:
    """The person's own signer; their passphrase opens it or nothing does."""
    key = SigningKey.objects.filter(user=user).first()
    if key is None:
        raise ApprovalError("您还没有签名密钥：请先在“我的账号”中设置签名口令", "passphrase")
    try:
        return open_key(key.sealed, passphrase)
    except PassphraseError:
        raise ApprovalError("签名口令不正确（签名口令不是登录密码）", "passphrase") from None


def _repo(feed: Feed) -> FeedRepo:
    repo = load_repo(feed)
    if repo is None:
        raise ApprovalError("这个内容源还没有生效的密钥（需要两名管理人员签署密钥变更）")
    return repo


def _accepted(repo: FeedRepo, signer: CryptoSigner) -> None:
    if signer.public_key.keyid not in repo.root.signed.roles["targets"].keyids:
        raise ApprovalError("您的签名密钥还没有被这个内容源接受：需要管理员提出密钥变更并经两人签名", "passphrase")


def _lock(feed: Feed) -> Feed:
    """Serialize publishing per feed (row lock on PostgreSQL; SQLite transactions are IMMEDIATE)."""
    return Feed.objects.select_for_update().get(pk=feed.pk)


def pending_of(pub: Publication) -> PendingVersion:
    return load_pending(pub.feed, pub.manifest_sha256, pub.base_version, bytes(pub.targets))


# ---------------------------------------------------------------- submit


def submit(feed: Feed, user: User, passphrase: str, kind: PubKind, summary: str, edits: Edits,
           notice: Notice | None = None, now: dt.datetime | None = None) -> Publication:
    """The drafter builds the new version and gives the first signature."""
    now = now or timezone.now()
    if Role.DRAFTER not in roles_of(user, feed):
        raise ApprovalError("只有拟稿人可以提交")
    signer = unlock(user, passphrase)
    with transaction.atomic():
        feed = _lock(feed)
        repo = _repo(feed)
        _accepted(repo, signer)
        try:
            built = build(feed, repo, edits, now)
        except BuildError as e:
            raise ApprovalError(str(e), problems=e.problems) from None
        if built.changes.empty:
            raise ApprovalError("与屏幕上的内容相比没有任何变化，无需发布")
        pub = _new_publication(feed, user, kind, summary, edits, built, notice)
        _add_signature(pub, built.pending, user, signer, Role.DRAFTER)
        if notice is not None:
            notice.state = NoticeState.SUBMITTED
            notice.reject_reason = ""
            notice.save(update_fields=["state", "reject_reason", "updated"])
        record("notice.submit", f"提交审核：{summary}（第 {pub.version} 版）", actor=user, feed=feed.name,
               subject=_subject(pub), publication=pub.pk, changes=pub.changes)
        record("notice.sign", f"拟稿人签名：{summary}", actor=user, feed=feed.name, subject=_subject(pub),
               publication=pub.pk, keyid=signer.public_key.keyid)
    return pub


def _new_publication(feed: Feed, user: User, kind: str, summary: str, edits: Edits, built: Built,
                     notice: Notice | None, replaces: Publication | None = None) -> Publication:
    changes = {"added": list(built.changes.added), "changed": list(built.changes.changed),
               "removed": list(built.changes.removed)}
    return Publication.objects.create(
        feed=feed, notice=notice, kind=kind, summary=summary[:300], edits=edits.to_json(),
        base_version=built.pending.base, version=built.pending.version, targets=built.pending.targets,
        manifest_sha256=hashlib.sha256(built.pending.manifest).hexdigest(), changes=changes,
        warnings=list(built.warnings), created_by=user, replaces=replaces)


def _add_signature(pub: Publication, pending: PendingVersion, user: User, signer: CryptoSigner,
                   role: Role) -> PendingVersion:
    signed = pending.signed_by(signer)
    pub.targets = signed.targets
    pub.save(update_fields=["targets"])
    Signature.objects.create(publication=pub, user=user, keyid=signer.public_key.keyid, role=role.value)
    return signed


def _subject(pub: Publication) -> str:
    return f"notice:{pub.notice.item_id}" if pub.notice is not None else f"publication:{pub.pk}"


# ---------------------------------------------------------------- sign (second signature) and publish


def needed_capacity(pub: Publication, user: User) -> Role:
    """In what capacity ``user`` may sign ``pub`` now, or ApprovalError saying why not."""
    if pub.status != PubStatus.SIGNING:
        raise ApprovalError(f"这项发布{pub.get_status_display()}，不能再签名")
    signed = {s.role: s.user_id for s in pub.signatures.all()}
    if getattr(user, "pk", None) in signed.values():
        raise ApprovalError("您已经签过名：拟稿人和审核人必须是两个不同的人")
    held = roles_of(user, pub.feed)
    if Role.DRAFTER.value not in signed:
        if Role.DRAFTER in held:
            return Role.DRAFTER
        raise ApprovalError("需要拟稿人先签名")
    if Role.REVIEWER in held:
        return Role.REVIEWER
    raise ApprovalError("只有审核人可以审批")


def sign(pub: Publication, user: User, passphrase: str, now: dt.datetime | None = None) -> Publication:
    """Add ``user``'s signature; the second one publishes."""
    now = now or timezone.now()
    capacity = needed_capacity(pub, user)
    signer = unlock(user, passphrase)
    stale: str | None = None
    with transaction.atomic():
        feed = _lock(pub.feed)
        pub = Publication.objects.select_for_update().get(pk=pub.pk)
        capacity = needed_capacity(pub, user)
        repo = _repo(feed)
        _accepted(repo, signer)
        if repo.targets.signed.version != pub.base_version:  # landed while this page was open
            fresh = rebuild(pub, f"第 {repo.targets.signed.version} 版已先发布", now)
            stale = (f"在您签名之前，第 {repo.targets.signed.version} 版已经发布。"
                     + (f"这项发布已按最新版本重新生成（第 {fresh.version} 版），需要拟稿人和审核人重新签名。"
                        if fresh else "这项发布无法在最新版本上重新生成，请拟稿人修改后重新提交。"))
    if stale is not None:
        raise ApprovalError(stale)
    with transaction.atomic():
        feed = _lock(pub.feed)
        pub = Publication.objects.select_for_update().get(pk=pub.pk)
        capacity = needed_capacity(pub, user)
        repo = _repo(feed)
        if repo.targets.signed.version != pub.base_version:
            raise ApprovalError("内容源刚刚更新，请刷新页面后重试")
        signed = _add_signature(pub, pending_of(pub), user, signer, capacity)
        who = "拟稿人" if capacity is Role.DRAFTER else "审核人"
        record("notice.sign", f"{who}签名：{pub.summary}", actor=user, feed=feed.name, subject=_subject(pub),
               publication=pub.pk, keyid=signer.public_key.keyid)
        if missing_signatures(repo, signed) == 0 and {s.role for s in pub.signatures.all()} >= {"drafter",
                                                                                                  "reviewer"}:
            _publish(feed, repo, pub, signed, user, now)
    return pub


def _publish(feed: Feed, repo: FeedRepo, pub: Publication, pending: PendingVersion, user: User,
             now: dt.datetime) -> None:
    snapshot, timestamp = online_signers(feed, repo)
    try:
        version = finalize_version(repo, pending, snapshot, timestamp, now + ONLINE_EXPIRY)
    except FeedStaleError:  # the row lock makes this unreachable unless the tree was changed by hand
        raise ApprovalError("内容源已被其他操作更新，请刷新后重试") from None
    except FeedPublishError as e:
        raise ApprovalError(f"发布失败：{e.message}") from None
    pub.status, pub.decided_by, pub.decided = PubStatus.PUBLISHED, user, now
    pub.save(update_fields=["status", "decided_by", "decided"])
    _apply_to_notices(feed, pub, version)
    record("notice.publish", f"已发布第 {version} 版：{pub.summary}", actor=user, feed=feed.name,
           subject=_subject(pub), publication=pub.pk, version=version, changes=pub.changes)
    try:
        mirror(feed)
    except OSError as e:  # the feed is served by the office itself; the mirror catches up at the next version
        log.error("feed %s: mirror not updated: %s", feed.name, e)
    shutil.rmtree(staging_dir(feed, pub.manifest_sha256), ignore_errors=True)
    for other in Publication.objects.filter(feed=feed, status=PubStatus.SIGNING).exclude(pk=pub.pk):
        rebuild(other, f"第 {version} 版（{pub.summary}）已先发布", now)


def _apply_to_notices(feed: Feed, pub: Publication, version: int) -> None:
    """Notices whose item files this version wrote or removed: now on screens, or withdrawn."""
    edits = Edits.from_json(pub.edits)
    for rel, text in edits.files.items():
        if not rel.startswith("items/"):
            continue
        item_id = rel.removeprefix("items/").removesuffix(".md")
        notice = Notice.objects.filter(feed=feed, item_id=item_id).first()
        if notice is None:
            continue
        notice.published_text = text or ""
        notice.published_version = version
        notice.state = NoticeState.PUBLISHED if text else NoticeState.WITHDRAWN
        notice.save(update_fields=["published_text", "published_version", "state", "updated"])


def rebuild(pub: Publication, why: str, now: dt.datetime) -> Publication | None:
    """Mark ``pub`` stale and build its edits again on the newest version (no signatures yet)."""
    feed = pub.feed
    pub.status, pub.decided = PubStatus.STALE, now
    repo = _repo(feed)
    try:
        built = build(feed, repo, Edits.from_json(pub.edits), now)
    except BuildError as e:
        pub.reason = f"{why}；在最新版本上无法重新生成：{'；'.join(e.problems)}"
        pub.save(update_fields=["status", "decided", "reason"])
        _back_to_draft(pub, pub.reason)
        record("publication.stale", f"需要重新提交：{pub.summary}（{why}）", actor="系统", feed=feed.name,
               subject=_subject(pub), publication=pub.pk)
        return None
    fresh = _new_publication(feed, pub.created_by, pub.kind, pub.summary, Edits.from_json(pub.edits), built,
                             pub.notice, replaces=pub)
    pub.reason = f"{why}，已按最新版本重新生成为第 {fresh.version} 版，需要拟稿人和审核人重新签名"
    pub.save(update_fields=["status", "decided", "reason"])
    shutil.rmtree(staging_dir(feed, pub.manifest_sha256), ignore_errors=True)
    record("publication.stale", f"需要重新签名：{pub.summary}（{why}）", actor="系统", feed=feed.name,
           subject=_subject(pub), publication=fresh.pk, replaces=pub.pk)
    return fresh


def _back_to_draft(pub: Publication, reason: str) -> None:
    if pub.notice is not None:
        pub.notice.state = NoticeState.REJECTED
        pub.notice.reject_reason = reason
        pub.notice.save(update_fields=["state", "reject_reason", "updated"])


# ---------------------------------------------------------------- reject and cancel


def reject(pub: Publication, user: User, reason: str, now: dt.datetime | None = None) -> Publication:
    reason = reason.strip()
    if not reason:
        raise ApprovalError("请写明退回的理由，拟稿人会看到它", "reason")
    if pub.status != PubStatus.SIGNING:
        raise ApprovalError(f"这项发布{pub.get_status_display()}，不能退回")
    if Role.REVIEWER not in roles_of(user, pub.feed):
        raise ApprovalError("只有审核人可以退回")
    if pub.signatures.filter(user=user).exists():
        raise ApprovalError("您已经签过名，不能再审核：拟稿人和审核人必须是两个不同的人")
    with transaction.atomic():
        pub.status, pub.decided_by, pub.decided, pub.reason = (PubStatus.REJECTED, user, now or timezone.now(),
                                                               reason[:2000])
        pub.save(update_fields=["status", "decided_by", "decided", "reason"])
        _back_to_draft(pub, reason)
        record("notice.reject", f"退回：{pub.summary}。理由：{reason}", actor=user, feed=pub.feed.name,
               subject=_subject(pub), publication=pub.pk)
    shutil.rmtree(staging_dir(pub.feed, pub.manifest_sha256), ignore_errors=True)
    return pub


def cancel(pub: Publication, user: User) -> Publication:
    """The person who submitted takes it back (e.g. to change it before review)."""
    if pub.status != PubStatus.SIGNING or pub.created_by_id != getattr(user, "pk", None):
        raise ApprovalError("只有提交人可以取消等待签名的发布")
    with transaction.atomic():
        pub.status, pub.decided_by, pub.decided = PubStatus.CANCELLED, user, timezone.now()
        pub.save(update_fields=["status", "decided_by", "decided"])
        if pub.notice is not None:
            pub.notice.state = NoticeState.DRAFT if not pub.notice.published_text else NoticeState.PUBLISHED
            pub.notice.save(update_fields=["state", "updated"])
        record("publication.cancel", f"取消发布：{pub.summary}", actor=user, feed=pub.feed.name,
               subject=_subject(pub), publication=pub.pk)
    shutil.rmtree(staging_dir(pub.feed, pub.manifest_sha256), ignore_errors=True)
    return pub
