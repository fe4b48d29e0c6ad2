"""Time as an injectable dependency.

Everything that asks "what time is it" takes a clock, so tests drive the player through simulated
weeks with a :class:`FakeClock` instead of waiting.  Two real clocks, for two kinds of time:

- :class:`LocalClock`: naive local wall-clock time (the screen shows local time and publish
  windows are written in local time) plus a monotonic clock for frame timing; the player's clock.
- :class:`UtcClock`: aware UTC time, for signature expiry in feed verification (``WallClock``
  is all that needs: ``now()`` only; a naive local clock fits it too).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    """Where the player reads the time."""

    def now(self) -> dt.datetime:
        """The current naive local wall-clock time."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never go backwards (for frame timing)."""
        ...


class WallClock(Protocol):
    """Anything with ``now()``: a naive local clock or an aware one (feed verification)."""

    def now(self) -> dt.datetime:
        ...


class LocalClock:
    """The real clock of the machine, in naive local time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now()

    def monotonic(self) -> float:
        return time.monotonic()


class UtcClock:
    """The real clock of the machine, aware UTC (the default of feed verification)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to.

    ``advance`` moves both the wall clock and the monotonic clock; ``set`` jumps the wall clock
    (as an NTP correction or a technician setting the date would) and moves the monotonic clock
    forward by the jump when it goes forward, never backwards.
    """

    def __init__(self, start: dt.datetime, monotonic_start: float = 0.0) -> None:
        self._now = start
        self._monotonic = monotonic_start

    def now(self) -> dt.datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"FakeClock.advance: seconds must be >= 0, got {seconds}")
        self._now += dt.timedelta(seconds=seconds)
        self._monotonic += seconds

    def set(self, when: dt.datetime) -> None:
        forward = (when - self._now).total_seconds()
        self._now = when
        if forward > 0:
            self._monotonic += forward
