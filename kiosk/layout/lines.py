"""Line breaking (禁则) and justification (两端对齐), and the units the pages are built from.

Text is measured through an injected callable ``measure(text, px, bold)``; a string's advance is
taken as the sum of its characters' advances (no kerning), which is also how the drawing layer
places glyphs.  Lines are placed on a pitch of ``px * line_spacing`` with the ideographic em box
(``ascent``/``1 - ascent`` of px above/below the baseline) centred in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kiosk.layout.types import Element, Measure, TextLine, TextStyle

#: characters that must not begin a line (closing punctuation)
NO_START = frozenset("，。、；：？！）》」』】〕〉〗］｝”’…—％‰℃°,.;:?!)%]}")
#: characters that must not end a line (opening punctuation)
NO_END = frozenset("（《「『【〔〈〖［｛“‘([{")
EPS = 0.01
# A Latin word or number (1,920.00  98.5%  10:30  2026-10-08) | …… | —— | spaces | one char
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.,:/'_\-][A-Za-z0-9]+)*%?|…+|—+| +|.", re.DOTALL)


def clusters(text: str) -> tuple[list[tuple[int, int]], list[bool]]:
    """Unbreakable clusters, and per character whether it starts a token (may be spaced)."""
    out: list[tuple[int, int]] = []
    starts = [False] * len(text)
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        starts[s] = True
        if out and (text[s] in NO_START or text[out[-1][1] - 1] in NO_END):
            out[-1] = (out[-1][0], e)  # push-in: keep with the previous cluster
        else:
            out.append((s, e))
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


def wrap_plain(text: str, width: float, px: int, measure: Measure,
               bold: bool = False) -> list[str]:
    """Wrap one-line UI text (ticker titles, tile labels) with the same 禁则 rules."""
    text = normalise(text)
    cw = Memo(measure).advances(text, px, bold)
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


@dataclass
class Unit:
    """A vertical slice of the flow: a line, a table row, an image; y relative to its top."""

    height: float
    elements: list[Element]
    space_before: float = 0.0
    keep_with_next: bool = False
    header: Unit | None = None  # repeated first when this unit starts a page (tables)
    at_bottom: bool = False  # pushed down to the bottom of the page (落款)


def text_units(ctx: Ctx, text: str, scale: float, role: str, align: str) -> list[Unit]:
    """Lines of a paragraph (align "justify"), heading ("left"), title ("centre")…"""
    text, px, bold = normalise(text), ctx.size(scale), role in ("title", "heading")
    cw = ctx.m.advances(text, px, bold)
    indent = 2 * ctx.m("中", px, bold) if align == "justify" else 0.0
    ranges = break_ranges(text, cw, ctx.w - indent, ctx.w)
    pitch = px * ctx.style.line_spacing
    starts = clusters(text)[1]
    units = []
    for n, rng in enumerate(ranges):
        x = ctx.x0 + (indent if n == 0 else 0.0)
        just = None
        if align == "justify" and n < len(ranges) - 1:
            just = (ctx.x0 + ctx.w - x, starts)
        elif align == "centre":
            x = ctx.x0 + (ctx.w - sum(cw[rng[0]:rng[1]])) / 2
        line = place_line(text, cw, rng, x, ctx.baseline(px, pitch), (px, bold, role), just)
        units.append(Unit(pitch, [replace(line, index=n, count=len(ranges))]))
    return units
