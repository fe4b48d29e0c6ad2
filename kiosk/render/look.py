"""How a screen draws, from the device config: text sizes, colours, fonts and the caches, built once.

Shared by the lobby loop, touch browsing and the office's preview, so a preview is drawn exactly
as the screen draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Config
from kiosk.layout import TextStyle
from kiosk.layout.types import VIEWING_DISTANCE_M
from kiosk.render.cache import SurfaceCache
from kiosk.render.fonts import FontSet
from kiosk.render.qrdraw import QrCodes
from kiosk.render.text import Theme
from kiosk.render.zones import PALETTES, Palette


def text_style(config: Config, size: tuple[int, int]) -> TextStyle:
    """Text sizes from the viewing distance and the panel's pixel size (``TextStyle.for_screen``
    states the rule); ``text.body_px``/``text.min_body_px`` override it when set."""
    from kiosk.qr import mm_per_px

    short = min(size)
    distance = config.text.viewing_distance_m if config.text.viewing_distance_m > 0 else VIEWING_DISTANCE_M
    return TextStyle.for_screen(*size, distance_m=distance, mm_per_px=mm_per_px(short, config.touch.dpi or None),
                                body_px=config.text.body_px, min_body_px=config.text.min_body_px)



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
                   text_style(config, size), SurfaceCache.for_screen(size), QrCodes())
