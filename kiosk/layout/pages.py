"""A whole notice on pages, set as a printed official notice is (GB/T 9704 where it applies).

- Size: the notice is set at the preferred body size; a smaller size (never under the minimum)
  is used only when it brings the notice onto fewer pages, and then the largest size that does.
- Title centred and balanced; an addressee line ("各基层党支部：") flush left; paragraphs with a
  two-character indent, justified; the 落款 (issuer over the date, the date four characters in
  from the right edge) one line under the text, not pinned to the foot of the page.
- Pages: as few as the notice needs, then as even as possible (a last page of three lines is
  avoided by moving lines forward); a sub-heading keeps at least two lines of its text with
  it; no paragraph leaves a single line alone at the top or foot of a page; a table's header
  (repeated on each page it continues on) has at least two rows under it; the 落款 stays with
  the last lines.  Following pages open with a small "标题（续）".
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk import strings
from kiosk.content.model import Block, Heading, ImageBlock, Item, Paragraph, Table
from kiosk.layout.chars import (
    ADDRESSEE_END,
    EM_CHAR,
    NOT_ADDRESSEE_ENDS,
    NOT_ADDRESSEE_STARTS,
    SENTENCE_MARKS,
)
from kiosk.layout.lines import EPS, Ctx, Memo, Unit, memo, normalise, place_line, text_units, wrap_plain
from kiosk.layout.tables import table_units
from kiosk.layout.types import Element, ImageBox, ImageSize, Measure, Page, TextStyle, moved

_KEEP_BROKEN = 50.0  # cost of breaking a page where a rule says keep together (in pages: 5)
_PAGE = 10.0  # cost of a page; an uneven page costs at most 1 more
COMPACT_TABLES = 0.8  # tables this much smaller than the body, to avoid a flawed page


def is_addressee(block: Block, first: bool) -> bool:
    """The 主送机关 line of an official notice: "各基层党支部：" "各村（社区）党组织、镇直各单位：".

    The first block, ending in a full-width colon, naming bodies (no sentence punctuation);
    a sentence that announces what follows ("现将有关事项通知如下：") is not one.
    """
    if not (first and isinstance(block, Paragraph)):
        return False
    text = normalise(block.text)
    return (text.endswith(ADDRESSEE_END) and len(text) <= 60 and not any(c in text[:-1] for c in SENTENCE_MARKS)
            and not text.endswith(NOT_ADDRESSEE_ENDS) and not text.startswith(NOT_ADDRESSEE_STARTS))


def _block_units(ctx: Ctx, block: Block, capacity: float, n: int) -> list[Unit]:
    gap = ctx.style.paragraph_spacing * ctx.px
    if isinstance(block, Paragraph):
        align = "flush" if is_addressee(block, n == 0) else "justify"
        units = text_units(ctx, block.text, 1.0, "body", align, n)
        _keep_lines_together(units)
    elif isinstance(block, Heading):
        units = text_units(ctx, block.text, ctx.style.heading_scale, "heading", "left", n)
        for u in units:
            u.keep_with_next = True
    elif isinstance(block, Table):
        units = table_units(ctx, block, capacity, n)
    elif isinstance(block, ImageBlock):
        units = [_image_unit(ctx, block, capacity)]
    else:
        return []
    if units:
        units[0].space_before = gap
    return units


def _keep_lines_together(units: list[Unit]) -> None:
    """No page break that leaves a single line of the paragraph alone (widows and orphans)."""
    n = len(units)
    for k in range(n - 1):
        if k + 1 < 2 or n - (k + 1) < 2:
            units[k].keep_with_next = True


def _image_unit(ctx: Ctx, block: ImageBlock, capacity: float) -> Unit:
    """A photo in the text: as wide as ``image_width`` of the text and as tall as ``image_height``
    of the page allow, its own shape kept, never blown up past twice its pixels; caption under it."""
    pitch = ctx.px * ctx.style.line_spacing
    cap_h = pitch if block.caption else 0.0
    natural = ctx.image_size(block.path) if ctx.image_size is not None else None
    aspect = natural[0] / natural[1] if natural and natural[1] > 0 else ctx.style.image_aspect
    most_h = max(1.0, min((ctx.bottom - ctx.top) * ctx.style.image_height, capacity - cap_h))
    w = min(ctx.w * ctx.style.image_width, most_h * aspect)
    if natural:
        w = min(w, 2.0 * natural[0])
    h = max(1.0, w / aspect)
    x = ctx.x0 + (ctx.w - w) / 2
    elements: list[Element] = [ImageBox(block.path, x, 0.0, w, h, block.caption)]
    if block.caption:
        cap = normalise(block.caption)
        cw = ctx.m.advances(cap, ctx.px, False)
        lx = ctx.x0 + max(0.0, (ctx.w - sum(cw)) / 2)
        elements.append(place_line(cap, cw, (0, len(cap)), lx, h + ctx.baseline(ctx.px, pitch),
                                   (ctx.px, False, "caption")))
    return Unit(h + cap_h, elements, below=(pitch - ctx.px) / 2 if cap_h else 0.0)


# ------------------------------------------------------------------ the 落款


def _signature_unit(ctx: Ctx, item: Item) -> Unit:
    """Issuer over the date; the date four characters in from the right edge, the issuer
    centred over it (GB/T 9704 7.3.5), moved left only as far as it must to stay on the page."""
    px, pitch = ctx.px, ctx.px * ctx.style.line_spacing
    em = ctx.m(EM_CHAR, px, False)
    right = ctx.x0 + ctx.w - ctx.style.signature_indent * em
    date = strings.chinese_day(item.date)
    date_cw = ctx.m.advances(date, px, False)
    date_w = sum(date_cw)
    if right - date_w < ctx.x0:
        right = ctx.x0 + ctx.w
    centre = right - date_w / 2
    issuer = wrap_plain(item.issuer, ctx.w, px, ctx.m)
    elements: list[Element] = []
    for n, text in enumerate([*issuer, date]):
        cw = date_cw if n == len(issuer) else ctx.m.advances(text, px, False)
        w = sum(cw)
        x = right - w if n == len(issuer) else min(ctx.x0 + ctx.w - w, max(ctx.x0, centre - w / 2))
        base = n * pitch + ctx.baseline(px, pitch)
        elements.append(place_line(text, cw, (0, len(text)), x, base, (px, False, "signature")))
    return Unit((len(issuer) + 1) * pitch, elements, ctx.style.signature_gap * pitch, below=(pitch - px) / 2)


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


# ------------------------------------------------------------------ pages


def _units(ctx: Ctx, item: Item, capacity: float) -> list[Unit]:
    units = text_units(ctx, item.title, ctx.style.title_scale, "title", "centre")
    for u in units:
        u.keep_with_next = True
    if units:
        units[-1].height += ctx.style.title_gap * ctx.px
    for n, block in enumerate(item.body):
        units += _block_units(ctx, block, capacity, n)
    for unit in units[-2:]:
        unit.keep_with_next = True  # the 落款 never stands alone on the last page
    units.append(_signature_unit(ctx, item))
    return units


def _page_breaks(units: list[Unit], capacity: float, continued: float) -> tuple[list[int], int]:
    """Where pages start (indexes into ``units``): fewest pages, then the most even ones; and
    how many keep-together rules that had to break.

    A page break where a unit says ``keep_with_next`` is allowed only at a high cost (a chain
    of kept units taller than a page must break somewhere).
    """
    n = len(units)
    # best[i] = (cost, end) for units[i:] set on pages, the first starting with units[i]
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        room = capacity - (continued if i > 0 else 0.0)
        header = units[i].header
        used = header.height if header is not None else 0.0
        options = []
        for j in range(i, n):
            u = units[j]
            used += u.height + (u.space_before if j > i else 0.0)
            if used > room + EPS and j > i:
                break
            end = j + 1
            cost = _PAGE + ((room - used) / room) ** 2 if room > 0 else _PAGE
            if end < n and u.keep_with_next:
                cost += _KEEP_BROKEN
            options.append((cost + best[end][0], end))
        best[i] = min(options)
    starts, i, broken = [], 0, 0
    while i < n:
        starts.append(i)
        i = best[i][1]
        broken += i < n and units[i - 1].keep_with_next
    return starts, broken


@dataclass
class _Laid:
    """A notice broken into units and pages at one size; drawn (``pages()``) only if chosen."""

    ctx: Ctx
    units: list[Unit]
    starts: list[int]
    continued: Unit
    flaws: int  # keep-together rules broken, pages less than a third full
    heights: list[float]  # how far down each page is used
    capacity: float

    @property
    def count(self) -> int:
        return len(self.starts)

    def could_shrink_to(self, px: int) -> bool:
        """Whether the notice set at ``px`` might need fewer pages (its height goes about as the
        square of the size: lines get shorter and fewer characters fit on each)."""
        return sum(self.heights) * (px / self.ctx.px) ** 2 * 0.9 <= (self.count - 1) * self.capacity

    def pages(self) -> list[list[Element]]:
        units, starts, pages = self.units, self.starts, []
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(units)
            y, elements = self.ctx.top, []
            first = units[start]
            if k > 0:
                elements += [moved(e, y) for e in self.continued.elements]
                y += self.continued.height
            if first.header is not None:
                elements += [moved(e, y) for e in first.header.elements]
                y += first.header.height
            for j in range(start, end):
                u = units[j]
                y += u.space_before if j > start else 0.0
                elements += [moved(e, y) for e in u.elements]
                y += u.height
            pages.append(elements)
        return pages


def _page_heights(units: list[Unit], starts: list[int], continued: Unit) -> list[float]:
    """How far down each page its contents reach (as ``kiosk.layout.check`` measures it)."""
    out = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(units)
        header = units[start].header
        y = (continued.height if k > 0 else 0.0) + (header.height if header is not None else 0.0)
        y += sum(units[j].height + (units[j].space_before if j > start else 0.0) for j in range(start, end))
        out.append(y - units[end - 1].below)
    return out


def _layout_at(item: Item, width: int, height: int, style: TextStyle, m: Memo, px: int,
               table_scale: float = 1.0, image_size: ImageSize | None = None) -> _Laid:
    ctx = Ctx(style, m, px, float(style.margin_x), float(width - 2 * style.margin_x),
              float(style.margin_top), float(height - style.margin_bottom), table_scale, image_size)
    continued = _continued_unit(ctx, item.title)
    capacity = ctx.bottom - ctx.top
    units = _units(ctx, item, capacity - continued.height)
    starts, broken = _page_breaks(units, capacity, continued.height)
    heights = _page_heights(units, starts, continued)
    thin = sum(h < capacity / 3 for h in heights) if len(starts) > 1 else 0
    return _Laid(ctx, units, starts, continued, broken + thin, heights, capacity)


def candidate_sizes(style: TextStyle) -> list[int]:
    """Body sizes a notice may take, largest first: ``body_px`` down to ``min_body_px`` in
    ``size_steps`` steps (the same few for every notice, so their measurements are shared)."""
    hi, lo = style.body_px, min(style.min_body_px, style.body_px)
    steps = max(1, style.size_steps)
    return sorted({round(hi - k * (hi - lo) / steps) for k in range(steps + 1)}, reverse=True)


def layout_notice(item: Item, width: int, height: int, style: TextStyle,
                  measure: Measure, image_size: ImageSize | None = None) -> list[Page]:
    """Lay out a notice on pages of ``width`` x ``height`` pixels.

    At ``style.body_px``; at a smaller size (down to ``style.min_body_px``) only when that puts
    the notice on fewer pages, and then at the largest size that does.  A size that would leave
    a page less than a third full (a table that must stay whole, with little beside it) is
    passed over for the largest size without one, if any.
    """
    m = memo(measure)
    sizes = candidate_sizes(style)
    laid: dict[tuple[int, float], _Laid] = {}

    def at(px: int, table_scale: float = 1.0) -> _Laid:
        if (px, table_scale) not in laid:
            laid[(px, table_scale)] = _layout_at(item, width, height, style, m, px, table_scale, image_size)
        return laid[(px, table_scale)]

    def count(px: int) -> int:
        return at(px).count

    px = sizes[0]
    if count(px) > 1 and len(sizes) > 1 and at(px).could_shrink_to(sizes[-1]) and count(sizes[-1]) < count(px):
        # the largest size still giving that many pages (page counts fall as the size does)
        fewest = count(sizes[-1])
        good, bad = len(sizes) - 1, 0
        while good - bad > 1:
            mid = (good + bad) // 2
            if count(sizes[mid]) <= fewest:
                good = mid
            else:
                bad = mid
        px = sizes[good]
    scale = 1.0
    if at(px).flaws:  # try every size, and tables set smaller (down to their floor)
        if any(isinstance(b, Table) for b in item.body):
            for s in sizes:
                at(s, COMPACT_TABLES)
        px, scale = min(laid, key=lambda k: (laid[k].flaws, laid[k].count, -k[0], -k[1]))
    pages = at(px, scale).pages()
    area = (float(style.margin_x), float(style.margin_top), float(width - 2 * style.margin_x),
            float(height - style.margin_top - style.margin_bottom))
    return [Page(width, height, n + 1, len(pages), px, tuple(els), area)
            for n, els in enumerate(pages)]
