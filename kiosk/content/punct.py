"""Half-width punctuation inside Chinese text, set full width at load (, ; : ( ) ! ?).

Chinese text takes full-width marks (，；：（）！？); a half-width comma between two Chinese
characters ("之后,一直") is drawn cramped.  A mark is in Chinese context when the nearest
character before or after it (spaces skipped) is a CJK character or full-width mark; marks
between digits or Latin letters ("1,920"、"10:30"、"https://") stay as they are.  Brackets are
converted as a pair: "(2026年修订)" and "(App)" inside a Chinese sentence both become （…）.
Spaces written around a converted mark go: the full-width mark carries its own spacing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.content.model import Block, Heading, ImageBlock, Item, Paragraph, Table

HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？"}


def is_cjk(ch: str) -> bool:
    """A CJK ideograph, kana, CJK or full-width punctuation (the characters of Chinese text)."""
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFE30 <= o <= 0xFE4F
            or 0xFF01 <= o <= 0xFF60 or 0xFFE0 <= o <= 0xFFE6 or 0x20000 <= o <= 0x3FFFF
            or ch in "“”‘’…—·")


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] == " ":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _in_context(text: str, i: int) -> bool:
    before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
    return (bool(before) and is_cjk(before)) or (bool(after) and is_cjk(after))


def _pairs(text: str) -> dict[int, int]:
    """Matching half-width brackets: position of each '(' and ')' -> its partner."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            j = stack.pop()
            pairs[i], pairs[j] = j, i
    return pairs


def half_width_in_cjk(text: str) -> list[int]:
    """Positions of half-width , ; : ( ) ! ? that stand in Chinese context."""
    if not any(mark in text for mark in HALF_TO_FULL):  # most texts have none: the scan below took a
        return []                                        # third of the CPU of loading 2,000 notices
    pairs = _pairs(text)
    found = []
    for i, ch in enumerate(text):
        if ch not in HALF_TO_FULL:
            continue
        if ch in "()" and i in pairs:
            a, b = sorted((i, pairs[i]))
            inside = any(is_cjk(c) for c in text[a + 1:b])
            if inside or _in_context(text, a) or _in_context(text, b):
                found.append(i)
        elif _in_context(text, i):
            found.append(i)
    return found


@dataclass(frozen=True)
class Normalised:
    text: str
    marks: str  # the half-width marks that were converted, in order ("" = unchanged)


def full_width(text: str) -> Normalised:
    """``text`` with its half-width marks in Chinese context set full width."""
    positions = set(half_width_in_cjk(text))
    if not positions:
        return Normalised(text, "")
    out: list[str] = []
    for i, ch in enumerate(text):
        if i in positions:
            out.append(HALF_TO_FULL[ch])
        elif ch != " " or not _touches(text, i, positions):
            out.append(ch)
    return Normalised("".join(out), "".join(text[i] for i in sorted(positions)))


def _touches(text: str, i: int, positions: set[int]) -> bool:
    """The space ``text[i]`` is in a run of spaces next to a converted mark."""
    j, k = i, i
    while j >= 0 and text[j] == " ":
        j -= 1
    while k < len(text) and text[k] == " ":
        k += 1
    return j in positions or k in positions


def full_width_item(item: Item) -> tuple[Item, str]:
    """``item`` with every text in it normalised (title, issuer, paragraphs, headings, table cells,
    captions), and the half-width marks that were converted."""
    marks: list[str] = []

    def fix(text: str) -> str:
        n = full_width(text)
        marks.append(n.marks)
        return n.text

    title, issuer = fix(item.title), fix(item.issuer)
    body: list[Block] = []
    for b in item.body:
        if isinstance(b, Paragraph):
            body.append(Paragraph(fix(b.text)))
        elif isinstance(b, Heading):
            body.append(Heading(fix(b.text)))
        elif isinstance(b, Table):
            body.append(Table(tuple(fix(c) for c in b.header), tuple(tuple(fix(c) for c in row) for row in b.rows),
                              b.align))
        elif isinstance(b, ImageBlock):
            body.append(ImageBlock(b.path, fix(b.caption)))
        else:
            body.append(b)
    converted = "".join(marks)
    if not converted:
        return item, ""
    return replace(item, title=title, issuer=issuer, body=tuple(body)), converted
