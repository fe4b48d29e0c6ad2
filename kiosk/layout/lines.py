"""Line breaking (禁则) and justification (两端对齐), and the units the pages are built from.

Text is measured through an injected callable ``measure(text, px, bold)``; a string's advance is
taken as the sum of its characters' advances (no kerning), which is also how the drawing layer
places glyphs.  Lines are placed on a pitch of ``px * line_spacing`` with the ideographic em box
(``ascent``/``1 - ascent`` of px above/below the baseline) centred in it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kiosk.layout.chars import ASIDE, CLOSING, OPENING, STOPS
from kiosk.layout.paragraph import Para
from kiosk.layout.titles import balanced_lines
from kiosk.layout.types import Element, ImageSize, Measure, TextLine, TextStyle

#: characters that must not begin a line (closing punctuation)
NO_START = frozenset("，。、；：？！）》」』】〕〉〗］｝”’…—％‰℃°,.;:?!)%]}")
#: characters that must not end a line (opening punctuation)
NO_END = frozenset("（《「『【〔〈〖［｛“‘([{")
EPS = 0.01
# A Latin word or number (1,920.00  98.5%  10:30  2026-10-08) | …… | —— | spaces | one char
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.,:/'_\-][A-Za-z0-9]+)*%?|…+|—+| +|.", re.DOTALL)
_ASIDE = re.compile(ASIDE)


@functools.lru_cache(maxsize=8192)
def _clusters(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[bool, ...]]:
    spans, starts = _find_clusters(text)
    return tuple(spans), tuple(starts)


def clusters(text: str) -> tuple[list[tuple[int, int]], list[bool]]:
    """Unbreakable clusters, and per character whether it starts a token (may be spaced)."""
    spans, starts = _clusters(text)
    return list(spans), list(starts)


def _find_clusters(text: str) -> tuple[list[tuple[int, int]], list[bool]]:
    out: list[tuple[int, int]] = []
    starts = [False] * len(text)
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        starts[s] = True
        if out and (text[s] in NO_START or text[out[-1][1] - 1] in NO_END):
            out[-1] = (out[-1][0], e)  # push-in: keep with the previous cluster
        else:
            out.append((s, e))
    for m in _ASIDE.finditer(text):  # a short aside in brackets stays whole: "各村（社区）" "（7天）。"
        inside = [i for i, (s, e) in enumerate(out) if s < m.end() and e > m.start()]
        if len(inside) > 1:
            out[inside[0]:inside[-1] + 1] = [(out[inside[0]][0], out[inside[-1]][1])]
    return out, starts


def _split_long(text: str, cw: Sequence[float], span: tuple[int, int],
                state: tuple[int, float, float], rest: float,
                lines: list[tuple[int, int]]) -> tuple[int, float, float]:
    """Break a cluster wider than a line between characters, filling the current line."""
    start, w, avail = state
    for i in range(*span):
        if w + cw[i] > avail + EPS and i > start:
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


def break_ranges(text: str, cw: Sequence[float], first: float, rest: float,
                 spans: Sequence[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Greedy line ranges ``[s, e)`` of ``text`` (character advances ``cw``), spaces trimmed.

    ``first`` is the width of the first line, ``rest`` of the others; ``spans`` are the
    unbreakable pieces (default: ``clusters(text)``), broken inside only when wider than a line.
    """
    lines: list[tuple[int, int]] = []
    start, w, avail = 0, 0.0, first
    for s, e in (clusters(text)[0] if spans is None else spans):
        width = sum(cw[s:e])
        if text[s] == " " and text[e - 1] == " ":
            if s == start:
                start = e  # no space at the start of a line
            else:
                w += width
        elif w + width <= avail + EPS:
            w += width
        elif width > rest + EPS or (s == start and width > avail + EPS):
            start, w, avail = _split_long(text, cw, (s, e), (start, w, avail), rest, lines)
        else:
            lines.append((start, s))
            start, w, avail = s, width, rest
    lines.append((start, len(text)))
    return [r for r in (_strip(text, s, e) for s, e in lines) if r[0] < r[1]]


def normalise(text: str) -> str:
    return " ".join(text.split())


class Memo:
    """Memo of character advances over the injected ``measure``.

    Layout code measures through it; passing a ``Memo`` as the ``measure`` of
    ``layout_notice`` shares it across notices (the drawing layer keeps one per font set).
    """

    def __init__(self, measure: Measure) -> None:
        self.measure = measure
        self.tables: dict[tuple[int, bool], dict[str, float]] = {}
        self.paras: dict[tuple[str, int, bool], Para] = {}  # paragraphs analysed for breaking

    def _table(self, px: int, bold: bool) -> dict[str, float]:
        table = self.tables.get((px, bold))
        if table is None:
            table = self.tables[(px, bold)] = {}
        return table

    def __call__(self, text: str, px: int, bold: bool) -> float:
        table = self._table(px, bold)
        if len(text) == 1:
            v = table.get(text)
            if v is None:
                v = table[text] = self.measure(text, px, bold)
            return v
        return sum(self.advances(text, px, bold))

    def advances(self, text: str, px: int, bold: bool) -> list[float]:
        table = self._table(px, bold)
        try:
            return [table[ch] for ch in text]  # the usual case: every character met before
        except KeyError:
            pass
        unseen = [ch for ch in dict.fromkeys(text) if ch not in table]
        if unseen:
            if len(unseen) > 1:  # one call lets a font-backed measure learn them all at once
                self.measure("".join(unseen), px, bold)
            for ch in unseen:
                table[ch] = self.measure(ch, px, bold)
        return [table[ch] for ch in text]


