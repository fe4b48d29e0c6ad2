"""The touch UI as a pure state machine: loop -> home -> category list -> notice detail.

No pygame: events are abstract (``Tap``, ``Swipe``, ``Tick`` and the semantic actions a tap on a
named target becomes), time is the monotonic seconds the events carry, and data comes through the
small ``Library`` protocol, so the whole UI is tested without a display.

Screens and transitions:

- ``LOOP``: the lobby schedule plays.  Any touch opens ``HOME`` (never acts on what is under it).
- ``HOME``: the catalogue as tiles grouped by source (党务公开 / 村务公开 ...), each with its number
  of current notices; categories with nothing current are still shown (with 0).  Paged when the
  tiles do not fit.
- ``LIST``: the current notices of one category, newest first, paged.
- ``DETAIL``: one notice, paged (text pages then one page per image, as ``SlideRenderer.parts``);
  tapping an image page enlarges it; any tap closes the enlarged image.
- ``Back`` returns to where the visitor came from (a short history); ``Back`` on ``HOME`` returns
  to the loop; ``Home`` goes to ``HOME`` from anywhere.  Paging stops at the first and last page.

Decisions:

- **Idle**: after ``idle_s`` (60 s) without a touch the UI returns to the loop; during the last
  ``warning_s`` (10 s) ``View.countdown`` holds the seconds left ("N 秒后返回").  While the warning
  shows, a touch only dismisses it (an overlay covers the screen; the tap must not act on a target
  the visitor cannot see).
- **大字** survives navigation and is reset when the visitor leaves (return to the loop).  In a
  notice, toggling keeps the reading position: the same image, or the same share of the text.
- **Urgent notices while browsing** show as a banner (``View.banner``: the newest visible urgent
  notice other than the one being read) in the strip under the top bar; a tap on it opens the
  notice.  No takeover: a visitor in the middle of reading must not lose the page.  The lobby must
  not run ``Scheduler.urgent_interrupt`` while browsing, so the interruption still plays when the
  screen returns to the loop.
- **Settling**: a tap within ``settle_s`` (0.35 s) of a change of screen is ignored, so the
  double tap many elderly visitors learnt on a PC mouse does not open whatever appears under the
  finger.  Paging within a screen is not settled.
- **Audience**: items come from the library already filtered for the device, and are filtered
  again here (``audience``, default public), so 党内公开 items can never reach a list or a count of
  a public screen.
- Content can change under the visitor: data is refreshed once a second and on ``refresh()``;
  a notice that left is closed (back to where the visitor came from), pages are clamped.
"""

from __future__ import annotations

import dataclasses
import math

from kiosk.content.model import Audience, Item
from kiosk.touch.library import Library, Snapshot
from kiosk.touch.targets import Geometry, layout_detail, layout_home, layout_image, layout_list, layout_loop
from kiosk.touch.types import (
    HOME_TITLE,
    Action,
    Back,
    Banner,
    EnlargeImage,
    Event,
    Home,
    NavigationError,
    NavSettings,
    NavState,
    NextPage,
    Open,
    OpenItem,
    Place,
    PrevPage,
    Screen,
    Swipe,
    Tap,
    Tick,
    ToggleLargeText,
    View,
    swipe_action,
)

__all__ = [
    "Action", "Back", "Banner", "EnlargeImage", "Event", "Home", "NavSettings", "NavState", "NavigationError",
    "Navigator", "NextPage", "Open", "OpenItem", "Place", "PrevPage", "Screen", "Swipe", "Tap", "Tick",
    "ToggleLargeText", "View", "action_for", "swipe_action",
]

HISTORY = 8  # places remembered for Back


# ------------------------------------------------------------------------------ the machine


