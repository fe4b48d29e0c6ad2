"""Playlists: which items a screen loops through, when, and for how long.

The TOML format is documented, with every key, in ``playlists/default.toml``.  In short::

    [playlist]
    name = "lobby"            # defaults to the file name without .toml
    priority = 0              # the highest-priority active playlist plays
    duration = "auto"         # default seconds per page, or "auto" (from text length)
    pages = "all"             # default: "all" pages or a maximum number
    urgent_every = 5          # optional: an urgent item after every N slots

    [[playlist.window]]       # optional: when the playlist is active
    days = "mon-fri"
    from = "07:30"
    until = "19:00"

    [[entry]]                 # one selection, played in order
    category = "decisions"    # and/or id = "...", tag = "...", feed = "..."; or all = true
    duration = 20
    pages = 2
    [[entry.window]]          # optional: when this entry plays
    days = "weekends"
"""

from __future__ import annotations

import datetime as dt
import stat
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiosk.content.limits import LIMITS, TooDeepError, kib, parse_toml
from kiosk.content.model import Content, Item
from kiosk.schedule.windows import ScheduleError, Window, any_contains, expect_table, parse_windows

AUTO: Literal["auto"] = "auto"
Duration = float | Literal["auto"]
"""Seconds per page, or ``"auto"``: computed from the text on each page."""

_TOP_KEYS = ("playlist", "entry")
_PLAYLIST_KEYS = ("name", "priority", "duration", "pages", "urgent_every", "window")
_ENTRY_KEYS = ("category", "id", "tag", "all", "feed", "duration", "pages", "window")


@dataclass(frozen=True)
class Entry:
    """One selection of items.  Every selector given must match; none given selects all."""

    category: str | None = None
    id: str | None = None
    tag: str | None = None
    feed: str | None = None
    duration: Duration = AUTO  # seconds per page, or AUTO
    pages: int | None = None  # at most this many pages; None = all
    windows: tuple[Window, ...] = ()  # when this entry plays; () = whenever its playlist does

    def matches(self, item: Item) -> bool:
        return (
            (self.category is None or item.category == self.category)
            and (self.id is None or item.id == self.id)
            and (self.tag is None or self.tag in item.tags)
            and (self.feed is None or item.feed == self.feed)
        )

    def active_at(self, when: dt.datetime) -> bool:
        return any_contains(self.windows, when)


@dataclass(frozen=True)
class Playlist:
    name: str
    entries: tuple[Entry, ...]
    priority: int = 0
    windows: tuple[Window, ...] = ()  # when the playlist is active; () = always
    urgent_every: int | None = None  # None = the device setting
    source: Path | None = None

    def active_at(self, when: dt.datetime) -> bool:
        return any_contains(self.windows, when)


# ------------------------------------------------------------------------------ loading


