"""``kiosk usb export FEED DEST``: put a feed's current version on a stick and prove a screen takes it.

1. The files of the current version are listed from FEED's metadata (the whole root chain,
   ``timestamp.json``, this version's snapshot and targets metadata and every target it names);
   older versions stay in the office (a screen refuses them anyway as rollbacks).
2. Room is checked first (``shutil.disk_usage``, sizes rounded up to the stick's cluster size).
3. The files are copied into ``DEST/.kiosk-feed-tmp-*``, each fsynced and dropped from the page
   cache, then the folder is renamed to ``DEST/kiosk-feed`` (an older copy is moved aside first
   and deleted after), and DEST is fsynced.
4. The copy is read back from the stick and imported with the screen's own code
   (:class:`~kiosk.usb.importer.UsbImporter`) into a throw-away store with ``--root``; a copy
   that does not verify is removed, so no bad stick leaves the office.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk import fsutil
from kiosk.clock import WallClock
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.usb.errors import UsbError
from kiosk.usb.events import FeedOutcome, Outcome
from kiosk.usb.importer import UsbImporter
from kiosk.usb.plan import PlanError, read_plan, root_chain
from kiosk.usb.safefs import FEED_DIR, TooLargeError

TMP_PREFIX = ".kiosk-feed-tmp-"
OLD_PREFIX = ".kiosk-feed-old-"
SLACK = 256 * 1024  # directory entries, FAT long names


class UsbSpaceError(UsbError):
    """The stick has no room for the feed."""

    def __init__(self, dest: Path, needed: int, free: int) -> None:
        self.needed, self.free = needed, free
        super().__init__(f"{dest} has {mb(free)} free but the feed needs {mb(needed)}: free {mb(needed - free)} "
                         "more on the stick or use a bigger one")


@dataclass(frozen=True)
class ExportResult:
    folder: Path  # DEST/kiosk-feed
    files: int
    bytes: int
    verified: FeedOutcome  # the screen's verdict on the copy (version, items)


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def feed_files(feed_dir: Path) -> dict[str, int]:
    """Files (relative paths) making up the current version of a feed tree, with their sizes."""
    feed_dir = Path(feed_dir)

    def read(rel: str, cap: int) -> bytes:
        path = feed_dir / rel
        if path.stat().st_size > cap:
            raise TooLargeError(f"{rel}: larger than {cap} bytes")
        return path.read_bytes()

    try:
        plan = read_plan(read)
    except PlanError as e:
        raise UsbError(f"{feed_dir} is not a published feed ({e}): run `kiosk feed publish` first") from None
    roots = root_chain(lambda rel: (feed_dir / rel).is_file())
    if not roots:
        raise UsbError(f"{feed_dir}/metadata/1.root.json is missing: not a feed made by `kiosk feed init`")
    files = {}
    for rel in [*roots, *plan.files()]:
        try:
            files[rel] = (feed_dir / rel).stat().st_size
        except OSError as e:
            raise UsbError(f"{feed_dir}: {rel} is missing ({e.strerror}): publish again") from None
    return files


def space_needed(files: dict[str, int], cluster: int) -> int:
    """Bytes the files take on a FAT/exFAT stick with ``cluster``-byte clusters."""
    cluster = max(512, cluster)
    data = sum(-(-size // cluster) * cluster for size in files.values())
    folders = {rel.rpartition("/")[0] for rel in files} | {""}
    return data + len(folders) * cluster + SLACK


def export_feed(feed_dir: Path, dest: Path, root_json: Path | None = None,
                clock: WallClock | None = None) -> ExportResult:
    """Copy, swap in, fsync and verify.

    Raises:
        UsbSpaceError: the stick has no room for the feed.
        UsbError: ``dest`` or ``feed_dir`` is not usable, or the copy does not verify (the message
            says what to do); a partial copy is removed.
        OSError: the stick could not be written.
    """
    feed_dir, dest = Path(feed_dir), Path(dest)
    if not dest.is_dir():
        raise UsbError(f"{dest} is not a folder: pass the mounted stick, e.g. /media/$USER/STICK")
    files = feed_files(feed_dir)
    _remove_leftovers(dest)
    needed = space_needed(files, os.statvfs(dest).f_frsize)
    free = shutil.disk_usage(dest).free
    if free < needed:
        raise UsbSpaceError(dest, needed, free)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=dest))
    try:
        for rel in sorted(files):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy_cold(feed_dir / rel, target)
        fsutil.fsync_tree(tmp)
        _swap_in(tmp, dest)
    except BaseException:
        fsutil.remove_tree(tmp)
        raise
    verified = verify_stick(dest, root_json or feed_dir / "metadata" / "1.root.json", clock)
    if not verified.outcome.accepted:
        fsutil.remove_tree(dest / FEED_DIR)
        raise UsbError(f"the copy on {dest} does not verify ({verified.message}; {verified.detail}); it was removed: "
                       "try another stick, or check --root")
    return ExportResult(dest / FEED_DIR, len(files), sum(files.values()), verified)


def verify_stick(volume: Path, root_json: Path, clock: WallClock | None = None) -> FeedOutcome:
    """Import ``volume/kiosk-feed`` as a screen trusting ``root_json`` would, into a throw-away store.

    Never raises for a bad stick: the outcome says what a screen would do (accepted, refused, why).
    """
    source = FeedSource(name="verify", url=Path(volume).resolve().as_uri(), root_path=Path(root_json))
    with tempfile.TemporaryDirectory(prefix="kiosk-usb-verify-") as state:
        importer = UsbImporter([source], Store(Path(state)), device_id="export", clock=clock,
                               write_reports=False, lock_wait=0.0)
        results = importer.import_volume(Path(volume))
    if results[0].outcome is Outcome.NOT_OURS:
        return FeedOutcome(None, Outcome.NOT_OURS, detail=f"not signed by the keys of {root_json}")
    return results[0]


def _copy_cold(src: Path, dst: Path) -> None:
    """Copy and fsync, then drop the pages so the read-back reads the stick, not the cache."""
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fout.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def _swap_in(tmp: Path, dest: Path) -> None:
    final = dest / FEED_DIR
    old: Path | None = None
    if final.exists() or final.is_symlink():
        old = dest / f"{OLD_PREFIX}{dt.datetime.now():%Y%m%d%H%M%S}-{os.getpid()}"
        os.rename(final, old)
    os.rename(tmp, final)
    fsutil.fsync_dir(dest)
    if old is not None:
        fsutil.remove_tree(old)
        fsutil.fsync_dir(dest)


def _remove_leftovers(dest: Path) -> None:
    """Temp and old copies left by an interrupted export (they only take room)."""
    for path in dest.iterdir():
        if path.name.startswith((TMP_PREFIX, OLD_PREFIX)):
            fsutil.remove_tree(path)
