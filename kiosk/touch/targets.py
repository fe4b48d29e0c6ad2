"""Where the touch targets are: target size, a layout per screen kind, hit-testing.

Pure: no pygame.  A layout is a set of named rects ``(x, y, w, h)`` in logical canvas pixels;
``Layout.hit`` maps a tap to a target name and ``kiosk.touch.navigation.action_for`` maps the name to an
action.  The renderer draws from the same rects, so what is drawn is what is hit.

Every screen has the same frame, so nothing moves when content changes::

    [返回] [首页]        title         [大字]      top bar (targets: back, home, large)
    [ hint, or the urgent banner (target)    ]      strip   (target "banner" only when shown)
    [ content: tiles / rows / page + QR panel]
    [上一页]        第 1 / 3 页        [下一页]      bottom bar (targets: prev, next)

Target size: the larger of ~9 mm (from the screen's DPI) and 8 % of the shorter screen side.  At
the DPI of a 55" 1080p panel (~40) 9 mm is only 14 px, far too small for elderly fingers; the
8 % rule gives 86 px (~55 mm) there and dominates on every lobby screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

Rect = tuple[int, int, int, int]  # x, y, w, h

PANEL_INCHES = 55.0  # assumed diagonal when no DPI is configured
TARGET_MM = 9.0
TARGET_SHARE = 0.08  # of the shorter screen side
HOME_COLUMNS_MAX = 4


def assumed_dpi(size: tuple[int, int]) -> float:
    """DPI of a 55" panel at this resolution (1920x1080 -> ~40)."""
    return math.hypot(*size) / PANEL_INCHES


def target_px(size: tuple[int, int], dpi: float | None = None) -> int:
    """Minimum side of a touch target in px: max(9 mm, 8 % of the shorter side)."""
    mm = TARGET_MM * (dpi or assumed_dpi(size)) / 25.4
    return max(math.ceil(mm), round(TARGET_SHARE * min(size)))


def contains(rect: Rect, x: float, y: float) -> bool:
    rx, ry, rw, rh = rect
    return rx <= x < rx + rw and ry <= y < ry + rh


