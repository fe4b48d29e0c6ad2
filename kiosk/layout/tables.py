"""Tables: column widths that never break a name, a date or a number; smaller type; cards.

What the reader of a candidate list (发展党员公示, 任前公示) must never see is a broken name.
So, in order:

1. Column widths start from a browser's automatic table layout (each column's minimum and
   preferred width) with a stronger minimum: a cell of up to six characters, a date, a number
   or an amount is never broken, and neither is an item of a list ("陈思喆、周子犇") that
   short; longer text breaks between words (jieba's dictionary), and gets at least four
   characters of width where there is room.  The room left goes where it makes the table
   shortest, then in proportion, as a browser shares it.
2. When even those minimums do not fit, the table is set smaller, as much as they need, down
   to a floor (``TextStyle.table_min_scale`` of the smallest body size).
3. When it still does not fit (many columns on a portrait screen), every row becomes a card
   of "label  value" lines: the header cell as the label, the row's cell as the value.

Rows are never split across pages unless a single row is taller than a page; the header is
repeated on every page the table continues on, and never stands with fewer than two rows.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from kiosk.content.model import Table
from kiosk.layout.chars import ASIDE, LIST_SEPARATORS, QUANTITY
from kiosk.layout.lines import Ctx, Unit, break_ranges, clusters, normalise, place_line
from kiosk.layout.types import Box, Element, TextLine
from kiosk.layout.words import word_ends

SHORT_CELL = 6  # characters
LONG_MIN_EM = 4.0  # a column of longer text gets at least this many characters where there is room
# dates, times, numbers, amounts: "1996年12月" "2026年11月23日" "09:00-17:30" "486.5万元" "97.3%"
_QUANTITY = re.compile(QUANTITY)
_ASIDE = re.compile(ASIDE)


def keep_whole(text: str) -> bool:
    """A cell (or list item) that must never be broken over lines."""
    return len(text) <= SHORT_CELL or (len(text) <= 14 and any(c.isdigit() for c in text)
                                       and _QUANTITY.fullmatch(text) is not None)


def cell_spans(text: str) -> list[tuple[int, int]]:
    """Unbreakable pieces of a cell: whole when short, else its list items and words; a short
    aside in brackets ("（淼塘组）") stays whole too."""
    if not text:
        return []
    if keep_whole(text):
        return [(0, len(text))]
    allowed = {s for s, _ in clusters(text)[0]}  # what the line-breaking rules (禁则) allow
    words = word_ends(text)
    start = 0
    keep: set[int] = set()
    for i in range(len(text) + 1):
        if i == len(text) or text[i] in LIST_SEPARATORS:
            item = text[start:i]
            if keep_whole(item):
                keep.update(range(start + 1, i + 1))  # nothing inside, nor before its separator
            else:
                keep.update(j for j in range(start + 1, i) if j not in words)
            start = i + 1
    for m in _ASIDE.finditer(text):
        keep.update(range(m.start() + 1, m.end()))
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
    """Widths of the columns in ``total``, or None when the unbreakable pieces do not fit.

    Every column gets its minimum (its widest unbreakable piece), longer text four characters
    when all fit so; the rest goes, a step at a time, to the column where it saves the most
    lines of the table's height (a browser shares it out in proportion to what each column
    wants, which leaves a long cell five lines tall beside half-empty columns); what saves no
    line goes towards four characters for long text, then in proportion, as a browser does.
    """
    ncol = len(cells[0])
    most = [2 * pad + max(row[c].natural for row in cells) for c in range(ncol)]
    least = [2 * pad + max(row[c].widest for row in cells) for c in range(ncol)]
    if sum(least) > total + 0.01:
        return None
    if sum(most) <= total:
        return [m * total / sum(most) for m in most]
    soft = [max(lo, min(hi, LONG_MIN_EM * px + 2 * pad)) for lo, hi in zip(least, most, strict=True)]
    start = least
    if sum(soft) <= total:
        start = soft
    widths = _least_lines(cells, start, most, total, pad)
    for goal in (soft, most):  # what saves no line: towards four characters, then in proportion
        spare = total - sum(widths)
        want = [max(0.0, g - w) for w, g in zip(widths, goal, strict=True)]
        if spare > 0.01 and sum(want) > 0:
            share = min(1.0, spare / sum(want))
            widths = [w + x * share for w, x in zip(widths, want, strict=True)]
    return widths


def _least_lines(cells: list[list[_Cell]], start: list[float], most: list[float], total: float,
                 pad: float) -> list[float]:
    """Give the room beyond ``start`` where it shortens the table most (lines estimated from
    each cell's length: exact breaking happens once, at the chosen widths)."""
    ncol = len(start)
    nat = [[row[c].natural for c in range(ncol)] for row in cells]

    def lines(c: int, w: float) -> list[int]:
        inner = max(1.0, w - 2 * pad)
        return [max(1, math.ceil(row[c] / inner - 1e-6)) for row in nat]

    widths = list(start)
    per_col = [lines(c, widths[c]) for c in range(ncol)]

    def height(cols: list[list[int]]) -> int:
        return sum(max(col[r] for col in cols) for r in range(len(nat)))

    spare = total - sum(widths)
    current = height(per_col)
    while spare > 0.01:
        best: tuple[float, int, float, list[int]] | None = None
        for c in range(ncol):
            if widths[c] >= most[c] - 0.01:
                continue
            # the least extra width that takes a line off one of this column's cells
            steps = [row[c] / (k - 1) + 2 * pad - widths[c] for row, k in zip(nat, per_col[c], strict=True)
                     if k > 1]
            if not steps:
                continue
            extra = min(min(steps) + 0.01, most[c] - widths[c])
            if extra > spare:
                continue
            trial = lines(c, widths[c] + extra)
            gain = current - height([trial if k == c else col for k, col in enumerate(per_col)])
            if gain > 0 and (best is None or gain / extra > best[0]):
                best = (gain / extra, c, extra, trial)
        if best is None:
            break
        _, c, extra, trial = best
        widths[c] += extra
        per_col[c] = trial
        spare -= extra
        current = height(per_col)
    return widths


def table_floor(ctx: Ctx) -> int:
    """The smallest size a table may be set in."""
    return max(12, round(ctx.style.min_body_px * ctx.style.table_min_scale))


def table_units(ctx: Ctx, table: Table, capacity: float, block: int = -1) -> list[Unit]:
    ncol = len(table.header)
    if ncol == 0:
        return []
    rows = [[normalise(c) for c in (*row, *[""] * ncol)[:ncol]]
            for row in (table.header, *table.rows)]
    floor = table_floor(ctx)
    px = min(ctx.px, max(floor, round(ctx.px * ctx.table_scale)))
    for _ in range(4):  # widths scale with the size: one estimate, then a check or two
        pad = ctx.style.table_pad * px
        cells = _cells(ctx, rows, px)
        widths = column_widths(cells, ctx.w, pad, px)
        if widths is not None:
            return _grid_units(ctx, cells, widths, table.align, capacity, px, block)
        least = sum(2 * pad + max(row[c].widest for row in cells) for c in range(ncol))
        smaller = min(px - 1, math.floor(px * ctx.w / least))
        if smaller < floor or px == floor:
            break
        px = max(floor, smaller)
    return card_units(ctx, rows, block)


# ------------------------------------------------------------------ grid


def _grid_units(ctx: Ctx, cells: list[list[_Cell]], widths: list[float], align: Sequence[str],
                capacity: float, px: int, block: int) -> list[Unit]:
    header = _row_units(ctx, cells[0], widths, align, capacity, (block, 0), px)[0]
    header.keep_with_next = True
    units = [header]
    for r, row in enumerate(cells[1:], start=1):
        for unit in _row_units(ctx, row, widths, align, capacity - header.height, (block, r), px):
            unit.header = header
            units.append(unit)
    body = units[1:]
    if len(body) >= 2:
        body[0].keep_with_next = True  # the header never stands with fewer than two rows…
        body[-2].keep_with_next = True  # …and the last row never alone under a repeated header
    return units


def _row_units(ctx: Ctx, row: list[_Cell], widths: list[float], align: Sequence[str],
               capacity: float, where: tuple[int, int], px: int) -> list[Unit]:
    """One table row (``where``: block index, row number), split into several units if it is
    taller than a page."""
    block, row_no = where
    pitch = px * ctx.style.table_line_spacing
    pad, vpad = ctx.style.table_pad * px, 0.25 * px
    is_header = row_no == 0
    role = "table_header" if is_header else "table_cell"
    broken = [break_ranges(c.text, c.cw, w - 2 * pad, w - 2 * pad, c.spans)
              for c, w in zip(row, widths, strict=True)]
    per_unit = max(1, math.floor((capacity - 2 * vpad) / pitch))
    nlines = max(1, *(len(b) for b in broken))

    def piece(first: int, n: int, h: float) -> Callable[[], list[Element]]:
        def make() -> list[Element]:
            elements: list[Element] = [Box(ctx.x0, 0.0, ctx.w, h, "table_header_fill")] if is_header else []
            elements += _grid(ctx, widths, h)
            x = ctx.x0
            for c, (cell, ranges) in enumerate(zip(row, broken, strict=True)):
                a = align[c] if c < len(align) else "l"
                for k, (s, e) in enumerate(ranges[first:first + n]):
                    lw = sum(cell.cw[s:e])
                    lx = {"r": x + widths[c] - pad - lw, "c": x + (widths[c] - lw) / 2}.get(a, x + pad)
                    base = vpad + k * pitch + ctx.baseline(px, pitch)
                    xs = list(itertools.accumulate(cell.cw[s:e - 1], initial=lx))
                    elements.append(TextLine(cell.text[s:e], tuple(xs), base, px, is_header, role, lx + lw,
                                             block, (row_no, c), first + k, len(ranges)))
                x += widths[c]
            return elements
        return make

    units = []
    for first in range(0, nlines, per_unit):
        n = min(per_unit, nlines - first)
        h = n * pitch + 2 * vpad
        units.append(Unit(h, make=piece(first, n, h)))
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


def card_units(ctx: Ctx, rows: list[list[str]], block: int = -1) -> list[Unit]:
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
                elements.append(replace(line, block=block, cell=(0, c), index=k, count=len(lranges)))
            for k, rng in enumerate(ranges):
                line = place_line(text, cw, rng, value_x, y + k * pitch + base, (px, c == 0, "table_cell"))
                elements.append(replace(line, block=block, cell=(row_no, c), index=k, count=len(ranges)))
            y += n * pitch + (2 * vpad if c == 0 else 0.0)
        h = y + vpad
        elements += [Box(ctx.x0, 0.0, ctx.w, r, "table_rule"), Box(ctx.x0, h - r, ctx.w, r, "table_rule"),
                     Box(ctx.x0, 0.0, r, h, "table_rule"), Box(ctx.x0 + ctx.w - r, 0.0, r, h, "table_rule")]
        unit = Unit(h, elements)
        unit.space_before = 0.5 * px if row_no > 1 else 0.0
        units.append(unit)
    return units
