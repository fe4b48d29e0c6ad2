"""A screen's layers without a display, driven frame by frame with simulated time.

``Rig`` does per frame what the runner does (``stack.update`` then ``stack.draw``) on an
off-screen canvas, so tests see the same pixels and records as on a real screen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pygame

from kiosk.config import Config, load_config
from kiosk.player.layers import Now
from kiosk.player.lobby import Lobby
from kiosk.player.programme import Programme
from kiosk.player.runner import display_hours
from kiosk.player.sources import FolderSource
from kiosk.player.stage import Stage
from kiosk.render.fonts import FontSet
from kiosk.usb.panel import PanelView


class Panels:
    """The USB service's side of the wiring (``panel(mono)``), moved by hand: pass as ``usb=``."""

    def __init__(self) -> None:
        self.view: PanelView | None = None

    def panel(self, mono: float) -> PanelView | None:
        return self.view


class Rig:
    def __init__(self, fonts: FontSet, source: FolderSource | Path, size: tuple[int, int] = (1280, 720),
                 config: Config | None = None, **build: Any) -> None:
        """``build``: more ``Stage.build`` arguments (``recorder``, ``watch``, ``usb``, ``sync``...)."""
        self.config = config or load_config()
        if isinstance(source, Path):
            source = FolderSource([("local", source)])
        build.setdefault("prerender", False)
        self.stage = Stage.build(self.config, size, source, display_hours(self.config), fonts=fonts, **build)
        self.canvas = pygame.Surface(size)
        self.mono = 0.0

    @property
    def lobby(self) -> Lobby:
        assert self.stage.lobby is not None
        return self.stage.lobby

    @property
    def programme(self) -> Programme:
        return self.stage.programme

    def start(self, wall: dt.datetime, mono: float = 0.0) -> None:
        self.mono = mono
        self.stage.stack.start(Now(wall, mono))

    def frame(self, wall: dt.datetime, mono: float, step: float) -> list[pygame.Rect]:
        """One frame at ``wall`` / ``mono``: update, then draw; returns the dirty rects."""
        self.mono = mono
        self.stage.stack.update(Now(wall, mono, step))
        return self.stage.stack.draw(self.canvas)

    def handle(self, event: pygame.event.Event) -> bool:
        return self.stage.stack.handle(event)

    def play(self, start: dt.datetime, seconds: float, fps: int = 10, mono: float | None = None) -> set[str]:
        """Frames for simulated ``seconds`` from ``start`` (started first unless ``mono`` continues a run);
        returns the ids of the notices that were on screen."""
        shown: set[str] = set()
        if mono is None:
            self.start(start)
            mono = 0.0
        for i in range(int(seconds * fps)):
            t = i / fps
            self.frame(start + dt.timedelta(seconds=t), mono + t, 1 / fps)
            if self.lobby.showing is not None:
                shown.add(self.lobby.showing.slot.item.id)
        return shown
