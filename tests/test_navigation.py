"""The touch UI state machine, driven without a display by a fake monotonic clock."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from kiosk.content.model import Audience, Catalogue, Category, Content, Item, Priority, Publisher
from kiosk.schedule.scheduler import Scheduler, ScheduleSettings
from kiosk.touch.library import ScheduleLibrary, Section, sections_of
from kiosk.touch.navigation import (
    Back,
    EnlargeImage,
    Home,
    NavigationError,
    Navigator,
    NavSettings,
    NextPage,
    Open,
    OpenItem,
    PrevPage,
    Screen,
    Swipe,
    Tap,
    Tick,
    ToggleLargeText,
    action_for,
)
from kiosk.touch.targets import Geometry

NOW = dt.datetime(2026, 3, 2, 10, 0)
GEOM = Geometry.for_screen((1920, 1080))
PARTY = (("decisions", "党内决策情况"), ("organisation", "党的组织管理情况"), ("major", "重大事项"))


def item(iid: str, category: str = "decisions", feed: str = "town", day: int = 1, urgent: bool = False,
         audience: Audience = Audience.PUBLIC, images: int = 0) -> Item:
    return Item(id=iid, category=category, title=f"通知{iid}", issuer="青禾镇党委", date=dt.date(2026, 2, day),
                show_from=dt.datetime(2026, 2, day), show_until=None,
                priority=Priority.URGENT if urgent else Priority.NORMAL, audience=audience,
                images=tuple(Path(f"/img/{iid}-{n}.png") for n in range(images)), feed=feed)


def content(feed: str, items: Sequence[Item], cats: Sequence[tuple[str, str]] = PARTY, group: str = "党务公开",
            name: str = "中共青禾镇委员会") -> Content:
    catalogue = Catalogue(tuple(Category(cid, cname, n, (200, 16, 46), group) for n, (cid, cname) in enumerate(cats)))
    return Content(Publisher(name, group), catalogue, tuple(items), Path("."), feed=feed)


class FakeLibrary:
    """Items and catalogue that tests change at will; 3 text pages (6 large) plus images."""

    def __init__(self, contents: Sequence[Content]) -> None:
        self.contents = list(contents)
        self.hidden: set[str] = set()
        self.text_pages = 3

    def items(self) -> Sequence[Item]:
        return [it for c in self.contents for it in c.items if it.key not in self.hidden]

    def sections(self) -> Sequence[Section]:
        return sections_of(self.contents)

    def pages(self, item: Item, large: bool) -> int:
        return self.text_pages * (2 if large else 1) + len(item.images)


class Visitor:
    """Drives the pure navigator like a visitor: taps on named targets, with time passing (no app:
    the running app is driven by ``tests/pilot.py``)."""

    def __init__(self, library: FakeLibrary, settings: NavSettings | None = None,
                 audience: Audience = Audience.PUBLIC) -> None:
        self.nav = Navigator(library, GEOM, settings, audience)
        self.t = 100.0
        self.nav.handle(Tick(self.t))

    def wait(self, seconds: float) -> None:
        self.t += seconds
        self.nav.handle(Tick(self.t))

    def tap(self, target: str, wait: float = 1.0) -> bool:
        self.wait(wait)
        x, y, w, h = self.nav.view().layout.targets[target]
        return self.nav.handle(Tap(x + w / 2, y + h / 2, self.t))

    def do(self, action: object) -> None:
        self.wait(1.0)
        self.nav.handle(action)  # type: ignore[arg-type]

    @property
    def view(self):  # noqa: ANN201
        return self.nav.view()


def town(n: int = 3) -> Content:
    items = [item(f"d{i}", day=i + 1) for i in range(n)]
    return content("town", [*items, item("o1", "organisation"), item("img", "major", images=2)])


def village() -> Content:
    cats = (("finance", "村级财务公开"), ("land", "集体土地"))
    return content("village", [item("f1", "finance", "village")], cats, "村务公开", "柳溪村村民委员会")


def tile_index(view, category: str, feed: str = "town") -> int:  # noqa: ANN001
    return next(k for k, t in enumerate(view.tiles) if t.shelf.ref == (feed, category))


# ------------------------------------------------------------------------------ transitions


def test_any_touch_in_loop_opens_home_with_tiles_grouped_by_source() -> None:
    p = Visitor(FakeLibrary([town(), village()]))
    assert p.nav.screen is Screen.LOOP
    assert p.nav.handle(Tap(5, 5, p.t))
    assert p.nav.screen is Screen.HOME
    v = p.view
    assert v.sections == ("党务公开", "村务公开")
    counts = {t.shelf.ref: t.count for t in v.tiles}
    assert counts == {("town", "decisions"): 3, ("town", "organisation"): 1, ("town", "major"): 1,
                      ("village", "finance"): 1, ("village", "land"): 0}
    assert [r.section for r in v.rows if not r.tiles] == [0, 1]


def test_two_feeds_with_the_same_group_are_told_apart() -> None:
    other = content("town2", [], group="党务公开", name="中共柳溪村支部委员会")
    titles = [s.title for s in sections_of([town(), other])]
    assert titles == ["党务公开 · 中共青禾镇委员会", "党务公开 · 中共柳溪村支部委员会"]


def test_home_list_detail_and_back_at_every_level() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.nav.handle(Tap(5, 5, p.t))
    p.tap(f"tile:{tile_index(p.view, 'decisions')}")
    assert p.nav.screen is Screen.LIST and p.view.title == "党内决策情况"
    assert [it.id for it in p.view.items] == ["d2", "d1", "d0"]  # newest first
    p.tap("row:0")
    assert p.nav.screen is Screen.DETAIL and p.view.item is not None and p.view.item.id == "d2"
    assert (p.view.page, p.view.pages) == (0, 3)
    p.tap("back")
    assert p.nav.screen is Screen.LIST
    p.tap("back")
    assert p.nav.screen is Screen.HOME
    p.tap("back")
    assert p.nav.screen is Screen.LOOP


def test_home_button_from_detail_clears_history() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.do(OpenItem("town/d1"))
    assert p.nav.screen is Screen.DETAIL and len(p.nav.state.history) == 1
    p.tap("home")
    assert p.nav.screen is Screen.HOME and p.nav.state.history == ()


def test_unknown_targets_and_items_change_nothing() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.do(Home())
    before = p.nav.state
    p.do(Open("nope", "town"))
    p.do(OpenItem("town/nope"))
    p.do(EnlargeImage(0))
    assert p.nav.state.place == before.place
    assert action_for(None, p.view) is None and action_for("row:9", p.view) is None


def test_list_paging_stops_at_both_ends_and_follows_swipes() -> None:
    p = Visitor(FakeLibrary([town(12)]))
    p.do(Open("decisions", "town"))
    rows = GEOM.list_rows()
    assert len(p.view.items) == rows and p.view.total == 12
    pages = -(-12 // rows)
    assert p.view.pages == pages
    p.tap("prev")
    assert p.view.page == 0
    for _ in range(pages + 2):
        p.tap("next")
    assert p.view.page == pages - 1
    assert len(p.view.items) == 12 - rows * (pages - 1)
    p.nav.handle(Swipe(300, 10, p.t + 1))  # finger to the right: previous page
    assert p.view.page == pages - 2
    p.nav.handle(Swipe(5, -300, p.t + 2))  # finger up: next page
    assert p.view.page == pages - 1


def test_large_text_relayouts_keeps_position_and_is_reset_in_the_loop() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.do(OpenItem("town/img"))  # 3 text pages + 2 images; large: 6 + 2
    p.do(NextPage())
    p.do(NextPage())
    assert (p.view.page, p.view.pages) == (2, 5)
    p.tap("large")
    assert p.view.large_text and (p.view.page, p.view.pages) == (4, 8)
    p.do(NextPage())
    p.do(NextPage())
    assert p.view.image == 0  # first image page
    p.tap("large")
    assert not p.view.large_text and p.view.image == 0 and p.view.page == 3
    p.tap("large")
    p.tap("home")
    assert p.view.large_text  # survives navigation
    p.wait(61)
    assert p.nav.screen is Screen.LOOP and not p.nav.state.large_text


def test_image_page_enlarges_and_any_tap_closes() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.do(OpenItem("town/img"))
    assert "image" not in p.view.layout.targets
    p.do(EnlargeImage(0))  # not on an image page: ignored
    assert p.view.enlarged is None
    for _ in range(4):
        p.do(NextPage())
    assert p.view.image == 1 and "image" in p.view.layout.targets
    p.tap("image")
    assert p.view.enlarged == 1 and p.view.layout.kind == "image"
    p.wait(1)
    p.nav.handle(Tap(1900, 1000, p.t))
    assert p.view.enlarged is None and p.nav.screen is Screen.DETAIL


# ------------------------------------------------------------------------------ idle


def test_idle_warning_counts_down_then_returns_to_the_loop() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.nav.handle(Tap(5, 5, p.t))
    start = p.t
    seen = {}
    for tenth in range(0, 600):
        p.nav.handle(Tick(start + tenth / 10))
        seen[tenth / 10] = p.view.countdown
    assert seen[49.9] is None and seen[50.0] == 10 and seen[50.1] == 10 and seen[55.5] == 5 and seen[59.9] == 1
    assert p.nav.screen is Screen.HOME
    assert p.nav.handle(Tick(start + 60))
    assert p.nav.screen is Screen.LOOP and p.view.countdown is None


def test_a_touch_during_the_warning_only_dismisses_it_and_resets_the_timer() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.do(Open("decisions", "town"))
    p.wait(55)
    assert p.view.countdown == 5
    x, y, w, h = p.view.layout.targets["row:0"]
    assert p.nav.handle(Tap(x + 1, y + 1, p.t))
    assert p.nav.screen is Screen.LIST and p.view.countdown is None  # not opened
    p.wait(59)
    assert p.nav.screen is Screen.LIST and p.view.countdown == 1
    p.wait(1)
    assert p.nav.screen is Screen.LOOP


def test_taps_right_after_a_screen_change_are_settled() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.nav.handle(Tap(5, 5, p.t))
    p.tap(f"tile:{tile_index(p.view, 'decisions')}")
    assert p.nav.screen is Screen.LIST
    p.tap("row:0", wait=0.2)  # the second half of a double tap
    assert p.nav.screen is Screen.LIST
    p.tap("row:0", wait=0.5)
    assert p.nav.screen is Screen.DETAIL


def test_settings_are_validated() -> None:
    with pytest.raises(NavigationError, match="warning_s"):
        NavSettings(idle_s=10, warning_s=10)
    with pytest.raises(NavigationError, match="idle_s"):
        NavSettings(idle_s=0)


# ------------------------------------------------------------------------------ urgent and content changes


def test_urgent_notice_is_a_banner_that_opens_it() -> None:
    lib = FakeLibrary([content("town", [item("d1"), item("u1", urgent=True)])])
    p = Visitor(lib)
    p.do(Open("decisions", "town"))
    assert p.view.banner is not None and p.view.banner.key == "town/u1"
    assert p.nav.screen is Screen.LIST  # not taken over
    p.tap("banner")
    assert p.view.item is not None and p.view.item.id == "u1" and p.view.banner is None
    p.tap("back")
    assert p.nav.screen is Screen.LIST


def test_no_banner_target_without_an_urgent_notice() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.do(Home())
    assert p.view.banner is None and "banner" not in p.view.layout.targets


def test_a_notice_that_leaves_while_read_is_closed() -> None:
    lib = FakeLibrary([town()])
    p = Visitor(lib)
    p.do(Open("decisions", "town"))
    p.tap("row:1")
    assert p.view.item is not None and p.view.item.id == "d1"
    lib.hidden.add("town/d1")
    p.wait(1)
    assert p.nav.screen is Screen.LIST and p.view.total == 2
    lib.contents = [village()]
    p.nav.refresh()
    assert p.nav.screen is Screen.HOME and p.view.page == 0


# ------------------------------------------------------------------------------ audience, end to end


def members_content() -> Content:
    return content("town", [item("pub"), item("secret", audience=Audience.MEMBERS),
                            item("secret-urgent", audience=Audience.MEMBERS, urgent=True)])


def scheduled_library(audience: Audience) -> ScheduleLibrary:
    contents = [members_content()]
    scheduler = Scheduler(contents, [], ScheduleSettings(audience=audience), lambda _: 1)
    return ScheduleLibrary(scheduler, lambda: contents, lambda: NOW, lambda it, large: 2 if large else 1)


def test_members_only_items_never_reach_a_public_device() -> None:
    nav = Navigator(scheduled_library(Audience.PUBLIC), GEOM, audience=Audience.PUBLIC)
    nav.handle(Tick(1.0))
    nav.handle(Home())
    assert {t.shelf.ref: t.count for t in nav.view().tiles}[("town", "decisions")] == 1
    assert nav.view().banner is None
    nav.handle(Open("decisions", "town"))
    assert [it.id for it in nav.view().items] == ["pub"]
    nav.handle(OpenItem("town/secret"))
    assert nav.screen is Screen.LIST


def test_a_leaky_library_is_filtered_again() -> None:
    p = Visitor(FakeLibrary([members_content()]))  # gives every item, whatever the audience
    p.do(Open("decisions", "town"))
    assert [it.id for it in p.view.items] == ["pub"] and p.view.banner is None
    members = Visitor(FakeLibrary([members_content()]), audience=Audience.MEMBERS)
    members.do(Open("decisions", "town"))
    assert {it.id for it in members.view.items} == {"pub", "secret", "secret-urgent"}


# ------------------------------------------------------------------------------ random input


def check_invariants(nav: Navigator, lib: FakeLibrary) -> None:
    s, v = nav.state, nav.view()
    visible = {it.key for it in lib.items() if it.audience is Audience.PUBLIC}
    assert 0 <= v.page < v.pages
    if s.place.screen is Screen.LOOP:
        assert s.history == () and not s.large_text and s.enlarged is None and v.countdown is None
    if s.place.screen is Screen.LIST:
        assert s.place.category is not None and len(v.items) <= GEOM.list_rows()
        assert all(it.key in visible for it in v.items)
    if s.place.screen is Screen.DETAIL:
        assert v.item is not None and v.item.key in visible
        assert s.enlarged is None or s.enlarged == v.image
    if v.countdown is not None:
        assert 1 <= v.countdown <= 10
    assert nav.now - s.touched < 60 or s.place.screen is Screen.LOOP
    assert len(s.history) <= 8


def test_random_input_never_breaks_and_always_returns_to_the_loop() -> None:
    rng = random.Random(20260302)
    lib = FakeLibrary([town(9), village(), members_content()])
    nav = Navigator(lib, GEOM, NavSettings())
    t = 0.0
    screens = set()
    for _ in range(20_000):
        roll = rng.random()
        if roll < 0.45:
            t += rng.choice((0.05, 0.3, 0.5, 1.0))
            nav.handle(Tap(rng.uniform(-10, 1930), rng.uniform(-10, 1090), t))
        elif roll < 0.6:
            nav.handle(Swipe(rng.uniform(-500, 500), rng.uniform(-500, 500), t))
        elif roll < 0.97:
            t += rng.choice((0.016, 0.5, 2.0, 9.0, 30.0))
            nav.handle(Tick(t))
        else:
            key = rng.choice(["town/d3", "town/img", "village/f1"])
            lib.hidden ^= {key}
            lib.text_pages = rng.choice((1, 3, 7))
            nav.refresh()  # as the app does when it takes new content
        check_invariants(nav, lib)
        screens.add(nav.screen)
    assert screens == set(Screen)
    nav.handle(Tick(t + 60))
    assert nav.screen is Screen.LOOP


def test_direct_actions_from_the_loop() -> None:
    p = Visitor(FakeLibrary([town()]))
    p.do(NextPage())
    assert p.nav.screen is Screen.HOME
    p.do(Back())
    p.do(OpenItem("town/d0"))
    assert p.nav.screen is Screen.DETAIL
    p.do(PrevPage())
    p.do(ToggleLargeText())
    assert p.view.page == 0 and p.view.pages == 6
