"""Import a content folder into a feed (as one publication), and export a feed's content as one.

The folder format stays the interchange format: what ``kiosk feed publish`` signs, what a USB
stick carries, what another office exports.  An import is validated by the player's own loader;
every problem is listed and nothing is imported while any remains.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from kiosk.content import Content, ContentError, load_content
from kiosk.content.loader import read_text
from kiosk.content.writer import draft_of
from kiosk.feed.bundle import image_files
from kiosk.office.approval.building import Edits, published_files, store_upload
from kiosk.office.authoring.drafts import to_json
from kiosk.office.authoring.models import Notice, NoticeState
from kiosk.office.feeds.models import Feed
from kiosk.office.feeds.service import load_repo


class ImportError_(Exception):  # noqa: N801 - "ImportError" is a builtin
    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        self.problems = problems
        super().__init__(message)


@dataclass(frozen=True)
class Imported:
    content: Content
    edits: Edits


def read_folder(folder: Path, feed: Feed) -> Imported:
    """Load ``folder`` with the screen's loader and turn it into edits (items by id, its images)."""
    try:
        content = load_content(folder, feed=feed.name)
    except ContentError as e:
        raise ImportError_("这个文件夹不是可用的内容文件夹", (str(e),)) from None
    if content.errors:
        raise ImportError_(f"{len(content.errors)} 条公告有错误，未导入任何内容", content.errors)
    files: dict[str, str | None] = {}
    for item in content.items:
        assert item.source is not None
        files[f"items/{item.id}.md"] = read_text(item.source)
    playlists = folder / "playlists"
    if playlists.is_dir():
        for p in sorted(playlists.glob("*.toml")):
            files[f"playlists/{p.name}"] = read_text(p)
    images = {rel: store_upload((folder / rel).read_bytes(), rel) for rel in image_files(content)}
    return Imported(content, Edits(files, images))


def notices_for(feed: Feed, imported: Imported, user: object) -> list[Notice]:
    """Create or update the notices of the imported items (their working copy = the imported text)."""
    out = []
    for item in imported.content.items:
        draft = to_json(draft_of(item, imported.content.root))
        notice, _ = Notice.objects.update_or_create(
            feed=feed, item_id=item.id,
            defaults={"draft": draft, "title": item.title, "category": item.category,
                      "state": NoticeState.SUBMITTED, "updated_by": user},
            create_defaults={"draft": draft, "title": item.title, "category": item.category,
                             "state": NoticeState.SUBMITTED, "created_by": user, "updated_by": user})
        out.append(notice)
    return out


def export_folder(feed: Feed, dest: Path) -> Path:
    """Write the feed's newest signed content as a content folder at ``dest`` (must not exist)."""
    if dest.exists():
        raise FileExistsError(f"{dest} already exists")
    texts, images = published_files(load_repo(feed))
    texts.setdefault("content.toml", feed.content_toml())
    texts.setdefault("catalogue.toml", feed.catalogue)
    for rel, text in texts.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text, encoding="utf-8")
    for rel, src in images.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest / rel)
    return dest
