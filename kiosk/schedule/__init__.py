"""The schedule: what the screen shows, when and for how long.  Pure Python, no pygame."""

from kiosk.schedule.playlist import (
    AUTO,
    Duration,
    Entry,
    Playlist,
    check_playlist,
    load_playlist,
    load_playlists,
    parse_playlist,
)
from kiosk.schedule.scheduler import (
    FALLBACK,
    URGENT,
    Scheduler,
    ScheduleSettings,
    Slot,
    page_durations,
)
from kiosk.schedule.windows import (
    DisplayHours,
    OffMode,
    ScheduleError,
    Window,
    next_change,
    parse_days,
    parse_windows,
)

__all__ = [
    "AUTO",
    "FALLBACK",
    "URGENT",
    "DisplayHours",
    "Duration",
    "Entry",
    "OffMode",
    "Playlist",
    "ScheduleError",
    "ScheduleSettings",
    "Scheduler",
    "Slot",
    "Window",
    "check_playlist",
    "load_playlist",
    "load_playlists",
    "next_change",
    "page_durations",
    "parse_days",
    "parse_playlist",
    "parse_windows",
]
