"""``kiosk feed publish``: validate a content folder, build the bundle, sign a new version."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tuf.api.metadata import Snapshot, Targets, Timestamp

from kiosk.content.errors import ContentError
from kiosk.content.images import ImageProblem, probe_image
from kiosk.content.loader import load_content
from kiosk.content.model import Category, Content, ImageBlock
from kiosk.feed.bundle import Changes, build_manifest, diff_manifests, image_files
from kiosk.feed.errors import FeedPublishError
from kiosk.feed.keys import load_keys
from kiosk.feed.names import tree_problems
from kiosk.feed.repo import FeedRepo, RoleSigners, write_version
from kiosk.schedule.playlist import check_playlist, load_playlists

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    feed: Path
    version: int
    changes: Changes
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what loading changed in the text (half-width punctuation set full width)


def load_publishable(content_dir: Path, feed: str) -> Content:
    """Load with the player's own loader and check what screens check; refuse any problem.

    Refused: an unusable folder, any notice error (including the limits of
    :mod:`kiosk.content.limits`), an image a screen would not decode (``FILE: images: reason``) and
    a playlist the screen's own validator refuses or that selects a category the catalogue lacks.
    """
    try:
        content = load_content(Path(content_dir), feed=feed)
    except ContentError as e:
        raise FeedPublishError(feed, f"content folder unusable: {e}", "fix it and publish again") from None
    problems = [*content.errors, *image_problems(content), *playlist_problems(content)]
    if problems:
        listing = "\n  ".join(problems)
        raise FeedPublishError(feed, f"{len(problems)} problem(s), nothing was published:\n  {listing}\n",
                               "fix them (`kiosk play` shows the same errors) and publish again")
    return content


def image_problems(content: Content) -> list[str]:
    """``FILE: images: reason`` for every image a screen's decoder would refuse (checked once each)."""
    users: dict[Path, list[tuple[Path, str]]] = {}
    if content.publisher.logo is not None:
        users.setdefault(content.publisher.logo, []).append((content.root / "content.toml", "logo"))
    for item in content.items:
        for path in (*item.images, *(b.path for b in item.body if isinstance(b, ImageBlock))):
            users.setdefault(path, []).append((item.source or content.root, "images"))
    root = content.root.resolve()
    for rel in image_files(content):
        users.setdefault((root / rel).resolve(), [])
    problems: list[str] = []
    for path in sorted(users):
        try:
            probe_image(path)
        except ImageProblem as e:
            rel = _relative(path, root)
            for where, field in users[path] or [(path, "images")]:
                problems.append(f"{where}: {field}: {rel}: {e.reason}")
    return problems


def playlist_problems(content: Content) -> list[str]:
    """What the screen's playlist validator says about the bundle's playlists, and categories they
    select that the catalogue does not have (a typo that would select nothing)."""
    folder = content.root / "playlists"
    if not folder.exists():
        return []
    playlists, errors = load_playlists(folder)
    return [*errors, *(w for p in playlists for w in check_playlist(p, [content]))]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def uncovered(content: Content, now: dt.datetime) -> list[Category]:
    """Catalogue categories without any item inside its publish window at ``now`` (aware)."""
    local = now.astimezone().replace(tzinfo=None)
    live = {item.category for item in content.items if item.valid_at(local)}
    return [c for c in content.catalogue.ordered() if c.id not in live]


def empty_categories(content: Content, now: dt.datetime) -> list[str]:
    """``id (name)`` of each category without a current item (see ``uncovered``)."""
    return [f"{c.id} ({c.name})" for c in uncovered(content, now)]


def signers_for(repo: FeedRepo, keydirs: Sequence[Path]) -> RoleSigners:
    """Signers for targets (threshold), snapshot and timestamp; clear error when short."""
    for keydir in keydirs:
        resolved, feed = Path(keydir).resolve(), repo.path.resolve()
        if resolved == feed or feed in resolved.parents:
            raise FeedPublishError(repo.path.name, f"key directory {keydir} is inside the feed",
                                   "move the keys out of FEED at once: anything in FEED is public")
    keys = load_keys(keydirs)
    return RoleSigners(targets=repo.signers(Targets.type, keys), snapshot=repo.signers(Snapshot.type, keys),
                       timestamp=repo.signers(Timestamp.type, keys))


def publish(content_dir: Path, feed_dir: Path, keydirs: Sequence[Path], now: dt.datetime,
            expires_days: int = 30) -> PublishResult:
    """Sign the content folder as the next version of the feed.

    Raises:
        FeedPublishError: the content, the keys or the feed refused publishing (the message says
            which file and what to do); the feed on disk is left as it was.
    """
    feed_dir = Path(feed_dir)
    name = feed_dir.name
    if not 1 <= expires_days <= 366:
        raise FeedPublishError(name, f"--expires-days must be 1 to 366, got {expires_days}",
                               "screens refuse expired metadata: publish again before it expires")
    repo = FeedRepo.load(feed_dir)
    signers = signers_for(repo, keydirs)  # before any work: fail fast on missing keys
    content = load_publishable(content_dir, name)
    manifest, images = build_manifest(content, name, now)
    previous = repo.manifest()
    changes = diff_manifests(previous, manifest)
    if previous is not None and changes.empty:
        manifest = previous  # same bytes: screens see no change, only renewed signatures
    version = write_version(repo, manifest, images, signers, now + dt.timedelta(days=expires_days))
    problems = tree_problems(feed_dir)
    if problems:
        raise FeedPublishError(name, "feed tree has names not valid on FAT/exFAT: " + "; ".join(problems))
    warnings = tuple(f"category {c} has no current item" for c in empty_categories(content, now))
    log.info("published version %d of %s", version, feed_dir)
    return PublishResult(feed=feed_dir, version=version, changes=changes, warnings=warnings, notes=content.notes)
