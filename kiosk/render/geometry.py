"""Screen zones for a logical canvas size (landscape or portrait)."""

from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[int, int, int, int]  # x, y, w, h


@dataclass(frozen=True)
class Zones:
    size: tuple[int, int]
    header: Rect
    main: Rect
    footer: Rect

    @property
    def short(self) -> int:
        return min(self.size)

    @property
    def portrait(self) -> bool:
        return self.size[1] > self.size[0]


@dataclass(frozen=True)
class SlideFrame:
    """Rects inside a slide surface (coordinates relative to the main zone)."""

    band: Rect  # category chip and source label
    page: Rect  # the notice text
    footer: Rect  # page indicator and feedback QR
    margin: int


def compute_zones(width: int, height: int, ticker: bool = True) -> Zones:
    """Header on top, ticker at the bottom, the slide in between; sizes scale with the shorter side."""
    short = min(width, height)
    header_h = max(40, round(short * 0.09))
    footer_h = max(32, round(short * 0.07)) if ticker else 0
    main_h = height - header_h - footer_h
    return Zones(size=(width, height), header=(0, 0, width, header_h), main=(0, header_h, width, main_h),
                 footer=(0, height - footer_h, width, footer_h))


def slide_frame(width: int, height: int, short: int) -> SlideFrame:
    """Inner layout of a slide of ``width`` x ``height`` on a screen whose shorter side is ``short``."""
    margin = max(10, round(short * 0.035))
    side = margin * 2 if width > height else margin
    band_h = max(24, round(short * 0.06))
    footer_h = max(24, round(short * 0.05))
    page_h = height - band_h - footer_h - margin
    return SlideFrame(band=(side, margin // 2, width - 2 * side, band_h),
                      page=(side, margin // 2 + band_h, width - 2 * side, page_h),
                      footer=(side, height - footer_h - margin // 2, width - 2 * side, footer_h),
                      margin=margin)
