"""The disclosure model: catalogue, categories, items and their body blocks.

Plain frozen dataclasses; no I/O and no pygame.  Loading and validation live in
``kiosk.content.loader``.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path


class Priority(enum.Enum):
    NORMAL = "normal"
    URGENT = "urgent"


class Audience(enum.Enum):
    """Who may see an item (公开范围)."""

    PUBLIC = "public"  # 对社会公开: any screen
    MEMBERS = "members"  # 党内公开: only screens inside a members' room

    def visible_on(self, device: Audience) -> bool:
        """True when an item with this audience may appear on a device configured as ``device``."""
        return self is Audience.PUBLIC or device is Audience.MEMBERS


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    order: int
    colour: tuple[int, int, int]
    group: str  # 党务公开 / 村务公开 / 政务公开 / 厂务公开


@dataclass(frozen=True)
class Catalogue:
    categories: tuple[Category, ...]

    def get(self, category_id: str) -> Category | None:
        for c in self.categories:
            if c.id == category_id:
                return c
        return None

    def ordered(self) -> tuple[Category, ...]:
        return tuple(sorted(self.categories, key=lambda c: (c.order, c.id)))


# ---------------------------------------------------------------- body blocks


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # "l", "c" or "r" per column, from the Markdown alignment row
    align: tuple[str, ...]


@dataclass(frozen=True)
class ImageBlock:
    path: Path  # absolute path of the image file
    caption: str = ""


Block = Paragraph | Heading | Table | ImageBlock


@dataclass(frozen=True)
class Item:
    """One disclosure notice."""

    id: str
    category: str
    title: str
    issuer: str  # 落款: the issuing body
    date: dt.date
    show_from: dt.datetime  # start of the publish window (公示期), inclusive
    show_until: dt.datetime | None  # end of the publish window, exclusive; None = open-ended
    priority: Priority = Priority.NORMAL
    audience: Audience = Audience.PUBLIC
    tags: tuple[str, ...] = ()
    images: tuple[Path, ...] = ()
    feedback_url: str | None = None
    body: tuple[Block, ...] = ()
    source: Path | None = None  # the file it was loaded from
    feed: str = "local"  # name of the feed (publisher) it came from
    # (path, size, mtime_ns) of every image it shows, recorded at load: a replaced picture
    # changes the digest, so no cache keeps showing the old one
    assets: tuple[tuple[str, int, int], ...] = ()

    @property
    def urgent(self) -> bool:
        return self.priority is Priority.URGENT

    def valid_at(self, when: dt.datetime) -> bool:
        """Inside the publish window at ``when`` (naive local time)."""
        if when < self.show_from:
            return False
        return self.show_until is None or when < self.show_until

    @property
    def text_length(self) -> int:
        """Characters of readable text, for automatic durations."""
        n = len(self.title)
        for b in self.body:
            if isinstance(b, (Paragraph, Heading)):
                n += len(b.text)
            elif isinstance(b, Table):
                n += sum(len(c) for c in b.header)
                n += sum(len(c) for row in b.rows for c in row)
        return n

    @property
    def key(self) -> str:
        """Stable identity across feeds: ``feed/id``."""
        return f"{self.feed}/{self.id}"

    def digest(self) -> str:
        """A hash of everything that changes how the item looks (for surface caches)."""
        return self._digest

    @functools.cached_property
    def _digest(self) -> str:
        text = repr((self.feed, self.id, self.category, self.title, self.issuer, self.date, self.priority.value,
                     self.body, self.assets))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Publisher:
    """Bundle-level information from ``content.toml``."""

    name: str  # issuing body shown in the header, e.g. 某某镇党委
    label: str = "党务公开"  # what kind of disclosure this bundle carries
    logo: Path | None = None
    feedback_url: str | None = None  # URL template for feedback QR codes


@dataclass(frozen=True)
class Content:
    """Everything loaded from one content folder (or one verified feed bundle)."""

    publisher: Publisher
    catalogue: Catalogue
    items: tuple[Item, ...]
    root: Path
    errors: tuple[str, ...] = field(default=())  # problems found while loading (already logged)
    notes: tuple[str, ...] = field(default=())  # what loading changed, e.g. punctuation set full width
    feed: str = "local"  # name of the feed (publisher) it came from
    version: str | None = None  # signed manifest version when it came from a feed

    def item(self, item_id: str) -> Item | None:
        for it in self.items:
            if it.id == item_id:
                return it
        return None


def masthead(content: Content, item: Item | None = None) -> tuple[str, str, Path | None]:
    """What the screen's header names over ``item``: its own publisher and kind of disclosure.

    The bundle's publisher (``content.toml``) heads the notices of its own kind (党务公开 from the
    township party committee).  A notice filed under a category of another kind (村务公开 in the
    township's bundle, published for a village) is headed by its own issuer and that kind, without
    the bundle's logo: a village committee's notice is not headed "中共青禾镇委员会 党务公开".
    Returns (name, label, logo).
    """
    p = content.publisher
    category = content.catalogue.get(item.category) if item is not None else None
    if item is None or category is None or category.group == p.label:
        return p.name, p.label, p.logo
    return item.issuer, category.group, None
