"""Touch browsing indexes the library only when it changed, and can have it indexed ahead (on
another thread) so the first touch does not pay for it."""

from __future__ import annotations

import datetime as dt

import pytest
from test_navigation import GEOM, content, item

import kiosk.touch.navigation as navigation
from kiosk.content.model import Content
from kiosk.schedule.scheduler import Scheduler, ScheduleSettings
from kiosk.touch.library import ScheduleLibrary
from kiosk.touch.navigation import Home, Navigator, Screen, Tick

NOW = dt.datetime(2026, 3, 2, 10, 0)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    count: list[int] = []
    real = navigation.Snapshot.build

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        count.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(navigation.Snapshot, "build", counting)
    return count


def library(now: list[dt.datetime], contents: list[Content]) -> ScheduleLibrary:
    """Like the player's: ``contents`` is replaced as a whole (a new tuple) when content changes."""
    box = [tuple(contents)]
    scheduler = Scheduler(box[0], [], ScheduleSettings(), lambda _: 1)
    lib = ScheduleLibrary(scheduler, lambda: box[0], lambda: now[0], lambda it, large: 1)

    def replace(new: list[Content]) -> None:
        box[0] = tuple(new)
        scheduler.replace_content(box[0])

    lib.replace = replace  # type: ignore[attr-defined]
    return lib


def test_browsing_does_not_index_again_every_second(builds: list[int]) -> None:
    later = item("later")
    later = type(later)(**{**later.__dict__, "show_from": NOW + dt.timedelta(minutes=5)})
    now = [NOW]
    nav = Navigator(library(now, [content("town", [item(f"d{n}", day=n + 1) for n in range(5)] + [later])]), GEOM)
    nav.handle(Tick(1.0))
    nav.handle(Home())
    assert nav.screen is Screen.HOME and len(builds) == 1
    for second in range(2, 50):  # browsing, nothing new becomes visible
        now[0] = NOW + dt.timedelta(seconds=second)
        nav.handle(Tick(float(second)))
    assert len(builds) == 1
    now[0] = NOW + dt.timedelta(minutes=5)  # a notice's publish window opens: indexed again
    nav.handle(Tick(51.0))
    assert len(builds) == 2 and sum(t.count for t in nav.view().tiles) == 6


def test_prepared_snapshot_is_used_by_the_first_touch(builds: list[int]) -> None:
    now = [NOW]
    nav = Navigator(library(now, [content("town", [item("d1"), item("d2")])]), GEOM)
    nav.handle(Tick(1.0))
    assert nav.stale()
    token, snapshot = nav.prepare()  # (on the touch layer's thread in the player)
    nav.adopt(token, snapshot)
    assert not nav.stale() and len(builds) == 1
    nav.handle(Home())
    assert nav.screen is Screen.HOME and len(builds) == 1  # the touch did not index anything
    assert sum(t.count for t in nav.view().tiles) == 2


def test_a_snapshot_prepared_before_a_change_is_not_used(builds: list[int]) -> None:
    now = [NOW]
    lib = library(now, [content("town", [item("d1")])])
    nav = Navigator(lib, GEOM)
    token, snapshot = nav.prepare()
    lib.replace([content("town", [item("d1"), item("d2")])])  # type: ignore[attr-defined]  # new content meanwhile
    nav.adopt(token, snapshot)
    assert nav.stale()
    nav.handle(Tick(1.0))
    nav.handle(Home())
    assert sum(t.count for t in nav.view().tiles) == 2
