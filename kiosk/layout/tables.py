"""Tables: column widths (natural when they fit, else fair shares), rows split over pages, rules."""

from __future__ import annotations

import math
from collections.abc import Sequence

from kiosk.content.model import Table
from kiosk.layout.lines import Ctx, Unit, break_ranges, clusters, normalise, place_line
from kiosk.layout.types import Box, Element


def _column_widths(ctx: Ctx, cells: list[list[str]], pad: float) -> list[float]:
    """Natural widths when they fit, else minimum (widest unbreakable) plus a fair share."""
    ncol = len(cells[0])
    natural, minimum = [2 * pad] * ncol, [2 * pad] * ncol
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            cw = ctx.m.advances(text, ctx.px, r == 0)
            widest = max((sum(cw[s:e]) for s, e in clusters(text)[0]), default=0.0)
            natural[c] = max(natural[c], sum(cw) + 2 * pad)
            minimum[c] = max(minimum[c], widest + 2 * pad)
    total_nat, total_min = sum(natural), sum(minimum)
    if total_nat <= ctx.w:
        return [n * ctx.w / total_nat for n in natural]
    if total_min <= ctx.w:
        spare = (ctx.w - total_min) / (total_nat - total_min)
        return [lo + (n - lo) * spare for lo, n in zip(minimum, natural, strict=True)]
    return [lo * ctx.w / total_min for lo in minimum]


def table_units(ctx: Ctx, table: Table, capacity: float) -> list[Unit]:
    ncol = len(table.header)
    if ncol == 0:
        return []
    rows = [[normalise(c) for c in (*row, *[""] * ncol)[:ncol]]
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


def _row_units(ctx: Ctx, row: list[str], widths: list[float], align: Sequence[str],
               capacity: float, is_header: bool) -> list[Unit]:
    """One table row, split into several units if it is taller than a page."""
    px, pitch = ctx.px, ctx.px * ctx.style.table_line_spacing
    pad, vpad = ctx.style.table_pad * px, 0.25 * px
    role = "table_header" if is_header else "table_cell"
    cells = []
    for text, width in zip(row, widths, strict=True):
        cw = ctx.m.advances(text, px, is_header)
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
                elements.append(place_line(text, cw, rng, lx, base, (px, is_header, role)))
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
