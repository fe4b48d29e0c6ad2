"""Breaking a paragraph into justified lines the way Chinese print does (W3C clreq).

Punctuation first.  A full-width mark is half ink, half blank: closing brackets and the pause
and stop marks (、，。：；！？) have their blank on the right, opening brackets on the left
(Simplified Chinese glyph positions).  Two adjacent marks ("”。" "，“" "：“" "）。") always lose
one blank, so the pair takes one and a half em (clreq 3.1.6).  When a line is a little too long,
it may be set by compressing the blanks of its marks (the one at the line's end first) instead
of being broken earlier and widened (clreq 3.8 "push-in"); only what is left is made up by
widening the gaps between characters.

Breaking is greedy while every line sets well; a paragraph where a line would need its gaps
widened a lot (an unbreakable number or Latin word that does not fit) or that would end on a
line of one or two characters is broken again as a whole (total fit, as in Knuth and Plass):
the break points that give the smallest sum of the lines' badness.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from kiosk.layout.chars import CLOSING, OPENING, STOPS

INNER_MAX = 0.25  # of a mark's width: what push-in may take from a mark inside the line
STRETCH_OK = 0.12  # em per gap a greedy line may be widened before the paragraph is reconsidered
STRETCH_MAX = 0.25  # em per gap: beyond this a line counts as badly spaced
SHORT_LAST = 2  # a last line of this many characters or fewer is avoided


@dataclass
class Para:
    """A paragraph's text with what breaking and setting it need (widths in pixels)."""

    text: str
    cw: list[float]
    em: float
    breaks: list[int]  # positions a line may end at (ascending, the text's length last)
    gap_before: list[bool]  # a gap may be widened before this character
    left: list[float]  # compressible blank on the left of each character
    right: list[float]  # …on the right
    pair_r: list[float]  # blank taken from the right of i because i+1 is a mark too
    pair_l: list[float]  # blank taken from the left of i because i-1 is a mark too
    # prefix sums (index i: the sum over characters before i) and what push-in may take from a mark
    inner: list[float] = field(default_factory=list)
    p_cw: list[float] = field(default_factory=list)
    p_pr: list[float] = field(default_factory=list)
    p_pl: list[float] = field(default_factory=list)
    p_rem: list[float] = field(default_factory=list)
    p_gap: list[int] = field(default_factory=list)
    _lines: dict[tuple[float, float], list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def make(cls, text: str, cw: Sequence[float], em: float, spans: Sequence[tuple[int, int]],
             gap_before: Sequence[bool]) -> Para:
        shape = _shape(text, tuple(spans), tuple(gap_before))
        n = len(text)
        cw = list(cw)
        left, right, inner = [0.0] * n, [0.0] * n, [0.0] * n
        for i in shape.opening:
            left[i] = cw[i] / 2 if cw[i] > 0.75 * em else 0.0  # full-width forms only
        for i in shape.closing:
            right[i] = cw[i] / 2 if cw[i] > 0.75 * em else 0.0
        pair_r, pair_l = [0.0] * n, [0.0] * n
        for i in shape.pairs:  # two marks side by side: one blank goes
            if right[i]:
                pair_r[i] = right[i]
            elif left[i + 1] and left[i]:
                pair_l[i + 1] = left[i + 1]
        for i in (*shape.opening, *shape.closing):
            blank = left[i] + right[i] - pair_l[i] - pair_r[i]
            inner[i] = min(INNER_MAX * cw[i], blank) if blank > 0 else 0.0
        p = cls(text, cw, em, list(shape.breaks), list(gap_before), left, right, pair_r, pair_l)
        acc = itertools.accumulate
        p.inner = inner
        p.p_cw = [0.0, *acc(cw)]
        p.p_pr = [0.0, *acc(pair_r)] if shape.pairs else shape.zeros
        p.p_pl = [0.0, *acc(pair_l)] if shape.pairs else shape.zeros
        p.p_rem = [0.0, *acc(inner)]
        p.p_gap = shape.p_gap
        return p

    # ------------------------------------------------------------ one line [s, e)

    def trim(self, s: int, e: int) -> tuple[int, int]:
        while s < e and self.text[s] == " ":
            s += 1
        while e > s and self.text[e - 1] == " ":
            e -= 1
        return s, e

    def natural(self, s: int, e: int) -> float:
        """Width of ``text[s:e]`` on one line, adjacent marks compressed."""
        if e <= s:
            return 0.0
        return (self.p_cw[e] - self.p_cw[s] - (self.p_pr[e - 1] - self.p_pr[s])
                - (self.p_pl[e] - self.p_pl[s + 1]))

    def shrink(self, s: int, e: int) -> float:
        """How much more the marks of the line could give: the last one down to half width,
        the others a quarter of an em each (more would read as half-width marks)."""
        if e <= s:
            return 0.0
        return (self.p_rem[e] - self.p_rem[s] - self.inner[e - 1] + self.right[e - 1]
                - (self.inner[s] if self.left[s] and e - 1 > s else 0.0))  # never the line's first

    def gaps(self, s: int, e: int) -> int:
        return self.p_gap[e] - self.p_gap[s + 1] if e > s + 1 else 0

    def badness(self, s: int, e: int, width: float) -> float:
        """0 for a line set exactly; grows with the spacing it needs; 1 at 0.25 em a gap."""
        s, e = self.trim(s, e)
        nat = self.natural(s, e)
        if nat <= width:
            g = self.gaps(s, e)
            if g == 0:
                return 0.0 if nat >= width - 0.01 else 4.0
            return ((width - nat) / g / self.em / STRETCH_MAX) ** 2
        room = self.shrink(s, e)
        if room <= 0:
            return 1e6
        return 0.5 * ((nat - width) / room) ** 2

    def fits(self, s: int, e: int, width: float) -> bool:
        s, e = self.trim(s, e)
        return self.natural(s, e) - self.shrink(s, e) <= width + 0.01

    # ------------------------------------------------------------ breaking

    def greedy(self, first: float, rest: float) -> list[tuple[int, int]]:
        lines: list[tuple[int, int]] = []
        s, width, n = 0, first, len(self.text)
        while s < n:
            e = self._longest(s, width)
            nxt = self._next_break(e)
            if nxt is not None and self.fits(s, nxt, width) and \
                    self.badness(s, nxt, width) < self.badness(s, e, width):
                e = nxt  # push in: compress punctuation rather than widen the gaps
            lines.append((s, e))
            s, width = e, rest
        return [r for r in (self.trim(a, b) for a, b in lines) if r[0] < r[1]]

    def _next_break(self, e: int) -> int | None:
        k = bisect.bisect_right(self.breaks, e)
        return self.breaks[k] if k < len(self.breaks) else None

    def _longest(self, s: int, width: float) -> int:
        """The furthest break after ``s`` whose line fits at its natural width (at least one)."""
        lo = bisect.bisect_right(self.breaks, s)
        best = None
        hi = len(self.breaks) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            a, b = self.trim(s, self.breaks[mid])
            if self.natural(a, b) <= width + 0.01:
                best, lo = self.breaks[mid], mid + 1
            else:
                hi = mid - 1
        if best is not None:
            return best
        return self._force(s, width)

    def _force(self, s: int, width: float) -> int:
        """A piece wider than a line (a long number or web address): break it between characters."""
        e = s + 1
        while e < len(self.text) and self.natural(s, e + 1) <= width + 0.01:
            e += 1
        return e

    def total_fit(self, first: float, rest: float) -> list[tuple[int, int]]:
        """Break points with the least total badness (short last lines avoided).

        The inner loop is written out (no method calls): it runs for every pair of a line
        start and a break point within a line's width.
        """
        text, n, em = self.text, len(self.text), self.em
        p_cw, p_pr, p_pl, p_rem, p_gap = self.p_cw, self.p_pr, self.p_pl, self.p_rem, self.p_gap
        inner, right, left = self.inner, self.right, self.left
        lstart = [self.trim(b, n)[0] for b in range(n + 1)]  # a line starting at b starts here
        best: dict[int, tuple[float, int]] = {0: (0.0, -1)}
        active: list[int] = [0]
        limit = STRETCH_MAX * em
        for j in self.breaks:
            e = j
            while e > 0 and text[e - 1] == " ":
                e -= 1
            cands = []
            keep_from = len(active)
            for k, i in enumerate(active):
                width = first if i == 0 else rest
                s = lstart[i]
                if e <= s:
                    nat = shrink = 0.0
                    gaps = 0
                else:
                    nat = p_cw[e] - p_cw[s] - (p_pr[e - 1] - p_pr[s]) - (p_pl[e] - p_pl[s + 1])
                    shrink = p_rem[e] - p_rem[s] - inner[e - 1] + right[e - 1] - (inner[s] if left[s] else 0.0)
                    gaps = p_gap[e] - p_gap[s + 1] if e > s + 1 else 0
                if nat - shrink > width + 0.01:
                    continue  # too long now and for every later break: not kept
                if keep_from == len(active):
                    keep_from = k
                if j == n:
                    cost = 0.0 if nat <= width else 0.5 * ((nat - width) / shrink) ** 2
                    if e - s <= SHORT_LAST and i > 0:
                        cost += 50.0
                elif nat <= width:
                    if gaps == 0:  # one piece that cannot fill the line: the worst line there is
                        cost = 0.0 if nat >= width - 0.01 else 1000.0 + (width - nat) / width
                    else:
                        cost = ((width - nat) / gaps / limit) ** 2
                        if cost > 1.0:  # too loose: kept only as a last resort, and the later
                            cands.append((best[i][0] + cost + 100.1, i))  # starts are looser still
                            break
                else:
                    cost = 0.5 * ((nat - width) / shrink) ** 2
                cands.append((best[i][0] + cost + 0.1, i))
            active = active[keep_from:]
            if cands:
                best[j] = min(cands)
                active.append(j)
        if n not in best:
            return self.greedy(first, rest)
        out, j = [], n
        while j > 0:
            i = best[j][1]
            out.append((i, j))
            j = i
        return [r for r in (self.trim(a, b) for a, b in reversed(out)) if r[0] < r[1]]

    def lines(self, first: float, rest: float) -> list[tuple[int, int]]:
        """The paragraph's lines: ``first`` wide, then ``rest`` (remembered per pair of widths)."""
        key = (first, rest)
        lines = self._lines.get(key)
        if lines is None:
            lines = self.greedy(first, rest)
            if self._needs_total_fit(lines, first, rest):
                lines = self.total_fit(first, rest)
            self._lines[key] = lines
        return lines

    def _needs_total_fit(self, lines: list[tuple[int, int]], first: float, rest: float) -> bool:
        if len(lines) < 2:
            return False
        s, e = lines[-1]
        if e - s <= SHORT_LAST:
            return True
        for k, (s, e) in enumerate(lines[:-1]):
            width = first if k == 0 else rest
            nat = self.natural(s, e)
            g = self.gaps(s, e)
            if nat < width and (g == 0 or (width - nat) / g / self.em > STRETCH_OK):
                return True
        return False

    # ------------------------------------------------------------ setting

    def positions(self, s: int, e: int, x: float, width: float,
                  justify: bool) -> tuple[list[float], float]:
        """Left x of each character of the line ``[s, e)`` set from ``x`` in ``width``.

        Returns the xs and the right edge.  Adjacent marks are always compressed; a line too
        long for ``width`` is compressed further (its last mark first); a short one is widened
        at its gaps when ``justify``, by at most a quarter of an em each: a line that would
        need more (an unbreakable telephone number that did not fit) ends short of the edge
        rather than spreading its characters apart.
        """
        cut_l = [self.pair_l[i] if i > s else 0.0 for i in range(s, e)]
        cut_r = [self.pair_r[i] if i < e - 1 else 0.0 for i in range(s, e)]
        extra = 0.0
        gap_at: set[int] = set()
        nat = self.natural(s, e)
        if nat > width + 0.01:
            self._compress(s, e, nat - width, cut_l, cut_r)
        elif justify and nat < width - 0.01:
            gap_at = {i for i in range(s + 1, e) if self.gap_before[i]}
            if gap_at:  # never wider than STRETCH_MAX: past that the line stays a little short
                extra = min((width - nat) / len(gap_at), STRETCH_MAX * self.em)
        xs = []
        for k, i in enumerate(range(s, e)):
            if i in gap_at:
                x += extra
            xs.append(x - cut_l[k])
            x += self.cw[i] - cut_l[k] - cut_r[k]
        return xs, x

    def _compress(self, s: int, e: int, need: float, cut_l: list[float], cut_r: list[float]) -> None:
        """Take ``need`` pixels from the marks' blanks: the line's last mark first (down to half
        width), then the others alike (a quarter of an em each at most)."""
        last = min(self.right[e - 1] - cut_r[-1], need)
        cut_r[-1] += last
        need -= last
        others = [i for i in range(s + 1, e - 1) if self.inner[i] > 0]
        total = sum(self.inner[i] for i in others)
        if need > 0.01 and total > 0:
            share = min(1.0, need / total)
            for i in others:
                k = i - s
                if self.right[i] > 0:
                    cut_r[k] += self.inner[i] * share
                else:
                    cut_l[k] += self.inner[i] * share


@dataclass(frozen=True)
class _Shape:
    """What breaking a text needs that does not depend on its size (remembered per text)."""

    breaks: tuple[int, ...]
    opening: tuple[int, ...]  # positions of marks with a blank on the left
    closing: tuple[int, ...]  # …on the right
    pairs: tuple[int, ...]  # i where i and i + 1 are both marks
    p_gap: list[int]  # gaps that may widen before each position (prefix sums)
    zeros: list[float]


@functools.lru_cache(maxsize=8192)
def _shape(text: str, spans: tuple[tuple[int, int], ...], gap_before: tuple[bool, ...]) -> _Shape:
    n = len(text)
    opening = tuple(i for i, ch in enumerate(text) if ch in OPENING)
    closing = tuple(i for i, ch in enumerate(text) if ch in CLOSING or ch in STOPS)
    marks = set(opening) | set(closing)
    pairs = tuple(i for i in sorted(marks) if i + 1 in marks)
    breaks = tuple(sorted({e for _, e in spans} | {s for s, _ in spans if s > 0} | {n}))
    gaps = [1 if (g and i > 0) else 0 for i, g in enumerate(gap_before)]
    return _Shape(breaks, opening, closing, pairs, [0, *itertools.accumulate(gaps)], [0.0] * (n + 1))
