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

Cost: what is visible changes only when content is replaced or an item's publish window opens or
closes, so the visible items, the urgent lane, the ticker and each playlist's cycle are computed
once per such *epoch* (with the instant it ends) and reused by every slot until then: a slide
change with 3,000 notices does not filter or sort them again.
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

    def next_index(self, keys: Sequence[str], index: dict[str, int] | None = None) -> int:
        index = index if index is not None else {k: i for i, k in enumerate(keys)}
        if self.last is not None and self.last in index:
            return (index[self.last] + 1) % len(keys)
        if self.last in self.cycle:  # the last item went away: carry on with the one after it
            after = self.cycle[self.cycle.index(self.last) + 1:]
            for key in after:
                if key in index:
                    return index[key]
        return 0


@dataclass(frozen=True)
class _Cycled:
    """A cycle with its keys and their positions (made once per epoch, used by every slot)."""

    pairs: _Cycle
    keys: tuple[str, ...]
    index: dict[str, int]

    @classmethod
    def of(cls, pairs: _Cycle) -> _Cycled:
        keys = tuple(item.key for item, _ in pairs)
        return cls(pairs, keys, {k: i for i, k in enumerate(keys)})

    def __bool__(self) -> bool:
        return bool(self.pairs)


@dataclass(eq=False)  # compared by identity: one epoch is one computation
class _Epoch:
    """The visible items from ``start`` until ``until`` (None: no window opens or closes later),
    and what is derived from them (cycles by playlist and active entries, urgent lane, ticker)."""

    start: dt.datetime
    until: dt.datetime | None
    items: list[Item]  # read-only: callers get copies
    regular: list[Item] | None = None
    urgent: list[Item] | None = None
    ticker: list[Item] | None = None
    fallback: _Cycled | None = None
    cycles: dict[tuple[str, tuple[bool, ...]], _Cycled] = field(default_factory=dict)

    def covers(self, now: dt.datetime) -> bool:
        return self.start <= now and (self.until is None or now < self.until)


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
        self._epoch: _Epoch | None = None
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
        self._epoch = None

    def next_slot(self, now: dt.datetime) -> Slot | None:
        """The next item to show, or None when nothing at all is visible."""
        choice = self._choose(now)
        if choice is None:
            return None
        item, entry, playlist, interrupt = choice
        slot = self._slot(item, now, entry, playlist, interrupt)
        if interrupt:
            self._lane.showing = (now, now + dt.timedelta(seconds=slot.total))
        return slot

    def upcoming(self, now: dt.datetime, count: int) -> list[Item]:
        """The next ``count`` items ``next_slot`` would give at ``now`` if nothing changed, without
        taking them (nor asking for their page counts): what to prepare ahead."""
        ahead = Scheduler.__new__(Scheduler)
        ahead.__dict__.update(self.__dict__)
        ahead._positions = {n: _Position(p.last, p.cycle) for n, p in self._positions.items()}
        lane = self._lane
        ahead._lane = _Lane(lane.last, lane.since, set(lane.interrupted), lane.showing)
        out: list[Item] = []
        for _ in range(count):
            choice = ahead._choose(now)
            if choice is None:
                break
            out.append(choice[0])
        return out

    def _choose(self, now: dt.datetime) -> tuple[Item, Entry, str, bool] | None:
        """(item, entry, playlist, interrupt) of the next slot; advances the positions."""
        interrupt = self._take_interrupt(now)
        if interrupt is not None:
            return interrupt, _ANY, URGENT, True
        self._lane.showing = None
        name, cycle, every = self._active(now)
        if self._lane.since >= every or not cycle:
            urgent = self._next_urgent(now)
            if urgent is not None or not cycle:
                return (urgent, _ANY, URGENT, False) if urgent is not None else None
        item, entry = self._step(name, cycle)
        self._lane.since += 1
        return item, entry, name, False

    def urgent_interrupt(self, now: dt.datetime) -> Slot | None:
        """An urgent item not yet shown as an interruption, to cut the current slide for.

        Call it every second or so.  While an interruption is on screen it returns None; other
        pending urgent items then come from the next ``next_slot``.
        """
        showing = self._lane.showing
        if showing is not None and showing[0] <= now < showing[1]:
            return None
        item = self._take_interrupt(now)
        if item is None:
            return None
        slot = self._slot(item, now, interrupt=True)
        self._lane.showing = (now, now + dt.timedelta(seconds=slot.total))
        return slot

    def ticker(self, now: dt.datetime) -> list[Item]:
        """Visible urgent items first, then the latest ``ticker_latest`` other items."""
        epoch = self._epoch_at(now)
        if epoch.ticker is None:
            latest = newest_first(self._regular(epoch))
            epoch.ticker = self._urgent(epoch) + latest[: self._settings.ticker_latest]
        return list(epoch.ticker)

    def ticker_until(self, now: dt.datetime) -> dt.datetime | None:
        """Until when ``ticker(now)`` (and everything visible) stays the same for this content."""
        return self._epoch_at(now).until

    def epoch(self, now: dt.datetime) -> object:
        """A token that stays the same object while ``current_items(now)`` cannot change."""
        return self._epoch_at(now)

    def current_items(self, now: dt.datetime) -> list[Item]:
        """Every visible item, in catalogue order (content by content, newest first)."""
        return list(self._epoch_at(now).items)

    def category_counts(self, now: dt.datetime) -> dict[str, int]:
        """Category id -> visible items, every catalogue category included (0 = nothing current)."""
        counts = {c.id: 0 for content in self._contents for c in content.catalogue.ordered()}
        for item in self._epoch_at(now).items:
            counts[item.category] = counts.get(item.category, 0) + 1
        return counts

    # -------------------------------------------------------------------------- epochs

    def _epoch_at(self, now: dt.datetime) -> _Epoch:
        """The visible items at ``now``, computed again only when a publish window opened or
        closed since (or the clock went back, or the content changed)."""
        epoch = self._epoch
        if epoch is not None and epoch.covers(now):
            return epoch
        audience = self._settings.audience
        visible: list[Item] = []
        until: dt.datetime | None = None
        for it in self._items:
            if not it.audience.visible_on(audience):
                continue
            if it.valid_at(now):
                visible.append(it)
                edge = it.show_until
            else:
                edge = it.show_from if it.show_from > now else None
            if edge is not None and (until is None or edge < until):
                until = edge
        self._epoch = _Epoch(now, until, visible)
        return self._epoch

    @staticmethod
    def _urgent(epoch: _Epoch) -> list[Item]:
        if epoch.urgent is None:
            epoch.urgent = _urgent_items(epoch.items)
        return epoch.urgent

    # -------------------------------------------------------------------------- regular

    def _active(self, now: dt.datetime) -> tuple[str, _Cycled, int]:
        """Name, cycle and urgent_every of the playlist that plays at ``now``."""
        epoch = self._epoch_at(now)
        every = self._settings.urgent_every
        for playlist in self._playlists:
            if playlist.active_at(now):
                key = (playlist.name, tuple(entry.active_at(now) for entry in playlist.entries))
                cycle = epoch.cycles.get(key)
                if cycle is None:
                    cycle = epoch.cycles[key] = _Cycled.of(_cycle(playlist, self._regular(epoch), now))
                if cycle:
                    return playlist.name, cycle, playlist.urgent_every or every
        if epoch.fallback is None:
            epoch.fallback = _Cycled.of([(it, _ANY) for it in self._regular(epoch)])
        return FALLBACK, epoch.fallback, every

    @staticmethod
    def _regular(epoch: _Epoch) -> list[Item]:
        if epoch.regular is None:
            epoch.regular = [it for it in epoch.items if not it.urgent]
        return epoch.regular

    def _step(self, name: str, cycle: _Cycled) -> tuple[Item, Entry]:
        position = self._positions.setdefault(name, _Position())
        chosen = cycle.pairs[position.next_index(cycle.keys, cycle.index)]
        position.last, position.cycle = chosen[0].key, cycle.keys
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

    def _take_interrupt(self, now: dt.datetime) -> Item | None:
        lane = self._lane
        for item in self._urgent(self._epoch_at(now)):
            if (item.key, item.show_from) not in lane.interrupted:
                lane.interrupted.add((item.key, item.show_from))
                lane.last, lane.since = item.key, 0
                return item
        return None

    def _next_urgent(self, now: dt.datetime) -> Item | None:
        urgent = self._urgent(self._epoch_at(now))
        if not urgent:
            return None
        keys = [it.key for it in urgent]
        i = (keys.index(self._lane.last) + 1) % len(keys) if self._lane.last in keys else 0
        self._lane.last, self._lane.since = keys[i], 0
        return urgent[i]


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
