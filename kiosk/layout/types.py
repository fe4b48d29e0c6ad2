"""The values of text layout: the style (sizes) a notice is laid out with and the laid-out page.

Coordinates are page pixels, y downwards.  ``TextLine.baseline`` is the baseline y and
``TextLine.xs`` the left x of every character of ``TextLine.text``.  Colours are roles (see
``ROLES``), not RGB: the drawing layer maps them to its theme.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

#: ``measure(text, px, bold) -> advance in pixels`` (``FontSet.advance`` fits)
Measure = Callable[[str, int, bool], float]
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
    signature_gap: float = 1.0  # minimum em between the body and the 落款
    table_pad: float = 0.4  # em of horizontal padding in a table cell
    table_min_scale: float = 0.85  # a table too wide is set smaller, down to this of min_body_px
    margin_x: int = 40  # inside the page rectangle given to layout_notice
    margin_top: int = 24
    margin_bottom: int = 24
    image_height: float = 0.4  # of the page height
    image_aspect: float = 4 / 3
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
    def for_screen(cls, width: int, height: int) -> TextStyle:
        return cls().scaled(min(width, height) / 1080)


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
    return replace(e, baseline=e.baseline + dy) if isinstance(e, TextLine) else replace(e, y=e.y + dy)


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
