"""The bundle manifest: one signed JSON target describing a content folder.

It holds the text files of the folder verbatim (``content.toml``, ``catalogue.toml``,
``items/*.md``, ``playlists/*.toml``) and, for every image, its relative path with
``(sha256, length, target)``; each image is its own content-addressed TUF target
(``images/<sha256>.<ext>``), so an update downloads only the images that changed.

Parsing works on bytes and checks every path before anything touches the disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.content.limits import parse_json
from kiosk.content.model import Content, ImageBlock
from kiosk.feed.errors import FeedInvalidError, FeedPublishError
from kiosk.feed.names import name_problem, path_problems

MANIFEST_TARGET = "bundle.json"
FORMAT = "kiosk-bundle/1"
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"})
_TEXT_PATH = re.compile(r"^(content\.toml|catalogue\.toml|items/[^/]+\.md|playlists/[^/]+\.toml)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ImageRef:
    sha256: str
    length: int
    target: str  # TUF target name: images/<sha256><ext>


@dataclass(frozen=True)
class Manifest:
    published: dt.datetime  # aware, UTC: when the publisher signed it
    files: Mapping[str, str] = field(default_factory=dict)  # relative path -> text
    images: Mapping[str, ImageRef] = field(default_factory=dict)  # relative path -> image

    def to_bytes(self) -> bytes:
        doc = {
            "format": FORMAT,
            "published": self.published.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": dict(self.files),
            "images": {p: {"sha256": r.sha256, "length": r.length, "target": r.target}
                       for p, r in self.images.items()},
        }
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def targets(self) -> dict[str, ImageRef]:
        """Image targets by target name (an image used twice is downloaded once)."""
        return {r.target: r for r in self.images.values()}

    @classmethod
    def from_bytes(cls, data: bytes, feed: str) -> Manifest:
        """Parse and check a manifest; raises FeedInvalidError naming the problem."""
        try:
            doc = parse_json(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise _invalid(feed, f"not JSON: {e}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise _invalid(feed, f"unknown format (expected {FORMAT!r}); update the player software")
        published = _parse_time(doc.get("published"), feed)
        files = _parse_files(doc.get("files"), feed)
        images = _parse_images(doc.get("images"), feed)
        problems = path_problems(list(files) + list(images))
        if set(files) & set(images) or problems:
            raise _invalid(feed, "; ".join(problems) or "a path is both a text file and an image")
        return cls(published=published, files=files, images=images)


def _invalid(feed: str, message: str) -> FeedInvalidError:
    return FeedInvalidError(feed, f"invalid bundle manifest: {message}",
                            "the publisher must fix the content and publish again")


def _parse_time(value: object, feed: str) -> dt.datetime:
    if not isinstance(value, str):
        raise _invalid(feed, "published time missing")
    try:
        when = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise _invalid(feed, f"published time {value!r} is not like 2026-10-08T09:00:00Z") from None
    return when.replace(tzinfo=dt.UTC)


def _parse_files(value: object, feed: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _invalid(feed, "files must be an object")
    for rel, text in value.items():
        if not _TEXT_PATH.match(rel) or not isinstance(text, str):
            raise _invalid(feed, f"unexpected text file {rel!r}")
    return dict(value)


def _parse_images(value: object, feed: str) -> dict[str, ImageRef]:
    if not isinstance(value, dict):
        raise _invalid(feed, "images must be an object")
    images: dict[str, ImageRef] = {}
    for rel, ref in value.items():
        problem = image_path_problem(rel)
        if problem:
            raise _invalid(feed, problem)
        if not isinstance(ref, dict):
            raise _invalid(feed, f"image {rel!r}: must be an object")
        sha, length, target = ref.get("sha256"), ref.get("length"), ref.get("target")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise _invalid(feed, f"image {rel!r}: bad sha256")
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise _invalid(feed, f"image {rel!r}: bad length")
        if target != image_target(sha, rel):
            raise _invalid(feed, f"image {rel!r}: target {target!r} is not content-addressed")
        images[rel] = ImageRef(sha256=sha, length=length, target=target)
    return images


def image_target(sha256: str, rel: str) -> str:
    """The content-addressed TUF target name of an image."""
    return f"images/{sha256}{Path(rel).suffix.lower()}"


def image_path_problem(rel: str) -> str | None:
    """Why ``rel`` cannot be an image path of a bundle, or None."""
    if not isinstance(rel, str) or rel.startswith("/") or "\\" in rel:
        return f"image path {rel!r} must be relative with '/' separators"
    for part in rel.split("/"):
        problem = name_problem(part)
        if problem:
            return f"image path {rel!r}: {problem}"
    if Path(rel).suffix.lower() not in IMAGE_EXTENSIONS:
        return f"image path {rel!r}: extension must be one of {', '.join(sorted(IMAGE_EXTENSIONS))}"
    return None


# ---------------------------------------------------------------- building (publisher side)


def sha256_file(path: Path) -> tuple[str, int]:
    """(hex sha256, length) of a file, streamed."""
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256")
        return digest.hexdigest(), f.tell()


def text_files(root: Path) -> list[str]:
    """Relative paths of the text files a bundle carries (what the loader reads, plus playlists)."""
    rels = ["content.toml", "catalogue.toml"]
    for folder, pattern in (("items", "*.md"), ("playlists", "*.toml")):
        if (root / folder).is_dir():
            rels += [f"{folder}/{p.name}" for p in sorted((root / folder).glob(pattern)) if p.is_file()]
    return rels


def image_files(content: Content) -> list[str]:
    """Relative paths of images: those the content references plus every image under images/."""
    root = content.root.resolve()
    referenced: set[Path] = set()
    if content.publisher.logo is not None:
        referenced.add(content.publisher.logo)
    for item in content.items:
        referenced.update(item.images)
        referenced.update(b.path for b in item.body if isinstance(b, ImageBlock))
    rels = {p.resolve().relative_to(root).as_posix() for p in referenced}  # the loader kept them inside
    if (root / "images").is_dir():
        rels.update(p.relative_to(root).as_posix() for p in (root / "images").rglob("*")
                    if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    return sorted(rels)


def build_manifest(content: Content, feed: str, now: dt.datetime) -> tuple[Manifest, dict[str, Path]]:
    """Manifest of a loaded content folder and the local file of each image target."""
    root = content.root
    files: dict[str, str] = {}
    for rel in text_files(root):
        try:
            files[rel] = (root / rel).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise FeedPublishError(feed, f"{root / rel}: cannot be read as UTF-8 text: {e}",
                                   "save the file as UTF-8") from None
    images: dict[str, ImageRef] = {}
    local: dict[str, Path] = {}
    for rel in image_files(content):
        problem = image_path_problem(rel)
        if problem:
            raise FeedPublishError(feed, f"{root}: {problem}", "rename the image and its references")
        sha, length = sha256_file(root / rel)
        images[rel] = ImageRef(sha256=sha, length=length, target=image_target(sha, rel))
        local[images[rel].target] = root / rel
    problems = path_problems(list(files) + list(images))
    if problems:
        raise FeedPublishError(feed, f"{root}: names not valid on USB sticks (FAT/exFAT): "
                               + "; ".join(problems), "rename those files")
    return Manifest(published=now.astimezone(dt.UTC).replace(microsecond=0), files=files, images=images), local


# ---------------------------------------------------------------- what changed


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        out = [f"  + {p}" for p in self.added]
        out += [f"  ~ {p}" for p in self.changed]
        out += [f"  - {p}" for p in self.removed]
        return out


def diff_manifests(old: Manifest | None, new: Manifest) -> Changes:
    """Added, removed and changed text files and images between two manifests."""
    def entries(m: Manifest | None) -> dict[str, Any]:
        if m is None:
            return {}
        return {**m.files, **{p: r.sha256 for p, r in m.images.items()}}

    before, after = entries(old), entries(new)
    return Changes(
        added=_sorted(set(after) - set(before)),
        removed=_sorted(set(before) - set(after)),
        changed=_sorted(p for p in set(after) & set(before) if after[p] != before[p]),
    )


def _sorted(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(paths))
