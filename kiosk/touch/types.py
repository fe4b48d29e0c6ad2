"""The values of the touch UI: its events (raw gestures ``Tap`` / ``Swipe``, time ``Tick``, and the
semantic actions a tap on a named target becomes), its state and the ``View`` the renderer draws.
Pure values, no pygame; the machine is ``kiosk.touch.navigation.Navigator``."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from kiosk import strings
from kiosk.content.model import Item
from kiosk.touch.library import CategoryRef, Tile
from kiosk.touch.targets import HomeRow, Layout

HOME_TITLE = strings.HOME_TITLE


class NavigationError(ValueError):
    """Bad navigation settings."""


# ------------------------------------------------------------------------------ events


@dataclass(frozen=True)
class Tap:
    x: float
    y: float
    t: float | None = None  # monotonic seconds; None = the time of the last Tick


@dataclass(frozen=True)
class Swipe:
    dx: float
    dy: float
    t: float | None = None


@dataclass(frozen=True)
class Tick:
    now: float  # monotonic seconds


@dataclass(frozen=True)
class Open:
    category: str
    feed: str


@dataclass(frozen=True)
class OpenItem:
    key: str  # Item.key: feed/id


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Home:
    pass


@dataclass(frozen=True)
class NextPage:
    pass


@dataclass(frozen=True)
class PrevPage:
    pass


@dataclass(frozen=True)
class ToggleLargeText:
    pass


@dataclass(frozen=True)
class EnlargeImage:
    index: int  # into Item.images


Action = Open | OpenItem | Back | Home | NextPage | PrevPage | ToggleLargeText | EnlargeImage
Event = Tap | Swipe | Tick | Action


def swipe_action(swipe: Swipe) -> Action:
    """Finger moving left or up: the next page; right or down: the previous one."""
    along = swipe.dx if abs(swipe.dx) >= abs(swipe.dy) else swipe.dy
    return NextPage() if along < 0 else PrevPage()


# ------------------------------------------------------------------------------ state and view


class Screen(enum.Enum):
    LOOP = "loop"
    HOME = "home"
    LIST = "list"
    DETAIL = "detail"



@dataclass(frozen=True)
class Place:
    screen: Screen
    page: int = 0
    category: CategoryRef | None = None
    item: str | None = None  # Item.key


LOOP = Place(Screen.LOOP)


@dataclass(frozen=True)
class NavState:
    place: Place = LOOP
    history: tuple[Place, ...] = ()
    enlarged: int | None = None  # index into Item.images, on an image page
    large_text: bool = False
    touched: float = 0.0  # monotonic time of the last touch
    moved: float = -math.inf  # monotonic time of the last change of screen


@dataclass(frozen=True)
class NavSettings:
    idle_s: float = 60.0
    warning_s: float = 10.0
    settle_s: float = 0.35

    def __post_init__(self) -> None:
        if not self.idle_s > 0:
            raise NavigationError(f"navigation: idle_s must be above 0, got {self.idle_s}")
        if not 0 <= self.warning_s < self.idle_s:
            raise NavigationError(f"navigation: warning_s must be >= 0 and below idle_s, got {self.warning_s}")
        if self.settle_s < 0:
            raise NavigationError(f"navigation: settle_s must be >= 0, got {self.settle_s}")


@dataclass(frozen=True)
class Banner:
    key: str
    title: str


@dataclass(frozen=True)
class View:
    """Everything the touch renderer draws; targets in ``layout`` index into ``tiles``/``items``."""

    screen: Screen
    layout: Layout
    title: str = ""
    page: int = 0
    pages: int = 1
    tiles: tuple[Tile, ...] = ()  # home: every tile (tile:K)
    rows: tuple[HomeRow, ...] = ()  # home: the rows of this page
    sections: tuple[str, ...] = ()  # home: section titles (HomeRow.section)
    items: tuple[Item, ...] = ()  # list: the notices on this page (row:I)
    total: int = 0  # list: notices in the category
    item: Item | None = None  # detail
    image: int | None = None  # detail: the image of this page, when it is an image page
    enlarged: int | None = None
    large_text: bool = False
    banner: Banner | None = None
    countdown: int | None = None  # seconds before the loop returns, during the warning
