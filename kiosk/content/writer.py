"""Write an item file (TOML front matter + body) from plain values: the loader's inverse.

The office's notice form produces an :class:`ItemDraft`; :func:`write_item` turns it into the
authoring format (docs/content-format.md) and :func:`draft_of` turns a loaded ``Item`` back
into a draft.  Whether the result is a valid notice is decided only by the loader
(``kiosk.content.loader.parse_item``): this module only refuses text the format cannot carry
(a paragraph line that would read as a table or a heading, a ``|`` inside a table cell),
naming the block.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.content.model import Heading, ImageBlock, Item, Paragraph, Table

DateValue = dt.date | dt.datetime


@dataclass(frozen=True)
class DraftBlock:
    """One body block: ``kind`` is "p" (paragraph), "h" (sub-heading), "table" or "image"."""

    kind: str
    text: str = ""  # paragraph / heading text, image caption
    path: str = ""  # image path relative to the content folder
    header: tuple[str, ...] = ()
    align: tuple[str, ...] = ()  # "l", "c" or "r" per column
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class ItemDraft:
    id: str
    category: str
    title: str
    issuer: str
    date: dt.date | None
    show_from: DateValue | None = None
    show_until: DateValue | None = None
    priority: str = "normal"
    audience: str = "public"
    tags: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    feedback_url: str = ""
    blocks: tuple[DraftBlock, ...] = field(default_factory=tuple)


class WriteError(ValueError):
    """Text the format cannot carry; ``block`` is the index of the body block (or None) and
    ``field`` the front-matter field or the block part ("text", "cell r,c", "caption")."""

    def __init__(self, reason: str, block: int | None = None, field: str = "") -> None:
        self.reason, self.block, self.field = reason, block, field
        super().__init__(f"block {block}: {field}: {reason}" if block is not None else f"{field}: {reason}")


def _str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _date(value: DateValue) -> str:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat()
    return value.isoformat()


def front_matter(d: ItemDraft) -> str:
    lines = [f"id = {_str(d.id)}", f"category = {_str(d.category)}", f"title = {_str(d.title)}",
             f"issuer = {_str(d.issuer)}"]
    if d.date is not None:
        lines.append(f"date = {_date(d.date)}")
    if d.show_from is not None:
        lines.append(f"show_from = {_date(d.show_from)}")
    if d.show_until is not None:
        lines.append(f"show_until = {_date(d.show_until)}")
    if d.priority != "normal":
        lines.append(f"priority = {_str(d.priority)}")
    if d.audience != "public":
        lines.append(f"audience = {_str(d.audience)}")
    if d.tags:
        lines.append("tags = [" + ", ".join(_str(t) for t in d.tags) + "]")
    if d.images:
        lines.append("images = [" + ", ".join(_str(p) for p in d.images) + "]")
    if d.feedback_url:
        lines.append(f"feedback_url = {_str(d.feedback_url)}")
    return "\n".join(lines)


def _paragraph(text: str, n: int, kind: str) -> str:
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith("|"):
            raise WriteError("a line may not start with '|' (it would read as a table)", n, "text")
        if stripped.startswith("#"):
            raise WriteError("a line may not start with '#' (it would read as a sub-heading)", n, "text")
        if stripped.startswith("![") and stripped.endswith(")"):
            raise WriteError("a line may not be an image mark ![…](…): use an image block", n, "text")
        if stripped == "+++":
            raise WriteError("a line may not be just '+++'", n, "text")
        out.append(stripped)
    if kind == "h":
        joined = "".join(out)
        if not joined:
            raise WriteError("a sub-heading may not be empty", n, "text")
        return "## " + joined
    return "\n".join(out).strip("\n")


def _cell(text: str, n: int, where: str) -> str:
    text = " ".join(text.split())  # no line breaks inside a cell
    if "|" in text:
        raise WriteError("a table cell may not contain '|'", n, where)
    return text


def _table(b: DraftBlock, n: int) -> str:
    if not b.header:
        raise WriteError("a table needs at least one column", n, "header")
    width = len(b.header)
    header = [_cell(c, n, f"cell 0,{i}") for i, c in enumerate(b.header)]
    align = list(b.align[:width]) + ["l"] * (width - len(b.align))
    marks = {"l": ":---", "c": ":---:", "r": "---:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks.get(a, ":---") for a in align) + "|"]
    for r, row in enumerate(b.rows, start=1):
        cells = [_cell(c, n, f"cell {r},{i}") for i, c in enumerate(row[:width])] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _image(b: DraftBlock, n: int) -> str:
    caption = " ".join(b.text.split())
    if "]" in caption:
        raise WriteError("an image caption may not contain ']'", n, "caption")
    if not b.path or ")" in b.path:
        raise WriteError("no image chosen", n, "path")
    return f"![{caption}]({b.path})"


def body_text(blocks: tuple[DraftBlock, ...]) -> tuple[str, list[tuple[int, int]]]:
    """The body and, for each block, its (first line, last line) counted from the body's first line (1)."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    line = 1
    for n, b in enumerate(blocks):
        if b.kind in ("p", "h"):
            text = _paragraph(b.text, n, b.kind)
        elif b.kind == "table":
            text = _table(b, n)
        elif b.kind == "image":
            text = _image(b, n)
        else:
            raise WriteError(f"unknown block kind {b.kind!r}", n, "kind")
        if not text.strip():
            spans.append((line, line))
            continue
        count = text.count("\n") + 1
        spans.append((line, line + count - 1))
        parts.append(text)
        line += count + 1  # a blank line between blocks
    return "\n\n".join(parts), spans


def write_item(d: ItemDraft) -> str:
    """The item file's text; ``WriteError`` for text the format cannot carry."""
    body, _ = body_text(d.blocks)
    return f"+++\n{front_matter(d)}\n+++\n{body}\n"


def body_first_line(d: ItemDraft) -> int:
    """File line number of the body's first line in ``write_item(d)``."""
    return front_matter(d).count("\n") + 4


def draft_of(item: Item, root: Path) -> ItemDraft:
    """A loaded item as a draft (image paths relative to the content folder ``root``)."""
    base = root.resolve()

    def rel(p: Path) -> str:
        try:
            return p.resolve().relative_to(base).as_posix()
        except ValueError:
            return p.as_posix()

    blocks: list[DraftBlock] = []
    for b in item.body:
        if isinstance(b, Paragraph):
            blocks.append(DraftBlock("p", b.text))
        elif isinstance(b, Heading):
            blocks.append(DraftBlock("h", b.text))
        elif isinstance(b, Table):
            blocks.append(DraftBlock("table", header=b.header, align=b.align, rows=b.rows))
        elif isinstance(b, ImageBlock):
            blocks.append(DraftBlock("image", b.caption, rel(b.path)))
    show_from: DateValue = item.show_from
    if item.show_from.time() == dt.time() and item.show_from.date() == item.date:
        show_from = item.date
    elif item.show_from.time() == dt.time():
        show_from = item.show_from.date()
    end = item.show_until
    until: DateValue | None = end
    if end is not None and end.time() == dt.time() and end != dt.datetime.max:
        until = end.date() - dt.timedelta(days=1)  # a date means "through that whole day"
    return ItemDraft(id=item.id, category=item.category, title=item.title, issuer=item.issuer, date=item.date,
                     show_from=None if show_from == item.date else show_from, show_until=until,
                     priority=item.priority.value, audience=item.audience.value, tags=item.tags,
                     images=tuple(rel(p) for p in item.images), feedback_url=item.feedback_url or "",
                     blocks=tuple(blocks))
