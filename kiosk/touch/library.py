"""What the touch UI may know of the content: catalogue sections and the visible items.

Pure: no pygame.  ``Library`` is the protocol navigation reads through; ``ScheduleLibrary`` backs
it with the running player's scheduler; ``Snapshot`` indexes one reading of it (refreshed by the
navigator once a second).  Items are filtered by audience again here, whatever the library gives.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from kiosk.content.model import Audience, Category, Content, Item
from kiosk.schedule.scheduler import Scheduler, newest_first
from kiosk.touch.targets import Geometry, HomeRow, paginate_home

CategoryRef = tuple[str, str]  # (feed, category id)


@dataclass(frozen=True)
class Shelf:
    """A category of one feed, as a home tile."""

    feed: str
    category: Category

    @property
    def ref(self) -> CategoryRef:
        return (self.feed, self.category.id)


@dataclass(frozen=True)
class Section:
    title: str  # 党务公开, or 村务公开 · 柳溪村村民委员会 when two feeds share a group
    shelves: tuple[Shelf, ...]


class Library(Protocol):
    """What navigation may know of the content."""

    def items(self) -> Sequence[Item]:
        """Items visible now on this device (publish window and audience)."""
        ...

    def sections(self) -> Sequence[Section]:
        """The catalogues of every feed followed, grouped by source."""
        ...

    def pages(self, item: Item, large: bool) -> int:
        """Pages of the notice detail (text pages, then one per image) at normal or large text."""
        ...


def sections_of(contents: Sequence[Content]) -> tuple[Section, ...]:
    """Sections by (feed, group) in content order, categories in catalogue order."""
    keyed: dict[tuple[str, str], list[Shelf]] = {}
    names: dict[tuple[str, str], str] = {}
    for content in contents:
        for cat in content.catalogue.ordered():
            keyed.setdefault((content.feed, cat.group), []).append(Shelf(content.feed, cat))
            names[(content.feed, cat.group)] = content.publisher.name
    groups = Counter(group for _, group in keyed)
    return tuple(Section(g if groups[g] == 1 else f"{g} · {names[(f, g)]}", tuple(shelves))
                 for (f, g), shelves in keyed.items())


class ScheduleLibrary:
    """The library of a running player: ``Scheduler.current_items`` at the wall clock's now."""

    def __init__(self, scheduler: Scheduler, contents: Callable[[], Sequence[Content]],
                 now: Callable[[], dt.datetime], pages: Callable[[Item, bool], int]) -> None:
        self._scheduler, self._contents, self._now, self._pages = scheduler, contents, now, pages

    def items(self) -> Sequence[Item]:
        return self._scheduler.current_items(self._now())

    def sections(self) -> Sequence[Section]:
        return sections_of(self._contents())

    def pages(self, item: Item, large: bool) -> int:
        return self._pages(item, large)

    def token(self) -> object:
        """The same (by identity) while ``items()`` and ``sections()`` cannot change: the schedule's
        epoch and the contents, so navigation builds its snapshot again only when they changed."""
        return (self._scheduler.epoch(self._now()), self._contents())


@dataclass(frozen=True)
class Tile:
    shelf: Shelf
    count: int  # current notices


@dataclass(frozen=True)
class Snapshot:
    """The library at one moment, indexed for navigation."""

    by_key: dict[str, Item]
    by_category: dict[CategoryRef, tuple[Item, ...]]
    sections: tuple[Section, ...]
    tiles: tuple[Tile, ...]
    home_pages: tuple[tuple[HomeRow, ...], ...]
    urgent: tuple[Item, ...]
    signature: tuple[object, ...]

    @classmethod
    def build(cls, library: Library, audience: Audience, geom: Geometry) -> Snapshot:
        items = newest_first(it for it in library.items() if it.audience.visible_on(audience))
        sections = tuple(library.sections())
        by_category: dict[CategoryRef, list[Item]] = {}
        for it in items:
            by_category.setdefault((it.feed, it.category), []).append(it)
        tiles = tuple(Tile(s, len(by_category.get(s.ref, ()))) for sec in sections for s in sec.shelves)
        return cls({it.key: it for it in items}, {ref: tuple(v) for ref, v in by_category.items()}, sections,
                   tiles, paginate_home([len(sec.shelves) for sec in sections], geom),
                   tuple(it for it in items if it.urgent), (tuple(id(it) for it in items), sections))

    def shelf(self, ref: CategoryRef | None) -> Shelf | None:
        return next((t.shelf for t in self.tiles if t.shelf.ref == ref), None)
