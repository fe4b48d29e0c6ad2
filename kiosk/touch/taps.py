"""One activation per physical touch: raw pointer events in, ``Tap`` / ``Swipe`` out.

Pure: the app converts pygame events to ``Pointer`` values (logical canvas pixels, monotonic
seconds) and feeds them in order.

Why it is needed: SDL reports a touch as FINGERDOWN/FINGERUP *and* as MOUSEBUTTONDOWN/UP events
it synthesizes (pygame-ce sets ``event.touch`` True on those); many IR touch frames present
themselves as a touch digitizer and a mouse at once, so the mouse twin is *not* marked; some
present as a mouse only.  The rules:

1. Mouse events SDL synthesized from a touch (``synthetic``) are dropped: the finger carries them.
2. One gesture at a time: a down while another pointer is down is ignored (a second finger, a
   palm, or the mouse twin of the same touch); a move or up of a pointer that is not down too.
3. A gesture of one device (finger / mouse) that starts within ``window_s`` and ``near_px`` of a
   gesture already emitted by the other device is the same touch seen twice: dropped.
4. A gesture of the same device within ``bounce_s`` and ``near_px`` of the last one: contact
   bounce of the frame, dropped.
5. Movement beyond ``slop_px`` makes a ``Swipe`` (down to up); otherwise a ``Tap`` at the down
   point, where the press feedback was drawn.  A long press is still a tap.

A touchscreen that presents as a mouse only goes through the same path as device "mouse".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from kiosk.touch.types import Swipe, Tap

STALE_PRESS_S = 5.0  # a press held longer than this whose "up" never came is forgotten at the next touch
FINGER = "finger"
MOUSE = "mouse"


@dataclass(frozen=True)
class Pointer:
    """One raw pointer event."""

    kind: str  # "down", "move" or "up"
    x: float  # logical canvas pixels
    y: float
    t: float  # monotonic seconds
    device: str = FINGER  # FINGER or MOUSE
    id: int = 0  # finger id (mouse: 0)
    synthetic: bool = False  # a mouse event SDL made from a touch (pygame-ce ``event.touch``)


@dataclass
class _Press:
    device: str
    id: int
    x: float
    y: float
    t: float
    travel: float = 0.0  # largest distance from the down point so far (Chebyshev)


@dataclass(frozen=True)
class _Gesture:
    device: str
    x: float
    y: float
    t: float


class TapFilter:
    """Turns pointer events into taps and swipes, each physical touch once."""

    def __init__(self, slop_px: float, near_px: float | None = None, window_s: float = 0.6,
                 bounce_s: float = 0.08) -> None:
        self.slop_px = slop_px
        self.near_px = near_px if near_px is not None else 2 * slop_px
        self.window_s = window_s
        self.bounce_s = bounce_s
        self._press: _Press | None = None
        self._recent: deque[_Gesture] = deque(maxlen=8)

    @classmethod
    def for_target(cls, target_px: int) -> TapFilter:
        """Slop of half a target: an elderly finger drifts while pressing."""
        return cls(slop_px=max(6, target_px // 2), near_px=target_px)

    @property
    def pressed(self) -> tuple[float, float] | None:
        """Where a finger is held down (for press feedback), unless it is moving as a swipe."""
        p = self._press
        if p is None or p.travel >= self.slop_px:
            return None
        return (p.x, p.y)

    def cancel(self) -> None:
        """Forget a press in progress (the window lost focus, the screen changed mode)."""
        self._press = None

    def feed(self, event: Pointer) -> Tap | Swipe | None:
        if event.synthetic:
            return None
        press = self._press
        if event.kind == "down":
            stale = press is not None and event.t - press.t > STALE_PRESS_S  # its "up" was lost
            if press is None or stale or (press.device, press.id) == (event.device, event.id):
                self._press = _Press(event.device, event.id, event.x, event.y, event.t)
            return None
        if press is None or (press.device, press.id) != (event.device, event.id):
            return None
        dx, dy = event.x - press.x, event.y - press.y
        press.travel = max(press.travel, abs(dx), abs(dy))
        if event.kind != "up":
            return None
        self._press = None
        if self._duplicate(press):
            return None
        self._recent.append(_Gesture(press.device, press.x, press.y, event.t))
        if press.travel >= self.slop_px:
            return Swipe(dx, dy, event.t)
        return Tap(press.x, press.y, event.t)

    def _duplicate(self, press: _Press) -> bool:
        for g in self._recent:
            near = abs(g.x - press.x) <= self.near_px and abs(g.y - press.y) <= self.near_px
            if not near:
                continue
            window = self.bounce_s if g.device == press.device else self.window_s
            if press.t - g.t <= window:
                return True
        return False
