"""Time windows and display hours: weekdays, times of day, midnight, date ranges."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.schedule import DisplayHours, ScheduleError, Window, next_change, parse_days, parse_windows

MON = dt.date(2026, 3, 2)  # a Monday
MINUTE = dt.timedelta(minutes=1)


def at(day_offset: int, hhmm: str) -> dt.datetime:
    """A time on the Monday-based test week: at(4, "23:00") is Friday 23:00."""
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime.combine(MON + dt.timedelta(days=day_offset), dt.time(hour, minute))


def one(table: dict[str, object]) -> Window:
    return parse_windows([table], "hours.toml")[0]


# ------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("daily", set(range(7))),
        ("weekends", {5, 6}),
        ("weekdays", {0, 1, 2, 3, 4}),
        (["mon", "sat"], {0, 5}),
        ("mon, wed,fri", {0, 2, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("Sun", {6}),
        (["tuesday", "thu-fri"], {1, 3, 4}),
    ],
)
def test_days_forms(days: object, expected: set[int]) -> None:
    assert parse_days(days, "x") == frozenset(expected)


def test_unknown_weekday_names_file_window_and_field() -> None:
    with pytest.raises(ScheduleError) as e:
        parse_windows([{"days": "daily"}, {"days": "mnd"}], "lobby.toml: playlist")
    assert str(e.value).startswith("lobby.toml: playlist: window 2: days: unknown weekday 'mnd'")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"form": "07:30"}, "hours.toml: window 1: form: unknown key (did you mean 'from'?"),
        ({"from": "7.30"}, 'hours.toml: window 1: from: expected a time "HH:MM"'),
        ({"until": "25:00"}, "hours.toml: window 1: until: '25:00' is not a time of day"),
        ({"days": 5}, "hours.toml: window 1: days: expected a string"),
        ({"days": "mon,,fri"}, "hours.toml: window 1: days: empty day"),
        ({"date_from": "2026-13-01"}, "hours.toml: window 1: date_from: expected a date"),
        (
            {"date_from": dt.date(2026, 2, 1), "date_until": dt.date(2026, 1, 1)},
            "hours.toml: window 1: date_until: 2026-01-01 is before date_from 2026-02-01",
        ),
    ],
)
def test_window_errors_name_the_field(table: dict[str, object], message: str) -> None:
    with pytest.raises(ScheduleError) as e:
        parse_windows([table], "hours.toml")
    assert str(e.value).startswith(message)


def test_windows_must_be_an_array_of_tables() -> None:
    with pytest.raises(ScheduleError, match=r"x: window: expected an array of tables"):
        parse_windows({"days": "mon"}, "x")
    with pytest.raises(ScheduleError, match=r"x: window 1: expected a table"):
        parse_windows(["mon"], "x")


def test_defaults_and_toml_values() -> None:
    whole = one({})
    assert whole == Window()
    assert whole.length == dt.timedelta(days=1)
    w = one({"days": "sat", "from": dt.time(8, 30), "until": "24:00", "date_from": "2026-03-01"})
    assert (w.start, w.until, w.date_from) == (dt.time(8, 30), dt.time(0, 0), dt.date(2026, 3, 1))
    assert w.contains(at(5, "23:59")) and not w.contains(at(6, "00:00"))
    assert parse_windows((), "x") == ()  # a tuple from the config loader is accepted


# ------------------------------------------------------------------------------ contains


def test_same_day_window_start_inclusive_end_exclusive() -> None:
    w = one({"days": "mon-fri", "from": "07:30", "until": "19:00"})
    assert not w.contains(at(0, "07:29"))
    assert w.contains(at(0, "07:30"))
    assert w.contains(at(4, "18:59"))
    assert not w.contains(at(4, "19:00"))
    assert not w.contains(at(5, "10:00"))  # Saturday


def test_window_crossing_midnight_belongs_to_its_starting_day() -> None:
    w = one({"days": "fri", "from": "22:00", "until": "02:00"})
    assert w.contains(at(4, "22:00"))
    assert w.contains(at(4, "23:59"))
    assert w.contains(at(5, "01:00"))  # Saturday 01:00 is still Friday night
    assert not w.contains(at(5, "02:00"))
    assert not w.contains(at(4, "21:59"))
    assert not w.contains(at(4, "01:00"))  # Friday 01:00 belongs to Thursday night
    assert not w.contains(at(5, "23:00"))
    assert w.length == dt.timedelta(hours=4)


def test_equal_from_and_until_is_24_hours() -> None:
    w = one({"days": "mon", "from": "08:00", "until": "08:00"})
    assert w.contains(at(0, "08:00")) and w.contains(at(1, "07:59"))
    assert not w.contains(at(1, "08:00")) and not w.contains(at(0, "07:59"))


def test_date_range_is_inclusive_and_checked_on_the_starting_day() -> None:
    w = one({"days": "daily", "from": "20:00", "until": "01:00",
             "date_from": dt.date(2026, 3, 3), "date_until": dt.date(2026, 3, 5)})
    assert not w.contains(at(1, "00:30"))  # belongs to Monday 2 March, before the range
    assert w.contains(at(1, "20:00"))
    assert w.contains(at(3, "23:00"))  # Thursday 5 March, the last day
    assert w.contains(at(4, "00:30"))  # Thursday night, after midnight
    assert not w.contains(at(4, "20:00"))  # Friday 6 March


# ------------------------------------------------------------------------------ display hours


def test_no_windows_is_always_on() -> None:
    hours = DisplayHours()
    assert hours.is_on(at(0, "03:00")) and hours.next_change(at(0, "03:00")) is None


def test_display_hours_next_change_over_a_weekend() -> None:
    hours = DisplayHours(parse_windows([{"days": "mon-fri", "from": "07:30", "until": "19:00"},
                                        {"days": "sat", "from": "08:30", "until": "12:00"}], "x"))
    assert hours.next_change(at(4, "12:00")) == at(4, "19:00")
    assert hours.next_change(at(4, "19:00")) == at(5, "08:30")
    assert hours.next_change(at(5, "12:00")) == at(7, "07:30")  # next Monday
    assert not hours.is_on(at(6, "10:00"))


def test_next_change_matches_a_minute_by_minute_walk() -> None:
    windows = parse_windows([
        {"days": "mon-fri", "from": "07:30", "until": "12:00"},
        {"days": "mon-thu", "from": "11:00", "until": "19:00"},  # overlaps the first
        {"days": "fri", "from": "22:00", "until": "02:00"},  # crosses midnight
        {"days": "sun", "from": "09:00", "until": "09:00", "date_from": dt.date(2026, 3, 8),
         "date_until": dt.date(2026, 3, 8)},  # one whole 24 hours
    ], "x")
    now, end = at(0, "00:00"), at(14, "00:00")
    changes = []
    state = any(w.contains(now) for w in windows)
    while now < end:
        now += MINUTE
        if any(w.contains(now) for w in windows) != state:
            state = not state
            changes.append(now)
    walked, t = [], at(0, "00:00")
    while (t := next_change(windows, t)) is not None and t <= end:
        walked.append(t)
    assert walked == changes
    assert at(6, "09:00") in changes  # the one Sunday turns on for 24 hours...
    assert at(7, "07:30") not in changes and at(7, "19:00") in changes  # ...into Monday's hours
    assert at(13, "09:00") not in changes  # only that one Sunday


def test_next_change_finds_a_date_range_far_ahead() -> None:
    hours = DisplayHours(parse_windows([{"from": "08:00", "until": "18:00",
                                         "date_from": dt.date(2026, 6, 1)}], "x"))
    assert hours.next_change(at(0, "09:00")) == dt.datetime(2026, 6, 1, 8, 0)


def test_always_on_windows_never_change() -> None:
    hours = DisplayHours(parse_windows([{"days": "daily"}], "x"))
    assert hours.is_on(at(3, "04:00")) and hours.next_change(at(3, "04:00")) is None


def test_off_mode_is_validated() -> None:
    assert DisplayHours(off_mode="clock").off_mode == "clock"
    with pytest.raises(ScheduleError, match="off_mode"):
        DisplayHours(off_mode="dim")  # type: ignore[arg-type]
