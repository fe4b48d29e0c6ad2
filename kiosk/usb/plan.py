"""The files of a feed tree's current version, read from its (not yet verified) metadata.

Used for three things that never decide trust:

- progress: how many bytes an import will read (``StickPlan.to_read``);
- diagnosis after a refusal: is a file missing or short (文件不完整) or wrong (文件已损坏)?
- export: which files of the publisher's tree make up the current version.

``sync_feed`` verifies everything itself; a plan that lies only skews a percentage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.content.limits import TooDeepError, parse_json
from kiosk.feed.bundle import MANIFEST_TARGET
from kiosk.usb.errors import UsbError
from kiosk.usb.fetcher import metadata_caps
from kiosk.usb.safefs import TooLargeError, UnsafePathError, split_rel

Reader = Callable[[str, int], bytes]  # (path inside the feed tree, cap) -> bytes
MAX_ROOTS = 1000


class PlanError(UsbError, ValueError):
    """The metadata needed for a plan is missing, too big or not what the feed layer writes.

    ``incomplete``: a file is missing, shorter than the metadata pointing to it says, or cut off
    (not parseable, no length known): the signs of a half-copied or pulled stick.
    """

    def __init__(self, message: str, incomplete: bool = False) -> None:
        super().__init__(message)
        self.incomplete = incomplete


@dataclass(frozen=True)
class TargetRef:
    rel: str  # the file in the tree: targets/<dir>/<sha256>.<name>
    sha256: str
    length: int


@dataclass(frozen=True)
class StickPlan:
    version: int  # the targets version the tree claims
    metadata: dict[str, int]  # metadata file -> length (timestamp, snapshot, targets of this version)
    targets: dict[str, TargetRef]  # target path (bundle.json, images/…) -> where and how big

    @property
    def manifest_sha256(self) -> str | None:
        ref = self.targets.get(MANIFEST_TARGET)
        return ref.sha256 if ref else None

    def files(self) -> dict[str, int]:
        """Every file of this version (without the root chain) and its expected length."""
        out = dict(self.metadata)
        out.update({ref.rel: ref.length for ref in self.targets.values()})
        return out

    def to_read(self, have_object: Callable[[str, int], bool]) -> int:
        """Bytes an import reads: metadata, the manifest and every image the store lacks."""
        images = sum(ref.length for path, ref in self.targets.items()
                     if path != MANIFEST_TARGET and not have_object(ref.sha256, ref.length))
        manifest = self.targets[MANIFEST_TARGET].length if MANIFEST_TARGET in self.targets else 0
        return sum(self.metadata.values()) + manifest + images

    def short_files(self, size: Callable[[str], int | None]) -> list[str]:
        """Files that are missing or shorter than expected (``size`` None: missing)."""
        short = []
        for rel, length in sorted(self.files().items()):
            got = size(rel)
            if got is None or got < length:
                short.append(rel)
        return short


def read_plan(read: Reader) -> StickPlan:
    """Walk timestamp → snapshot → targets of the current version.

    Raises:
        PlanError: a file is missing, too big, cut off or not what the feed layer writes.
    """
    caps = metadata_caps()
    timestamp_bytes = _read(read, "metadata/timestamp.json", caps["timestamp"], None)
    snap_info = _meta(_signed(timestamp_bytes, None), "snapshot.json")
    snap_rel = f"metadata/{snap_info[0]}.snapshot.json"
    snapshot_bytes = _read(read, snap_rel, caps["snapshot"], snap_info[1])
    targets_info = _meta(_signed(snapshot_bytes, snap_info[1]), "targets.json")
    targets_rel = f"metadata/{targets_info[0]}.targets.json"
    targets_bytes = _read(read, targets_rel, caps["targets"], targets_info[1])
    targets = _targets(_signed(targets_bytes, targets_info[1]))
    metadata = {"metadata/timestamp.json": len(timestamp_bytes), snap_rel: snap_info[1] or len(snapshot_bytes),
                targets_rel: targets_info[1] or len(targets_bytes)}
    return StickPlan(targets_info[0], metadata, targets)


def root_chain(exists: Callable[[str], bool]) -> list[str]:
    """``metadata/1.root.json`` … up to the last one present (a screen walks this chain)."""
    chain = []
    for n in range(1, MAX_ROOTS + 1):
        rel = f"metadata/{n}.root.json"
        if not exists(rel):
            break
        chain.append(rel)
    return chain


def _read(read: Reader, rel: str, cap: int, expected: int | None) -> bytes:
    try:
        data = read(rel, cap)
    except TooLargeError as e:
        raise PlanError(f"{rel}: {e}") from None
    except (OSError, UnsafePathError) as e:
        raise PlanError(f"{rel}: {e}", incomplete=True) from None
    if expected is not None and len(data) < expected:
        raise PlanError(f"{rel}: {len(data)} bytes, {expected} expected", incomplete=True)
    return data


def _signed(data: bytes, expected: int | None) -> dict:
    """The ``signed`` part; unparseable data of no known length counts as cut off."""
    try:
        signed = parse_json(data)["signed"]
    except TooDeepError as e:  # not a cut-off file: something made to crash parsers
        raise PlanError(f"not feed metadata: {e}") from None
    except (ValueError, KeyError, TypeError) as e:
        raise PlanError(f"not feed metadata: {e}", incomplete=expected is None) from None
    if not isinstance(signed, dict):
        raise PlanError("not feed metadata")
    return signed


def _meta(signed: dict, name: str) -> tuple[int, int | None]:
    """(version, length or None) of ``name`` in a timestamp or snapshot."""
    try:
        info = signed["meta"][name]
        version, length = info["version"], info.get("length")
    except (KeyError, TypeError, AttributeError) as e:
        raise PlanError(f"no {name} entry: {e}") from None
    if not isinstance(version, int) or version < 1 or not (length is None or isinstance(length, int)):
        raise PlanError(f"bad {name} entry")
    return version, length


def _targets(signed: dict) -> dict[str, TargetRef]:
    out: dict[str, TargetRef] = {}
    entries = signed.get("targets")
    if not isinstance(entries, dict):
        raise PlanError("targets metadata without targets")
    for path, info in entries.items():
        try:
            sha, length = info["hashes"]["sha256"], info["length"]
        except (KeyError, TypeError) as e:
            raise PlanError(f"target {path!r}: {e}") from None
        dirname, sep, base = str(path).rpartition("/")
        rel = f"targets/{dirname}{sep}{sha}.{base}"
        try:
            split_rel(rel)
        except UnsafePathError as e:
            raise PlanError(str(e)) from None
        if not isinstance(length, int) or length < 0:
            raise PlanError(f"target {path!r}: bad length")
        out[str(path)] = TargetRef(rel, str(sha), length)
    return out
