"""What to show next, and for how long.

Pure and deterministic: the answers depend only on the contents, the playlists, the settings, the
``now`` passed in and the calls made before.  No pygame, no wall clock, no randomness.

Rules (see also ``playlists/default.toml``):

- An item is *visible* at ``now`` when it is inside its publish window (``Item.valid_at``) and its
  audience may be seen on this device (``Item.audience.visible_on(settings.audience)``).
- The *active* playlist is the highest-priority one whose windows contain ``now`` (ties: the
  order given; ``load_playlists`` sorts by file name) and that has something visible to play.
  When none has, a built-in fallback plays everything visible in catalogue order.
- A *cycle* of a playlist goes through its active entries in order, and through each entry's
  matching items newest first.  An item matching several entries is played once per cycle, at
  its first entry (whose duration and pages apply).  Each playlist keeps its own position, by
  item, so changing content or switching playlists and back carries on where it stopped.
- Urgent items have their own lane, outside the playlists (they reach every screen whatever its
  playlist): each is shown once as an interruption as soon as it is visible, then one urgent item
  (round robin) after every ``urgent_every`` regular slots.  They do not also play in the
  regular cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from kiosk.content.model import Audience, Content, Item
from kiosk.schedule.playlist import AUTO, Duration, Entry, Playlist
from kiosk.schedule.windows import ScheduleError

FALLBACK = "(all)"  # Slot.playlist of the built-in fallback
URGENT = "(urgent)"  # Slot.playlist of the urgent lane
_ANY = Entry()  # the fallback's entry: every item, automatic durations, all pages
_Cycle = list[tuple[Item, Entry]]  # one pass of a playlist: each item with the entry it plays under


@dataclass(frozen=True)
class ScheduleSettings:
    """Device settings the schedule depends on (from the device configuration)."""

    audience: Audience = Audience.PUBLIC  # MEMBERS only on screens inside a members' room
    urgent_every: int = 5  # one urgent item after every N regular slots
    auto_base: float = 6.0  # seconds per page before reading time
    chars_per_second: float = 6.0  # reading speed from two or three metres
    min_duration: float = 8.0  # clamp of an automatic page duration
    max_duration: float = 45.0
    image_duration: float = 10.0  # seconds per image page with automatic durations
    ticker_latest: int = 8  # how many of the latest items the ticker carries

    def __post_init__(self) -> None:
        checks = (
            ("urgent_every", self.urgent_every >= 1, "must be at least 1"),
            ("chars_per_second", self.chars_per_second > 0, "must be above 0"),
            ("min_duration", 0 < self.min_duration <= self.max_duration, "must be above 0 and <= max_duration"),
            ("image_duration", self.image_duration > 0, "must be above 0"),
            ("ticker_latest", self.ticker_latest >= 0, "must be 0 or more"),
        )
        for name, ok, reason in checks:
            if not ok:
                raise ScheduleError(f"schedule settings: {name}: {reason}")

    def auto_seconds(self, chars_on_page: float) -> float:
        """clamp(min_duration, auto_base + chars / chars_per_second, max_duration), to 0.1 s."""
        seconds = self.auto_base + chars_on_page / self.chars_per_second
        return round(min(self.max_duration, max(self.min_duration, seconds)), 1)


@dataclass(frozen=True)
class Slot:
    """One item on screen: how long each of its pages stays up."""

    item: Item
    durations: tuple[float, ...]  # seconds, one per page shown
    interrupt: bool = False  # an urgent item's first showing: cut whatever is on screen
    playlist: str = ""  # the playlist it came from, FALLBACK or URGENT

    @property
    def total(self) -> float:
        return sum(self.durations)


def page_durations(
    item: Item, pages: int, duration: Duration, settings: ScheduleSettings
) -> tuple[float, ...]:
    """Seconds for each of ``pages`` pages of ``item``.

    ``pages`` counts text pages then one page per ``item.images`` (at least one text page).  A
    fixed duration applies to every page; "auto" gives text pages their share of the text's
    length and image pages ``settings.image_duration``.
    """
    pages = max(1, pages)
    if duration != AUTO:
        return (float(duration),) * pages
    image_pages = min(len(item.images), pages - 1)
    text_pages = pages - image_pages
    text = settings.auto_seconds(item.text_length / text_pages)
    return (text,) * text_pages + (settings.image_duration,) * image_pages


@dataclass
class _Position:
    """Where a playlist stands: the item shown last and the cycle it was taken from."""

    last: str | None = None
    cycle: tuple[str, ...] = ()

    def next_index(self, keys: Sequence[str]) -> int:
        if self.last in keys:
            return (keys.index(self.last) + 1) % len(keys)
        if self.last in self.cycle:  # the last item went away: carry on with the one after it
            after = self.cycle[self.cycle.index(self.last) + 1:]
            for key in after:
                if key in keys:
                    return keys.index(key)
        return 0


@dataclass
class _Lane:
    """The urgent lane: round-robin position, regular slots since the last urgent one, and
    which urgent items were already shown as interruptions (by key and start of window)."""

    last: str | None = None
    since: int = 0
    interrupted: set[tuple[str, dt.datetime]] = field(default_factory=set)
    showing: tuple[dt.datetime, dt.datetime] | None = None  # an interruption on screen


class Scheduler:
    """Decides the sequence of slots; the app asks at every slide boundary."""

    def __init__(
        self,
        contents: Sequence[Content],
        playlists: Sequence[Playlist],
        settings: ScheduleSettings,
        page_count: Callable[[Item], int],
    ) -> None:
        self._settings = settings
        self._page_count = page_count
        self._contents: tuple[Content, ...] = ()
        self._items: tuple[Item, ...] = ()
        self._playlists: tuple[Playlist, ...] = ()
        self._positions: dict[str, _Position] = {}
        self._lane = _Lane()
        self.replace_content(contents, playlists)

    # -------------------------------------------------------------------------- public

    def replace_content(
        self, contents: Sequence[Content], playlists: Sequence[Playlist] | None = None
    ) -> None:
        """Take new content (and playlists), at a slide boundary; positions are kept by item."""
        self._contents = tuple(contents)
        self._items = _catalogue_order(self._contents)
        if playlists is not None:
            self._playlists = tuple(sorted(playlists, key=lambda p: -p.priority))
            names = {p.name for p in self._playlists} | {FALLBACK}
            self._positions = {n: p for n, p in self._positions.items() if n in names}
        present = {(it.key, it.show_from) for it in self._items}
        self._lane.interrupted &= present

    def next_slot(self, now: dt.datetime) -> Slot | None:
        """The next item to show, or None when nothing at all is visible."""
        visible = self.current_items(now)
        interrupt = self._take_interrupt(visible, now)
        if interrupt is not None:
            return interrupt
        self._lane.showing = None
        name, cycle, every = self._active(visible, now)
        if self._lane.since >= every or not cycle:
            urgent = self._next_urgent(visible, now)
            if urgent is not None or not cycle:
                return urgent
        item, entry = self._step(name, cycle)
        self._lane.since += 1
        return self._slot(item, now, entry, name)

    def urgent_interrupt(self, now: dt.datetime) -> Slot | None:
        """An urgent item not yet shown as an interruption, to cut the current slide for.

        Call it every second or so.  While an interruption is on screen it returns None; other
        pending urgent items then come from the next ``next_slot``.
        """
        showing = self._lane.showing
        if showing is not None and showing[0] <= now < showing[1]:
            return None
        return self._take_interrupt(self.current_items(now), now)

    def ticker(self, now: dt.datetime) -> list[Item]:
        """Visible urgent items first, then the latest ``ticker_latest`` other items."""
        visible = self.current_items(now)
        latest = newest_first(it for it in visible if not it.urgent)
        return _urgent_items(visible) + latest[: self._settings.ticker_latest]

    def current_items(self, now: dt.datetime) -> list[Item]:
        """Every visible item, in catalogue order (content by content, newest first)."""
        audience = self._settings.audience
        return [it for it in self._items if it.valid_at(now) and it.audience.visible_on(audience)]

    def category_counts(self, now: dt.datetime) -> dict[str, int]:
        """Category id -> visible items, every catalogue category included (0 = nothing current)."""
        counts = {c.id: 0 for content in self._contents for c in content.catalogue.ordered()}
        for item in self.current_items(now):
            counts[item.category] = counts.get(item.category, 0) + 1
        return counts

    # -------------------------------------------------------------------------- regular

    def _active(self, visible: list[Item], now: dt.datetime) -> tuple[str, _Cycle, int]:
        """Name, cycle and urgent_every of the playlist that plays at ``now``."""
        regular = [it for it in visible if not it.urgent]
        every = self._settings.urgent_every
        for playlist in self._playlists:
            if playlist.active_at(now):
                cycle = _cycle(playlist, regular, now)
                if cycle:
                    return playlist.name, cycle, playlist.urgent_every or every
        return FALLBACK, [(it, _ANY) for it in regular], every

    def _step(self, name: str, cycle: _Cycle) -> tuple[Item, Entry]:
        position = self._positions.setdefault(name, _Position())
        keys = tuple(item.key for item, _ in cycle)
        chosen = cycle[position.next_index(keys)]
        position.last, position.cycle = chosen[0].key, keys
        return chosen

    def _slot(
        self,
        item: Item,
        now: dt.datetime,
        entry: Entry = _ANY,
        playlist: str = URGENT,
        interrupt: bool = False,
    ) -> Slot:
        durations = page_durations(item, self._page_count(item), entry.duration, self._settings)
        return Slot(item, _clip(durations[: entry.pages], item, now), interrupt, playlist)

    # -------------------------------------------------------------------------- urgent

    def _take_interrupt(self, visible: list[Item], now: dt.datetime) -> Slot | None:
        lane = self._lane
        for item in _urgent_items(visible):
            if (item.key, item.show_from) not in lane.interrupted:
                lane.interrupted.add((item.key, item.show_from))
                lane.last, lane.since = item.key, 0
                slot = self._slot(item, now, interrupt=True)
                lane.showing = (now, now + dt.timedelta(seconds=slot.total))
                return slot
        return None

    def _next_urgent(self, visible: list[Item], now: dt.datetime) -> Slot | None:
        urgent = _urgent_items(visible)
        if not urgent:
            return None
        keys = [it.key for it in urgent]
        i = (keys.index(self._lane.last) + 1) % len(keys) if self._lane.last in keys else 0
        self._lane.last, self._lane.since = keys[i], 0
        return self._slot(urgent[i], now)


def _clip(durations: tuple[float, ...], item: Item, now: dt.datetime) -> tuple[float, ...]:
    """Cut the pages short where the item's publish window closes: it leaves the screen then."""
    if item.show_until is None:
        return durations
    left = (item.show_until - now).total_seconds()
    clipped: list[float] = []
    for seconds in durations:
        if left <= 0:
            break
        clipped.append(min(seconds, left))
        left -= seconds
    return tuple(clipped)


