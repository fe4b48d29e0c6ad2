"""The playlist format: parsing, defaults, and error messages that name file, entry and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.content.model import Catalogue, Category, Content, Item, Publisher
from kiosk.schedule import AUTO, Entry, ScheduleError, check_playlist, load_playlist, load_playlists

REPO = Path(__file__).resolve().parent.parent

FULL = """
[playlist]
name = "evening"
priority = 10
duration = 15
pages = 1
urgent_every = 3

[[playlist.window]]
days = "mon-fri"
from = "18:00"
until = "22:00"

[[entry]]
category = "service"

[[entry]]
tag = "主题教育"
feed = "township"
duration = "auto"
pages = "all"
[[entry.window]]
days = "weekends"
date_from = 2026-12-01
date_until = 2026-12-31

[[entry]]
all = true
"""


def write(tmp_path: Path, text: str, name: str = "lobby.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ScheduleError) as e:
        load_playlist(write(tmp_path, text))
    return str(e.value)


def test_the_repository_default_playlist_loads() -> None:
    playlist = load_playlist(REPO / "playlists" / "default.toml")
    assert playlist.name == "default" and playlist.priority == 0 and playlist.windows == ()
    assert playlist.entries[0] == Entry(category="decisions")
    assert playlist.entries[-1] == Entry()  # all = true, last: everything else
    assert all(e.duration == AUTO and e.pages is None for e in playlist.entries)


def test_full_playlist(tmp_path: Path) -> None:
    p = load_playlist(write(tmp_path, FULL))
    assert (p.name, p.priority, p.urgent_every) == ("evening", 10, 3)
    assert p.source == tmp_path / "lobby.toml"
    assert p.windows[0].weekdays == frozenset(range(5)) and p.windows[0].start == dt.time(18)
    service, campaign, rest = p.entries
    assert service == Entry(category="service", duration=15.0, pages=1)  # playlist defaults
    assert (campaign.tag, campaign.feed, campaign.duration, campaign.pages) == (
        "主题教育", "township", AUTO, None)
    assert campaign.windows[0].date_until == dt.date(2026, 12, 31)
    assert rest == Entry(duration=15.0, pages=1)
    assert p.active_at(dt.datetime(2026, 12, 7, 19, 0)) and not p.active_at(dt.datetime(2026, 12, 7, 17, 0))


def test_name_defaults_to_the_file_name_and_playlist_table_is_optional(tmp_path: Path) -> None:
    p = load_playlist(write(tmp_path, '[[entry]]\ncategory = "major"\n', "hall.toml"))
    assert (p.name, p.priority, p.urgent_every) == ("hall", 0, None)


def test_a_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufeff[[entry]]\nall = true\n".encode())
    assert load_playlist(path).entries == (Entry(),)


def test_entry_selectors_combine() -> None:
    def item(category: str, tags: tuple[str, ...] = (), feed: str = "local") -> Item:
        return Item(id="x", category=category, title="t", issuer="i", date=dt.date(2026, 1, 1),
                    show_from=dt.datetime(2026, 1, 1), show_until=None, tags=tags, feed=feed)

    entry = Entry(category="organisation", tag="财务", feed="township")
    assert entry.matches(item("organisation", ("财务", "季度"), "township"))
    assert not entry.matches(item("organisation", ("季度",), "township"))
    assert not entry.matches(item("organisation", ("财务",), "village"))
    assert not entry.matches(item("major", ("财务",), "township"))
    assert Entry().matches(item("major"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[entry]]\ncatgory = "major"\n',
         "entry 1: catgory: unknown key (did you mean 'category'?"),
        ('[playlist]\npriorty = 3\n[[entry]]\nall = true\n',
         "playlist: priorty: unknown key (did you mean 'priority'?"),
        ('[[entries]]\nall = true\n', "entries: unknown key"),
        ('[[entry]]\nall = true\n[[entry]]\ncategory = "x"\nduration = -5\n',
         'entry 2: duration: expected seconds per page (1 to 3600) or "auto", got -5'),
        ('[[entry]]\nall = true\nduration = "long"\n', "entry 1: duration: expected seconds"),
        ('[[entry]]\nall = true\npages = 0\n', 'entry 1: pages: expected "all" or a number of pages >= 1'),
        ('[[entry]]\nduration = 10\n', "entry 1: no selector: give category, id or tag, or all = true"),
        ('[[entry]]\nfeed = "village"\n', "entry 1: no selector"),
        ('[[entry]]\nall = true\ncategory = "major"\n', "entry 1: all: all = true selects every item"),
        ('[[entry]]\nall = "yes"\n', "entry 1: all: expected true or false"),
        ('[[entry]]\ncategory = ""\n', "entry 1: category: expected a non-empty string"),
        ('[[entry]]\ntag = ["a"]\n', "entry 1: tag: expected a non-empty string"),
        ('[playlist]\nname = "x"\n', "entry: at least one [[entry]] table is required"),
        ('[playlist]\npriority = "high"\n[[entry]]\nall = true\n',
         "playlist: priority: expected a whole number, got 'high'"),
        ('[playlist]\nurgent_every = 0\n[[entry]]\nall = true\n', "playlist: urgent_every: must be at least 1"),
        ('[playlist]\npages = "some"\n[[entry]]\nall = true\n', "playlist: pages: expected"),
        ('[[entry]]\nall = true\n[[entry]]\nid = "a"\n[[entry.window]]\ndays = "mnd"\n',
         "entry 2: window 1: days: unknown weekday 'mnd'"),
        ('[[playlist.window]]\nfrom = "7"\n[[entry]]\nall = true\n',
         'playlist: window 1: from: expected a time "HH:MM"'),
        ('[playlist.window]\ndays = "mon"\n[[entry]]\nall = true\n',
         "playlist: window: expected an array of tables"),
    ],
)
def test_errors_name_file_entry_field_and_reason(tmp_path: Path, text: str, message: str) -> None:
    assert error_of(tmp_path, text).startswith(f"{tmp_path / 'lobby.toml'}: {message}")


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[[entry]]\ncategory = "major\n')
    assert message.startswith(f"{tmp_path / 'lobby.toml'}: invalid TOML: ")
    assert "line 2" in message and "column" in message


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="missing.toml: cannot read"):
        load_playlist(tmp_path / "missing.toml")
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("[[entry]]\ncategory = '党务'\n".encode("gbk"))
    with pytest.raises(ScheduleError, match="gbk.toml: not UTF-8 text"):
        load_playlist(bad)


def test_load_playlists_skips_bad_files_and_duplicate_names(tmp_path: Path) -> None:
    write(tmp_path, '[playlist]\nname = "day"\n[[entry]]\nall = true\n', "a.toml")
    write(tmp_path, '[[entry]]\ncatgory = "major"\n', "b.toml")
    write(tmp_path, '[playlist]\nname = "day"\n[[entry]]\ncategory = "major"\n', "c.toml")
    write(tmp_path, '[[entry]]\ntag = "x"\n', "d.toml")
    write(tmp_path, "not a playlist", "notes.txt")
    playlists, errors = load_playlists(tmp_path)
    assert [p.name for p in playlists] == ["day", "d"]
    assert len(errors) == 2
    assert errors[0].startswith(f"{tmp_path / 'b.toml'}: entry 1: catgory: unknown key")
    assert errors[1].startswith(f"{tmp_path / 'c.toml'}: playlist: name: 'day' is already used by")


def test_load_playlists_from_a_missing_folder(tmp_path: Path) -> None:
    assert load_playlists(tmp_path / "none") == ([], [])
    write(tmp_path, "", "file")
    assert load_playlists(tmp_path / "file") == ([], [f"{tmp_path / 'file'}: not a directory of playlists"])


def test_check_playlist_warns_about_unknown_categories(tmp_path: Path) -> None:
    content = Content(Publisher("青禾镇党委"), Catalogue((Category("major", "重大事项", 8, (0, 0, 0), "党务公开"),)),
                      (), tmp_path)
    p = load_playlist(write(tmp_path, '[[entry]]\ncategory = "major"\n[[entry]]\ncategory = "majr"\n'))
    assert check_playlist(p, [content]) == [
        f"{tmp_path / 'lobby.toml'}: entry 2: category: 'majr' is in no catalogue; it selects nothing"]
