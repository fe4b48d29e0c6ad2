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

import contextlib
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
from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer

from kiosk import fsutil
from kiosk.feed.bundle import MANIFEST_TARGET, Manifest
from kiosk.feed.errors import FeedPublishError, FeedStaleError
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
            if not (meta / "timestamp.json").exists():
                return cls.unpublished(path, root)
            ts = Metadata[Timestamp].from_file(str(meta / "timestamp.json"))
            snap_v = ts.signed.snapshot_meta.version
            snap = Metadata[Snapshot].from_file(str(meta / f"{snap_v}.snapshot.json"))
            targets_v = snap.signed.meta["targets.json"].version
            targets = Metadata[Targets].from_file(str(meta / f"{targets_v}.targets.json"))
        except (OSError, ValueError, KeyError) as e:
            raise FeedPublishError(path.name, f"{path} is not a complete feed: {e}",
                                   "create it with `kiosk feed init FEED --keys KEYDIR`") from None
        return cls(path, root, targets, snapshot=snap, timestamp=ts)

    @classmethod
    def unpublished(cls, path: Path, root: Metadata[Root]) -> FeedRepo:
        """A feed with a root but no version yet (the office's new feeds): version 0, nothing written."""
        epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        targets = Metadata(Targets(version=1, expires=epoch))
        snapshot = Metadata(Snapshot(version=1, expires=epoch))
        timestamp = Metadata(Timestamp(version=1, expires=epoch, snapshot_meta=MetaFile(1)))
        for md in (targets, snapshot, timestamp):
            md.signed.version = 0  # in memory only (tuf refuses 0 in its constructor): the next version is 1
        return cls(path, root, targets, snapshot=snapshot, timestamp=timestamp)

    @property
    def published(self) -> bool:
        return self.timestamp.signed.version > 0

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


_TARGETS_FILE = re.compile(r"^(\d+)\.targets\.json$")


def targets_versions(tree: Path) -> list[int]:
    """The targets versions kept in a feed tree (consistent snapshots keep every one), oldest first."""
    try:
        names = [p.name for p in (tree / "metadata").iterdir()]
    except OSError:
        return []
    return sorted(int(m.group(1)) for n in names if (m := _TARGETS_FILE.match(n)))


def manifest_at(tree: Path, version: int) -> Manifest | None:
    """The bundle manifest of targets version ``version`` of a feed tree, or None when that version
    or its manifest is not in the tree.  Raises FeedInvalidError when the manifest is malformed."""
    try:
        md = Metadata[Targets].from_file(str(tree / "metadata" / f"{version}.targets.json"))
    except (OSError, ValueError, DeserializationError):
        return None
    info = md.signed.targets.get(MANIFEST_TARGET)
    if info is None:
        return None
    try:
        data = target_file(tree / "targets", info).read_bytes()
    except OSError:
        return None
    return Manifest.from_bytes(data, tree.name)


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


def write_version(repo: FeedRepo, manifest: Manifest, images: dict[str, Path], signers: RoleSigners,
                  expires: dt.datetime) -> int:
    """Build, sign with ``signers.targets`` and finalize a version in one go (the CLI path).

    No threshold check: callers check first (``publish``), and tests use it to write
    under-signed versions that screens must refuse.
    """
    pending = build_version(repo, manifest, images, expires)
    for signer in signers.targets:
        pending = pending.signed_by(signer)
    return finalize_version(repo, pending, signers.snapshot, signers.timestamp, expires, check_threshold=False)


# ---------------------------------------------------------------- build -> sign -> finalize


@dataclass(frozen=True)
class PendingVersion:
    """A built version waiting for content signatures.

    ``targets`` is the TUF targets metadata as JSON bytes with the signatures gathered so far;
    every signer signs the same canonical ``signed`` part, wherever and whenever they sign
    (the office keeps it in its database between the drafter's and the reviewer's
    signature).  ``manifest`` is the bundle the metadata names; ``images`` maps each image
    target name to a local file.  Nothing of it is in the feed tree until ``finalize``.
    """

    feed: str
    base: int  # the targets version it was built on: finalize refuses if the feed moved on
    targets: bytes
    manifest: bytes
    images: dict[str, Path]

    @property
    def metadata(self) -> Metadata[Targets]:
        return Metadata[Targets].from_bytes(self.targets)

    @property
    def version(self) -> int:
        return self.metadata.signed.version

    @property
    def signed_bytes(self) -> bytes:
        """What each signature covers (canonical JSON of the signed part)."""
        from tuf.api.serialization.json import CanonicalJSONSerializer

        return CanonicalJSONSerializer().serialize(self.metadata.signed)

    def keyids(self) -> list[str]:
        return list(self.metadata.signatures)

    def signed_by(self, signer: Signer) -> PendingVersion:
        """A copy with ``signer``'s signature added (a second signature by one key replaces the first)."""
        md = self.metadata
        md.sign(signer, append=True)
        return PendingVersion(self.feed, self.base, md.to_bytes(JSONSerializer(compact=False)), self.manifest,
                              self.images)


def build_version(repo: FeedRepo, manifest: Manifest, images: dict[str, Path], expires: dt.datetime) -> PendingVersion:
    """The next version's targets metadata (unsigned) for ``manifest``; writes nothing."""
    data = manifest.to_bytes()
    version = max(repo.targets.signed.version, repo.snapshot.signed.version, repo.timestamp.signed.version) + 1
    targets = {MANIFEST_TARGET: TargetFile.from_data(MANIFEST_TARGET, data, ["sha256"])}
    for ref in manifest.targets().values():
        targets[ref.target] = TargetFile(ref.length, {"sha256": ref.sha256}, ref.target)
    md = Metadata(Targets(version=version, expires=expires, targets=targets))
    return PendingVersion(repo.path.name, repo.targets.signed.version, md.to_bytes(JSONSerializer(compact=False)),
                          data, dict(images))


