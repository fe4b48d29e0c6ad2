"""What the USB overlay shows, as a pure state machine over import events (no pygame).

``UsbPanel().apply(event, mono)`` returns the next state; ``view(mono)`` is what to draw
now, or None when the panel is hidden.  Time is the player's monotonic clock, so tests
and headless runs drive it with a fake clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from kiosk import strings
from kiosk.usb.events import (
    StickDetected,
    StickDone,
    StickProgress,
    StickRemoved,
    StickResult,
    UsbEvent,
)

PULL_OUT = strings.USB_PULL_OUT
PLEASE_WAIT = strings.USB_PLEASE_WAIT


class Tone(enum.Enum):
    WORKING = "working"
    OK = "ok"
    REFUSED = "refused"


@dataclass(frozen=True)
class PanelView:
    """One drawable state of the overlay (equal views draw identical pixels)."""

    message: str
    detail: str = ""
    progress: float | None = None  # 0..1 while verifying, else None (no bar)
    tone: Tone = Tone.WORKING


@dataclass(frozen=True)
class UsbPanel:
    """The overlay's state: the current view and when it hides by itself."""

    shown: PanelView | None = None
    hide_at: float | None = None  # monotonic seconds; None while an import runs
    done: bool = False
    linger: float = 20.0  # seconds the result stays after the stick may be pulled out
    after_removal: float = 3.0  # seconds it stays once the stick was pulled out after the result

    def apply(self, event: UsbEvent, mono: float) -> UsbPanel:
        if isinstance(event, StickDetected):
            return replace(self, shown=PanelView(strings.USB_DETECTED, PLEASE_WAIT), hide_at=None, done=False)
        if isinstance(event, StickProgress):
            if self.done:
                return self
            return replace(self, shown=PanelView(strings.USB_VERIFYING.format(percent=event.percent), PLEASE_WAIT,
                                                 progress=event.percent / 100))
        if isinstance(event, StickResult):
            tone = Tone.OK if event.result.outcome.accepted else Tone.REFUSED
            return replace(self, shown=PanelView(event.result.message, PLEASE_WAIT, tone=tone), hide_at=None)
        if isinstance(event, StickDone):
            shown = self.shown or PanelView("", tone=Tone.WORKING)
            return replace(self, shown=replace(shown, detail=PULL_OUT, progress=None), hide_at=mono + self.linger,
                           done=True)
        if isinstance(event, StickRemoved) and self.done and self.hide_at is not None:
            return replace(self, hide_at=min(self.hide_at, mono + self.after_removal))
        return self

    def view(self, mono: float) -> PanelView | None:
        """What to draw at ``mono``; None once hidden."""
        if self.shown is None or (self.hide_at is not None and mono >= self.hide_at):
            return None
        return self.shown
