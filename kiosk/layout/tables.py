"""Tables: column widths that never break a name, a date or a number; smaller type; cards.

What the reader of a candidate list (发展党员公示, 任前公示) must never see is a broken name.
So, in order:

1. Column widths follow a browser's automatic table layout (each column's minimum and
   preferred width, the spare room shared out in proportion to what each column still
   wants), with a stronger minimum: a cell of up to six characters, a date, a number or an
   amount is never broken, and neither is an item of a list ("陈思喆、周子犇") that short;
   longer text breaks between words (jieba's dictionary), and gets at least four characters
   of width where there is room.
2. When even those minimums do not fit, the table is set smaller, step by step down to a
   floor (``TextStyle.table_min_scale`` of the smallest body size).
3. When it still does not fit (many columns on a portrait screen), every row becomes a card
   of "label  value" lines: the header cell as the label, the row's cell as the value.

Rows are never split across pages unless a single row is taller than a page; the header is
repeated on every page the table continues on, and never stands with fewer than two rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kiosk.content.model import Table
from kiosk.layout.lines import Ctx, Unit, break_ranges, clusters, normalise, place_line
from kiosk.layout.types import Box, Element
from kiosk.layout.words import word_ends

SHORT_CELL = 6  # characters
LONG_MIN_EM = 4.0  # a column of longer text gets at least this many characters where there is room
_SEPARATORS = "、，,；;／/ "
# dates, times, numbers, amounts: "1996年12月" "2026年11月23日" "09:00-17:30" "486.5万元" "97.3%"
_QUANTITY = re.compile(r"[0-9０-９.,:：/\-—–~～至%‰年月日时分秒号元万亿千百角个名人户次项亩岁天期周整第]+")


def keep_whole(text: str) -> bool:
    """A cell (or list item) that must never be broken over lines."""
    return len(text) <= SHORT_CELL or (len(text) <= 14 and any(c.isdigit() for c in text)
                                       and _QUANTITY.fullmatch(text) is not None)


def cell_spans(text: str) -> list[tuple[int, int]]:
    """Unbreakable pieces of a cell: whole when short, else its list items and words."""
    if not text:
        return []
    if keep_whole(text):
        return [(0, len(text))]
    allowed = {s for s, _ in clusters(text)[0]}  # what the line-breaking rules (禁则) allow
    words = word_ends(text)
    start = 0
    keep: set[int] = set()
    for i in range(len(text) + 1):
        if i == len(text) or text[i] in _SEPARATORS:
            item = text[start:i]
            if keep_whole(item):
                keep.update(range(start + 1, i + 1))  # nothing inside, nor before its separator
            else:
                keep.update(j for j in range(start + 1, i) if j not in words)
            start = i + 1
    cuts = sorted(b for b in allowed if b not in keep and 0 < b < len(text))
    bounds = [0, *cuts, len(text)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


@dataclass
class _Cell:
    text: str
    cw: list[float]
    spans: list[tuple[int, int]]
    natural: float  # one line
    widest: float  # widest unbreakable piece


def _cells(ctx: Ctx, rows: list[list[str]], px: int) -> list[list[_Cell]]:
    out = []
    for r, row in enumerate(rows):
        cells = []
        for text in row:
            cw = ctx.m.advances(text, px, r == 0)
            spans = cell_spans(text)
            widest = max((sum(cw[s:e]) for s, e in spans), default=0.0)
            cells.append(_Cell(text, cw, spans, sum(cw), widest))
        out.append(cells)
    return out


def column_widths(cells: list[list[_Cell]], total: float, pad: float, px: int) -> list[float] | None:
    """Widths of the columns in ``total``, or None when the unbreakable pieces do not fit."""
    ncol = len(cells[0])
    most = [2 * pad + max(row[c].natural for row in cells) for c in range(ncol)]
    least = [2 * pad + max(row[c].widest for row in cells) for c in range(ncol)]
    if sum(least) > total + 0.01:
        return None
    if sum(most) <= total:
        return [m * total / sum(most) for m in most]
    soft = [max(lo, min(hi, LONG_MIN_EM * px + 2 * pad)) for lo, hi in zip(least, most, strict=True)]
    if sum(soft) > total:  # part of the way from the minimums towards four characters
        t = (total - sum(least)) / (sum(soft) - sum(least))
        return [lo + (s - lo) * t for lo, s in zip(least, soft, strict=True)]
    want = [hi - s for s, hi in zip(soft, most, strict=True)]
    spare = total - sum(soft)
    return [s + w * spare / sum(want) for s, w in zip(soft, want, strict=True)]


def table_sizes(ctx: Ctx) -> list[int]:
    """Sizes a table may take: the body size, then smaller down to the floor."""
    floor = max(12, round(ctx.style.min_body_px * ctx.style.table_min_scale))
    sizes, px = [ctx.px], ctx.px
    while px > floor:
        px = max(floor, min(px - 1, round(px * 0.95)))
        sizes.append(px)
    return sizes


def table_units(ctx: Ctx, table: Table, capacity: float) -> list[Unit]:
    ncol = len(table.header)
    if ncol == 0:
        return []
    rows = [[normalise(c) for c in (*row, *[""] * ncol)[:ncol]]
            for row in (table.header, *table.rows)]
    for px in table_sizes(ctx):
        pad = ctx.style.table_pad * px
        cells = _cells(ctx, rows, px)
        widths = column_widths(cells, ctx.w, pad, px)
        if widths is not None:
            return _grid_units(ctx, cells, widths, table.align, capacity, px)
    return card_units(ctx, rows, capacity)


# ------------------------------------------------------------------ grid


def _grid_units(ctx: Ctx, cells: list[list[_Cell]], widths: list[float], align: Sequence[str],
                capacity: float, px: int) -> list[Unit]:
    header = _row_units(ctx, cells[0], widths, align, capacity, 0, px)[0]
    header.keep_with_next = True
    units = [header]
    for r, row in enumerate(cells[1:], start=1):
        for unit in _row_units(ctx, row, widths, align, capacity - header.height, r, px):
            unit.header = header
            units.append(unit)
    body = units[1:]
    if len(body) >= 2:
        body[0].keep_with_next = True  # the header never stands with fewer than two rows…
        body[-2].keep_with_next = True  # …and the last row never alone under a repeated header
    return units


def _row_units(ctx: Ctx, row: list[_Cell], widths: list[float], align: Sequence[str],
               capacity: float, row_no: int, px: int) -> list[Unit]:
    """One table row, split into several units if it is taller than a page."""
    pitch = px * ctx.style.table_line_spacing
    pad, vpad = ctx.style.table_pad * px, 0.25 * px
    is_header = row_no == 0
    role = "table_header" if is_header else "table_cell"
    broken = [break_ranges(c.text, c.cw, w - 2 * pad, w - 2 * pad, c.spans)
              for c, w in zip(row, widths, strict=True)]
    per_unit = max(1, math.floor((capacity - 2 * vpad) / pitch))
    nlines = max(1, *(len(b) for b in broken))
    units = []
    for first in range(0, nlines, per_unit):
        n = min(per_unit, nlines - first)
        h = n * pitch + 2 * vpad
        elements: list[Element] = [Box(ctx.x0, 0.0, ctx.w, h, "table_header_fill")] if is_header else []
        elements += _grid(ctx, widths, h)
        x = ctx.x0
        for c, (cell, ranges) in enumerate(zip(row, broken, strict=True)):
            a = align[c] if c < len(align) else "l"
            for k, rng in enumerate(ranges[first:first + n]):
                lw = sum(cell.cw[rng[0]:rng[1]])
                lx = {"r": x + widths[c] - pad - lw, "c": x + (widths[c] - lw) / 2}.get(a, x + pad)
                base = vpad + k * pitch + ctx.baseline(px, pitch)
                line = place_line(cell.text, cell.cw, rng, lx, base, (px, is_header, role))
                elements.append(replace(line, cell=(row_no, c), index=first + k, count=len(ranges)))
            x += widths[c]
        units.append(Unit(h, elements))
    return units


def _grid(ctx: Ctx, widths: list[float], h: float) -> list[Element]:
    """Top, bottom and column rules of one row (neighbouring rows overlap exactly)."""
    r = ctx.style.rule_px
    boxes: list[Element] = [Box(ctx.x0, 0.0, ctx.w, r, "table_rule"), Box(ctx.x0, h - r, ctx.w, r, "table_rule")]
    x = ctx.x0
    for w in widths:
        boxes.append(Box(min(x, ctx.x0 + ctx.w - r), 0.0, r, h, "table_rule"))
        x += w
    boxes.append(Box(ctx.x0 + ctx.w - r, 0.0, r, h, "table_rule"))
    return boxes


# ------------------------------------------------------------------ cards


def card_units(ctx: Ctx, rows: list[list[str]], capacity: float) -> list[Unit]:
    """Each row as a card of "label  value" lines (narrow screens, many columns)."""
    px = ctx.px
    pitch = px * ctx.style.table_line_spacing
    pad, vpad, r = ctx.style.table_pad * px, 0.3 * px, ctx.style.rule_px
    labels = rows[0]
    label_cw = [ctx.m.advances(t, px, True) for t in labels]
    label_w = min(max((sum(cw) for cw in label_cw), default=0.0), 0.45 * (ctx.w - 3 * pad))
    value_x = ctx.x0 + pad + label_w + pad
    value_w = ctx.x0 + ctx.w - pad - value_x
    units = []
    for row_no, row in enumerate(rows[1:], start=1):
        elements: list[Element] = []
        y = vpad
        for c, (label, text) in enumerate(zip(labels, row, strict=True)):
            cw = ctx.m.advances(text, px, c == 0)
            ranges = break_ranges(text, cw, value_w, value_w, cell_spans(text)) or [(0, 0)]
            lranges = break_ranges(label, label_cw[c], label_w, label_w, cell_spans(label)) or [(0, 0)]
            n = max(len(ranges), len(lranges))
            if c == 0:  # the first field heads the card, on the header's fill
                elements.append(Box(ctx.x0, 0.0, ctx.w, n * pitch + 2 * vpad, "table_header_fill"))
            base = ctx.baseline(px, pitch)
            for k, rng in enumerate(lranges):
                line = place_line(label, label_cw[c], rng, ctx.x0 + pad, y + k * pitch + base,
                                  (px, True, "table_label"))
                elements.append(replace(line, cell=(0, c), index=k, count=len(lranges)))
            for k, rng in enumerate(ranges):
                line = place_line(text, cw, rng, value_x, y + k * pitch + base, (px, c == 0, "table_cell"))
                elements.append(replace(line, cell=(row_no, c), index=k, count=len(ranges)))
            y += n * pitch + (2 * vpad if c == 0 else 0.0)
        h = y + vpad
        elements += [Box(ctx.x0, 0.0, ctx.w, r, "table_rule"), Box(ctx.x0, h - r, ctx.w, r, "table_rule"),
                     Box(ctx.x0, 0.0, r, h, "table_rule"), Box(ctx.x0 + ctx.w - r, 0.0, r, h, "table_rule")]
        unit = Unit(h, elements)
        unit.space_before = 0.5 * px if row_no > 1 else 0.0
        units.append(unit)
    return units
