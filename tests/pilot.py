"""The one pilot for driving the running app in tests: a real ``Runner``, real SDL events.

Headless, simulated time: each frame advances the fake clock by 1/fps.  Touches are posted as SDL
finger events *and* the mouse events SDL synthesizes from them (marked ``touch``), as on a real
touch frame, so the tap filter's de-duplication is exercised too.  Keys are posted as KEYDOWN.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pygame
from PIL import Image

from kiosk.config import Config, load_config
from kiosk.player.runner import PlayOptions, Runner
from kiosk.player.stage import Stage
from kiosk.touch.navigation import Navigator

AT = dt.datetime(2026, 11, 27, 10, 0)


def configured(config: Config | None = None, **sections: dict[str, Any]) -> Config:
    """``config`` (default: the defaults) with some settings changed: ``touch={"idle_s": 30.0}``."""
    config = config or load_config()
    changes = {name: dataclasses.replace(getattr(config, name), **values) for name, values in sections.items()}
    return dataclasses.replace(config, **changes)


class Pilot:
    def __init__(self, config: Config | None = None, size: tuple[int, int] = (1920, 1080), *,
                 start: dt.datetime = AT, frames: int = 2, **options: Any) -> None:
        """A headless runner at ``start``; ``frames`` frames are played first (touch browsing joins
        after the first); ``options``: more ``PlayOptions`` (``rotation``, ``content``…)."""
        self.runner = Runner(config or load_config(), PlayOptions(headless=True, size=size, start=start, **options))
        self.out = self.runner.screen.get_size()
        self.frames(frames)

    def __enter__(self) -> Pilot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stage(self) -> Stage:
        return self.runner.stage

    @property
    def nav(self) -> Navigator:
        assert self.stage.touch is not None, "touch browsing is off (touch.enabled, or an LED board)"
        return self.stage.touch.nav

    # ------------------------------------------------------------ time

    def frames(self, n: int) -> list[list[pygame.Rect]]:
        """Play ``n`` frames; returns each frame's dirty rects."""
        out = []
        for _ in range(n):
            if self.runner.frames:
                self.runner.wait(None)
            out.append(self.runner.frame())
        return out

    def wait(self, seconds: float) -> None:
        self.frames(round(seconds * self.runner.fps))

    # ------------------------------------------------------------ input

    def _finger(self, kind: int, x: float, y: float) -> None:
        pygame.event.post(pygame.event.Event(kind, touch_id=1, finger_id=0, x=x / self.out[0], y=y / self.out[1],
                                             dx=0.0, dy=0.0, pressure=1.0))

    def _mouse(self, kind: int, x: float, y: float) -> None:
        pygame.event.post(pygame.event.Event(kind, pos=(int(x), int(y)), button=1, touch=True))

    def down(self, x: float, y: float) -> None:
        """A finger goes down at output pixel (x, y)."""
        self._finger(pygame.FINGERDOWN, x, y)
        self._mouse(pygame.MOUSEBUTTONDOWN, x, y)  # what SDL synthesizes from the same touch

    def up(self, x: float, y: float) -> None:
        self._finger(pygame.FINGERUP, x, y)
        self._mouse(pygame.MOUSEBUTTONUP, x, y)

    def tap(self, x: float, y: float, settle: float = 0.5) -> None:
        """Down, three frames, up, then ``settle`` seconds of frames."""
        self.down(x, y)
        self.frames(3)
        self.up(x, y)
        self.frames(1)
        self.wait(settle)

    def target(self, name: str) -> tuple[float, float]:
        """The centre of a named touch target (logical canvas pixels)."""
        x, y, w, h = self.nav.view().layout.targets[name]
        return (x + w / 2, y + h / 2)

    def tap_target(self, name: str) -> None:
        self.tap(*self.target(name))

    def first_target(self, prefix: str) -> str:
        return next(n for n in self.nav.view().layout.targets if n.startswith(prefix))

    def press(self, key: int, mod: int = 0) -> None:
        """A key press, then one frame."""
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod))
        self.frames(1)

    # ------------------------------------------------------------ output

    def screenshot(self, path: Path | None = None) -> Image.Image:
        """What the display shows now (saved to ``path`` when given)."""
        img = Image.frombytes("RGB", self.out, pygame.image.tobytes(self.runner.screen, "RGB"))
        if path is not None:
            img.save(path)
        return img

    def close(self) -> None:
        self.runner.close()