def check_signer(repo: FeedRepo, keyid: str) -> None:
    """Refuse a key that is not one of the targets role's keys in the newest root."""
    if keyid not in repo.root.signed.roles[Targets.type].keyids:
        raise FeedPublishError(repo.path.name, f"key {keyid[:12]}… may not sign content of this feed",
                               "a key change (new root) must add it first")


def missing_signatures(repo: FeedRepo, pending: PendingVersion) -> int:
    """How many more valid targets signatures ``pending`` needs under the newest root."""
    spec = repo.root.signed.roles[Targets.type]
    md = pending.metadata
    valid = 0
    for keyid in spec.keyids:
        if keyid in md.signatures:
            try:
                repo.root.signed.get_key(keyid).verify_signature(md.signatures[keyid], pending.signed_bytes)
                valid += 1
            except Exception:  # noqa: BLE001 - securesystemslib raises several kinds for a bad signature
                continue
    return max(0, spec.threshold - valid)


def finalize_version(repo: FeedRepo, pending: PendingVersion, snapshot: list[Signer], timestamp: list[Signer],
                     expires: dt.datetime, check_threshold: bool = True) -> int:
    """Write a signed pending version: targets files, its targets metadata, snapshot, timestamp last.

    Raises ``FeedStaleError`` when another version was published after ``pending`` was built
    (it must be built again and signed again) and ``FeedPublishError`` when signatures are
    missing or the manifest is not the one signed.
    """
    name = repo.path.name
    if repo.targets.signed.version != pending.base:
        raise FeedStaleError(name, f"version {repo.targets.signed.version} was published after this one was "
                             f"built on version {pending.base}", "build it again on the newest version and sign again")
    md = pending.metadata
    info = md.signed.targets.get(MANIFEST_TARGET)
    if info is None or TargetFile.from_data(MANIFEST_TARGET, pending.manifest, ["sha256"]).hashes != info.hashes:
        raise FeedPublishError(name, "the bundle is not the one the signatures cover", "build it again")
    if check_threshold:
        missing = missing_signatures(repo, pending)
        if missing:
            raise FeedPublishError(name, f"{missing} more content signature(s) needed (drafter and reviewer: "
                                   "the 审批 step)", "the missing signer must sign first")
    before = (repo.targets, repo.snapshot, repo.timestamp)
    written: list[Path] = []  # files this call created: removed again if it fails
    try:
        for target, path in pending.images.items():
            ref = md.signed.targets[target]
            dest = target_file(repo.targets_dir, ref)
            if not dest.exists():
                with fsutil.atomic_file(dest) as out, open(path, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
                written.append(dest)
        dest = target_file(repo.targets_dir, info)
        if not dest.exists():
            fsutil.write_bytes(dest, pending.manifest)
            written.append(dest)
        meta = repo.metadata_dir
        version = md.signed.version
        tdata = md.to_bytes(JSONSerializer(compact=False))
        fsutil.write_bytes(meta / f"{version}.targets.json", tdata)
        written.append(meta / f"{version}.targets.json")
        repo.targets = md
        write_snapshot_timestamp(repo, _meta_file(version, tdata), snapshot, timestamp, expires, written)
    except OSError as e:
        # timestamp.json is replaced last and atomically: screens still see the previous version
        repo.targets, repo.snapshot, repo.timestamp = before
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        where = f" ({e.filename})" if e.filename else ""
        raise FeedPublishError(name, f"cannot write the feed in {repo.path}: {e.strerror or e}{where}; nothing was "
                               f"published, the feed still serves version {before[0].signed.version}",
                               "free space on that disk (or fix its permissions) and publish again") from None
    return version


def write_snapshot_timestamp(repo: FeedRepo, targets_meta: MetaFile, snapshot: list[Signer],
                             timestamp: list[Signer], expires: dt.datetime, written: list[Path] | None = None) -> int:
    """A new snapshot naming ``targets_meta`` and a new timestamp naming it (written last).

    ``written``: the new snapshot's path is added to it once written (for clean-up on failure).
    """
    meta = repo.metadata_dir
    version = max(repo.targets.signed.version, repo.snapshot.signed.version + 1, repo.timestamp.signed.version + 1)
    smd = Metadata(Snapshot(version=version, expires=expires, meta={"targets.json": targets_meta}))
    sdata = _write_metadata(meta / f"{version}.snapshot.json", smd, snapshot)
    if written is not None:
        written.append(meta / f"{version}.snapshot.json")
    ts = Metadata(Timestamp(version=version, expires=expires, snapshot_meta=_meta_file(version, sdata)))
    _write_metadata(meta / "timestamp.json", ts, timestamp)
    repo.snapshot, repo.timestamp = smd, ts
    return version


def renew_online(repo: FeedRepo, snapshot: list[Signer], timestamp: list[Signer], expires: dt.datetime) -> int:
    """Re-sign snapshot and timestamp (same content) so screens keep trusting the feed as fresh."""
    data = (repo.metadata_dir / f"{repo.targets.signed.version}.targets.json").read_bytes()
    return write_snapshot_timestamp(repo, _meta_file(repo.targets.signed.version, data), snapshot, timestamp,
                                    expires)


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
