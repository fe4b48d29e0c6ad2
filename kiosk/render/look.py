"""How a screen draws, from the device config: text sizes, colours, fonts and the caches, built once.

Shared by the lobby loop, touch browsing and the office's preview, so a preview is drawn exactly
as the screen draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Config
from kiosk.layout import TextStyle
from kiosk.render.cache import SurfaceCache
from kiosk.render.fonts import FontSet
from kiosk.render.qrdraw import QrCodes
from kiosk.render.text import Theme
from kiosk.render.zones import PALETTES, Palette


def text_style(config: Config, short: int) -> TextStyle:
    body = config.text.body_px or round(short / 24)
    minimum = config.text.min_body_px or round(short / 30)
    return TextStyle(body_px=body, min_body_px=min(minimum, body))



@dataclass(frozen=True)
class Look:
    """How this screen draws, shared by the lobby and touch browsing: fonts, colours, text sizes,
    the surface cache and the QR codes (each built once)."""

    fonts: FontSet
    palette: Palette
    theme: Theme
    theme_name: str
    style: TextStyle
    cache: SurfaceCache
    codes: QrCodes

    @classmethod
    def for_screen(cls, config: Config, fonts: FontSet, size: tuple[int, int]) -> Look:
        name = config.screen.theme
        return cls(fonts, PALETTES[name], Theme.dark() if name == "dark" else Theme(), name,
                   text_style(config, min(size)), SurfaceCache(), QrCodes())
