"""Typesetting defects of laid-out notices, counted by kind (``kiosk check-layout``).

Each kind is something a reader of a printed official notice would not accept; the checker
looks only at the laid-out pages (what the screen draws), never at how they were made.
Colour contrast is checked by the drawing layer (``kiosk.render.contrast``), which knows
the themes; its defects use the same :class:`Defect` record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kiosk.content.punct import half_width_in_cjk
from kiosk.layout.lines import NO_END, NO_START
from kiosk.layout.types import Box, ImageBox, Measure, Page, TextLine

#: every kind of defect, in report order, with what it means
KINDS: dict[str, str] = {
    "table-cell-broken": "a table cell of up to 6 characters broken over lines",
    "title-unbalanced": "a title line shorter than a third of the longest",
    "page-underfilled": "a page less than a third full (notices of two or more pages)",
    "widow-orphan": "a single line of a paragraph alone at the top or bottom of a page",
    "heading-separated": "a sub-heading with none of its text under it on the same page",
    "short-last-line": "a paragraph whose last line holds only one or two characters",
    "short-line": "a paragraph line before its last that fills less than half the width",
    "table-header-rows": "a table header (or its repetition) with fewer than two rows under it",
    "wide-gaps": "a line whose gaps between characters exceed 0.25 em",
    "half-width-punct": "half-width , ; : ( ) ! ? inside Chinese text",
    "line-break-rule": "a line starting with closing or ending with opening punctuation (禁则)",
    "outside-page": "text outside the page's text block",
    "contrast": "text under 4.5:1 or a mark under 3:1 against what is behind it",
}
SHORT_CELL = 6  # characters: names, dates, numbers, short labels never break
MAX_GAP_EM = 0.25


@dataclass(frozen=True)
class Defect:
    kind: str
    item: str  # the notice's id ("" for theme-wide defects)
    page: int  # 1-based; 0 = not tied to a page
    detail: str

    def __str__(self) -> str:
        where = f"{self.item} p{self.page}" if self.page else (self.item or "theme")
        return f"{self.kind}: {where}: {self.detail}"


def _text_lines(page: Page) -> list[TextLine]:
    return [e for e in page.elements if isinstance(e, TextLine)]


def _bottom(e: TextLine | Box | ImageBox) -> float:
    if isinstance(e, TextLine):
        return e.baseline + 0.12 * e.px
    return e.y + e.h


def check_notice(item_id: str, pages: Sequence[Page], measure: Measure) -> list[Defect]:
    """Every typesetting defect of one notice laid out on ``pages``."""
    out: list[Defect] = []
    for page in pages:
        out += _check_page(item_id, page, measure, len(pages))
    out += _check_title(item_id, pages)
    out += _check_flow(item_id, pages)
    out += _check_cells(item_id, pages)
    return out


def _check_page(item_id: str, page: Page, measure: Measure, count: int) -> list[Defect]:
    out: list[Defect] = []
    lines = _text_lines(page)
    x, y, w, h = page.area
    if count > 1 and h > 0:
        used = _used(page)
        if used < h / 3:
            out.append(Defect("page-underfilled", item_id, page.number, f"{used / h:.0%} of the page used"))
    for line in lines:
        gap = _widest_gap(line, measure)
        if gap > MAX_GAP_EM + 1e-6:
            out.append(Defect("wide-gaps", item_id, page.number, f"{gap:.2f} em in {line.text!r}"))
        for i in half_width_in_cjk(line.text):
            out.append(Defect("half-width-punct", item_id, page.number, f"{line.text[i]!r} in {line.text!r}"))
        if len(line.text) > 1 and (line.text[0] in NO_START or line.text[-1] in NO_END):
            out.append(Defect("line-break-rule", item_id, page.number, repr(line.text)))
        if w > 0 and (line.xs[0] < x - 1 or line.right > x + w + 1 or line.baseline > y + h + 1):
            out.append(Defect("outside-page", item_id, page.number, repr(line.text)))
    return out


def _used(page: Page) -> float:
    """How far down the text block the page's contents reach."""
    top = page.area[1]
    return max((_bottom(e) for e in page.elements), default=top) - top


def _widest_gap(line: TextLine, measure: Measure) -> float:
    """The widest space added between two characters, in em of the line's size."""
    widest = 0.0
    for i in range(len(line.xs) - 1):
        natural = measure(line.text[i], line.px, line.bold)
        widest = max(widest, (line.xs[i + 1] - line.xs[i] - natural) / line.px)
    return widest