def _cycle(playlist: Playlist, items: list[Item], now: dt.datetime) -> _Cycle:
    """One pass of ``playlist`` over ``items``: entries in order, each newest first, no repeats."""
    seen: set[str] = set()
    cycle: _Cycle = []
    for entry in playlist.entries:
        if not entry.active_at(now):
            continue
        for item in newest_first(it for it in items if entry.matches(it)):
            if item.key not in seen:
                seen.add(item.key)
                cycle.append((item, entry))
    return cycle


def newest_first(items: Iterable[Item]) -> list[Item]:
    """By date, then start of publish window, newest first; ties keep their order."""
    return sorted(items, key=lambda it: (it.date, it.show_from), reverse=True)


def _urgent_items(visible: list[Item]) -> list[Item]:
    return newest_first(it for it in visible if it.urgent)


def _catalogue_order(contents: Sequence[Content]) -> tuple[Item, ...]:
    """Items content by content, by category order of that content's catalogue (unknown
    categories last), newest first; an item key seen twice is kept once."""
    ordered: list[Item] = []
    seen: set[str] = set()
    for content in contents:
        rank = {c.id: i for i, c in enumerate(content.catalogue.ordered())}
        items = newest_first(sorted(content.items, key=lambda it: it.key))
        for item in sorted(items, key=lambda it: rank.get(it.category, len(rank))):
            if item.key not in seen:
                seen.add(item.key)
                ordered.append(item)
    return tuple(ordered)