def memo(measure: Measure) -> Memo:
    """``measure`` as a ``Memo`` (itself when it is one already)."""
    return measure if isinstance(measure, Memo) else Memo(measure)


def wrap_plain(text: str, width: float, px: int, measure: Measure,
               bold: bool = False) -> list[str]:
    """Wrap one-line UI text (ticker titles, tile labels) with the same 禁则 rules."""
    text = normalise(text)
    cw = memo(measure).advances(text, px, bold)
    return [text[s:e] for s, e in break_ranges(text, cw, width, width)]


# ------------------------------------------------------------------ lines and units


@dataclass(frozen=True)
class Ctx:
    style: TextStyle
    m: Memo
    px: int
    x0: float
    w: float
    top: float
    bottom: float
    table_scale: float = 1.0  # tables start this much smaller than the body (compact layouts)
    image_size: ImageSize | None = None  # the pixel size of a picture, for its box

    def size(self, scale: float) -> int:
        return max(1, round(self.px * scale))

    def baseline(self, px: int, pitch: float) -> float:
        return (pitch - px) / 2 + self.style.ascent * px


def place_line(text: str, cw: Sequence[float], rng: tuple[int, int], x: float, baseline: float,
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


class Unit:
    """A vertical slice of the flow: a line, a table row, an image; y relative to its top.

    Its elements may be made on first use (``make``): a notice is broken into lines and pages
    at several sizes, and only the size chosen is drawn.
    """

    __slots__ = ("_elements", "below", "header", "height", "keep_with_next", "make", "space_before")

    def __init__(self, height: float, elements: list[Element] | None = None, space_before: float = 0.0,
                 keep_with_next: bool = False, header: Unit | None = None, below: float = 0.0,
                 make: Callable[[], list[Element]] | None = None) -> None:
        self.height = height
        self._elements = elements
        self.space_before = space_before
        self.keep_with_next = keep_with_next
        self.header = header  # repeated first when this unit starts a page (tables)
        self.below = below  # blank under its last line (for how full a page is)
        self.make = make

    @property
    def elements(self) -> list[Element]:
        if self._elements is None:
            self._elements = self.make() if self.make is not None else []
        return self._elements


def paragraph(ctx: Ctx, text: str, px: int, bold: bool) -> Para:
    """``text`` (normalised) ready to be broken and set at ``px`` (kept in the memo: a notice is
    laid out at several sizes, and again when its content is reloaded)."""
    key = (text, px, bold)
    para = ctx.m.paras.get(key)
    if para is None:
        if len(ctx.m.paras) > 20_000:
            ctx.m.paras.clear()
        para = ctx.m.paras[key] = Para.make(text, ctx.m.advances(text, px, bold), px, *_gaps(text))
    return para


@functools.lru_cache(maxsize=8192)
def _gaps(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[bool, ...]]:
    """Clusters of ``text`` and where a justified line may widen a gap (not next to a mark)."""
    spans, starts = _clusters(text)
    gap_before = tuple(st and ch not in CLOSING and ch not in STOPS and (i == 0 or text[i - 1] not in OPENING)
                       for i, (ch, st) in enumerate(zip(text, starts, strict=True)))
    return spans, gap_before


def text_units(ctx: Ctx, text: str, scale: float, role: str, align: str, block: int = -1) -> list[Unit]:
    """Lines of a paragraph (align "justify"), an addressee line ("flush": justified, no
    indent), a heading ("left"), the title ("centre"); ``block`` is the body block's index.

    Paragraphs are justified with punctuation compressed first (``kiosk.layout.paragraph``);
    titles and headings are balanced and broken between words (``kiosk.layout.titles``).
    """
    text, px, bold = normalise(text), ctx.size(scale), role in ("title", "heading")
    if not text:
        return []
    para = paragraph(ctx, text, px, bold)
    indent = 2 * ctx.m("中", px, bold) if align == "justify" else 0.0
    if align in ("justify", "flush"):
        ranges = para.lines(ctx.w - indent, ctx.w)
    else:
        ranges = balanced_lines(para, ctx.w)
    pitch = px * ctx.style.line_spacing
    base = ctx.baseline(px, pitch)

    def line(n: int) -> Callable[[], list[Element]]:
        def make() -> list[Element]:
            s, e = ranges[n]
            x = ctx.x0 + (indent if n == 0 else 0.0)
            width = ctx.x0 + ctx.w - x
            if align == "centre":
                x = ctx.x0 + max(0.0, (ctx.w - para.natural(s, e)) / 2)
            xs, right = para.positions(s, e, x, width, align in ("justify", "flush") and n < len(ranges) - 1)
            return [TextLine(text[s:e], tuple(xs), base, px, bold, role, right, block, index=n, count=len(ranges))]
        return make

    below = (pitch - px) / 2
    return [Unit(pitch, below=below, make=line(n)) for n in range(len(ranges))]
