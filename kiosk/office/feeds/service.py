"""A feed's signed tree as the office handles it: online keys, the repo, renewal, mirroring.

The server holds only the online keys (snapshot and timestamp); content and root signatures
come from people (see kiosk.office.approval).  Expiry: content (targets) one year, because two
people must sign it again; snapshot and timestamp 7 days, re-signed by the server when fewer
than 3 days are left, so a frozen or cut-off feed is noticed by screens within a week.
"""

from __future__ import annotations

import datetime as dt
import logging

from securesystemslib.signer import Key, Signer
from tuf.api.metadata import Snapshot, Timestamp

from kiosk.feed.keys import ensure_keydir, generate_key, load_keys
from kiosk.feed.repo import FeedRepo, renew_online
from kiosk.office.feeds.mirror import mirror_tree
from kiosk.office.feeds.models import Feed
from kiosk.office.paths import mirror_root

log = logging.getLogger(__name__)

TARGETS_EXPIRY = dt.timedelta(days=365)
ONLINE_EXPIRY = dt.timedelta(days=7)
RENEW_BEFORE = dt.timedelta(days=3)


def create_online_keys(feed: Feed) -> tuple[Key, Key]:
    """New snapshot and timestamp keys for ``feed`` (owner-only files in the data folder)."""
    ensure_keydir(feed.online_keys, feed.tree)
    snapshot = generate_key(feed.online_keys, "snapshot")
    timestamp = generate_key(feed.online_keys, "timestamp")
    return snapshot.signer.public_key, timestamp.signer.public_key


def online_signers(feed: Feed, repo: FeedRepo) -> tuple[list[Signer], list[Signer]]:
    keys = load_keys([feed.online_keys])
    return repo.signers(Snapshot.type, keys), repo.signers(Timestamp.type, keys)


def load_repo(feed: Feed) -> FeedRepo | None:
    """The feed's tree, or None before its first root exists."""
    if not feed.root_json.exists():
        return None
    return FeedRepo.load(feed.tree)


def mirror(feed: Feed) -> int:
    return mirror_tree(feed.tree, mirror_root() / feed.name)


def renew_if_due(feed: Feed, now: dt.datetime) -> int | None:
    """Re-sign snapshot and timestamp when they expire within RENEW_BEFORE; the new version or None."""
    repo = load_repo(feed)
    if repo is None or not repo.published:
        return None
    soonest = min(repo.snapshot.signed.expires, repo.timestamp.signed.expires)
    if soonest - now > RENEW_BEFORE:
        return None
    snapshot, timestamp = online_signers(feed, repo)
    version = renew_online(repo, snapshot, timestamp, now + ONLINE_EXPIRY)
    mirror(feed)
    log.info("feed %s: snapshot and timestamp renewed (version %d)", feed.name, version)
    return version
