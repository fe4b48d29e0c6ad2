"""Build a feed's next version from its newest signed content plus edits.

The truth of what screens show is the feed's newest signed manifest, not the database: a new
version is that manifest's files, the feed's ``content.toml`` and ``catalogue.toml`` from its
settings, and the edits of one publication (a notice written, corrected or withdrawn, a folder
imported).  The folder is validated by the player's own loader (``load_publishable``), bundled
by ``build_manifest`` and turned into unsigned targets metadata by ``build_version``; it lives
in ``staging/`` (never public) until it is signed and finalized.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.content.errors import ContentError
from kiosk.feed.bundle import Changes, Manifest, build_manifest, diff_manifests
from kiosk.feed.errors import FeedPublishError
from kiosk.feed.publish import load_publishable, uncovered
from kiosk.feed.repo import FeedRepo, PendingVersion, build_version, target_file
from kiosk.office.feeds.models import Feed
from kiosk.office.feeds.service import TARGETS_EXPIRY
from kiosk.office.paths import data_dir


class BuildError(Exception):
    """The edited content does not load; ``problems`` lists the loader's messages."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        self.problems = problems
        super().__init__(message)


@dataclass(frozen=True)
class Edits:
    """Text files to write (``None`` removes one) and images to add (relative path -> sha256 in uploads/)."""

    files: dict[str, str | None]
    images: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"files": dict(self.files), "images": dict(self.images)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edits:
        return cls(dict(data.get("files", {})), dict(data.get("images", {})))


def upload_path(sha256: str, rel: str) -> Path:
    return data_dir().uploads / f"{sha256}{Path(rel).suffix.lower()}"


def store_upload(data: bytes, rel: str) -> str:
    """Keep image bytes in uploads/ under their sha256 (owner-only); returns the hash."""
    from kiosk import fsutil

    sha = hashlib.sha256(data).hexdigest()
    path = upload_path(sha, rel)
    if not path.exists():
        fsutil.write_bytes(path, data, 0o600)
    return sha


def published_files(repo: FeedRepo | None) -> tuple[dict[str, str], dict[str, Path]]:
    """Text files and image files of the newest signed version (empty before the first)."""
    manifest = repo.manifest() if repo is not None and repo.published else None
    if manifest is None or repo is None:
        return {}, {}
    images: dict[str, Path] = {}
    for rel, ref in manifest.images.items():
        from tuf.api.metadata import TargetFile

        images[rel] = target_file(repo.targets_dir, TargetFile(ref.length, {"sha256": ref.sha256}, ref.target))
    return dict(manifest.files), images


def write_folder(feed: Feed, repo: FeedRepo | None, edits: Edits, folder: Path) -> Path:
    """The content folder of the next version: published files + settings + edits."""
    texts, images = published_files(repo)
    texts["content.toml"] = feed.content_toml()
    texts["catalogue.toml"] = feed.catalogue
    for rel, text in edits.files.items():
        if text is None:
            texts.pop(rel, None)
        else:
            texts[rel] = text
    for rel, sha in edits.images.items():
        images[rel] = upload_path(sha, rel)
    if folder.exists():
        shutil.rmtree(folder)
    for rel, text in texts.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for rel, src in images.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.hardlink_to(src)
        except OSError:
            shutil.copyfile(src, path)
    return folder


@dataclass(frozen=True)
class Built:
    pending: PendingVersion
    changes: Changes
    warnings: tuple[str, ...]
    staging: Path


def staging_dir(feed: Feed, manifest_sha256: str) -> Path:
    return data_dir().staging / feed.name / manifest_sha256


def build(feed: Feed, repo: FeedRepo, edits: Edits, now: dt.datetime) -> Built:
    """Validate and build the next version; raises BuildError with the loader's messages."""
    work = data_dir().staging / feed.name / f".build-{hashlib.sha256(repr(edits).encode()).hexdigest()[:16]}"
    folder = write_folder(feed, repo, edits, work / "content")
    try:
        content = load_publishable(folder, feed.name)
    except FeedPublishError as e:
        shutil.rmtree(work, ignore_errors=True)
        raise BuildError("内容有错误，无法发布", _problems(e.message, folder)) from None
    except ContentError as e:
        shutil.rmtree(work, ignore_errors=True)
        raise BuildError("内容有错误，无法发布", (str(e).replace(str(folder) + "/", ""),)) from None
    manifest, images = build_manifest(content, feed.name, now)
    previous = repo.manifest() if repo.published else None
    changes = diff_manifests(previous, manifest)
    pending = build_version(repo, manifest, images, now + TARGETS_EXPIRY)
    sha = hashlib.sha256(pending.manifest).hexdigest()
    final = staging_dir(feed, sha)
    if final.exists():
        shutil.rmtree(work)
    else:
        final.parent.mkdir(parents=True, exist_ok=True)
        work.rename(final)
    (final / "bundle.json").write_bytes(pending.manifest)
    warnings = tuple(f"类别“{c.name}”目前没有正在公示的公告" for c in uncovered(content, now))
    return Built(pending_in(final, pending), changes, warnings, final)


def pending_in(folder: Path, pending: PendingVersion) -> PendingVersion:
    """``pending`` with its image paths pointing into the staging folder ``folder``."""
    manifest = Manifest.from_bytes(pending.manifest, pending.feed)
    images = {ref.target: folder / "content" / rel for rel, ref in manifest.images.items()}
    return PendingVersion(pending.feed, pending.base, pending.targets, pending.manifest, images)


def load_pending(feed: Feed, manifest_sha256: str, base: int, targets: bytes) -> PendingVersion:
    folder = staging_dir(feed, manifest_sha256)
    manifest = (folder / "bundle.json").read_bytes()
    return pending_in(folder, PendingVersion(feed.name, base, targets, manifest, {}))


def _problems(message: str, folder: Path) -> tuple[str, ...]:
    lines = [line.strip() for line in message.splitlines()[1:] if line.strip()]
    return tuple(line.replace(str(folder) + "/", "") for line in lines) or (message,)
