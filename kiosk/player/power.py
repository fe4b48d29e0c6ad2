"""Whether the screen is on now: the display hours (``display.hours``) read once a frame.

Pure: no pygame.  One object shared by every layer (lobby, LED board, touch), so they all agree
on the same frame; each layer compares ``on`` with what it last drew to see a switch.
"""

from __future__ import annotations

import datetime as dt

from kiosk.schedule import DisplayHours


class ScreenPower:
    def __init__(self, hours: DisplayHours) -> None:
        self.hours = hours
        self.on = True

    @property
    def clock_when_off(self) -> bool:
        """Off hours show a clock (``display.off_mode = "clock"``), else black."""
        return self.hours.off_mode == "clock"

    def update(self, now: dt.datetime) -> None:
        self.on = self.hours.is_on(now)
