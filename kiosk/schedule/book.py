"""The device's playlists as technicians edit them: an invalid edit keeps the previous version.

Pure Python.  ``PlaylistBook.reload`` reads every ``*.toml`` of a folder; a file that fails to
parse is reported (file, line, reason) and its last good version — if the book has one — stays in
use, so a typo made on site never stops what was playing.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.schedule.playlist import Playlist, load_playlist, unique_by_name
from kiosk.schedule.windows import ScheduleError


class PlaylistBook:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._good: dict[Path, Playlist] = {}
        self.errors: list[str] = []

    def reload(self) -> list[Playlist]:
        """Read the folder again; returns the playlists to use (files in name order)."""
        errors: list[str] = []
        good: dict[Path, Playlist] = {}
        paths = sorted(self.directory.glob("*.toml")) if self.directory.is_dir() else []
        for path in paths:
            try:
                good[path] = load_playlist(path)
            except ScheduleError as e:
                previous = self._good.get(path)
                kept = "; the previous version stays in use" if previous is not None else "; file skipped"
                errors.append(f"{e}{kept}")
                if previous is not None:
                    good[path] = previous
        playlists, clashes = unique_by_name(good.items())
        self._good = good
        self.errors = errors + clashes
        return playlists
