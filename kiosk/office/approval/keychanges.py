"""Key changes: who may sign a feed, decided by two key holders (never by one person).

Root policy of every office feed (``kiosk.feed.roots``):

- root role: the personal keys of the feed's 管理员 (admin) and 审核人 (reviewer), threshold 2;
- targets role (content): the personal keys of its 拟稿人 (drafter) and 审核人, threshold 2;
- snapshot, timestamp: the server's online keys (they cannot change content).

So a new version of a feed's root — the feed's creation, adding or removing a signer, a lost
key replaced — takes two people's passphrases, as a new version of its content does.  The
admin's passphrase alone can neither publish nor change who may publish.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from securesystemslib.signer import Key, SSlibKey
from tuf.api.metadata import Metadata, Root

from kiosk.feed.errors import FeedPublishError
from kiosk.feed.keys import load_keys
from kiosk.feed.repo import renew_online
from kiosk.feed.roots import RootPlan, propose_root, root_status, sign_root, write_root
from kiosk.office.accounts.models import ROOT_ROLES, SIGNING_ROLES, Membership, SigningKey
from kiosk.office.approval.models import KeyChange, KeyChangeSignature, KeyStatus, Publication, PubStatus
from kiosk.office.approval.service import ApprovalError, rebuild, unlock
from kiosk.office.feeds.models import Feed
from kiosk.office.feeds.service import ONLINE_EXPIRY, create_online_keys, load_repo, mirror, online_signers
from kiosk.office.history.api import record


def _keys_of(feed: Feed, roles: tuple[str, ...]) -> dict[str, tuple[str, Key]]:
    """keyid -> (person's name, public key) for members holding ``roles`` who have a key."""
    users = Membership.objects.filter(feed=feed, role__in=[str(r) for r in roles], user__is_active=True)
    found: dict[str, tuple[str, Key]] = {}
    for key in SigningKey.objects.filter(user__in=users.values("user")).select_related("user"):
        name = key.user.get_full_name() or key.user.get_username()
        found[key.keyid] = (name, SSlibKey.from_dict(key.keyid, dict(key.public_key)))
    return found


def _online_keys(feed: Feed) -> tuple[Key, Key]:
    if not (feed.online_keys / "snapshot.pem").exists():
        return create_online_keys(feed)
    keys = {k.path.stem: k.signer.public_key for k in load_keys([feed.online_keys]).values()}
    return keys["snapshot"], keys["timestamp"]


def propose(feed: Feed, user: User, now: dt.datetime | None = None) -> KeyChange:
    """A key change making the feed's root match its members' keys now."""
    now = now or timezone.now()
    repo = load_repo(feed)
    current = repo.root.signed if repo is not None else None
    roots, signers = _keys_of(feed, ROOT_ROLES), _keys_of(feed, SIGNING_ROLES)
    snapshot, timestamp = _online_keys(feed)
    plan = RootPlan(tuple(k for _, k in roots.values()), tuple(k for _, k in signers.values()), snapshot, timestamp)
    try:
        md = propose_root(feed.name, current, plan, now)
    except FeedPublishError:
        raise ApprovalError("需要至少两名有签名密钥的管理员或审核人，以及至少两名有签名密钥的拟稿人或审核人"
                            "（每人先在“我的账号”中设置签名口令）") from None
    summary = _describe(current, md.signed, {**roots, **signers})
    if not summary:
        raise ApprovalError("人员的签名密钥与当前生效的密钥一致，无需变更")
    with transaction.atomic():
        for old in KeyChange.objects.filter(feed=feed, status=KeyStatus.PENDING):
            old.status, old.reason = KeyStatus.CANCELLED, "被新的密钥变更取代"
            old.save(update_fields=["status", "reason"])
        change = KeyChange.objects.create(feed=feed, version=md.signed.version, summary=summary,
                                          proposal=md.to_bytes(), created_by=user)
        record("keychange.propose", f"提出密钥变更（第 {md.signed.version} 版信任根）：{summary}", actor=user,
               feed=feed.name, subject=f"keychange:{change.pk}")
    return change


def _describe(current: Root | None, new: Root, names: dict[str, tuple[str, Key]]) -> str:
    parts = []
    for role, label in (("root", "可确认密钥变更"), ("targets", "可签名发布")):
        before = set(current.roles[role].keyids) if current else set()
        after = set(new.roles[role].keyids)
        added = [names.get(k, ("?", None))[0] for k in sorted(after - before)]
        removed = sorted(before - after)
        if added:
            parts.append(f"{label}：增加 {'、'.join(added)}")
        if removed:
            parts.append(f"{label}：移除 {len(removed)} 把密钥")
    return "；".join(parts)


def status(change: KeyChange) -> tuple[int, int, frozenset[str]]:
    repo = load_repo(change.feed)
    current = repo.root.signed if repo is not None and change.version > 1 else None
    s = root_status(current, Metadata[Root].from_bytes(bytes(change.proposal)))
    return s.old_needed, s.new_needed, s.signers


def sign(change: KeyChange, user: User, passphrase: str, now: dt.datetime | None = None) -> KeyChange:
    """Add a key holder's signature; when both thresholds are met, the new root takes effect."""
    now = now or timezone.now()
    if change.status != KeyStatus.PENDING:
        raise ApprovalError(f"这项密钥变更{change.get_status_display()}")
    _, _, allowed = status(change)
    key = SigningKey.objects.filter(user=user).first()
    if key is None or key.keyid not in allowed:
        raise ApprovalError("只有当前或新的密钥保管人（管理员、审核人）可以确认密钥变更")
    if change.signatures.filter(user=user).exists():
        raise ApprovalError("您已经确认过：密钥变更需要另一位保管人确认")
    signer = unlock(user, passphrase)
    with transaction.atomic():
        feed = Feed.objects.select_for_update().get(pk=change.feed.pk)
        change.proposal = sign_root(bytes(change.proposal), signer)
        change.save(update_fields=["proposal"])
        KeyChangeSignature.objects.create(key_change=change, user=user, keyid=signer.public_key.keyid)
        record("keychange.sign", f"确认密钥变更（第 {change.version} 版信任根）", actor=user, feed=feed.name,
               subject=f"keychange:{change.pk}")
        old_needed, new_needed, _ = status(change)
        if old_needed == 0 and new_needed == 0:
            _apply(feed, change, now)
    return change


def _apply(feed: Feed, change: KeyChange, now: dt.datetime) -> None:
    try:
        write_root(feed.tree, bytes(change.proposal))
    except FeedPublishError as e:
        raise ApprovalError(f"密钥变更无法生效：{e.message}") from None
    change.status, change.applied = KeyStatus.APPLIED, now
    change.save(update_fields=["status", "applied"])
    record("keychange.apply", f"密钥变更生效（第 {change.version} 版信任根）：{change.summary}", actor="系统",
           feed=feed.name, subject=f"keychange:{change.pk}")
    repo = load_repo(feed)
    assert repo is not None
    if repo.published:  # a new timestamp: screens fetch the new root together with it
        snapshot, timestamp = online_signers(feed, repo)
        renew_online(repo, snapshot, timestamp, now + ONLINE_EXPIRY)
        mirror(feed)
    targets = set(repo.root.signed.roles["targets"].keyids)
    for pub in Publication.objects.filter(feed=feed, status=PubStatus.SIGNING):
        if any(s.keyid not in targets for s in pub.signatures.all()):
            rebuild(pub, "签名人员已变更", now)
