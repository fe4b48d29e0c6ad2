"""Proof of display as the layers report it: what is on screen, in which region, since when.

One object shared by the lobby and the LED board (and told by the stack when touch browsing
covers the screen), in front of the audit ``Recorder`` (or nothing, when the log is disabled or
the render is headless).  The rules that are the same for every kind of screen live here:

- nothing is recorded as shown while the screen is off (``ScreenPower``): only ``off``;
- the log is ticked once a second at most (it cuts long showings at midnight and every 10 min);
- ``current`` is the notice on screen now, for the heartbeat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from kiosk.content import Item
from kiosk.player.power import ScreenPower

if TYPE_CHECKING:
    from kiosk.audit.log import Window

Region = Iterable[int]  # x, y, w, h (a pygame.Rect too)


class RecorderLike(Protocol):
    """``kiosk.audit.log.Recorder`` (or the queued one in front of it)."""

    def begin(self, item_key: str, feed: str, version: str | int | None, region: Sequence[int] | None, *,
              page: int | None = None, window: Window | None = None, frame_hash: str | None = None) -> None: ...

    def idle(self, region: Sequence[int] | None, frame_hash: str | None = None) -> None: ...

    def screen_off(self, region: Sequence[int] | None = None, frame_hash: str | None = None) -> None: ...

    def tick(self) -> None: ...

    def stop(self) -> None: ...


class Proof:
    def __init__(self, recorder: RecorderLike | None, power: ScreenPower) -> None:
        self.recorder = recorder
        self.power = power
        self.current: str | None = None  # the key of the notice on screen
        self._ticked: dt.datetime | None = None

    def notice(self, item: Item, version: str | None, region: Region, page: int, frame_hash: str) -> None:
        """Page ``page`` of ``item`` is on screen in ``region`` from now."""
        if not self.power.on:
            return
        self.current = item.key
        if self.recorder is not None:
            self.recorder.begin(item.key, item.feed, version, tuple(region), page=page,
                                window=(item.show_from, item.show_until), frame_hash=frame_hash)

    def idle(self, region: Region) -> None:
        """No notice in ``region`` (the idle screen, or a visitor browsing)."""
        if not self.power.on:
            return
        self.current = None
        if self.recorder is not None:
            self.recorder.idle(tuple(region))

    def off(self, region: Region) -> None:
        """Outside the display hours."""
        self.current = None
        if self.recorder is not None:
            self.recorder.screen_off(tuple(region))

    def tick(self, now: dt.datetime) -> None:
        second = now.replace(microsecond=0)
        if second != self._ticked:
            self._ticked = second
            if self.recorder is not None:
                self.recorder.tick()

    def stop(self) -> None:
        """The clean-stop record (the log is flushed and closed)."""
        if self.recorder is not None:
            self.recorder.stop()
