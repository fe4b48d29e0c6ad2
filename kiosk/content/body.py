"""Parse the body of an item (paragraphs, sub-headings, tables, images) into blocks."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.content.errors import ContentError
from kiosk.content.limits import LIMITS
from kiosk.content.model import Block, Heading, ImageBlock, Paragraph, Table

_IMAGE = re.compile(r"^!\[(?P<caption>[^\]]*)\]\((?P<path>[^)]+)\)$")
_ALIGN_CELL = re.compile(r"^:?-{3,}:?$")


def _join_lines(lines: list[str]) -> str:
    """Join the lines of one paragraph: no space between CJK, one between Latin words."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def _alignment(cell: str) -> str:
    if cell.startswith(":") and cell.endswith(":"):
        return "c"
    if cell.endswith(":"):
        return "r"
    return "l"


def parse_table(lines: list[str], path: Path, first_line: int) -> Table:
    header = _cells(lines[0])
    if len(lines) < 2 or not all(_ALIGN_CELL.match(c) for c in _cells(lines[1])):
        raise ContentError(path, f"line {first_line + 1}: a table needs an alignment row like |---|---:| "
                                 "under its header", "body")
    align = [_alignment(c) for c in _cells(lines[1])]
    if len(align) != len(header):
        raise ContentError(path, f"line {first_line + 1}: alignment row has {len(align)} cells, "
                                 f"header has {len(header)}", "body")
    if len(header) > LIMITS.table_columns:
        raise ContentError(path, f"line {first_line}: the table has {len(header)} columns, more than the "
                                 f"{LIMITS.table_columns} a screen shows: split it", "body")
    if len(lines) - 2 > LIMITS.table_rows:
        raise ContentError(path, f"line {first_line}: the table has {len(lines) - 2} rows, more than the "
                                 f"{LIMITS.table_rows} a screen shows: split it into several tables", "body")
    rows: list[tuple[str, ...]] = []
    for n, line in enumerate(lines[2:], start=first_line + 2):
        cells = _cells(line)
        if len(cells) != len(header):
            raise ContentError(path, f"line {n}: table row has {len(cells)} cells, header has {len(header)}",
                               "body")
        rows.append(tuple(cells))
    for n, row in enumerate((header, *rows), start=first_line):
        longest = max((len(c) for c in row), default=0)
        if longest > LIMITS.table_cell_chars:
            where = n if n == first_line else n + 1  # the alignment row sits between header and rows
            raise ContentError(path, f"line {where}: a table cell of {longest} characters, more than the "
                                     f"{LIMITS.table_cell_chars} a cell may hold", "body")
    return Table(header=tuple(header), rows=tuple(rows), align=tuple(align))


def parse_body(text: str, path: Path, root: Path, first_line: int = 1) -> tuple[Block, ...]:
    """Parse body text; ``first_line`` is the file line number of the body's first line."""
    blocks: list[Block] = []
    para: list[str] = []
    table: list[str] = []
    table_start = 0

    def flush_para() -> None:
        if para:
            joined = _join_lines(para)
            if joined:
                blocks.append(Paragraph(joined))
            para.clear()

    def flush_table() -> None:
        if table:
            blocks.append(parse_table(table, path, table_start))
            table.clear()

    for n, raw in enumerate(text.splitlines(), start=first_line):
        line = raw.strip()
        if line.startswith("|"):
            flush_para()
            if not table:
                table_start = n
            table.append(line)
            continue
        flush_table()
        if not line:
            flush_para()
        elif line.startswith("#"):
            flush_para()
            heading = line.lstrip("#").strip()
            if heading:
                blocks.append(Heading(heading))
        elif m := _IMAGE.match(line):
            flush_para()
            blocks.append(ImageBlock(path=resolve_asset(root, m["path"], path, f"body line {n}"),
                                     caption=m["caption"].strip()))
        else:
            para.append(line)
    flush_table()
    flush_para()
    return tuple(blocks)


def resolve_asset(root: Path, rel: str, path: Path, field: str) -> Path:
    """Resolve a relative asset path inside the content folder; refuse escapes and missing files."""
    if not rel or rel.startswith(("/", "\\")) or ".." in Path(rel).parts:
        raise ContentError(path, f"image path {rel!r} must be relative and stay inside the content folder", field)
    full = (root / rel).resolve()
    try:
        full.relative_to(root.resolve())
    except ValueError:
        raise ContentError(path, f"image path {rel!r} leads outside the content folder", field) from None
    if not full.is_file():
        raise ContentError(path, f"image {rel!r} not found (looked for {full})", field)
    return full
