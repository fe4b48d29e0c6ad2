"""The publisher's view of a feed tree: TUF metadata with consistent snapshots.

Layout (every name FAT/exFAT-safe; nothing a screen may be reading is overwritten
except ``timestamp.json``, which is replaced atomically and written last)::

    FEED/metadata/1.root.json, 2.root.json, …   root history (install 1.root.json on screens)
    FEED/metadata/N.targets.json                signed list of targets (the bundle + images)
    FEED/metadata/N.snapshot.json               signed versions of targets metadata
    FEED/metadata/timestamp.json                signed pointer to the newest snapshot
    FEED/targets/<sha256>.bundle.json           the manifest (see kiosk.feed.bundle)
    FEED/targets/images/<sha256>.<sha256>.jpg   each image, content-addressed

This module does no content validation and no threshold checks beyond what is
needed to sign: :mod:`kiosk.feed.publish` does those.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from securesystemslib.signer import Signer
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from kiosk import fsutil
from kiosk.feed.bundle import MANIFEST_TARGET, Manifest
from kiosk.feed.errors import FeedPublishError
from kiosk.feed.keys import KeyFile, describe, ensure_keydir, generate_key

_ROOT_FILE = re.compile(r"^(\d+)\.root\.json$")
ROOT_EXPIRY = dt.timedelta(days=5 * 365)


@dataclass
class FeedRepo:
    """The newest signed state of a feed tree (loaded from the files, trusted as our own)."""

    path: Path
    root: Metadata[Root]
    targets: Metadata[Targets]
    snapshot: Metadata[Snapshot]
    timestamp: Metadata[Timestamp]

    @property
    def metadata_dir(self) -> Path:
        return self.path / "metadata"

    @property
    def targets_dir(self) -> Path:
        return self.path / "targets"

    @property
    def version(self) -> int:
        return self.targets.signed.version

    @classmethod
    def load(cls, path: Path) -> FeedRepo:
        path = Path(path)
        meta = path / "metadata"
        try:
            root = Metadata[Root].from_file(str(meta / f"{latest_root_version(meta)}.root.json"))
            ts = Metadata[Timestamp].from_file(str(meta / "timestamp.json"))
            snap_v = ts.signed.snapshot_meta.version
            snap = Metadata[Snapshot].from_file(str(meta / f"{snap_v}.snapshot.json"))
            targets_v = snap.signed.meta["targets.json"].version
            targets = Metadata[Targets].from_file(str(meta / f"{targets_v}.targets.json"))
        except (OSError, ValueError, KeyError) as e:
            raise FeedPublishError(path.name, f"{path} is not a complete feed: {e}",
                                   "create it with `kiosk feed init FEED --keys KEYDIR`") from None
        return cls(path, root, targets, snapshot=snap, timestamp=ts)

    def manifest(self) -> Manifest | None:
        """The bundle manifest of the newest version, or None before the first publish."""
        info = self.targets.signed.targets.get(MANIFEST_TARGET)
        if info is None:
            return None
        data = target_file(self.targets_dir, info).read_bytes()
        return Manifest.from_bytes(data, self.path.name)

    def signers(self, role: str, keys: dict[str, KeyFile]) -> list[Signer]:
        """Every available signer for ``role``; raises when fewer than its threshold."""
        spec = self.root.signed.roles[role]
        have = [keys[k] for k in spec.keyids if k in keys]
        if len(have) < spec.threshold:
            raise FeedPublishError(self.path.name, threshold_message(role, spec.threshold, have),
                                   "pass every required key directory, repeating --keys for each")
        return [k.signer for k in have]


def threshold_message(role: str, threshold: int, have: list[KeyFile]) -> str:
    who = " (drafter and reviewer: the 审批 step)" if role == Targets.type and threshold > 1 else ""
    return (f"the {role} role needs {threshold} signature(s){who}, but only {len(have)} of its keys "
            f"were found ({describe(have)})")


def latest_root_version(meta_dir: Path) -> int:
    versions = [int(m.group(1)) for p in meta_dir.glob("*.root.json") if (m := _ROOT_FILE.match(p.name))]
    if not versions:
        raise FileNotFoundError(f"no N.root.json in {meta_dir}")
    return max(versions)


def target_file(targets_dir: Path, info: TargetFile) -> Path:
    """Where a target lives in the tree under consistent snapshots: hash-prefixed name."""
    dirname, _, base = info.path.rpartition("/")
    return targets_dir / dirname / f"{info.hashes['sha256']}.{base}"


def _write_metadata(path: Path, md: Metadata, signers: list[Signer]) -> bytes:
    md.signatures.clear()
    for signer in signers:
        md.sign(signer, append=True)
    data = md.to_bytes(JSONSerializer(compact=False))  # readable: operators do look at it
    fsutil.write_bytes(path, data)
    return data


def _meta_file(version: int, data: bytes) -> MetaFile:
    return MetaFile.from_data(version, data, ["sha256"])


# ---------------------------------------------------------------- writing a version


@dataclass(frozen=True)
class RoleSigners:
    targets: list[Signer]
    snapshot: list[Signer]
    timestamp: list[Signer]


def write_targets_files(repo: FeedRepo, manifest: Manifest, images: dict[str, Path]) -> TargetFile:
    """Copy images (only new ones) and the manifest into targets/; return the manifest's info."""
    for ref in manifest.targets().values():
        info = TargetFile(ref.length, {"sha256": ref.sha256}, ref.target)
        dest = target_file(repo.targets_dir, info)
        if not dest.exists():
            with fsutil.atomic_file(dest) as out, open(images[ref.target], "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    data = manifest.to_bytes()
    info = TargetFile.from_data(MANIFEST_TARGET, data, ["sha256"])
    dest = target_file(repo.targets_dir, info)
    if not dest.exists():
        fsutil.write_bytes(dest, data)
    return info


def write_version(repo: FeedRepo, manifest: Manifest, images: dict[str, Path], signers: RoleSigners,
                  expires: dt.datetime) -> int:
    """Write a new version: targets files, then targets, snapshot and (last) timestamp metadata."""
    bundle = write_targets_files(repo, manifest, images)
    version = max(repo.targets.signed.version, repo.snapshot.signed.version, repo.timestamp.signed.version) + 1
    targets = {MANIFEST_TARGET: bundle}
    for ref in manifest.targets().values():
        targets[ref.target] = TargetFile(ref.length, {"sha256": ref.sha256}, ref.target)
    meta = repo.metadata_dir
    tmd = Metadata(Targets(version=version, expires=expires, targets=targets))
    tdata = _write_metadata(meta / f"{version}.targets.json", tmd, signers.targets)
    smd = Metadata(Snapshot(version=version, expires=expires, meta={"targets.json": _meta_file(version, tdata)}))
    sdata = _write_metadata(meta / f"{version}.snapshot.json", smd, signers.snapshot)
    ts = Metadata(Timestamp(version=version, expires=expires, snapshot_meta=_meta_file(version, sdata)))
    _write_metadata(meta / "timestamp.json", ts, signers.timestamp)
    repo.targets, repo.snapshot, repo.timestamp = tmd, smd, ts
    return version


# ---------------------------------------------------------------- init and rotation


@dataclass(frozen=True)
class InitResult:
    feed: Path
    root_json: Path  # install this on screens as their trusted root.json
    keys: tuple[Path, ...]


def init_feed(feed_dir: Path, keydir: Path, now: dt.datetime, threshold: int = 1,
              expires_days: int = 30) -> InitResult:
    """Create keys in ``keydir`` and an empty signed feed (version 1) in ``feed_dir``."""
    feed_dir, keydir = Path(feed_dir), Path(keydir)
    name = feed_dir.name
    if threshold < 1 or threshold > 9:
        raise FeedPublishError(name, f"threshold must be 1 to 9, got {threshold}", "use --threshold 1 or 2")
    if (feed_dir / "metadata").exists() and any((feed_dir / "metadata").iterdir()):
        raise FeedPublishError(name, f"{feed_dir} already holds a feed", "publish into it, or choose a new FEED")
    ensure_keydir(keydir, feed_dir)
    names = ["root", *(f"targets-{n}" for n in range(1, threshold + 1)), "snapshot", "timestamp"]
    keys = {n: generate_key(keydir, n) for n in names}
    root = Root(expires=now + ROOT_EXPIRY, consistent_snapshot=True)
    for key_name, key in keys.items():
        root.add_key(key.signer.public_key, key_name.split("-")[0])
    root.roles[Targets.type].threshold = threshold
    root_md = Metadata(root)
    root_path = feed_dir / "metadata" / "1.root.json"
    _write_metadata(root_path, root_md, [keys["root"].signer])
    signers = RoleSigners([keys[f"targets-{n}"].signer for n in range(1, threshold + 1)],
                          [keys["snapshot"].signer], [keys["timestamp"].signer])
    _write_empty_version(feed_dir, signers, now + dt.timedelta(days=expires_days))
    return InitResult(feed_dir, root_path, tuple(k.path for k in keys.values()))


def _write_empty_version(feed_dir: Path, signers: RoleSigners, expires: dt.datetime) -> None:
    """Version 1: no targets yet, so a screen can already verify the feed."""
    meta = feed_dir / "metadata"
    tmd = Metadata(Targets(version=1, expires=expires))
    tdata = _write_metadata(meta / "1.targets.json", tmd, signers.targets)
    smd = Metadata(Snapshot(version=1, expires=expires, meta={"targets.json": _meta_file(1, tdata)}))
    sdata = _write_metadata(meta / "1.snapshot.json", smd, signers.snapshot)
    ts = Metadata(Timestamp(version=1, expires=expires, snapshot_meta=_meta_file(1, sdata)))
    _write_metadata(meta / "timestamp.json", ts, signers.timestamp)
    (feed_dir / "targets").mkdir(exist_ok=True)


def rotate_keys(repo: FeedRepo, keys: dict[str, KeyFile], roles: list[str], new_keydir: Path,
                now: dt.datetime) -> dict[str, KeyFile]:
    """Replace the keys of ``roles`` with new ones in ``new_keydir``; write the next root.

    The new root is signed by the old root keys and, when root itself rotates, by the new
    root key too.  The caller then re-signs a version with the new keys (``publish``).
    """
    old_root_signers = repo.signers(Root.type, keys)
    ensure_keydir(new_keydir, repo.path)
    root = repo.root.signed
    fresh: dict[str, KeyFile] = {}
    for role in roles:
        for keyid in list(root.roles[role].keyids):
            root.revoke_key(keyid, role)
        count = root.roles[role].threshold
        for n in range(1, count + 1):
            key = generate_key(new_keydir, f"{role}-v{root.version + 1}-{n}")
            root.add_key(key.signer.public_key, role)
            fresh[key.keyid] = key
    root.version += 1
    root.expires = now + ROOT_EXPIRY
    new_root_signers = [k.signer for k in fresh.values() if k.keyid in root.roles[Root.type].keyids]
    _write_metadata(repo.metadata_dir / f"{root.version}.root.json", repo.root,
                    old_root_signers + new_root_signers)
    return fresh
