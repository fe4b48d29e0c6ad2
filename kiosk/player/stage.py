"""The layers of one screen, assembled: what the runner owns, and what tests drive without a display.

Every collaborator is made here and passed at construction, once:

- ``ScreenPower`` (display hours) and ``Proof`` (proof of display): shared by every layer;
- ``Programme``: the content, its problems and the playlists, shared by every layer;
- a lobby screen: ``Look`` (fonts, colours, caches), the ``Lobby`` loop, the technician
  ``StatusLayer`` and, with a USB service, the ``UsbLayer``; touch browsing joins later
  (:meth:`Stage.add_touch`) so the first frame is not delayed by it;
- an LED board (``led.enabled``): the ``LedBoard`` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.config import Config
from kiosk.player.layers import Layer, LayerStack, Now
from kiosk.player.lobby import Lobby
from kiosk.player.overlays import PanelSource, StatusLayer, UsbLayer
from kiosk.player.power import ScreenPower
from kiosk.player.programme import Programme
from kiosk.player.proof import Proof, RecorderLike
from kiosk.player.sources import FolderSource
from kiosk.render.fonts import FontSet
from kiosk.render.look import Look
from kiosk.render.status import status_lines
from kiosk.schedule import DisplayHours

if TYPE_CHECKING:  # imported lazily at run time
    from kiosk.device.watch import FolderWatch
    from kiosk.player.touch import TouchLayer


@dataclass
class Stage:
    config: Config
    size: tuple[int, int]
    power: ScreenPower
    proof: Proof
    programme: Programme
    main: Layer  # the lobby or the LED board, at the bottom
    stack: LayerStack
    look: Look | None = None
    lobby: Lobby | None = None
    status: StatusLayer | None = None
    usb: UsbLayer | None = None
    touch: TouchLayer | None = None

    @classmethod
    def build(cls, config: Config, size: tuple[int, int], source: FolderSource, hours: DisplayHours, *,
              fonts: FontSet | None = None, recorder: RecorderLike | None = None, watch: FolderWatch | None = None,
              usb: PanelSource | None = None, sync: Callable[[], list[str]] | None = None,
              prerender: bool = True) -> Stage:
        """``size``: the logical canvas; ``sync``: per-feed sync lines for the status line."""
        fonts = fonts or FontSet.default()
        power = ScreenPower(hours)
        proof = Proof(recorder, power)
        programme = Programme(config, source, watch)
        if config.led.enabled:
            from kiosk.player.led import LedBoard

            board = LedBoard(config, fonts, size, programme, power, proof)
            return cls(config, size, power, proof, programme, board, LayerStack([board], power, proof))
        look = Look.for_screen(config, fonts, size)
        lobby = Lobby(config, look, size, programme, power, proof, prerender=prerender)
        sync_lines = sync or (lambda: [])
        status = StatusLayer(
            config.kiosk.technician_keys,
            lambda: status_lines(config.device.id, programme.contents, programme.errors, sync_lines()),
            look.fonts, lobby.main_rect.bottom, max(12, lobby.zones.header[3] // 4))
        layers: list[Layer] = [lobby, status]
        usb_layer = None
        if usb is not None:
            from kiosk.render.overlay import UsbOverlay

            usb_layer = UsbLayer(usb, UsbOverlay(look.fonts, size))
            layers.append(usb_layer)
        return cls(config, size, power, proof, programme, lobby, LayerStack(layers, power, proof), look, lobby,
                   status, usb_layer)

    def status_lines(self) -> list[str]:
        """What a technician sees on the status line."""
        return self.status.lines() if self.status is not None else []

    def add_touch(self, output: tuple[int, int], rotation: int, now: Now) -> None:
        """Touch browsing over the lobby (``output``: the physical size, for finger coordinates)."""
        from kiosk.player.touch import TouchLayer

        if self.lobby is None or self.look is None or self.touch is not None:
            return
        self.touch = TouchLayer(self.config, self.look, self.programme, self.lobby.scheduler, self.power,
                                self.size, output, rotation)
        self.stack.add(self.touch, above=self.lobby, now=now)

    def close(self) -> None:
        """Stop the layers, write the clean-stop proof record, stop watching playlists."""
        try:
            self.stack.close()
        finally:
            self.programme.close()