@dataclass(frozen=True)
class Geometry:
    """A logical canvas size and its minimum target side."""

    size: tuple[int, int]
    target: int

    @classmethod
    def for_screen(cls, size: tuple[int, int], dpi: float | None = None) -> Geometry:
        return cls(size, target_px(size, dpi))

    @property
    def margin(self) -> int:
        return max(8, self.target // 5)

    @property
    def button_w(self) -> int:
        return round(self.target * 2.2)

    @property
    def strip(self) -> Rect:
        m, t = self.margin, self.target
        return (m, 2 * m + t, self.size[0] - 2 * m, t)

    @property
    def content(self) -> Rect:
        m, t = self.margin, self.target
        top = 3 * m + 2 * t
        return (m, top, self.size[0] - 2 * m, self.size[1] - m - t - m - top)

    @property
    def tile_h(self) -> int:
        return round(self.target * 1.7)

    @property
    def heading_h(self) -> int:
        return round(self.target * 0.6)

    @property
    def row_h(self) -> int:
        return round(self.target * 1.5)

    def home_columns(self) -> int:
        return max(1, min(HOME_COLUMNS_MAX, self.content[2] // (self.target * 5)))

    def list_rows(self) -> int:
        """Notices per list page."""
        gap = self.margin
        return max(1, (self.content[3] + gap) // (self.row_h + gap))


@dataclass(frozen=True)
class Layout:
    """Named touch targets (checked in order) and named regions that are drawn but not hit."""

    kind: str
    targets: dict[str, Rect] = field(default_factory=dict)
    regions: dict[str, Rect] = field(default_factory=dict)

    def hit(self, x: float, y: float) -> str | None:
        for name, rect in self.targets.items():
            if contains(rect, x, y):
                return name
        return None


@dataclass(frozen=True)
class HomeRow:
    """A row of the home screen: a section heading (no tiles) or tiles by index in the view."""

    section: int
    tiles: tuple[int, ...] = ()


def _frame(geom: Geometry) -> tuple[dict[str, Rect], dict[str, Rect]]:
    """Top bar, strip and bottom bar common to every browsing screen."""
    (w, h), m, t, bw = geom.size, geom.margin, geom.target, geom.button_w
    bottom = h - m - t
    targets = {"back": (m, m, bw, t), "home": (2 * m + bw, m, bw, t), "large": (w - m - bw, m, bw, t),
               "prev": (m, bottom, bw, t), "next": (w - m - bw, bottom, bw, t)}
    regions = {"title": (3 * m + 2 * bw, m, w - 5 * m - 3 * bw, t), "strip": geom.strip,
               "indicator": (2 * m + bw, bottom, w - 4 * m - 2 * bw, t), "content": geom.content}
    return targets, regions


def _with_banner(targets: dict[str, Rect], geom: Geometry, banner: bool) -> dict[str, Rect]:
    return {**targets, "banner": geom.strip} if banner else targets


def paginate_home(section_sizes: Sequence[int], geom: Geometry) -> tuple[tuple[HomeRow, ...], ...]:
    """Split sections of tiles into pages of rows; a section continued on a page repeats its heading
    and a heading never ends a page.  Always at least one (possibly empty) page."""
    cols, gap, area = geom.home_columns(), geom.margin, geom.content[3]
    pages: list[tuple[HomeRow, ...]] = []
    page: list[HomeRow] = []
    used = 0
    first = 0
    for section, n in enumerate(section_sizes):
        for start in range(0, n, cols):
            row = HomeRow(section, tuple(range(first + start, first + min(start + cols, n))))
            needs_heading = not page or page[-1].section != section
            need = geom.tile_h + (geom.heading_h + gap if needs_heading else 0) + (gap if page else 0)
            if page and used + need > area:
                pages.append(tuple(page))
                page, used = [], 0
                need = geom.heading_h + gap + geom.tile_h
            if not page or page[-1].section != section:
                page.append(HomeRow(section))
            page.append(row)
            used += need
        first += n
    if page or not pages:
        pages.append(tuple(page))
    return tuple(pages)


def layout_home(geom: Geometry, rows: Sequence[HomeRow], banner: bool = False) -> Layout:
    """Tiles ``tile:K`` (K = index of the tile in the view) under regions ``heading:J``."""
    targets, regions = _frame(geom)
    cx, y, cw, _ = geom.content
    cols, gap = geom.home_columns(), geom.margin
    tile_w = (cw - (cols - 1) * gap) // cols
    for j, row in enumerate(rows):
        if not row.tiles:
            regions[f"heading:{j}"] = (cx, y, cw, geom.heading_h)
            y += geom.heading_h + gap
            continue
        for col, k in enumerate(row.tiles):
            targets[f"tile:{k}"] = (cx + col * (tile_w + gap), y, tile_w, geom.tile_h)
        y += geom.tile_h + gap
    return Layout("home", _with_banner(targets, geom, banner), regions)


def layout_list(geom: Geometry, rows: int, banner: bool = False) -> Layout:
    """``rows`` notice rows ``row:I`` (I = index on this page), full width."""
    targets, regions = _frame(geom)
    cx, cy, cw, _ = geom.content
    for i in range(rows):
        targets[f"row:{i}"] = (cx, cy + i * (geom.row_h + geom.margin), cw, geom.row_h)
    return Layout("list", _with_banner(targets, geom, banner), regions)


def detail_regions(geom: Geometry, codes: int = 1) -> dict[str, Rect]:
    """The page and the QR panel (``qr:N`` with ``caption:N`` under it, N < codes).

    The panel is always reserved (right column in landscape, bottom strip in portrait) so the text
    is laid out at the same size whether or not an item has a feedback code.
    """
    cx, cy, cw, ch = geom.content
    gap, cap = geom.margin, round(geom.target * 0.6)
    codes = max(1, min(2, codes))
    if cw >= ch:  # landscape: a column on the right
        side = min(round(cw * 0.24), (ch - codes * (cap + gap)) // codes)
        x = cx + cw - side
        regions = {"page": (cx, cy, cw - side - gap, ch), "panel": (x, cy, side, ch)}
        for n in range(codes):
            y = cy + n * (side + cap + gap)
            regions[f"qr:{n}"] = (x, y, side, side)
            regions[f"caption:{n}"] = (x, y + side, side, cap)
        return regions
    side = min(round(ch * 0.22), (cw - gap) // 2)  # portrait: a strip at the bottom
    y = cy + ch - side - cap
    regions = {"page": (cx, cy, cw, ch - side - cap - gap), "panel": (cx, y, cw, side + cap)}
    for n in range(codes):
        x = cx + cw - (n + 1) * side - n * gap
        regions[f"qr:{n}"] = (x, y, side, side)
        regions[f"caption:{n}"] = (x, y + side, side, cap)
    return regions


def layout_detail(geom: Geometry, image: bool = False, banner: bool = False, codes: int = 1) -> Layout:
    """The notice page; on an image part the page is the target ``image`` (tap to enlarge)."""
    targets, regions = _frame(geom)
    regions.update(detail_regions(geom, codes))
    if image:
        targets["image"] = regions["page"]
    return Layout("detail", _with_banner(targets, geom, banner), regions)


def layout_image(geom: Geometry) -> Layout:
    """An enlarged image over the whole screen: a tap anywhere closes it."""
    w, h = geom.size
    m, t, bw = geom.margin, geom.target, geom.button_w
    return Layout("image", {"close": (0, 0, w, h)}, {"back": (m, m, bw, t), "image": (0, 0, w, h)})


def layout_loop(geom: Geometry) -> Layout:
    """The lobby loop: any touch wakes the touch UI."""
    return Layout("loop", {"wake": (0, 0, *geom.size)})


def unrotate(x: float, y: float, logical: tuple[int, int], rotation: int) -> tuple[float, float]:
    """A point on the rotated output back to the logical canvas (inverse of ``kiosk.player.present.map_rect``)."""
    w, h = logical
    if rotation == 90:
        return (y, h - 1 - x)
    if rotation == 180:
        return (w - 1 - x, h - 1 - y)
    if rotation == 270:
        return (w - 1 - y, x)
    return (x, y)
