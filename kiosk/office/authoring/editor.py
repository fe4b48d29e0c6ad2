"""The notice form: every field of the content format, the body as blocks, tables as grids.

It works without JavaScript: adding a row, a column or a block is a submit button the server
answers by showing the form again with the change.  ``read_post`` turns the posted form into
an :class:`ItemDraft` (plus the requested operation); ``check`` finds every problem, the
format's own through the screen's loader (``kiosk.content.loader``), and returns them by form
field in Chinese.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.content.errors import ContentError
from kiosk.content.loader import load_catalogue, load_publisher, parse_item
from kiosk.content.writer import DraftBlock, ItemDraft, WriteError, body_first_line, body_text, write_item
from kiosk.office.authoring.messages import chinese
from kiosk.office.feeds.models import Feed

MAX_BLOCKS = 200
MAX_CELLS = 60
BLOCK_LABELS = {"p": "段落", "h": "小标题", "table": "表格", "image": "图片"}


@dataclass
class FormState:
    draft: ItemDraft
    errors: dict[str, list[str]] = field(default_factory=dict)
    op: str = "save"

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _date(value: str, name: str, state: FormState) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        state.error(name, "请按“2026-10-08”的格式填写日期")
        return None


def _time(value: str, name: str, state: FormState) -> dt.time | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        state.error(name, "请按“09:00”的格式填写时间")
        return None


def _moment(post: Mapping[str, str], prefix: str, state: FormState) -> dt.date | dt.datetime | None:
    day = _date(post.get(f"{prefix}_date", ""), f"{prefix}_date", state)
    clock = _time(post.get(f"{prefix}_time", ""), f"{prefix}_time", state)
    if day is None:
        if clock is not None:
            state.error(f"{prefix}_date", "填写了时间，也请填写日期")
        return None
    return dt.datetime.combine(day, clock) if clock is not None else day


def _split_tags(text: str) -> tuple[str, ...]:
    return tuple(t for t in (p.strip() for p in re.split(r"[,，、;；\s]+", text)) if t)


def read_post(post: Mapping[str, str], images: list[str]) -> FormState:
    """The posted form as a draft; ``images`` are the posted values of the multi-select ``images``."""
    state = FormState(ItemDraft(id="", category="", title="", issuer="", date=None))
    blocks: list[DraftBlock] = []
    try:
        count = min(MAX_BLOCKS, int(post.get("nblocks", "0")))
    except ValueError:
        count = 0
    for n in range(count):
        kind = post.get(f"b{n}-kind", "p")
        if kind == "table":
            blocks.append(_read_table(post, n))
        elif kind in ("p", "h", "image"):
            blocks.append(DraftBlock(kind, text=post.get(f"b{n}-text", ""), path=post.get(f"b{n}-path", "")))
    state.draft = ItemDraft(
        id=post.get("id", "").strip(), category=post.get("category", "").strip(),
        title=post.get("title", "").strip(), issuer=post.get("issuer", "").strip(),
        date=_date(post.get("date", ""), "date", state),
        show_from=_moment(post, "from", state), show_until=_moment(post, "until", state),
        priority=post.get("priority", "normal"), audience=post.get("audience", "public"),
        tags=_split_tags(post.get("tags", "")), images=tuple(p for p in images if p),
        feedback_url=post.get("feedback_url", "").strip(), blocks=tuple(blocks))
    state.op = post.get("op", "save")
    return state


def _read_table(post: Mapping[str, str], n: int) -> DraftBlock:
    def number(key: str, default: int) -> int:
        try:
            return max(1, min(MAX_CELLS, int(post.get(key, default))))
        except ValueError:
            return default

    cols, rows = number(f"b{n}-ncols", 2), number(f"b{n}-nrows", 1)
    header = tuple(post.get(f"b{n}-h{c}", "") for c in range(cols))
    align = tuple(post.get(f"b{n}-a{c}", "l") for c in range(cols))
    cells = tuple(tuple(post.get(f"b{n}-c{r}-{c}", "") for c in range(cols)) for r in range(rows))
    return DraftBlock("table", header=header, align=align, rows=cells)


# ---------------------------------------------------------------- block operations


def new_block(kind: str) -> DraftBlock:
    if kind == "table":
        return DraftBlock("table", header=("", ""), align=("l", "l"), rows=(("", ""),))
    return DraftBlock(kind)


def apply_op(draft: ItemDraft, op: str) -> ItemDraft:
    """Add, move or delete a block, or a row or column of a table (``op`` from the pressed button)."""
    blocks = list(draft.blocks)
    kind, _, arg = op.partition("-")
    if kind == "add" and arg in BLOCK_LABELS and len(blocks) < MAX_BLOCKS:
        blocks.append(new_block(arg))
    elif arg.isdigit() and int(arg) < len(blocks):
        n = int(arg)
        b = blocks[n]
        if kind == "del":
            del blocks[n]
        elif kind == "up" and n > 0:
            blocks[n - 1], blocks[n] = blocks[n], blocks[n - 1]
        elif kind == "down" and n + 1 < len(blocks):
            blocks[n + 1], blocks[n] = blocks[n], blocks[n + 1]
        elif b.kind == "table":
            blocks[n] = _table_op(b, kind)
    return dataclasses.replace(draft, blocks=tuple(blocks))


def _table_op(b: DraftBlock, kind: str) -> DraftBlock:
    cols = len(b.header)
    if kind == "row" and len(b.rows) < MAX_CELLS:
        return dataclasses.replace(b, rows=(*b.rows, ("",) * cols))
    if kind == "unrow" and b.rows:
        return dataclasses.replace(b, rows=b.rows[:-1])
    if kind == "col" and cols < MAX_CELLS:
        return dataclasses.replace(b, header=(*b.header, ""), align=(*b.align, "l"),
                                   rows=tuple((*r, "") for r in b.rows))
    if kind == "uncol" and cols > 1:
        return dataclasses.replace(b, header=b.header[:-1], align=b.align[:-1], rows=tuple(r[:-1] for r in b.rows))
    return b


# ---------------------------------------------------------------- checking with the screen's loader


def check(feed: Feed, state: FormState, images: dict[str, Path], taken_ids: set[str]) -> str | None:
    """Fill ``state.errors``; returns the item file's text when the loader accepts it."""
    d = state.draft
    if d.id in taken_ids:
        state.error("id", "这个编号已被另一条公告使用")
    try:
        text = write_item(d)
    except WriteError as e:
        state.error(_block_field(e.block, e.field), chinese(e.reason))
        return None
    with tempfile.TemporaryDirectory(prefix="kiosk-check-") as tmp:
        root = Path(tmp)
        (root / "items").mkdir()
        (root / "content.toml").write_text(feed.content_toml(), encoding="utf-8")
        (root / "catalogue.toml").write_text(feed.catalogue, encoding="utf-8")
        for rel, src in images.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, root / rel)  # not a link: the loader refuses paths leading outside
        path = root / "items" / "notice.md"
        path.write_text(text, encoding="utf-8")
        try:
            publisher = load_publisher(root)
            parse_item(path, root, load_catalogue(root, publisher.label), feed.name)
        except ContentError as e:
            state.error(_field_of(e, d), chinese(e.reason))
    return None if state.errors else text


def _block_field(block: int | None, part: str) -> str:
    if block is None:
        return part or "body"
    if part.startswith("cell "):
        r, c = part.removeprefix("cell ").split(",")
        return f"b{block}-h{c}" if r == "0" else f"b{block}-c{int(r) - 1}-{c}"
    return f"b{block}-{'path' if part == 'path' else 'text'}"


def _field_of(e: ContentError, d: ItemDraft) -> str:
    """The form field a loader error belongs to (body errors: the block holding that line)."""
    name = e.field or "body"
    match = re.match(r"^body line (\d+)$", name) or (re.match(r"^line (\d+)", e.reason) if name == "body" else None)
    if match is None:
        return {"show_from": "from_date", "show_until": "until_date", "front matter": "title"}.get(name, name)
    line = int(match[1]) - body_first_line(d) + 1
    _, spans = body_text(d.blocks)
    for n, (first, last) in enumerate(spans):
        if first <= line <= last:
            return f"b{n}-text" if d.blocks[n].kind != "image" else f"b{n}-path"
    return "body"


def image_rels(d: ItemDraft) -> list[str]:
    return [*d.images, *(b.path for b in d.blocks if b.kind == "image" and b.path)]
