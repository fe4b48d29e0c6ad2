"""A whole notice on pages: title, blocks, images, the 落款 at the bottom, "（续）" on following pages.

``layout_notice`` tries the candidate body sizes from ``body_px`` down to ``min_body_px`` and
pages the notice at the smallest when it does not fit on one page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kiosk import strings
from kiosk.content.model import Block, Heading, ImageBlock, Item, Paragraph, Table
from kiosk.layout.lines import EPS, Ctx, Memo, Unit, normalise, place_line, text_units, wrap_plain
from kiosk.layout.tables import table_units
from kiosk.layout.types import Element, ImageBox, Measure, Page, TextLine, TextStyle, moved


def _block_units(ctx: Ctx, block: Block, capacity: float) -> list[Unit]:
    gap = ctx.style.paragraph_spacing * ctx.px
    if isinstance(block, Paragraph):
        units = text_units(ctx, block.text, 1.0, "body", "justify")
    elif isinstance(block, Heading):
        units = text_units(ctx, block.text, ctx.style.heading_scale, "heading", "left")
        for u in units:
            u.keep_with_next = True
    elif isinstance(block, Table):
        units = table_units(ctx, block, capacity)
    elif isinstance(block, ImageBlock):
        units = [_image_unit(ctx, block, capacity)]
    else:
        return []
    if units:
        units[0].space_before = gap
    return units


def _image_unit(ctx: Ctx, block: ImageBlock, capacity: float) -> Unit:
    pitch = ctx.px * ctx.style.line_spacing
    cap_h = pitch if block.caption else 0.0
    h = max(1.0, min((ctx.bottom - ctx.top) * ctx.style.image_height, capacity - cap_h))
    w = min(ctx.w, h * ctx.style.image_aspect)
    x = ctx.x0 + (ctx.w - w) / 2
    elements: list[Element] = [ImageBox(block.path, x, 0.0, w, h, block.caption)]
    if block.caption:
        cap = normalise(block.caption)
        cw = ctx.m.advances(cap, ctx.px, False)
        lx = ctx.x0 + max(0.0, (ctx.w - sum(cw)) / 2)
        elements.append(place_line(cap, cw, (0, len(cap)), lx, h + ctx.baseline(ctx.px, pitch),
                              (ctx.px, False, "caption")))
    return Unit(h + cap_h, elements)


class _Pager:
    def __init__(self, ctx: Ctx, continued: Unit | None) -> None:
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

    def put(self, unit: Unit, gap: float) -> None:
        self.pages[-1].extend(moved(e, self.y + gap) for e in unit.elements)
        self.y += gap + unit.height
        self.empty = False

    def add(self, unit: Unit, chain: float) -> None:
        """Place ``unit``; ``chain`` is its height plus what must stay with it."""
        gap = 0.0 if self.empty else unit.space_before
        if not self.empty and gap + chain > self.room() + EPS:
            self.new_page()
            gap = 0.0
        if self.empty and unit.header is not None:
            self.put(unit.header, 0.0)
        if unit.at_bottom:
            gap = max(gap, self.room() - unit.height)
        self.put(unit, gap)


def _chain_heights(units: list[Unit], capacity: float) -> list[float]:
    """Height of each unit plus the units it keeps with (unless that exceeds a page)."""
    chains = [0.0] * len(units)
    following = 0.0
    for i in range(len(units) - 1, -1, -1):
        u = units[i]
        chain = u.height + (following if u.keep_with_next else 0.0)
        chains[i] = chain if chain <= capacity else u.height
        following = u.space_before + chains[i]
    return chains


def _signature_unit(ctx: Ctx, item: Item) -> Unit:
    pitch = ctx.px * ctx.style.line_spacing
    lines = wrap_plain(item.issuer, ctx.w, ctx.px, ctx.m) + [strings.chinese_day(item.date)]
    elements: list[Element] = []
    for n, text in enumerate(lines):
        cw = ctx.m.advances(text, ctx.px, False)
        x = ctx.x0 + ctx.w - sum(cw)
        base = n * pitch + ctx.baseline(ctx.px, pitch)
        elements.append(place_line(text, cw, (0, len(text)), x, base, (ctx.px, False, "signature")))
    return Unit(len(lines) * pitch, elements, ctx.style.signature_gap * ctx.px, at_bottom=True)


def _continued_unit(ctx: Ctx, title: str) -> Unit:
    px = ctx.size(ctx.style.continued_scale)
    text = normalise(title) + strings.CONTINUED
    if ctx.m(text, px, False) > ctx.w:  # shorten the title, keep the mark
        mark = "…" + strings.CONTINUED
        text = wrap_plain(title, ctx.w - ctx.m(mark, px, False), px, ctx.m)[0] + mark
    cw = ctx.m.advances(text, px, False)
    pitch = px * ctx.style.line_spacing
    x = ctx.x0 + max(0.0, (ctx.w - sum(cw)) / 2)
    line = place_line(text, cw, (0, len(text)), x, ctx.baseline(px, pitch), (px, False, "continued"))
    return Unit(pitch + ctx.style.paragraph_spacing * ctx.px, [line])


def _layout_at(item: Item, width: int, height: int, style: TextStyle, m: Memo,
               px: int) -> list[list[Element]]:
    ctx = Ctx(style, m, px, float(style.margin_x), float(width - 2 * style.margin_x),
               float(style.margin_top), float(height - style.margin_bottom))
    continued = _continued_unit(ctx, item.title)
    capacity = ctx.bottom - ctx.top - continued.height
    units = text_units(ctx, item.title, style.title_scale, "title", "centre")
    if units:
        units[-1].height += style.title_gap * px
    for n, block in enumerate(item.body):
        for u in _block_units(ctx, block, capacity):
            u.elements = [replace(e, block=n) if isinstance(e, TextLine) else e for e in u.elements]
            units.append(u)
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
    m = Memo(measure)
    sizes = _candidate_sizes(style)
    pages: list[list[Element]] = []
    px = sizes[-1]
    for px in sizes:
        if px != sizes[-1] and not _may_fit(item, width, height, style, px):
            continue
        pages = _layout_at(item, width, height, style, m, px)
        if len(pages) == 1:
            break
    area = (float(style.margin_x), float(style.margin_top), float(width - 2 * style.margin_x),
            float(height - style.margin_top - style.margin_bottom))
    return [Page(width, height, n + 1, len(pages), px, tuple(els), area)
            for n, els in enumerate(pages)]
