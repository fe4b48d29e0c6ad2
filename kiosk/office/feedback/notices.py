"""The notice behind a QR code, exactly as screens got it: read from the feed's signed tree.

A feed's newest signed manifest (``bundle.json``) holds every text file of the content folder;
images are content-addressed targets beside it.  The version is laid out once as a content
folder (``DIR/feedback/versions/<feed>/<version>/``: text files written, images hard-linked
from the tree) and loaded by the screen's own loader (``kiosk.content.loader.load_content``),
so the phone page shows the same parsed blocks the screen draws; no second parser.

A notice no longer in the newest version was withdrawn: the older versions' manifests (kept
in the tree: consistent snapshots) say which one had it last, and the first version without
it says when it went.  Loaded versions are cached per process; a new version is noticed by
the ``timestamp.json`` the office writes last.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import re
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from tuf.api.metadata import Metadata, TargetFile, Targets

from kiosk.content.errors import ContentError
from kiosk.content.loader import load_content, read_toml, split_front_matter
from kiosk.content.model import Audience, Category, Content, ImageBlock, Item, Publisher
from kiosk.feed.bundle import MANIFEST_TARGET, Manifest
from kiosk.feed.errors import FeedError
from kiosk.feed.repo import target_file
from kiosk.office.paths import data_dir

log = logging.getLogger(__name__)

_TARGETS_FILE = re.compile(r"^(\d+)\.targets\.json$")
MAX_VERSIONS_SEARCHED = 1000
_CACHED_VERSIONS = 24


class State(enum.Enum):
    CURRENT = "current"  # inside its publish window: on screens now
    UPCOMING = "upcoming"  # signed, its window not started yet
    ENDED = "ended"  # its 公示期 is over (still in the bundle, off the screens)
    WITHDRAWN = "withdrawn"  # no longer in the feed (撤回)


@dataclass(frozen=True)
class Version:
    """One signed version of a feed, loaded by the screen's loader."""

    feed: str
    number: int
    published: dt.datetime  # aware UTC: when it was signed
    content: Content
    images: dict[Path, str] = field(default_factory=dict)  # loaded image path -> "<sha256><ext>"


@dataclass(frozen=True)
class PublicNotice:
    feed: str
    item: Item
    publisher: Publisher
    category: Category | None
    version: int
    state: State
    withdrawn_at: dt.datetime | None  # aware: when the first version without it was signed
    comments_until: dt.datetime | None  # aware; None = as long as it is on screens
    images: dict[Path, str]  # image path -> "<sha256><ext>" (the phone copy's URL name)

    @property
    def members_only(self) -> bool:
        """党内公开: the full text is for members' rooms, not for the open internet."""
        return self.item.audience is Audience.MEMBERS

    def comments_open(self, now: dt.datetime) -> bool:
        return self.comments_until is None or now < self.comments_until

    def image_blocks(self) -> list[ImageBlock]:
        """The front matter's images (shown beside the text on screens) as blocks for the page."""
        return [ImageBlock(p) for p in self.item.images]


