"""Wrapped titles and headings: lines of near-equal length, broken between words.

GB/T 9704 asks a title that needs more than one line to be broken "with the sense of the words
intact, arranged symmetrically, the lines of suitable length", as a trapezoid or a diamond.
So a title takes as few lines as it must; among the ways of breaking it into that many lines,
the one chosen has the most even lines, breaking where the words allow (after punctuation
best, then between two words of two or more characters, then beside a one-character word,
inside a word only when nothing else fits) and, of two equal choices, the longer line above.
"""

from __future__ import annotations

from kiosk.layout.chars import CLOSING, OPENING, STOPS
from kiosk.layout.paragraph import Para
from kiosk.layout.words import word_ends

# cost of breaking at each kind of place, against 20 for lines that differ by the full width
_AFTER_MARK, _BETWEEN_WORDS, _BESIDE_ONE, _INSIDE_WORD = 0.0, 0.3, 0.8, 6.0


def _place_cost(text: str, b: int, ends: frozenset[int], sorted_ends: list[int]) -> float:
    if text[b - 1] in STOPS or text[b - 1] in CLOSING or text[b] in OPENING:
        return _AFTER_MARK
    if b not in ends:
        return _INSIDE_WORD
    k = sorted_ends.index(b)
    before = b - (sorted_ends[k - 1] if k > 0 else 0)
    after = (sorted_ends[k + 1] if k + 1 < len(sorted_ends) else len(text)) - b
    if before >= 2 and after >= 2:
        return _BETWEEN_WORDS
    if text[b - 1].isdigit() or text[b].isdigit():  # "2026|年", "3|名": a number and its unit
        return _INSIDE_WORD
    return _BESIDE_ONE


def balanced_lines(para: Para, width: float) -> list[tuple[int, int]]:
    """Ranges of the title's lines (as few as fit ``width``, as even as the words allow)."""
    greedy = para.greedy(width, width)
    k = len(greedy)
    if k < 2 or k > 6:
        return greedy
    text = para.text
    ends = word_ends(text)
    sorted_ends = sorted(ends)
    n = len(text)
    target = para.natural(0, n) / k
    breaks = [b for b in para.breaks if 0 < b < n]
    place = {b: _place_cost(text, b, ends, sorted_ends) for b in breaks}

    def line_cost(s: int, e: int, previous: float | None) -> float | None:
        a, b = para.trim(s, e)
        w = para.natural(a, b)
        if w > width + 0.01:
            return None
        cost = 20 * ((w - target) / width) ** 2
        if previous is not None and w > previous + 0.5 * para.em:
            cost += 0.2  # prefer the longer line above (正梯形)
        return cost

    # best[(m, j)] = (cost, i, width of the line ending at j): m lines ending at break j
    best: dict[tuple[int, int], tuple[float, int, float]] = {(0, 0): (0.0, -1, 0.0)}
    points = [0, *breaks, n]
    for m in range(1, k + 1):
        for j in points[1:]:
            if (m < k) == (j == n):
                continue
            options = []
            for i in points:
                if i >= j or (m - 1, i) not in best:
                    continue
                prev_cost, _, prev_w = best[(m - 1, i)]
                c = line_cost(i, j, prev_w if m > 1 else None)
                if c is None:
                    continue
                a, b = para.trim(i, j)
                options.append((prev_cost + c + (place[j] if j < n else 0.0), i, para.natural(a, b)))
            if options:
                best[(m, j)] = min(options)
    if (k, n) not in best:
        return greedy
    out, m, j = [], k, n
    while m > 0:
        i = best[(m, j)][1]
        out.append(para.trim(i, j))
        m, j = m - 1, i
    return list(reversed(out))