def load_playlist(path: Path | str) -> Playlist:
    """Read and validate one playlist file; raises :class:`ScheduleError` naming the file."""
    path = Path(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ScheduleError(f"{path}: not a regular file (a pipe, device or socket): not read")
        if st.st_size > LIMITS.text_file_bytes:
            raise ScheduleError(f"{path}: the file is {kib(st.st_size)}, more than the {kib(LIMITS.text_file_bytes)} "
                                "a playlist may be")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise ScheduleError(f"{path}: cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise ScheduleError(f"{path}: not UTF-8 text: {e.reason} at byte {e.start}") from e
    try:
        data = parse_toml(text)
    except (tomllib.TOMLDecodeError, TooDeepError) as e:
        raise ScheduleError(f"{path}: invalid TOML: {e}") from e
    return parse_playlist(data, str(path), default_name=path.stem, source=path)


def load_playlists(directory: Path | str) -> tuple[list[Playlist], list[str]]:
    """Every ``*.toml`` in ``directory`` (sorted by file name), and one message per bad file.

    A bad file is reported and skipped; the others load.  A missing directory holds no playlists.
    """
    directory = Path(directory)
    if not directory.exists():
        return [], []
    if not directory.is_dir():
        return [], [f"{directory}: not a directory of playlists"]
    loaded: list[tuple[Path, Playlist]] = []
    errors: list[str] = []
    files = sorted(directory.glob("*.toml"))
    if len(files) > LIMITS.playlists:
        errors.append(f"{directory}: {len(files)} playlist files, more than the {LIMITS.playlists} read; "
                      f"those after {files[LIMITS.playlists - 1].name} are skipped")
        files = files[:LIMITS.playlists]
    for path in files:
        try:
            loaded.append((path, load_playlist(path)))
        except ScheduleError as e:
            errors.append(str(e))
    playlists, clashes = unique_by_name(loaded)
    return playlists, errors + clashes


def unique_by_name(loaded: Iterable[tuple[Path, Playlist]]) -> tuple[list[Playlist], list[str]]:
    """The playlists in order, a later file whose playlist name is already used skipped and reported."""
    playlists: list[Playlist] = []
    errors: list[str] = []
    used: dict[str, Path] = {}
    for path, playlist in loaded:
        if playlist.name in used:
            errors.append(f"{path}: playlist: name: {playlist.name!r} is already used by "
                          f"{used[playlist.name]}; file skipped")
            continue
        used[playlist.name] = path
        playlists.append(playlist)
    return playlists, errors


def parse_playlist(
    data: Mapping[str, object],
    where: str,
    *,
    default_name: str | None = None,
    source: Path | None = None,
) -> Playlist:
    """A playlist from parsed TOML; errors read ``WHERE: entry N: FIELD: reason``."""
    top = expect_table(data, where, _TOP_KEYS)
    head = expect_table(top.get("playlist", {}), f"{where}: playlist", _PLAYLIST_KEYS)
    at = f"{where}: playlist"
    name = head.get("name", default_name)
    if name is None:
        raise ScheduleError(f"{at}: name: missing")
    duration = _duration(head.get("duration", AUTO), f"{at}: duration")
    pages = _pages(head.get("pages", "all"), f"{at}: pages")
    raw_entries = top.get("entry")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise ScheduleError(f"{where}: entry: at least one [[entry]] table is required")
    entries = tuple(
        _entry(raw, f"{where}: entry {i}", duration, pages) for i, raw in enumerate(raw_entries, 1)
    )
    urgent_every = head.get("urgent_every")
    return Playlist(
        name=_text(name, f"{at}: name"),
        entries=entries,
        priority=_integer(head.get("priority", 0), f"{at}: priority"),
        windows=parse_windows(head.get("window", []), at),
        urgent_every=None if urgent_every is None else _integer(
            urgent_every, f"{at}: urgent_every", minimum=1),
        source=source,
    )


def _entry(raw: object, where: str, duration: Duration, pages: int | None) -> Entry:
    table = expect_table(raw, where, _ENTRY_KEYS)
    selectors = {k: _text(table[k], f"{where}: {k}") for k in ("category", "id", "tag", "feed")
                 if k in table}
    select_all = table.get("all", False)
    if not isinstance(select_all, bool):
        raise ScheduleError(f"{where}: all: expected true or false, got {select_all!r}")
    narrowing = sorted(set(selectors) - {"feed"})
    if select_all and narrowing:
        raise ScheduleError(f"{where}: all: all = true selects every item; "
                            f"remove it or remove {', '.join(narrowing)}")
    if not select_all and not narrowing:
        raise ScheduleError(f"{where}: no selector: give category, id or tag, or all = true")
    return Entry(
        **selectors,
        duration=_duration(table.get("duration", duration), f"{where}: duration"),
        pages=_pages(table.get("pages", "all" if pages is None else pages), f"{where}: pages"),
        windows=parse_windows(table.get("window", []), where),
    )


def _text(raw: object, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ScheduleError(f"{where}: expected a non-empty string, got {raw!r}")
    return raw.strip()


def _integer(raw: object, where: str, minimum: int | None = None) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise ScheduleError(f"{where}: expected a whole number, got {raw!r}")
    if minimum is not None and raw < minimum:
        raise ScheduleError(f"{where}: must be at least {minimum}, got {raw}")
    return raw


def _duration(raw: object, where: str) -> Duration:
    if raw == AUTO:
        return AUTO
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw <= 3600:
        return float(raw)
    raise ScheduleError(f'{where}: expected seconds per page (1 to 3600) or "auto", got {raw!r}')


def _pages(raw: object, where: str) -> int | None:
    if raw == "all":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
        return raw
    raise ScheduleError(f'{where}: expected "all" or a number of pages >= 1, got {raw!r}')


# ------------------------------------------------------------------------------ checking


def check_playlist(playlist: Playlist, contents: Sequence[Content]) -> list[str]:
    """Warnings for entries that name a category no loaded catalogue has (likely a typo)."""
    known = {c.id for content in contents for c in content.catalogue.categories}
    where = playlist.source or playlist.name
    return [
        f"{where}: entry {i}: category: {e.category!r} is in no catalogue; it selects nothing"
        for i, e in enumerate(playlist.entries, 1)
        if e.category is not None and e.category not in known
    ]