def _local(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(tzinfo=None)


def _add_days(moment: dt.datetime, days: int) -> dt.datetime:
    try:
        return moment + dt.timedelta(days=days)
    except OverflowError:
        return dt.datetime.max.replace(tzinfo=moment.tzinfo)


# ---------------------------------------------------------------- reading the tree


def _targets_versions(meta: Path) -> list[int]:
    try:
        names = os.listdir(meta)
    except OSError:
        return []
    return sorted((int(m.group(1)) for n in names if (m := _TARGETS_FILE.match(n))), reverse=True)


def _manifest(tree: Path, version: int) -> Manifest | None:
    """The manifest named by ``version``'s targets metadata, or None when missing or broken."""
    try:
        md = Metadata[Targets].from_file(str(tree / "metadata" / f"{version}.targets.json"))
        info = md.signed.targets.get(MANIFEST_TARGET)
        if info is None:
            return None
        return Manifest.from_bytes(target_file(tree / "targets", info).read_bytes(), tree.name)
    except (OSError, ValueError, KeyError, FeedError) as e:
        log.warning("feed %s: version %d unreadable: %s", tree.name, version, e)
        return None


def _current_version_number(tree: Path) -> int | None:
    """The targets version that the newest timestamp -> snapshot names (what screens get now)."""
    from kiosk.feed.repo import FeedRepo

    if not (tree / "metadata" / "timestamp.json").exists():
        return None
    try:
        repo = FeedRepo.load(tree)
    except FeedError as e:
        log.warning("feed %s: %s", tree.name, e)
        return None
    return repo.version if repo.published else None


def _item_ids(manifest: Manifest) -> frozenset[str]:
    """The ids of the items in ``manifest`` (front matter read with the loader's own functions)."""
    ids = set()
    for rel, text in manifest.files.items():
        if not rel.startswith("items/"):
            continue
        try:
            front, _, _ = split_front_matter(text, Path(rel))
            value = read_toml(Path(rel), front).get("id")
        except ContentError:
            continue
        if isinstance(value, str):
            ids.add(value.strip())
    return frozenset(ids)


def _lay_out(tree: Path, version: int, manifest: Manifest) -> Path:
    """The version as a content folder (made once; atomic rename so readers never see half)."""
    folder = data_dir().root / "feedback" / "versions" / tree.name / str(version)
    if folder.is_dir():
        return folder
    work = folder.with_name(f".{version}-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(work, ignore_errors=True)
    for rel, text in manifest.files.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for rel, ref in manifest.images.items():
        src = target_file(tree / "targets", TargetFile(ref.length, {"sha256": ref.sha256}, ref.target))
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.hardlink_to(src)
        except OSError:
            shutil.copyfile(src, path)
    work.mkdir(parents=True, exist_ok=True)
    try:
        work.rename(folder)
    except OSError:  # another thread or process made it first
        shutil.rmtree(work, ignore_errors=True)
    return folder


_lock = threading.Lock()
_versions: OrderedDict[tuple[str, int], Version] = OrderedDict()
_current: dict[str, tuple[tuple[int, int, int], int | None]] = {}
_withdrawn: dict[tuple[str, str, int], tuple[int, dt.datetime] | None] = {}


def clear_cache() -> None:
    with _lock:
        _versions.clear()
        _current.clear()
        _withdrawn.clear()


def load_version(tree: Path, number: int, manifest: Manifest | None = None) -> Version | None:
    key = (tree.name, number)
    with _lock:
        cached = _versions.get(key)
        if cached is not None:
            _versions.move_to_end(key)
            return cached
    manifest = manifest or _manifest(tree, number)
    if manifest is None:
        return None
    try:
        folder = _lay_out(tree, number, manifest)
        content = load_content(folder, feed=tree.name)
    except (OSError, ContentError) as e:
        log.warning("feed %s: version %d cannot be loaded: %s", tree.name, number, e)
        return None
    images: dict[Path, str] = {}
    for rel, ref in manifest.images.items():
        images[(folder / rel).resolve()] = f"{ref.sha256}{Path(rel).suffix.lower()}"
    version = Version(tree.name, number, manifest.published, content, images)
    with _lock:
        _versions[key] = version
        while len(_versions) > _CACHED_VERSIONS:
            _versions.popitem(last=False)
    return version


def current(tree: Path) -> Version | None:
    """The version screens get now (None before the first publication)."""
    stamp = tree / "metadata" / "timestamp.json"
    try:
        st = stamp.stat()
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        return None
    with _lock:
        known = _current.get(tree.name)
    if known is None or known[0] != key:
        known = (key, _current_version_number(tree))
        with _lock:
            _current[tree.name] = known
    return None if known[1] is None else load_version(tree, known[1])


def _last_with(tree: Path, item_id: str, newest: int) -> tuple[int, dt.datetime] | None:
    """(version that last had ``item_id``, when the version after it was signed), searching back."""
    key = (tree.name, item_id, newest)
    with _lock:
        if key in _withdrawn:
            return _withdrawn[key]
    found = None
    later: Manifest | None = None
    for number in _targets_versions(tree / "metadata")[:MAX_VERSIONS_SEARCHED]:
        if number > newest:
            continue
        manifest = _manifest(tree, number)
        if manifest is None:
            continue
        if item_id in _item_ids(manifest):
            if later is not None:
                found = (number, later.published)
            break
        later = manifest
    with _lock:
        _withdrawn[key] = found
    return found


def find(tree: Path, item_id: str, now: dt.datetime, comments_after_days: int) -> PublicNotice | None:
    """The notice ``item_id`` of the feed in ``tree`` as residents may see it, or None if never published."""
    newest = current(tree)
    if newest is None:
        return None
    version, withdrawn_at = newest, None
    item = newest.content.item(item_id)
    if item is None:
        last = _last_with(tree, item_id, newest.number)
        if last is None:
            return None
        older = load_version(tree, last[0])
        item = older.content.item(item_id) if older is not None else None
        if older is None or item is None:
            return None
        version, withdrawn_at = older, last[1]
    local = _local(now)
    if withdrawn_at is not None:
        state = State.WITHDRAWN
        until: dt.datetime | None = _add_days(withdrawn_at, comments_after_days)
    elif item.show_until is not None and local >= item.show_until:
        state = State.ENDED
        until = _add_days(timezone.make_aware(item.show_until), comments_after_days)
    else:
        state = State.UPCOMING if local < item.show_from else State.CURRENT
        until = None
    paths = [*item.images, *(b.path for b in item.body if isinstance(b, ImageBlock))]
    images = {p: version.images[p.resolve()] for p in paths if p.resolve() in version.images}
    return PublicNotice(feed=tree.name, item=item, publisher=version.content.publisher,
                        category=version.content.catalogue.get(item.category), version=version.number,
                        state=state, withdrawn_at=withdrawn_at, comments_until=until, images=images)


def image_source(tree: Path, name: str) -> Path | None:
    """The feed tree's file of the image target ``<sha256><ext>`` (None when not in the tree)."""
    m = re.fullmatch(r"([0-9a-f]{64})(\.[a-z]{3,4})", name)
    if not m:
        return None
    path = tree / "targets" / "images" / f"{m[1]}.{m[1]}{m[2]}"
    return path if path.is_file() else None
