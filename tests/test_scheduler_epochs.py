"""The scheduler computes what is visible once per epoch (until a publish window opens or closes)
and reuses it for every slot: the same decisions as computing everything at every slot."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from test_scheduler import MON, make_item, make_scheduler, playlist

from kiosk.content.model import Item
from kiosk.schedule import Entry, Scheduler


def township(seed: int) -> list[Item]:
    """Items whose windows open and close all through a week, some urgent, some for members."""
    rng = random.Random(seed)
    items = []
    for n in range(60):
        start = MON + dt.timedelta(minutes=rng.randrange(-600, 7 * 24 * 60))
        end = start + dt.timedelta(minutes=rng.randrange(10, 3 * 24 * 60)) if rng.random() < 0.7 else None
        items.append(make_item(f"n{n:02d}", ("decisions", "service", "major")[n % 3], show_from=start,
                               show_until=end, urgent=rng.random() < 0.08, members=rng.random() < 0.1,
                               date=(start - dt.timedelta(days=rng.randrange(3))).date(), chars=rng.randrange(20, 300),
                               tags=("财务",) if n % 4 == 0 else ()))
    return items


def schedulers(seed: int) -> tuple[Scheduler, Scheduler]:
    lists = [playlist("finance", Entry(tag="财务"), priority=2, windows=[{"days": "mon-fri", "from": "09:00",
                                                                        "until": "11:30"}]),
             playlist("day", Entry(category="service"), Entry(category="major"), priority=1,
                      windows=[{"days": "mon-sat", "from": "07:30", "until": "19:00"}])]
    pages = lambda it: 1 + len(it.id) % 3  # noqa: E731
    return make_scheduler(township(seed), lists, pages), make_scheduler(township(seed), lists, pages)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_slots_as_computing_everything_every_time(seed: int) -> None:
    kept, fresh = schedulers(seed)
    now = MON - dt.timedelta(hours=2)
    rng = random.Random(seed)
    for _ in range(1500):
        fresh._epoch = None  # what the scheduler did before epochs: filter and sort at every call
        a, b = kept.next_slot(now), fresh.next_slot(now)
        assert a == b
        fresh._epoch = None
        assert kept.ticker(now) == fresh.ticker(now)
        fresh._epoch = None
        assert kept.urgent_interrupt(now) == fresh.urgent_interrupt(now)
        fresh._epoch = None
        assert kept.category_counts(now) == fresh.category_counts(now)
        now += dt.timedelta(seconds=(a.total if a else 60) * rng.choice((1, 1, 1, 7)))


def test_visible_items_are_filtered_once_per_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    opens = MON + dt.timedelta(hours=10)
    items = [make_item(f"n{n}") for n in range(50)] + [make_item("later", show_from=opens)]
    scheduler = make_scheduler(items)
    calls = 0
    real = Item.valid_at

    def counting(self: Item, when: dt.datetime) -> bool:
        nonlocal calls
        calls += 1
        return real(self, when)

    monkeypatch.setattr(Item, "valid_at", counting)
    now = MON + dt.timedelta(hours=9)
    scheduler.next_slot(now)
    first = calls
    assert first == len(items)
    assert scheduler.ticker_until(now) == opens
    for n in range(200):  # slides, tickers and interruption checks for the next hour: nothing recomputed
        at = now + dt.timedelta(seconds=15 * n)
        scheduler.next_slot(at)
        scheduler.ticker(at)
        scheduler.urgent_interrupt(at)
    assert calls == first
    assert "later" in [it.id for it in scheduler.current_items(opens)]  # the window opened: a new epoch
    assert calls == 2 * first
    assert scheduler.ticker_until(opens) is None


def test_upcoming_tells_the_next_items_without_taking_them() -> None:
    kept, twin = schedulers(7)
    now = MON + dt.timedelta(hours=9, minutes=5)
    for _ in range(5):
        kept.next_slot(now)
        twin.next_slot(now)
    ahead = kept.upcoming(now, 4)
    assert len(ahead) == 4
    taken = [kept.next_slot(now) for _ in range(4)]
    assert [s.item for s in taken if s] == ahead
    assert [twin.next_slot(now) for _ in range(4)] == taken  # upcoming() changed nothing


def test_upcoming_does_not_ask_for_page_counts() -> None:
    asked: list[str] = []
    scheduler = make_scheduler([make_item(f"n{n}") for n in range(5)], pages=lambda it: asked.append(it.id) or 1)
    assert len(scheduler.upcoming(MON, 3)) == 3
    assert asked == []
