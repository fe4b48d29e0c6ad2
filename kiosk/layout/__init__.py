"""Chinese text layout (pure Python, no pygame): line breaking (禁则), tables, pagination.

The drawing layer (``kiosk.render``) and the office preview import this package's names; the
modules inside are ``types`` (styles and the laid-out page), ``lines`` (line breaking and
justification), ``tables`` and ``pages`` (placing a whole notice on pages).
"""

from kiosk.layout.lines import NO_END, NO_START, break_ranges, wrap_plain
from kiosk.layout.pages import layout_notice
from kiosk.layout.types import ROLES, Box, Element, ImageBox, Measure, Page, TextLine, TextStyle

__all__ = [
    "NO_END",
    "NO_START",
    "ROLES",
    "Box",
    "Element",
    "ImageBox",
    "Measure",
    "Page",
    "TextLine",
    "TextStyle",
    "break_ranges",
    "layout_notice",
    "wrap_plain",
]
