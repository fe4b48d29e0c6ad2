"""Colour contrast of everything the screens draw, in every theme (WCAG 2 contrast ratio).

Text needs at least 4.5:1 against what is behind it, marks a reader must see (the active page
dot, table rules, a chip's edge) at least 3:1.  ``theme_pairs`` lists the pairs the drawing code
actually uses, taken from the same palette, theme and helper functions it draws with, so a
change of colour anywhere shows up here; ``check_contrast`` turns failures into defects for
``kiosk check-layout``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.content import Catalogue
from kiosk.layout.check import Defect
from kiosk.render.fonts import RGB

TEXT_MIN = 4.5
MARK_MIN = 3.0


def luminance(rgb: RGB) -> float:
    """Relative luminance of an sRGB colour (0 black … 1 white)."""
    def lin(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb[:3]
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def ratio(a: RGB, b: RGB) -> float:
    """Contrast ratio of two colours, 1 … 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(bg: RGB, minimum: float = TEXT_MIN, light: RGB = (255, 255, 255),
                dark: RGB = (20, 16, 12)) -> RGB:
    """``light`` text on ``bg`` when it reaches ``minimum``, else ``dark`` (one always does)."""
    return light if ratio(light, bg) >= minimum else dark


def toward(colour: RGB, bg: RGB, minimum: float) -> RGB:
    """``colour`` darkened (on a light ``bg``) or lightened (on a dark one) just enough to reach
    ``minimum`` against ``bg``; its hue is kept."""
    if ratio(colour, bg) >= minimum:
        return colour
    target = (0, 0, 0) if luminance(bg) > 0.18 else (255, 255, 255)
    lo, hi = 0.0, 1.0
    for _ in range(20):
        mid = (lo + hi) / 2
        if ratio(_mix(colour, target, mid), bg) >= minimum:
            hi = mid
        else:
            lo = mid
    return _mix(colour, target, hi)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


@dataclass(frozen=True)
class Pair:
    what: str
    fg: RGB
    bg: RGB
    text: bool  # text (4.5:1) or a mark (3:1)

    @property
    def minimum(self) -> float:
        return TEXT_MIN if self.text else MARK_MIN


def theme_pairs(theme_name: str, catalogue: Catalogue | None = None) -> list[Pair]:
    """Every foreground/background pair the screens draw in ``theme_name``."""
    from kiosk.render import overlay
    from kiosk.render.slides import OFF_CLOCK, URGENT_RED, URGENT_TEXT, band_colours, idle_colour, indicator_colours
    from kiosk.render.text import theme_for
    from kiosk.render.touch import Colours
    from kiosk.render.zones import PALETTES

    palette, theme = PALETTES[theme_name], theme_for(theme_name)
    paper = theme.paper
    pairs = [Pair(f"page {role}", theme.colour(role), paper, True)
             for role in ("title", "continued", "body", "heading", "table_cell", "caption", "signature")]
    pairs += [Pair("table header", theme.table_header, theme.table_header_fill, True),
              Pair("table rule", theme.table_rule, paper, False),
              Pair("header name", palette.header_fg, palette.header_bg, True),
              Pair("header clock", palette.header_accent, palette.header_bg, True),
              Pair("ticker", palette.ticker_fg, palette.ticker_bg, True),
              Pair("ticker urgent", palette.ticker_urgent, palette.ticker_bg, True),
              Pair("muted text", palette.muted, palette.paper, True)]
    dots = indicator_colours(palette)
    pairs += [Pair("active page dot", dots.active, palette.paper, False),
              Pair("other page dots", dots.other, palette.paper, False),
              Pair("page number", dots.text, palette.paper, True)]
    colours = [(c.name, c.colour) for c in catalogue.categories] if catalogue else []
    for name, colour in colours or [("(no category)", palette.header_bg)]:
        band = band_colours(colour, palette)
        pairs += [Pair(f"category chip {name}", band.chip_text, band.chip, True),
                  Pair(f"category rule {name}", band.rule, palette.paper, False)]
    from kiosk.render.qrdraw import caption_colour

    pairs.append(Pair("QR caption", caption_colour(palette), palette.paper, True))
    pairs += [Pair("urgent bar", URGENT_TEXT, URGENT_RED, True), Pair("urgent frame", URGENT_RED, palette.paper, False),
              Pair("idle screen", idle_colour(palette), palette.paper, True),
              Pair("idle screen title", theme.title, palette.paper, True),
              Pair("image placeholder caption", theme.caption, theme.placeholder, True),
              Pair("clock outside display hours", OFF_CLOCK, (0, 0, 0), True),
              Pair("USB panel text", overlay.TEXT, overlay.BACKGROUND, True),
              Pair("USB panel detail", overlay.DETAIL, overlay.BACKGROUND, True)]
    pairs += [Pair(f"USB panel {tone.name.lower()} frame and bar", colour, overlay.BACKGROUND, False)
              for tone, colour in overlay.ACCENT.items()]
    c = Colours.of(palette, theme)
    pairs += [Pair("touch text", c.ink, c.paper, True), Pair("touch text on card", c.ink, c.card, True),
              Pair("touch muted", c.muted, c.paper, True), Pair("touch muted on card", c.muted, c.card, True),
              Pair("touch title and sections", c.accent_text, c.paper, True),
              Pair("touch counts and countdown", c.accent_text, c.card, True),
              Pair("touch button", c.accent_fg, c.accent, True), Pair("touch pressed", c.pressed_ink, c.pressed, True),
              Pair("touch button on 大字", c.accent_fg, c.active, True)]
    return pairs


def check_contrast(theme_names: Iterable[str], catalogue: Catalogue | None = None) -> list[Defect]:
    from kiosk.render.text import theme_for
    from kiosk.render.zones import PALETTES

    out = []
    for name in theme_names:
        if PALETTES[name].paper != theme_for(name).paper:
            out.append(Defect("contrast", f"theme {name}", 0, f"the page's paper {theme_for(name).paper} "
                              f"differs from the slide's {PALETTES[name].paper}: a box shows round the text"))
        for p in theme_pairs(name, catalogue):
            r = ratio(p.fg, p.bg)
            if r < p.minimum - 1e-9:
                out.append(Defect("contrast", f"theme {name}", 0,
                                  f"{p.what}: {r:.2f}:1 (needs {p.minimum:g}:1) {p.fg} on {p.bg}"))
    return out
