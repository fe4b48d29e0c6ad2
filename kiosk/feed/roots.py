"""Root metadata changes signed by several people: the trust anchor no single person controls.

A feed's root names who may sign what: the root role (key changes), the targets role
(content: drafter and reviewer) and the online snapshot/timestamp roles.  A change of root —
creating the feed, adding or removing a signer, replacing a lost key — is a *proposal*:
an unsigned ``Metadata[Root]`` that each key holder signs on their own (over the same
canonical bytes, like :class:`kiosk.feed.repo.PendingVersion`).  It is written as
``N.root.json`` only when it carries the threshold of the *current* root's root keys and the
threshold of its *own* root keys, exactly what a screen's python-tuf checks before it trusts
the new root (so a screen accepts every root this module writes, and nothing less).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from securesystemslib.signer import Key, Signer
from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp
from tuf.api.serialization.json import CanonicalJSONSerializer, JSONSerializer

from kiosk import fsutil
from kiosk.feed.errors import FeedPublishError
from kiosk.feed.repo import ROOT_EXPIRY, latest_root_version

ROOT_THRESHOLD = 2
TARGETS_THRESHOLD = 2


@dataclass(frozen=True)
class RootPlan:
    """Who holds which role in the proposed root."""

    root_keys: tuple[Key, ...]
    targets_keys: tuple[Key, ...]
    snapshot_key: Key
    timestamp_key: Key
    root_threshold: int = ROOT_THRESHOLD
    targets_threshold: int = TARGETS_THRESHOLD


def propose_root(feed: str, current: Root | None, plan: RootPlan, now: dt.datetime) -> Metadata[Root]:
    """The next root (version 1 for a new feed), unsigned."""
    for role, keys, threshold in (("root", plan.root_keys, plan.root_threshold),
                                  ("targets", plan.targets_keys, plan.targets_threshold)):
        if threshold < 2:
            raise FeedPublishError(feed, f"the {role} role needs a threshold of at least 2 (two people)")
        if len({k.keyid for k in keys}) < threshold:
            raise FeedPublishError(feed, f"the {role} role needs at least {threshold} different people's keys, "
                                   f"got {len({k.keyid for k in keys})}", "add people with signing keys first")
    root = Root(version=(current.version + 1) if current else 1, expires=now + ROOT_EXPIRY,
                consistent_snapshot=True)
    for key in plan.root_keys:
        root.add_key(key, Root.type)
    for key in plan.targets_keys:
        root.add_key(key, Targets.type)
    root.add_key(plan.snapshot_key, Snapshot.type)
    root.add_key(plan.timestamp_key, Timestamp.type)
    root.roles[Root.type].threshold = plan.root_threshold
    root.roles[Targets.type].threshold = plan.targets_threshold
    return Metadata(root)


def signed_bytes(md: Metadata[Root]) -> bytes:
    return CanonicalJSONSerializer().serialize(md.signed)


def sign_root(md_bytes: bytes, signer: Signer) -> bytes:
    """``md_bytes`` (a proposed root as JSON) with ``signer``'s signature added."""
    md = Metadata[Root].from_bytes(md_bytes)
    md.sign(signer, append=True)
    return md.to_bytes(JSONSerializer(compact=False))


def _valid(root: Root, md: Metadata[Root]) -> set[str]:
    data = signed_bytes(md)
    ok = set()
    for keyid in root.roles[Root.type].keyids:
        if keyid in md.signatures:
            try:
                root.get_key(keyid).verify_signature(md.signatures[keyid], data)
                ok.add(keyid)
            except Exception:  # noqa: BLE001 - any bad signature simply does not count
                continue
    return ok


@dataclass(frozen=True)
class RootSignatures:
    old_needed: int  # more signatures needed from the current root's root keys
    new_needed: int  # more needed from the proposal's own root keys
    signers: frozenset[str]  # keyids allowed to sign (old and new root keys)

    @property
    def complete(self) -> bool:
        return self.old_needed == 0 and self.new_needed == 0


def root_status(current: Root | None, md: Metadata[Root]) -> RootSignatures:
    new = md.signed
    old_needed = 0
    allowed = set(new.roles[Root.type].keyids)
    if current is not None:
        old_needed = max(0, current.roles[Root.type].threshold - len(_valid(current, md)))
        allowed |= set(current.roles[Root.type].keyids)
    new_needed = max(0, new.roles[Root.type].threshold - len(_valid(new, md)))
    return RootSignatures(old_needed, new_needed, frozenset(allowed))


def write_root(feed_dir: Path, md_bytes: bytes) -> Path:
    """Write a fully signed proposal as the feed's next ``N.root.json``; refuse anything less."""
    feed_dir = Path(feed_dir)
    name = feed_dir.name
    meta = feed_dir / "metadata"
    md = Metadata[Root].from_bytes(md_bytes)
    current: Root | None = None
    try:
        latest = latest_root_version(meta)
        current = Metadata[Root].from_file(str(meta / f"{latest}.root.json")).signed
    except FileNotFoundError:
        latest = 0
    if md.signed.version != latest + 1:
        raise FeedPublishError(name, f"this key change makes root version {md.signed.version}, but the feed is at "
                               f"{latest}", "another key change landed first: propose it again")
    status = root_status(current, md)
    if not status.complete:
        raise FeedPublishError(name, f"the key change needs {status.old_needed} more signature(s) from the current "
                               f"key holders and {status.new_needed} from the new ones")
    path = meta / f"{md.signed.version}.root.json"
    meta.mkdir(parents=True, exist_ok=True)
    fsutil.write_bytes(path, md.to_bytes(JSONSerializer(compact=False)))
    return path


def keys_of(root: Root, role: str) -> Sequence[Key]:
    return [root.get_key(k) for k in root.roles[role].keyids]
