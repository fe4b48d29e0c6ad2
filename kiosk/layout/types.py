"""The values of text layout: the style (sizes) a notice is laid out with and the laid-out page.

Coordinates are page pixels, y downwards.  ``TextLine.baseline`` is the baseline y and
``TextLine.xs`` the left x of every character of ``TextLine.text``.  Colours are roles (see
``ROLES``), not RGB: the drawing layer maps them to its theme.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

VIEWING_DISTANCE_M = 2.5  # a lobby screen's readers, by default
PREFERRED_SHARE = 1 / 88  # body character height : viewing distance (0.65 degree)
MINIMUM_SHARE = 1 / 110  # never smaller (0.52 degree)
MM_PER_PX_1080 = 0.63  # a 55-inch panel at 1920x1080

#: ``measure(text, px, bold) -> advance in pixels`` (``FontSet.advance`` fits)
Measure = Callable[[str, int, bool], float]
#: ``image_size(path) -> (width, height)`` as shown, or None when unknown
ImageSize = Callable[[Path], "tuple[int, int] | None"]
ROLES = ("title", "continued", "body", "heading", "table_header", "table_cell", "table_label",
         "table_header_fill", "table_rule", "caption", "signature")


@dataclass(frozen=True)
class TextStyle:
    """Sizes in pixels for a 1080-pixel-high screen; ratios are of the body size (em)."""

    body_px: int = 44
    min_body_px: int = 34  # never smaller: long notices are paged instead
    size_steps: int = 4  # sizes tried between body_px and min_body_px
    title_scale: float = 1.4
    heading_scale: float = 1.15
    continued_scale: float = 0.7  # "标题（续）" at the top of the following pages
    line_spacing: float = 1.5
    table_line_spacing: float = 1.3
    paragraph_spacing: float = 0.5  # em before a paragraph, heading, table or image
    title_gap: float = 0.8  # em under the title
    signature_gap: float = 1.0  # lines left blank between the text and the 落款
    signature_indent: float = 4.0  # characters between the date and the right edge (GB/T 9704)
    table_pad: float = 0.4  # em of horizontal padding in a table cell
    table_min_scale: float = 0.85  # a table too wide is set smaller, down to this of min_body_px
    margin_x: int = 40  # inside the page rectangle given to layout_notice
    margin_top: int = 24
    margin_bottom: int = 24
    image_height: float = 0.55  # an inline photo: at most this share of the page's height…
    image_width: float = 0.8  # …and of the text's width; never more than twice its own pixels
    image_aspect: float = 4 / 3  # when the picture's size cannot be read
    rule_px: int = 2
    ascent: float = 0.88  # of the em box above the baseline (Noto CJK: 880/1000)

    def scaled(self, factor: float) -> TextStyle:
        """The same style for a screen ``factor`` times as large (at least 12 px body)."""
        def s(v: int) -> int:
            return max(1, round(v * factor))
        return replace(self, body_px=max(12, s(self.body_px)),
                       min_body_px=max(12, s(self.min_body_px)), margin_x=s(self.margin_x),
                       margin_top=s(self.margin_top), margin_bottom=s(self.margin_bottom),
                       rule_px=s(self.rule_px))

    @classmethod
    def for_screen(cls, width: int, height: int, distance_m: float = VIEWING_DISTANCE_M,
                   mm_per_px: float | None = None, body_px: int = 0, min_body_px: int = 0) -> TextStyle:
        """Text sizes for readers ``distance_m`` from a screen whose pixels are ``mm_per_px``.

        The rule: a body character is 1/88 of the viewing distance high (0.65 degree of visual
        angle; 28 mm, 45 px on a 55-inch 1080p panel, at 2.5 m), never under 1/110 (0.52
        degree; 23 mm, 36 px).  ``mm_per_px`` defaults to a 55-inch panel of this resolution;
        ``body_px``/``min_body_px`` (when not 0) are taken as they are.  No body text is larger
        than 1/16 of the shorter side, so a line keeps about sixteen characters or more.
        Margins scale with the shorter side: a 4K screen shows the same page as 1080p, sharper.
        """
        short = min(width, height)
        mm = mm_per_px or MM_PER_PX_1080 * 1080 / max(1, short)
        cap = max(12, short // 16)
        body = body_px or min(cap, round(distance_m * 1000 * PREFERRED_SHARE / mm))
        minimum = min_body_px or min(cap, round(distance_m * 1000 * MINIMUM_SHARE / mm))
        base = cls().scaled(short / 1080)
        return replace(base, body_px=max(12, body), min_body_px=max(12, min(minimum, body)))


@dataclass(frozen=True)
class TextLine:
    text: str
    xs: tuple[float, ...]  # left x of each character
    baseline: float
    px: int
    bold: bool
    role: str
    right: float  # right edge of the last character's advance
    # where the line comes from (for checks and tests; drawing ignores it): the body block's
    # index (-1: title, 落款 and other marks), the table cell (row, column; row 0 = header) and
    # the line's number among the lines of its paragraph, cell or title
    block: int = -1
    cell: tuple[int, int] = (-1, -1)
    index: int = 0
    count: int = 1


@dataclass(frozen=True)
class Box:
    """A filled rectangle: header fills and (thin) table rules."""

    x: float
    y: float
    w: float
    h: float
    role: str


@dataclass(frozen=True)
class ImageBox:
    """Space reserved for an image; the drawing layer fits the picture inside."""

    path: Path
    x: float
    y: float
    w: float
    h: float
    caption: str


Element = TextLine | Box | ImageBox


def moved(e: Element, dy: float) -> Element:
    """``e`` moved down by ``dy`` (built directly: ``dataclasses.replace`` is slow on this path)."""
    if isinstance(e, TextLine):
        return TextLine(e.text, e.xs, e.baseline + dy, e.px, e.bold, e.role, e.right, e.block, e.cell,
                        e.index, e.count)
    if isinstance(e, Box):
        return Box(e.x, e.y + dy, e.w, e.h, e.role)
    return ImageBox(e.path, e.x, e.y + dy, e.w, e.h, e.caption)


@dataclass(frozen=True)
class Page:
    width: int
    height: int
    number: int  # 1-based
    count: int
    body_px: int
    elements: tuple[Element, ...]
    area: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # the text block: x, y, w, h

    def lines(self, roles: Iterable[str] = ("body",)) -> list[TextLine]:
        wanted = set(roles)
        return [e for e in self.elements if isinstance(e, TextLine) and e.role in wanted]

    def text(self, roles: Iterable[str] = ("body",)) -> str:
        return "".join(line.text for line in self.lines(roles))
