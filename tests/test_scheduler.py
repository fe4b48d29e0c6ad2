"""The scheduler driven by a fake clock through simulated weeks."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.content.model import (
    Audience,
    Catalogue,
    Category,
    Content,
    Item,
    Paragraph,
    Priority,
    Publisher,
)
from kiosk.schedule import (
    AUTO,
    FALLBACK,
    URGENT,
    DisplayHours,
    Entry,
    Playlist,
    ScheduleError,
    Scheduler,
    ScheduleSettings,
    Slot,
    page_durations,
    parse_windows,
)

MON = dt.datetime(2026, 3, 2)  # a Monday, midnight
LONG_AGO = dt.datetime(2026, 1, 1)
CATEGORIES = ("decisions", "ideology", "organisation", "service", "major")


# ------------------------------------------------------------------------------ factories


def make_item(
    id: str,
    category: str = "decisions",
    *,
    date: dt.date = dt.date(2026, 3, 1),
    show_from: dt.datetime = LONG_AGO,
    show_until: dt.datetime | None = None,
    urgent: bool = False,
    members: bool = False,
    chars: int = 240,
    tags: tuple[str, ...] = (),
    images: int = 0,
    feed: str = "local",
) -> Item:
    """An item whose readable text is ``chars`` characters long (240 = the 45 s maximum)."""
    return Item(
        id=id, category=category, title=id, issuer="青禾镇党委", date=date,
        show_from=show_from, show_until=show_until,
        priority=Priority.URGENT if urgent else Priority.NORMAL,
        audience=Audience.MEMBERS if members else Audience.PUBLIC,
        tags=tags, images=tuple(Path(f"/img/{id}-{i}.png") for i in range(images)),
        body=(Paragraph("字" * max(0, chars - len(id))),), feed=feed,
    )


def make_content(items: Sequence[Item]) -> Content:
    catalogue = Catalogue(tuple(Category(c, c, i, (200, 16, 46), "党务公开") for i, c in enumerate(CATEGORIES)))
    return Content(Publisher("青禾镇党委"), catalogue, tuple(items), Path("/content"))


def make_scheduler(
    items: Sequence[Item],
    playlists: Sequence[Playlist] = (),
    pages: int | Callable[[Item], int] = 1,
    **settings: object,
) -> Scheduler:
    page_count = pages if callable(pages) else (lambda _item: pages)
    return Scheduler([make_content(items)], playlists, ScheduleSettings(**settings), page_count)  # type: ignore[arg-type]


def playlist(name: str, *entries: Entry, priority: int = 0, windows: list[dict[str, object]] | None = None,
             urgent_every: int | None = None) -> Playlist:
    return Playlist(name, entries, priority, parse_windows(windows or [], name), urgent_every)


@dataclass(frozen=True)
class Shown:
    at: dt.datetime
    slot: Slot

    @property
    def id(self) -> str:
        return self.slot.item.id


def play(
    scheduler: Scheduler,
    clock: FakeClock,
    days: float,
    *,
    hours: DisplayHours | None = None,
    tick: float | None = None,
) -> list[Shown]:
    """Run the player loop like the app does; with ``tick``, ask for interruptions every tick."""
    end = clock.now() + dt.timedelta(days=days)
    shown: list[Shown] = []
    while clock.now() < end:
        if hours is not None and not hours.is_on(clock.now()):
            clock.set(min(hours.next_change(clock.now()) or end, end))
            continue
        slot = scheduler.next_slot(clock.now())
        if slot is None:
            clock.advance(60)
            continue
        shown.append(Shown(clock.now(), slot))
        if tick is None:
            clock.advance(slot.total)
        else:
            _show(scheduler, clock, slot, shown, tick)
    return shown


def _show(scheduler: Scheduler, clock: FakeClock, slot: Slot, shown: list[Shown], tick: float) -> None:
    remaining = slot.total
    while remaining > 1e-9:
        step = min(tick, remaining)
        clock.advance(step)
        remaining -= step
        cut = scheduler.urgent_interrupt(clock.now())
        if cut is not None:
            shown.append(Shown(clock.now(), cut))
            remaining = cut.total


def ids(shown: Sequence[Shown]) -> list[str]:
    return [s.id for s in shown]


# ------------------------------------------------------------------------------ clock


def test_fake_clock() -> None:
    clock = FakeClock(MON)
    clock.advance(90.5)
    assert clock.now() == MON + dt.timedelta(seconds=90.5) and clock.monotonic() == 90.5
    clock.set(MON)  # the wall clock is set back: monotonic time does not go back
    assert clock.now() == MON and clock.monotonic() == 90.5
    clock.set(MON + dt.timedelta(hours=1))
    assert clock.monotonic() == 90.5 + 3600
    with pytest.raises(ValueError):
        clock.advance(-1)


# ------------------------------------------------------------------------------ publish windows


def test_expired_and_future_items_never_play_and_an_item_plays_only_inside_its_window() -> None:
    opens, closes = MON + dt.timedelta(days=3, hours=10), MON + dt.timedelta(days=5, hours=18)
    items = [make_item("a1"), make_item("a2", "ideology"), make_item("a3", "major"),
             make_item("expired", show_until=MON - dt.timedelta(seconds=1)),
             make_item("future", show_from=MON + dt.timedelta(days=30)),
             make_item("window", "service", show_from=opens, show_until=closes)]
    shown = play(make_scheduler(items), FakeClock(MON), days=14)
    assert {"expired", "future"}.isdisjoint(ids(shown))
    window = [s for s in shown if s.id == "window"]
    assert all(opens <= s.at and s.at + dt.timedelta(seconds=s.slot.total) <= closes for s in window)
    cycle = dt.timedelta(seconds=4 * 45)  # four items visible, 45 s each
    assert window[0].at - opens < cycle and closes - window[-1].at <= cycle
    assert len(window) > 1000  # it played every cycle in between


def test_an_item_is_eligible_exactly_from_show_from_until_show_until() -> None:
    opens, closes = MON + dt.timedelta(hours=9), MON + dt.timedelta(hours=17)
    s = make_scheduler([make_item("x", show_from=opens, show_until=closes)])
    second = dt.timedelta(seconds=1)
    assert s.next_slot(opens - second) is None
    assert s.next_slot(opens).item.id == "x"  # type: ignore[union-attr]
    last = s.next_slot(closes - second)
    assert last is not None and last.durations == (1.0,)  # cut where the window closes
    assert s.next_slot(closes) is None


def test_pages_are_cut_where_the_window_closes() -> None:
    closes = MON + dt.timedelta(seconds=50)
    s = make_scheduler([make_item("x", chars=900, show_until=closes)], pages=3)
    assert s.next_slot(MON).durations == (45.0, 5.0)  # type: ignore[union-attr]


# ------------------------------------------------------------------------------ audience


@pytest.mark.parametrize("device", [Audience.PUBLIC, Audience.MEMBERS])
def test_members_only_items_play_only_on_a_members_device(device: Audience) -> None:
    items = [make_item("public-1"), make_item("members-1", members=True),
             make_item("members-urgent", urgent=True, members=True), make_item("public-2", "major")]
    s = make_scheduler(items, audience=device)
    shown = Counter(ids(play(s, FakeClock(MON), days=14)))
    if device is Audience.PUBLIC:
        assert set(shown) == {"public-1", "public-2"}
        assert {it.id for it in s.ticker(MON)} == {"public-1", "public-2"}
    else:
        assert set(shown) == {"public-1", "public-2", "members-1", "members-urgent"}
        assert shown["members-1"] == shown["public-1"]


# ------------------------------------------------------------------------------ playlists and windows


def expected_playlist(at: dt.datetime, playlists: Sequence[Playlist]) -> str:
    return next(p.name for p in sorted(playlists, key=lambda p: -p.priority) if p.active_at(at))


def test_playlists_by_weekday_time_of_day_and_across_midnight() -> None:
    playlists = [
        playlist("lobby", Entry()),
        playlist("office", Entry(category="decisions"), priority=1,
                 windows=[{"days": "mon-fri", "from": "08:00", "until": "12:00"}]),
        playlist("friday-night", Entry(category="service"), priority=5,
                 windows=[{"days": "fri", "from": "22:00", "until": "02:00"}]),
    ]
    items = [make_item("d1"), make_item("d2"), make_item("s1", "service"), make_item("m1", "major")]
    shown = play(make_scheduler(items, playlists), FakeClock(MON), days=14)
    for s in shown:
        assert s.slot.playlist == expected_playlist(s.at, playlists), s
    night = [s for s in shown if s.slot.playlist == "friday-night"]
    assert {s.id for s in night} == {"s1"}
    assert any(s.at.weekday() == 5 and s.at.hour == 1 for s in night)  # Saturday 01:xx
    assert not any(s.at.weekday() == 5 and s.at.hour >= 2 and s.at.hour < 22 for s in night)
    office = [s for s in shown if s.slot.playlist == "office"]
    assert {s.id for s in office} == {"d1", "d2"} and all(s.at.weekday() < 5 for s in office)
    assert {s.at.date() for s in night} == {dt.date(2026, 3, 6), dt.date(2026, 3, 7),
                                           dt.date(2026, 3, 13), dt.date(2026, 3, 14)}


def test_a_playlist_with_nothing_to_show_steps_aside_and_the_fallback_plays_when_none_is_active() -> None:
    playlists = [playlist("weekend", Entry(category="major"), windows=[{"days": "weekends"}]),
                 playlist("empty", Entry(category="cadres"), priority=9)]
    items = [make_item("d1"), make_item("m1", "major")]
    shown = play(make_scheduler(items, playlists), FakeClock(MON), days=7)
    weekend = [s for s in shown if s.at.weekday() >= 5]
    weekday = [s for s in shown if s.at.weekday() < 5]
    assert {s.slot.playlist for s in weekend} == {"weekend"} and set(ids(weekend)) == {"m1"}
    assert {s.slot.playlist for s in weekday} == {FALLBACK} and set(ids(weekday)) == {"d1", "m1"}


def test_entry_windows_with_date_ranges() -> None:
    campaign = Entry(tag="campaign", windows=parse_windows(
        [{"days": "daily", "from": "09:00", "until": "17:00",
          "date_from": dt.date(2026, 3, 5), "date_until": dt.date(2026, 3, 7)}], "x"))
    items = [make_item("d1"), make_item("d2"), make_item("c1", "ideology", tags=("campaign",))]
    shown = play(make_scheduler(items, [playlist("p", Entry(category="decisions"), campaign)]),
                 FakeClock(MON), days=14)
    c1 = [s for s in shown if s.id == "c1"]
    assert {s.at.date() for s in c1} == {dt.date(2026, 3, d) for d in (5, 6, 7)}
    assert all(9 <= s.at.hour < 17 for s in c1)
    assert Counter(ids(shown))["d1"] > 10000


def test_playlist_durations_and_pages_apply_per_entry() -> None:
    p = playlist("p", Entry(category="decisions", duration=12.0, pages=2), Entry())
    s = make_scheduler([make_item("d1"), make_item("m1", "major", chars=180)], [p], pages=3)
    assert s.next_slot(MON).durations == (12.0, 12.0)  # type: ignore[union-attr]
    assert s.next_slot(MON).durations == (16.0, 16.0, 16.0)  # type: ignore[union-attr]  # 60 chars a page


# ------------------------------------------------------------------------------ display hours


def test_display_hours_off_periods() -> None:
    hours = DisplayHours(parse_windows([{"days": "mon-fri", "from": "07:30", "until": "19:00"},
                                        {"days": "sat", "from": "08:30", "until": "12:00"}], "x"))
    shown = play(make_scheduler([make_item("a"), make_item("b")]), FakeClock(MON), days=14, hours=hours)
    assert all(hours.is_on(s.at) for s in shown)
    assert not any(s.at.weekday() == 6 for s in shown)
    first_of_day = {}
    for s in shown:
        first_of_day.setdefault(s.at.date(), s.at.time())
    assert len(first_of_day) == 12  # ten weekdays and two Saturdays
    assert {t for d, t in first_of_day.items() if d.weekday() < 5} == {dt.time(7, 30)}
    assert {t for d, t in first_of_day.items() if d.weekday() == 5} == {dt.time(8, 30)}


# ------------------------------------------------------------------------------ urgent items


def test_urgent_item_interrupts_at_once_then_repeats_every_n_slots() -> None:
    valid = MON + dt.timedelta(hours=10, seconds=0.5)
    items = [make_item(f"n{i}", CATEGORIES[i % 5]) for i in range(7)]
    items.append(make_item("power-cut", "service", urgent=True, show_from=valid))
    clock = FakeClock(MON + dt.timedelta(hours=9, minutes=50))
    shown = play(make_scheduler(items, urgent_every=4), clock, days=1 / 24, tick=1)
    urgent = [i for i, s in enumerate(shown) if s.id == "power-cut"]
    first = shown[urgent[0]]
    assert first.slot.interrupt and first.slot.playlist == URGENT
    assert valid <= first.at < valid + dt.timedelta(seconds=1)
    assert all(s.at < valid for s in shown[: urgent[0]])
    assert [b - a for a, b in zip(urgent, urgent[1:], strict=False)] == [5] * (len(urgent) - 1)
    assert not any(shown[i].slot.interrupt for i in urgent[1:])
    assert len(urgent) > 5


def test_urgent_item_valid_at_startup_is_shown_first() -> None:
    items = [make_item("n1"), make_item("alert", urgent=True)]
    s = make_scheduler(items)
    cut = s.urgent_interrupt(MON)
    assert cut is not None and cut.item.id == "alert" and cut.interrupt
    assert s.urgent_interrupt(MON + dt.timedelta(seconds=1)) is None  # not shown twice as an interruption
    s2 = make_scheduler(items)
    assert s2.next_slot(MON).item.id == "alert"  # type: ignore[union-attr]


def test_urgent_items_becoming_valid_together_do_not_cut_each_other() -> None:
    t = MON + dt.timedelta(hours=1)
    items = [make_item("n1"), make_item("u-old", urgent=True, date=dt.date(2026, 2, 1), show_from=t),
             make_item("u-new", urgent=True, show_from=t)]
    s = make_scheduler(items, urgent_every=2)
    assert s.next_slot(MON).item.id == "n1"  # type: ignore[union-attr]
    first = s.urgent_interrupt(t)
    assert first is not None and first.item.id == "u-new"  # newest first
    assert s.urgent_interrupt(t + dt.timedelta(seconds=10)) is None  # it plays to its end
    clock = FakeClock(t + dt.timedelta(seconds=first.total))
    shown = play(s, clock, days=0.01)
    assert shown[0].id == "u-old" and shown[0].slot.interrupt
    assert ids(shown[1:9]) == ["n1", "n1", "u-new", "n1", "n1", "u-old", "n1", "n1"]


def test_urgent_items_are_kept_out_of_playlists_but_reach_every_screen() -> None:
    items = [make_item("d1"), make_item("alert", "major", urgent=True)]
    s = make_scheduler(items, [playlist("decisions-only", Entry(category="decisions"), urgent_every=2)])
    assert ids(play(s, FakeClock(MON), days=0.003)) == ["alert", "d1", "d1", "alert", "d1", "d1"]


def test_only_urgent_items_still_fill_the_screen() -> None:
    s = make_scheduler([make_item("u1", urgent=True), make_item("u2", urgent=True, date=dt.date(2026, 2, 1))])
    assert ids(play(s, FakeClock(MON), days=0.003)) == ["u1", "u2", "u1", "u2", "u1", "u2"]


# ------------------------------------------------------------------------------ durations


def test_auto_durations_grow_with_text_length_and_are_clamped() -> None:
    settings = ScheduleSettings()
    lengths = [0, 12, 30, 60, 120, 200, 234, 240, 600, 10_000]
    seconds = [page_durations(make_item("x", chars=n), 1, AUTO, settings)[0] for n in lengths]
    assert seconds == sorted(seconds)
    assert seconds[0] == seconds[1] == 8.0  # 6 + 12/6 = 8: the minimum
    assert seconds[3] == 16.0 and seconds[4] == 26.0
    assert seconds[-4:] == [45.0] * 4  # 6 + 234/6 = 45: the maximum
    assert page_durations(make_item("x", chars=600), 3, AUTO, settings) == (39.3, 39.3, 39.3)
    with_images = page_durations(make_item("x", chars=120, images=2), 4, AUTO, settings)
    assert with_images == (16.0, 16.0, 10.0, 10.0)  # text pages, then image pages
    assert page_durations(make_item("x", images=3), 1, AUTO, settings) == (45.0,)  # one text page
    assert page_durations(make_item("x"), 2, 20.0, settings) == (20.0, 20.0)
    fast = ScheduleSettings(auto_base=2, chars_per_second=12, min_duration=4, max_duration=20)
    assert page_durations(make_item("x", chars=120), 1, AUTO, fast) == (12.0,)


def test_page_count_comes_from_the_render_layer() -> None:
    long, short = make_item("long", chars=900), make_item("short", "major", chars=30)
    s = make_scheduler([long, short], pages=lambda item: 3 if item.id == "long" else 1)
    slots = {slot.item.id: slot for slot in (s.next_slot(MON), s.next_slot(MON))}  # type: ignore[union-attr]
    assert slots["long"].durations == (45.0, 45.0, 45.0) and slots["short"].durations == (11.0,)
    assert slots["long"].total == 135.0


@pytest.mark.parametrize(
    "settings",
    [{"urgent_every": 0}, {"chars_per_second": 0}, {"min_duration": 50}, {"image_duration": 0},
     {"ticker_latest": -1}],
)
def test_settings_are_validated(settings: dict[str, float]) -> None:
    with pytest.raises(ScheduleError, match=f"schedule settings: {next(iter(settings))}"):
        ScheduleSettings(**settings)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ fairness and order


def churning_items() -> list[Item]:
    """Thirty items over five categories, some opening and closing during two weeks."""
    items = []
    for i in range(30):
        start = LONG_AGO if i % 3 else MON + dt.timedelta(days=i % 7, hours=i)
        until = None if i % 4 else MON + dt.timedelta(days=3 + i % 9, hours=i)
        items.append(make_item(f"i{i:02}", CATEGORIES[i % 5], date=dt.date(2026, 2, 1 + i % 27),
                               show_from=start, show_until=until, tags=("finance",) if i % 6 == 0 else (),
                               chars=60 + 20 * i))
    return items


def test_every_visible_item_plays_once_per_cycle_with_overlapping_entries() -> None:
    items = [it for it in churning_items() if it.show_from == LONG_AGO and it.show_until is None]
    p = playlist("p", Entry(category="major"), Entry(tag="finance"), Entry(category="major"), Entry())
    shown = play(make_scheduler(items, [p]), FakeClock(MON), days=1)
    n = len(items)
    for k in range(0, len(shown) - n, n):
        assert sorted(ids(shown[k:k + n])) == sorted(it.id for it in items)
    first = ids(shown[:n])
    majors = [it for it in items if it.category == "major"]
    assert first[: len(majors)] == [it.id for it in sorted(majors, key=lambda it: it.date, reverse=True)]


def test_fairness_over_two_weeks_of_changing_content() -> None:
    """Between two showings of an item, every item visible all that time has been shown."""
    items = churning_items()
    shown = play(make_scheduler(items, [playlist("p", Entry(tag="finance"), Entry())]), FakeClock(MON), days=14)
    last_seen: dict[str, int] = {}
    for n, s in enumerate(shown):
        if s.id in last_seen:
            start, end = shown[last_seen[s.id]].at, s.at
            between = set(ids(shown[last_seen[s.id]:n]))
            steady = {it.id for it in items if it.valid_at(start) and it.valid_at(end) and it.show_from <= start
                      and (it.show_until is None or it.show_until > end)}
            assert steady <= between, (s, steady - between)
        last_seen[s.id] = n
        assert s.slot.item.valid_at(s.at)
    assert set(ids(shown)) == {it.id for it in items}


def test_same_inputs_and_calls_give_the_same_sequence() -> None:
    def run() -> list[tuple[dt.datetime, str, tuple[float, ...], bool]]:
        items = churning_items() + [make_item("u", urgent=True, show_from=MON + dt.timedelta(days=2))]
        shown = play(make_scheduler(items, urgent_every=3), FakeClock(MON), days=4)
        return [(s.at, s.id, s.slot.durations, s.slot.interrupt) for s in shown]

    assert run() == run()


# ------------------------------------------------------------------------------ new content


def test_replace_content_keeps_going_where_it_was() -> None:
    items = [make_item(f"d{i}", date=dt.date(2026, 3, 9 - i)) for i in range(1, 6)]  # d1 newest
    s = make_scheduler(items)
    assert ids(play(s, FakeClock(MON), days=135 / 86400)) == ["d1", "d2", "d3"]
    s.replace_content([make_content([*items, make_item("d0", date=dt.date(2026, 3, 9))])])
    assert [s.next_slot(MON).item.id for _ in range(4)] == ["d4", "d5", "d0", "d1"]  # type: ignore[union-attr]
    s.replace_content([make_content([items[0], items[4]])])  # d1 (just shown) and d5 remain
    assert s.next_slot(MON).item.id == "d5"  # type: ignore[union-attr]
    s.replace_content([make_content(items)])
    assert s.next_slot(MON).item.id == "d1"  # type: ignore[union-attr]
    s.next_slot(MON)
    s.replace_content([make_content([items[0], items[4]])])  # d2 (just shown) went away: d5 follows
    assert s.next_slot(MON).item.id == "d5"  # type: ignore[union-attr]


def test_replace_content_with_new_playlists_keeps_position_of_a_playlist_still_there() -> None:
    items = [make_item(f"d{i}", date=dt.date(2026, 3, 9 - i)) for i in range(1, 5)]
    s = make_scheduler(items, [playlist("p", Entry())])
    s.next_slot(MON), s.next_slot(MON)
    s.replace_content([make_content(items)], [playlist("p", Entry(category="decisions"), priority=3)])
    assert s.next_slot(MON).item.id == "d3"  # type: ignore[union-attr]
    s.replace_content([make_content(items)], [playlist("q", Entry())])
    assert s.next_slot(MON).item.id == "d1"  # type: ignore[union-attr]


def test_replace_content_does_not_interrupt_again_for_the_same_urgent_item() -> None:
    items = [make_item("n1"), make_item("alert", urgent=True)]
    s = make_scheduler(items)
    assert s.urgent_interrupt(MON) is not None
    s.replace_content([make_content(items)])
    assert s.urgent_interrupt(MON + dt.timedelta(minutes=5)) is None
    reissued = replace(items[1], show_from=MON + dt.timedelta(minutes=6))  # a new 公示期: a new alert
    s.replace_content([make_content([items[0], reissued])])
    assert s.urgent_interrupt(MON + dt.timedelta(minutes=6)) is not None


# ------------------------------------------------------------------------------ ticker and browsing


def test_ticker_urgent_first_then_latest() -> None:
    items = [make_item(f"n{d}", date=dt.date(2026, 2, d)) for d in range(1, 10)]
    items += [make_item("u", urgent=True, date=dt.date(2026, 1, 1)),
              make_item("m", members=True, date=dt.date(2026, 3, 1)),
              make_item("gone", date=dt.date(2026, 3, 1), show_until=MON)]
    s = make_scheduler(items, ticker_latest=3)
    assert [it.id for it in s.ticker(MON)] == ["u", "n9", "n8", "n7"]
    assert make_scheduler([], ticker_latest=3).ticker(MON) == []


def test_current_items_and_category_counts() -> None:
    tomorrow = MON + dt.timedelta(days=1)
    items = [make_item("d1"), make_item("d2", date=dt.date(2026, 3, 2)), make_item("m1", "major"),
             make_item("members", "major", members=True), make_item("later", "service", show_from=tomorrow),
             make_item("odd", "village-finance")]
    s = make_scheduler(items)
    assert [it.id for it in s.current_items(MON)] == ["d2", "d1", "m1", "odd"]  # catalogue order, newest first
    assert s.category_counts(MON) == {"decisions": 2, "ideology": 0, "organisation": 0, "service": 0,
                                      "major": 1, "village-finance": 1}
    assert s.category_counts(MON + dt.timedelta(days=1))["service"] == 1


def test_nothing_to_show() -> None:
    s = make_scheduler([make_item("old", show_until=MON)])
    assert s.next_slot(MON) is None and s.urgent_interrupt(MON) is None
    assert s.ticker(MON) == [] and s.current_items(MON) == []


def test_the_schedule_is_pure_python() -> None:
    code = "import sys, kiosk.schedule, kiosk.clock; print('pygame' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "False"
