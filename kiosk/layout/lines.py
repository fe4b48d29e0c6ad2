"""Chinese text layout: line breaking (禁则), justification (两端对齐) and pagination.

Pure Python, no pygame.  Text is measured through an injected callable
``measure(text, px, bold) -> advance in pixels`` (``FontSet.advance`` fits).  A string's
advance is taken as the sum of its characters' advances (no kerning), which is also how the
drawing layer places glyphs.

Coordinates are page pixels, y downwards.  ``TextLine.baseline`` is the baseline y and
``TextLine.xs`` the left x of every character of ``TextLine.text``.  Lines are placed on a
pitch of ``px * line_spacing`` with the ideographic em box (``ascent``/``1 - ascent`` of px
above/below the baseline) centred in it.  Colours are roles (see ``ROLES``), not RGB.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from kiosk.content.model import Block, Heading, ImageBlock, Item, Paragraph, Table

Measure = Callable[[str, int, bool], float]

#: characters that must not begin a line (closing punctuation)
NO_START = frozenset("，。、；：？！）》」』】〕〉〗］｝”’…—％‰℃°,.;:?!)%]}")
#: characters that must not end a line (opening punctuation)
NO_END = frozenset("（《「『【〔〈〖［｛“‘([{")
ROLES = ("title", "continued", "body", "heading", "table_header", "table_cell",
         "table_header_fill", "table_rule", "caption", "signature")
_EPS = 0.01
# A Latin word or number (1,920.00  98.5%  10:30  2026-10-08) | …… | —— | spaces | one char
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.,:/'_\-][A-Za-z0-9]+)*%?|…+|—+| +|.", re.DOTALL)


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


def _moved(e: Element, dy: float) -> Element:
    return replace(e, baseline=e.baseline + dy) if isinstance(e, TextLine) else replace(e, y=e.y + dy)


@dataclass(frozen=True)
class Page:
    width: int
    height: int
    number: int  # 1-based
    count: int
    body_px: int
    elements: tuple[Element, ...]

    def lines(self, roles: Iterable[str] = ("body",)) -> list[TextLine]:
        wanted = set(roles)
        return [e for e in self.elements if isinstance(e, TextLine) and e.role in wanted]

    def text(self, roles: Iterable[str] = ("body",)) -> str:
        return "".join(line.text for line in self.lines(roles))


# ------------------------------------------------------------------ line breaking


def _clusters(text: str) -> tuple[list[tuple[int, int]], list[bool]]:
    """Unbreakable clusters, and per character whether it starts a token (may be spaced)."""
    clusters: list[tuple[int, int]] = []
    starts = [False] * len(text)
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        starts[s] = True
        if clusters and (text[s] in NO_START or text[clusters[-1][1] - 1] in NO_END):
            clusters[-1] = (clusters[-1][0], e)  # push-in: keep with the previous cluster
        else:
            clusters.append((s, e))
    return clusters, starts


def _split_long(text: str, cw: Sequence[float], span: tuple[int, int],
                state: tuple[int, float, float], rest: float,
                lines: list[tuple[int, int]]) -> tuple[int, float, float]:
    """Break a cluster wider than a line between characters, filling the current line."""
    start, w, avail = state
    for i in range(*span):
        if w + cw[i] > avail + _EPS and i > start:
            j = i - 1 if text[i] in NO_START and i - 1 > start else i
            lines.append((start, j))
            start, w, avail = j, sum(cw[j:i]), rest
        w += cw[i]
    return start, w, avail


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] == " ":
        s += 1
    while e > s and text[e - 1] == " ":
        e -= 1
    return s, e


def break_ranges(text: str, cw: Sequence[float], first: float,
                 rest: float) -> list[tuple[int, int]]:
    """Greedy line ranges ``[s, e)`` of ``text`` (character advances ``cw``), spaces trimmed.

    ``first`` is the width of the first line, ``rest`` of the others.
    """
    lines: list[tuple[int, int]] = []
    start, w, avail = 0, 0.0, first
    for s, e in _clusters(text)[0]:
        width = sum(cw[s:e])
        if text[s] == " " and text[e - 1] == " ":
            if s == start:
                start = e  # no space at the start of a line
            else:
                w += width
        elif w + width <= avail + _EPS:
            w += width
        elif width > rest + _EPS or (s == start and width > avail + _EPS):
            start, w, avail = _split_long(text, cw, (s, e), (start, w, avail), rest, lines)
        else:
            lines.append((start, s))
            start, w, avail = s, width, rest
    lines.append((start, len(text)))
    return [r for r in (_strip(text, s, e) for s, e in lines) if r[0] < r[1]]


def _normalise(text: str) -> str:
    return " ".join(text.split())


class _Memo:
    """Per-layout memo of character advances over the injected ``measure``."""

    def __init__(self, measure: Measure) -> None:
        self.measure = measure
        self.cache: dict[tuple[str, int, bool], float] = {}

    def __call__(self, text: str, px: int, bold: bool) -> float:
        key = (text, px, bold)
        v = self.cache.get(key)
        if v is None:
            v = self.cache[key] = self.measure(text, px, bold)
        return v

    def advances(self, text: str, px: int, bold: bool) -> list[float]:
        unseen = "".join(dict.fromkeys(ch for ch in text if (ch, px, bold) not in self.cache))
        if len(unseen) > 1:
            self.measure(unseen, px, bold)  # one call lets a font-backed measure learn them all at once
        return [self(ch, px, bold) for ch in text]


def _memo(measure: Measure) -> _Memo:
    return _Memo(measure)


def _advances(text: str, px: int, bold: bool, m: _Memo) -> list[float]:
    return m.advances(text, px, bold)


def wrap_plain(text: str, width: float, px: int, measure: Measure,
               bold: bool = False) -> list[str]:
    """Wrap one-line UI text (ticker titles, tile labels) with the same 禁则 rules."""
    text = _normalise(text)
    cw = _advances(text, px, bold, _memo(measure))
    return [text[s:e] for s, e in break_ranges(text, cw, width, width)]


# ------------------------------------------------------------------ lines and units


@dataclass(frozen=True)
class _Ctx:
    style: TextStyle
    m: _Memo
    px: int
    x0: float
    w: float
    top: float
    bottom: float

    def size(self, scale: float) -> int:
        return max(1, round(self.px * scale))

    def baseline(self, px: int, pitch: float) -> float:
        return (pitch - px) / 2 + self.style.ascent * px


def _line(text: str, cw: Sequence[float], rng: tuple[int, int], x: float, baseline: float,
          font: tuple[int, bool, str], justify: tuple[float, Sequence[bool]] | None = None,
          ) -> TextLine:
    """A positioned line; ``justify=(width, token_starts)`` stretches it to ``width``."""
    s, e = rng
    extra = 0.0
    gaps: frozenset[int] = frozenset()
    if justify is not None and e - s > 1:
        target, starts = justify
        gaps = frozenset(i for i in range(s + 1, e) if starts[i]) or frozenset(range(s + 1, e))
        extra = (target - sum(cw[s:e])) / len(gaps)
    xs: list[float] = []
    for i in range(s, e):
        if i in gaps:
            x += extra
        xs.append(x)
        x += cw[i]
    px, bold, role = font
    return TextLine(text[s:e], tuple(xs), baseline, px, bold, role, x)


@dataclass
class _Unit:
    """A vertical slice of the flow: a line, a table row, an image; y relative to its top."""

    height: float
    elements: list[Element]
    space_before: float = 0.0
    keep_with_next: bool = False
    header: _Unit | None = None  # repeated first when this unit starts a page (tables)
    at_bottom: bool = False  # pushed down to the bottom of the page (落款)


def _text_units(ctx: _Ctx, text: str, scale: float, role: str, align: str) -> list[_Unit]:
    """Lines of a paragraph (align "justify"), heading ("left"), title ("centre")…"""
    text, px, bold = _normalise(text), ctx.size(scale), role in ("title", "heading")
    cw = _advances(text, px, bold, ctx.m)
    indent = 2 * ctx.m("中", px, bold) if align == "justify" else 0.0
    ranges = break_ranges(text, cw, ctx.w - indent, ctx.w)
    pitch = px * ctx.style.line_spacing
    starts = _clusters(text)[1]
    units = []
    for n, rng in enumerate(ranges):
        x = ctx.x0 + (indent if n == 0 else 0.0)
        just = None
        if align == "justify" and n < len(ranges) - 1:
            just = (ctx.x0 + ctx.w - x, starts)
        elif align == "centre":
            x = ctx.x0 + (ctx.w - sum(cw[rng[0]:rng[1]])) / 2
        line = _line(text, cw, rng, x, ctx.baseline(px, pitch), (px, bold, role), just)
        units.append(_Unit(pitch, [line]))
    return units


def _block_units(ctx: _Ctx, block: Block, capacity: float) -> list[_Unit]:
    gap = ctx.style.paragraph_spacing * ctx.px
    if isinstance(block, Paragraph):
        units = _text_units(ctx, block.text, 1.0, "body", "justify")
    elif isinstance(block, Heading):
        units = _text_units(ctx, block.text, ctx.style.heading_scale, "heading", "left")
        for u in units:
            u.keep_with_next = True
    elif isinstance(block, Table):
        units = _table_units(ctx, block, capacity)
    elif isinstance(block, ImageBlock):
        units = [_image_unit(ctx, block, capacity)]
    else:
        return []
    if units:
        units[0].space_before = gap
    return units


def _image_unit(ctx: _Ctx, block: ImageBlock, capacity: float) -> _Unit:
    pitch = ctx.px * ctx.style.line_spacing
    cap_h = pitch if block.caption else 0.0
    h = max(1.0, min((ctx.bottom - ctx.top) * ctx.style.image_height, capacity - cap_h))
    w = min(ctx.w, h * ctx.style.image_aspect)
    x = ctx.x0 + (ctx.w - w) / 2
    elements: list[Element] = [ImageBox(block.path, x, 0.0, w, h, block.caption)]
    if block.caption:
        cap = _normalise(block.caption)
        cw = _advances(cap, ctx.px, False, ctx.m)
        lx = ctx.x0 + max(0.0, (ctx.w - sum(cw)) / 2)
        elements.append(_line(cap, cw, (0, len(cap)), lx, h + ctx.baseline(ctx.px, pitch),
                              (ctx.px, False, "caption")))
    return _Unit(h + cap_h, elements)


# ------------------------------------------------------------------ tables


def _column_widths(ctx: _Ctx, cells: list[list[str]], pad: float) -> list[float]:
    """Natural widths when they fit, else minimum (widest unbreakable) plus a fair share."""
    ncol = len(cells[0])
    natural, minimum = [2 * pad] * ncol, [2 * pad] * ncol
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            cw = _advances(text, ctx.px, r == 0, ctx.m)
            widest = max((sum(cw[s:e]) for s, e in _clusters(text)[0]), default=0.0)
            natural[c] = max(natural[c], sum(cw) + 2 * pad)
            minimum[c] = max(minimum[c], widest + 2 * pad)
    total_nat, total_min = sum(natural), sum(minimum)
    if total_nat <= ctx.w:
        return [n * ctx.w / total_nat for n in natural]
    if total_min <= ctx.w:
        spare = (ctx.w - total_min) / (total_nat - total_min)
        return [lo + (n - lo) * spare for lo, n in zip(minimum, natural, strict=True)]
    return [lo * ctx.w / total_min for lo in minimum]


def _table_units(ctx: _Ctx, table: Table, capacity: float) -> list[_Unit]:
    ncol = len(table.header)
    if ncol == 0:
        return []
    rows = [[_normalise(c) for c in (*row, *[""] * ncol)[:ncol]]
            for row in (table.header, *table.rows)]
    pad = ctx.style.table_pad * ctx.px
    widths = _column_widths(ctx, rows, pad)
    header = _row_units(ctx, rows[0], widths, table.align, capacity, True)[0]
    header.keep_with_next = True
    units = [header]
    for row in rows[1:]:
        for unit in _row_units(ctx, row, widths, table.align, capacity - header.height, False):
            unit.header = header
            units.append(unit)
    return units


def _row_units(ctx: _Ctx, row: list[str], widths: list[float], align: Sequence[str],
               capacity: float, is_header: bool) -> list[_Unit]:
    """One table row, split into several units if it is taller than a page."""
    px, pitch = ctx.px, ctx.px * ctx.style.table_line_spacing
    pad, vpad = ctx.style.table_pad * px, 0.25 * px
    role = "table_header" if is_header else "table_cell"
    cells = []
    for text, width in zip(row, widths, strict=True):
        cw = _advances(text, px, is_header, ctx.m)
        cells.append((text, cw, break_ranges(text, cw, width - 2 * pad, width - 2 * pad)))
    per_unit = max(1, math.floor((capacity - 2 * vpad) / pitch))
    nlines = max(1, *(len(c[2]) for c in cells))
    units = []
    for first in range(0, nlines, per_unit):
        n = min(per_unit, nlines - first)
        h = n * pitch + 2 * vpad
        elements: list[Element] = [Box(ctx.x0, 0.0, ctx.w, h, "table_header_fill")] \
            if is_header else []
        elements += _grid(ctx, widths, h)
        x = ctx.x0
        for c, (text, cw, ranges) in enumerate(cells):
            a = align[c] if c < len(align) else "l"
            for k, rng in enumerate(ranges[first:first + n]):
                lw = sum(cw[rng[0]:rng[1]])
                lx = {"r": x + widths[c] - pad - lw, "c": x + (widths[c] - lw) / 2}.get(a, x + pad)
                base = vpad + k * pitch + ctx.baseline(px, pitch)
                elements.append(_line(text, cw, rng, lx, base, (px, is_header, role)))
            x += widths[c]
        units.append(_Unit(h, elements))
    return units


def _grid(ctx: _Ctx, widths: list[float], h: float) -> list[Element]:
    """Top, bottom and column rules of one row (neighbouring rows overlap exactly)."""
    r = ctx.style.rule_px
    boxes = [Box(ctx.x0, 0.0, ctx.w, r, "table_rule"), Box(ctx.x0, h - r, ctx.w, r, "table_rule")]
    x = ctx.x0
    for w in widths:
        boxes.append(Box(min(x, ctx.x0 + ctx.w - r), 0.0, r, h, "table_rule"))
        x += w
    boxes.append(Box(ctx.x0 + ctx.w - r, 0.0, r, h, "table_rule"))
    return boxes


# ------------------------------------------------------------------ pagination


class _Pager:
    def __init__(self, ctx: _Ctx, continued: _Unit | None) -> None:
        self.ctx, self.continued = ctx, continued
        self.pages: list[list[Element]] = [[]]
        self.y, self.empty = ctx.top, True

    def room(self) -> float:
        return self.ctx.bottom - self.y

    def new_page(self) -> None:
        self.pages.append([])
        self.y, self.empty = self.ctx.top, True
        if self.continued is not None:
            self.put(self.continued, 0.0)
            self.empty = True

    def put(self, unit: _Unit, gap: float) -> None:
        self.pages[-1].extend(_moved(e, self.y + gap) for e in unit.elements)
        self.y += gap + unit.height
        self.empty = False

    def add(self, unit: _Unit, chain: float) -> None:
        """Place ``unit``; ``chain`` is its height plus what must stay with it."""
        gap = 0.0 if self.empty else unit.space_before
        if not self.empty and gap + chain > self.room() + _EPS:
            self.new_page()
            gap = 0.0
        if self.empty and unit.header is not None:
            self.put(unit.header, 0.0)
        if unit.at_bottom:
            gap = max(gap, self.room() - unit.height)
        self.put(unit, gap)


def _chain_heights(units: list[_Unit], capacity: float) -> list[float]:
    """Height of each unit plus the units it keeps with (unless that exceeds a page)."""
    chains = [0.0] * len(units)
    following = 0.0
    for i in range(len(units) - 1, -1, -1):
        u = units[i]
        chain = u.height + (following if u.keep_with_next else 0.0)
        chains[i] = chain if chain <= capacity else u.height
        following = u.space_before + chains[i]
    return chains


def chinese_day(d: dt.date) -> str:
    """2026年10月8日 (as a notice's 落款 writes it)."""
    return f"{d.year}年{d.month}月{d.day}日"


def _signature_unit(ctx: _Ctx, item: Item) -> _Unit:
    pitch = ctx.px * ctx.style.line_spacing
    lines = wrap_plain(item.issuer, ctx.w, ctx.px, ctx.m) + [chinese_day(item.date)]
    elements: list[Element] = []
    for n, text in enumerate(lines):
        cw = _advances(text, ctx.px, False, ctx.m)
        x = ctx.x0 + ctx.w - sum(cw)
        base = n * pitch + ctx.baseline(ctx.px, pitch)
        elements.append(_line(text, cw, (0, len(text)), x, base, (ctx.px, False, "signature")))
    return _Unit(len(lines) * pitch, elements, ctx.style.signature_gap * ctx.px, at_bottom=True)


def _continued_unit(ctx: _Ctx, title: str) -> _Unit:
    px = ctx.size(ctx.style.continued_scale)
    text = _normalise(title) + "（续）"
    if ctx.m(text, px, False) > ctx.w:  # shorten the title, keep the mark
        text = wrap_plain(title, ctx.w - ctx.m("…（续）", px, False), px, ctx.m)[0] + "…（续）"
    cw = _advances(text, px, False, ctx.m)
    pitch = px * ctx.style.line_spacing
    x = ctx.x0 + max(0.0, (ctx.w - sum(cw)) / 2)
    line = _line(text, cw, (0, len(text)), x, ctx.baseline(px, pitch), (px, False, "continued"))
    return _Unit(pitch + ctx.style.paragraph_spacing * ctx.px, [line])


def _layout_at(item: Item, width: int, height: int, style: TextStyle, m: _Memo,
               px: int) -> list[list[Element]]:
    ctx = _Ctx(style, m, px, float(style.margin_x), float(width - 2 * style.margin_x),
               float(style.margin_top), float(height - style.margin_bottom))
    continued = _continued_unit(ctx, item.title)
    capacity = ctx.bottom - ctx.top - continued.height
    units = _text_units(ctx, item.title, style.title_scale, "title", "centre")
    if units:
        units[-1].height += style.title_gap * px
    for block in item.body:
        units += _block_units(ctx, block, capacity)
    for unit in units[-2:]:
        unit.keep_with_next = True  # the 落款 never stands alone on the last page
    units.append(_signature_unit(ctx, item))
    pager = _Pager(ctx, continued)
    for unit, chain in zip(units, _chain_heights(units, capacity), strict=True):
        pager.add(unit, chain)
    return pager.pages


def _candidate_sizes(style: TextStyle) -> list[int]:
    hi, lo = style.body_px, min(style.min_body_px, style.body_px)
    steps = max(1, style.size_steps)
    return sorted({round(hi - k * (hi - lo) / steps) for k in range(steps + 1)}, reverse=True)


def _may_fit(item: Item, width: int, height: int, style: TextStyle, px: int) -> bool:
    """Cheap necessary condition for one page (ASCII counted as half an em)."""
    ems = sum(0.5 if ord(c) < 128 else 1.0 for t in _all_text(item) for c in t)
    area = (width - 2 * style.margin_x) * (height - style.margin_top - style.margin_bottom)
    return ems * px * px * style.line_spacing <= area


def _all_text(item: Item) -> Iterable[str]:
    yield item.title
    for b in item.body:
        if isinstance(b, (Paragraph, Heading)):
            yield b.text
        elif isinstance(b, Table):
            yield from (c for row in (b.header, *b.rows) for c in row)


def layout_notice(item: Item, width: int, height: int, style: TextStyle,
                  measure: Measure) -> list[Page]:
    """Lay out a notice on pages of ``width`` x ``height`` pixels.

    The largest candidate size between ``body_px`` and ``min_body_px`` at which everything
    fits on one page is used; otherwise the notice is paged at ``min_body_px``.
    """
    m = _memo(measure)
    sizes = _candidate_sizes(style)
    pages: list[list[Element]] = []
    px = sizes[-1]
    for px in sizes:
        if px != sizes[-1] and not _may_fit(item, width, height, style, px):
            continue
        pages = _layout_at(item, width, height, style, m, px)
        if len(pages) == 1:
            break
    return [Page(width, height, n + 1, len(pages), px, tuple(els))
            for n, els in enumerate(pages)]