def _check_title(item_id: str, pages: Sequence[Page]) -> list[Defect]:
    if not pages:
        return []
    titles = [ln for ln in _text_lines(pages[0]) if ln.role == "title"]
    if len(titles) < 2:
        return []
    widths = [ln.right - ln.xs[0] for ln in titles]
    return [Defect("title-unbalanced", item_id, 1, f"{ln.text!r} beside a line of {len(titles[0].text)}")
            for ln, wd in zip(titles, widths, strict=True) if wd < max(widths) / 3]


def _flow(page: Page) -> list[TextLine]:
    """The page's body text in reading order (title, 续 and 落款 left out)."""
    return sorted((ln for ln in _text_lines(page) if ln.role in ("body", "heading", "table_cell",
                                                                    "table_header")),
                  key=lambda ln: (ln.baseline, ln.xs[0]))


def _check_flow(item_id: str, pages: Sequence[Page]) -> list[Defect]:
    out: list[Defect] = []
    last_page = len(pages)
    totals: dict[int, int] = defaultdict(int)  # rows of each table, from the rows' numbers
    for page in pages:
        for ln in _text_lines(page):
            if ln.role == "table_cell":
                totals[ln.block] = max(totals[ln.block], ln.cell[0])
    for page in pages:
        flow = _flow(page)
        paras = [ln for ln in flow if ln.role == "body"]
        x, _, w, _ = page.area
        for ln in paras:
            if ln.count > 1 and ln.index == ln.count - 1 and len(ln.text) <= 2:
                out.append(Defect("short-last-line", item_id, page.number, f"{ln.text!r} ends a paragraph"))
            elif ln.index < ln.count - 1 and w > 0 and ln.right - x < w / 2:
                out.append(Defect("short-line", item_id, page.number, f"{ln.text!r} before the paragraph's end"))
        if flow:
            first, last = flow[0], flow[-1]
            if first.role == "body" and first.count > 1 and first.index == first.count - 1:
                out.append(Defect("widow-orphan", item_id, page.number, f"last line {first.text!r} at the top"))
            if last.role == "body" and last.count > 1 and last.index == 0:
                out.append(Defect("widow-orphan", item_id, page.number, f"first line {last.text!r} at the bottom"))
            if last.role == "heading" and page.number < last_page:
                out.append(Defect("heading-separated", item_id, page.number, f"{last.text!r} ends the page"))
        out += _check_table_rows(item_id, page, flow, totals)
    return out


def _check_table_rows(item_id: str, page: Page, flow: list[TextLine],
                      totals: dict[int, int]) -> list[Defect]:
    """A header (first or repeated) needs two rows under it unless its table has fewer."""
    out: list[Defect] = []
    rows: dict[int, set[int]] = defaultdict(set)
    headed: set[int] = set()
    for ln in flow:
        if ln.role == "table_header":
            headed.add(ln.block)
        elif ln.role == "table_cell" and ln.cell[0] > 0:
            rows[ln.block].add(ln.cell[0])
    for block in headed:
        shown = len(rows[block])
        if shown < min(2, totals[block]):
            out.append(Defect("table-header-rows", item_id, page.number,
                              f"table {block + 1}: header with {shown} row(s) under it"))
    return out


def _check_cells(item_id: str, pages: Sequence[Page]) -> list[Defect]:
    cells: dict[tuple[int, int, int], list[tuple[int, TextLine]]] = defaultdict(list)
    for page in pages:
        for ln in _text_lines(page):
            if ln.role in ("table_cell", "table_header", "table_label") and ln.cell != (-1, -1):
                cells[(ln.block, *ln.cell)].append((page.number, ln))
    out: list[Defect] = []
    for found in cells.values():
        # a repeated header (or a card's labels) is the same cell again: judge one copy
        lines = {ln.index: ln for _, ln in found}
        text = "".join(lines[i].text for i in sorted(lines))
        count = max(ln.count for _, ln in found)
        if count > 1 and len(text) <= SHORT_CELL:
            out.append(Defect("table-cell-broken", item_id, found[0][0],
                              " / ".join(lines[i].text for i in sorted(lines))))
    return out


def count(defects: Iterable[Defect]) -> dict[str, int]:
    """Defects per kind, every kind present (zeros included), in report order."""
    counts = dict.fromkeys(KINDS, 0)
    for d in defects:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    return counts