class Navigator:
    """Holds the navigation state; ``handle`` takes events, ``view`` says what to draw."""

    def __init__(self, library: Library, geometry: Geometry, settings: NavSettings | None = None,
                 audience: Audience = Audience.PUBLIC, codes: int = 1) -> None:
        self._library = library
        self._geom = geometry
        self._settings = settings or NavSettings()
        self._audience = audience
        self._codes = codes  # QR codes on the detail page (feedback, and 依申请公开 when configured)
        self._state = NavState()
        self._now = 0.0
        self._data: Snapshot | None = None
        self._stamp: int | None = None  # the whole second of the last data refresh
        self._data_token: object | None = None  # the library's token when the snapshot was built
        self._pages: tuple[Item, bool, int] | None = None
        self._view: View | None = None
        self._countdown: int | None = None
        self._dirty = False

    @property
    def state(self) -> NavState:
        return self._state

    @property
    def now(self) -> float:
        return self._now

    @property
    def screen(self) -> Screen:
        return self._state.place.screen

    def handle(self, event: Event) -> bool:
        """Apply one event; True when the view changed (redraw)."""
        self._dirty = False
        if isinstance(event, Tick):
            self._tick(event.now)
        elif isinstance(event, (Tap, Swipe)):
            self._touch(event)
        else:
            self._set(self._apply(self._touched(self._state), event))
        return self._dirty

    def refresh(self) -> None:
        """Content changed (new bundle): read the library again now."""
        self._stamp = None
        if self.screen is not Screen.LOOP:
            self._refresh_data()

    def target_at(self, x: float, y: float) -> str | None:
        """The target under a point (for press feedback)."""
        return self.view().layout.hit(x, y)

    def view(self) -> View:
        if self._view is None:
            self._view = self._build_view()
        return self._view

    # -------------------------------------------------------------------------- time

    def _tick(self, now: float) -> None:
        self._now = max(self._now, now)
        if self.screen is Screen.LOOP:
            return
        if self._now - self._state.touched >= self._settings.idle_s:
            self._set(NavState(touched=self._now, moved=self._now))
            return
        if int(self._now) != self._stamp:
            self._refresh_data()
        countdown = self._idle_countdown()
        if countdown != self._countdown:
            self._countdown = countdown
            self._invalidate()

    def _idle_countdown(self) -> int | None:
        if self.screen is Screen.LOOP:
            return None
        left = self._settings.idle_s - (self._now - self._state.touched)
        return max(1, math.ceil(left)) if left <= self._settings.warning_s else None

    # -------------------------------------------------------------------------- touch

    def _touch(self, event: Tap | Swipe) -> None:
        if event.t is not None:
            self._now = max(self._now, event.t)
        state = self._state
        if state.place.screen is Screen.LOOP:
            self._set(self._wake(state))
            return
        warned = self._idle_countdown() is not None
        state = self._touched(state)
        if warned:  # the touch only dismisses the warning
            self._set(state)
            self._countdown = None
            self._invalidate()
            return
        action: Action | None
        if isinstance(event, Swipe):
            action = swipe_action(event)
        elif self._now - state.moved < self._settings.settle_s:
            action = None
        else:
            action = action_for(self.view().layout.hit(event.x, event.y), self.view())
        self._set(state if action is None else self._apply(state, action))

    def _touched(self, state: NavState) -> NavState:
        return dataclasses.replace(state, touched=self._now)

    def _wake(self, state: NavState) -> NavState:
        self._stamp = None
        self._refresh_data()
        return NavState(Place(Screen.HOME), touched=self._now, moved=self._now)

    # -------------------------------------------------------------------------- actions

    def _apply(self, s: NavState, action: Action) -> NavState:
        if s.place.screen is Screen.LOOP:
            s = self._wake(s)
            if not isinstance(action, (Open, OpenItem)):
                return s
        data = self._snapshot()
        match action:
            case Home():
                return self._go(s, Place(Screen.HOME), ())
            case Back():
                return self._back(s)
            case Open(category=category, feed=feed):
                if data.shelf((feed, category)) is None:
                    return s
                return self._go(s, Place(Screen.LIST, category=(feed, category)), self._pushed(s))
            case OpenItem(key=key):
                item = data.by_key.get(key)
                if item is None or s.place.item == key:
                    return s
                place = Place(Screen.DETAIL, category=(item.feed, item.category), item=key)
                return self._go(s, place, self._pushed(s))
            case NextPage():
                return self._turn(s, 1)
            case PrevPage():
                return self._turn(s, -1)
            case ToggleLargeText():
                return self._toggle_large(s)
            case EnlargeImage(index=index):
                if self._image_of(s) != index:
                    return s
                return dataclasses.replace(s, enlarged=index, moved=self._now)
        return s

    def _pushed(self, s: NavState) -> tuple[Place, ...]:
        return (*s.history, s.place)[-HISTORY:]

    def _go(self, s: NavState, place: Place, history: tuple[Place, ...]) -> NavState:
        return dataclasses.replace(s, place=place, history=history, enlarged=None, moved=self._now)

    def _back(self, s: NavState) -> NavState:
        if s.enlarged is not None:
            return dataclasses.replace(s, enlarged=None, moved=self._now)
        if s.history:
            return self._go(s, s.history[-1], s.history[:-1])
        if s.place.screen is Screen.HOME:
            return NavState(touched=self._now, moved=self._now)  # the visitor leaves: back to the loop
        return self._go(s, Place(Screen.HOME), ())

    def _turn(self, s: NavState, step: int) -> NavState:
        page = min(max(0, s.place.page + step), self._page_count(s) - 1)
        if page == s.place.page and s.enlarged is None:
            return s
        return dataclasses.replace(s, place=dataclasses.replace(s.place, page=page), enlarged=None)

    def _toggle_large(self, s: NavState) -> NavState:
        large = not s.large_text
        item = self._item(s)
        if item is None:
            return dataclasses.replace(s, large_text=large)
        old, new = self._item_pages(item, s.large_text), self._item_pages(item, large)
        images = len(item.images)
        old_text, new_text = max(1, old - images), max(1, new - images)
        page = s.place.page
        page = new_text + page - old_text if page >= old_text else page * new_text // old_text
        page = min(max(0, page), new - 1)
        return dataclasses.replace(s, large_text=large, place=dataclasses.replace(s.place, page=page))

    # -------------------------------------------------------------------------- data

    def _snapshot(self) -> Snapshot:
        if self._data is None:
            self._refresh_data()
        assert self._data is not None
        return self._data

    def _token(self) -> object | None:
        token = getattr(self._library, "token", None)
        return token() if token is not None else None

    def stale(self) -> bool:
        """True when the library changed since the snapshot was built (or none was built)."""
        token = self._token()
        return self._data is None or token is None or not _same(token, self._data_token)

    def prepare(self) -> tuple[object | None, Snapshot]:
        """Build a snapshot of the library without using it (safe on another thread): give it to
        :meth:`adopt`, so the first touch does not pay for indexing thousands of notices."""
        token = self._token()
        return token, Snapshot.build(self._library, self._audience, self._geom)

    def adopt(self, token: object | None, data: Snapshot) -> None:
        """Use a snapshot made by :meth:`prepare` if the library has not changed since."""
        if token is not None and _same(token, self._token()):
            self._install(token, data)

    def _refresh_data(self) -> None:
        self._stamp = int(self._now)
        token = self._token()
        if token is not None and self._data is not None and _same(token, self._data_token):
            return  # nothing can have changed: no need to index every notice again
        self._install(token, Snapshot.build(self._library, self._audience, self._geom))

    def _install(self, token: object | None, data: Snapshot) -> None:
        self._data_token = token
        if self._data is None or data.signature != self._data.signature:
            self._data = data
            self._pages = None
            self._invalidate()
            self._state = self._repair(self._state)

    def _item(self, s: NavState) -> Item | None:
        return self._snapshot().by_key.get(s.place.item or "") if s.place.screen is Screen.DETAIL else None

    def _item_pages(self, item: Item, large: bool) -> int:
        cached = self._pages
        if cached is None or cached[0] is not item or cached[1] != large:
            cached = self._pages = (item, large, max(1, self._library.pages(item, large)))
        return cached[2]

    def _image_of(self, s: NavState) -> int | None:
        """The image shown on the current page, when it is an image page."""
        item = self._item(s)
        if item is None or not item.images:
            return None
        index = s.place.page - (self._item_pages(item, s.large_text) - len(item.images))
        return index if 0 <= index < len(item.images) else None

    def _page_count(self, s: NavState) -> int:
        data, place = self._snapshot(), s.place
        if place.screen is Screen.HOME:
            return len(data.home_pages)
        if place.screen is Screen.LIST:
            n = len(data.by_category.get(place.category or ("", ""), ()))
            return max(1, math.ceil(n / self._geom.list_rows()))
        item = self._item(s)
        return 1 if item is None else self._item_pages(item, s.large_text)

    def _repair(self, s: NavState) -> NavState:
        """After a content change: close what went away, clamp pages."""
        data = self._snapshot()
        while (s.place.screen is Screen.LIST and data.shelf(s.place.category) is None) or (
                s.place.screen is Screen.DETAIL and s.place.item not in data.by_key):
            s = self._go(s, s.history[-1], s.history[:-1]) if s.history else self._go(s, Place(Screen.HOME), ())
        page = min(max(0, s.place.page), self._page_count(s) - 1)
        s = dataclasses.replace(s, place=dataclasses.replace(s.place, page=page))
        if s.enlarged is not None and self._image_of(s) != s.enlarged:
            s = dataclasses.replace(s, enlarged=None)
        return s

    def _set(self, state: NavState) -> None:
        if state.place.screen is not Screen.LOOP:
            state = self._repair(state)
        if state != self._state:
            self._state = state
            self._invalidate()
        countdown = self._idle_countdown()
        if countdown != self._countdown:
            self._countdown = countdown
            self._invalidate()

    def _invalidate(self) -> None:
        self._view = None
        self._dirty = True

    # -------------------------------------------------------------------------- view

    def _build_view(self) -> View:
        s = self._state
        screen = s.place.screen
        if screen is Screen.LOOP:
            return View(Screen.LOOP, layout_loop(self._geom))
        data = self._snapshot()
        shelf = data.shelf(s.place.category)
        title = shelf.category.name if shelf is not None else HOME_TITLE
        common = View(screen, layout_loop(self._geom), title, page=s.place.page, pages=self._page_count(s),
                      large_text=s.large_text, countdown=self._countdown)
        if screen is Screen.HOME:
            rows = data.home_pages[s.place.page]
            banner = self._banner(None)
            return dataclasses.replace(common, layout=layout_home(self._geom, rows, banner is not None),
                                       title=HOME_TITLE, tiles=data.tiles, rows=rows,
                                       sections=tuple(sec.title for sec in data.sections), banner=banner)
        if screen is Screen.LIST:
            every = data.by_category.get(s.place.category or ("", ""), ())
            per = self._geom.list_rows()
            items = every[s.place.page * per:(s.place.page + 1) * per]
            banner = self._banner(None)
            return dataclasses.replace(common, layout=layout_list(self._geom, len(items), banner is not None),
                                       items=items, total=len(every), banner=banner)
        item = self._item(s)
        image = self._image_of(s)
        if s.enlarged is not None:
            return dataclasses.replace(common, layout=layout_image(self._geom), item=item, image=image,
                                       enlarged=s.enlarged)
        banner = self._banner(s.place.item)
        layout = layout_detail(self._geom, image is not None, banner is not None, self._codes)
        return dataclasses.replace(common, layout=layout, item=item, image=image, banner=banner)

    def _banner(self, reading: str | None) -> Banner | None:
        for item in self._snapshot().urgent:
            if item.key != reading:
                return Banner(item.key, item.title)
        return None


_SIMPLE: dict[str, Action] = {"back": Back(), "home": Home(), "large": ToggleLargeText(), "prev": PrevPage(),
                              "next": NextPage(), "close": Back(), "wake": Home()}


def action_for(target: str | None, view: View) -> Action | None:
    """The action of a tap on ``target`` of ``view.layout``."""
    if target is None:
        return None
    if target in _SIMPLE:
        return _SIMPLE[target]
    if target == "banner":
        return OpenItem(view.banner.key) if view.banner is not None else None
    if target == "image":
        return EnlargeImage(view.image) if view.image is not None else None
    kind, _, index = target.partition(":")
    if kind == "tile" and index.isdigit() and int(index) < len(view.tiles):
        shelf = view.tiles[int(index)].shelf
        return Open(shelf.category.id, shelf.feed)
    if kind == "row" and index.isdigit() and int(index) < len(view.items):
        return OpenItem(view.items[int(index)].key)
    return None


def _same(a: object, b: object) -> bool:
    """Tokens are tuples of objects compared by identity (an epoch, the contents tuple)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
    return a is b
