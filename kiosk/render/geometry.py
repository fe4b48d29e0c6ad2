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
    footer: Rect  # page indicator
    margin: int
    qr: Rect = (0, 0, 0, 0)  # corner kept free for the feedback QR code and its caption (w == 0: none)


def compute_zones(width: int, height: int, ticker: bool = True) -> Zones:
    """Header on top, ticker at the bottom, the slide in between; sizes scale with the shorter side."""
    short = min(width, height)
    header_h = max(40, round(short * 0.09))
    footer_h = max(32, round(short * 0.07)) if ticker else 0
    main_h = height - header_h - footer_h
    return Zones(size=(width, height), header=(0, 0, width, header_h), main=(0, header_h, width, main_h),
                 footer=(0, height - footer_h, width, footer_h))


def slide_frame(width: int, height: int, short: int, qr: tuple[int, int] = (0, 0)) -> SlideFrame:
    """Inner layout of a slide of ``width`` x ``height`` on a screen whose shorter side is ``short``.

    ``qr`` (w, h) reserves room for a feedback code: a column right of the text on a landscape
    slide, a band under the text on a portrait one, so the code never covers the notice.
    """
    margin = max(10, round(short * 0.035))
    side = margin * 2 if width > height else margin
    band_h = max(24, round(short * 0.06))
    footer_h = max(24, round(short * 0.05))
    page_w = width - 2 * side
    page_h = height - band_h - footer_h - margin
    footer_y = height - footer_h - margin // 2
    qr_rect = (0, 0, 0, 0)
    qw, qh = qr
    if qw and qh:
        if width > height:
            page_w -= qw + margin
            qr_rect = (side + page_w + margin, footer_y - qh, qw, qh)
        else:
            page_h -= qh + margin // 2
            qr_rect = (side + page_w - qw, footer_y - qh, qw, qh)
    return SlideFrame(band=(side, margin // 2, width - 2 * side, band_h),
                      page=(side, margin // 2 + band_h, page_w, page_h),
                      footer=(side, footer_y, width - 2 * side, footer_h),
                      margin=margin, qr=qr_rect)
