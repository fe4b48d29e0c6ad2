"""Load and validate a content folder (see docs/content-format.md).

Every problem is reported as ``FILE: field: reason``.  A bad item is skipped and
logged; the rest still load.  Only an unusable folder (no catalogue, broken
content.toml) raises :class:`ContentError`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.content.body import parse_body, resolve_asset
from kiosk.content.errors import ContentError
from kiosk.content.feedback import FeedbackUrlError, check_template
from kiosk.content.limits import LIMITS, TooDeepError, kib, parse_toml
from kiosk.content.model import (
    Audience,
    Catalogue,
    Category,
    Content,
    ImageBlock,
    Item,
    Priority,
    Publisher,
)
from kiosk.content.punct import full_width_item

log = logging.getLogger(__name__)

_CATEGORY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
_ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_ITEM_FIELDS = {
    "id", "category", "title", "issuer", "date", "show_from", "show_until", "priority",
    "audience", "tags", "images", "feedback_url",
}
_DEFAULT_COLOUR = (180, 20, 30)
MAX_FEEDBACK_URL = 300


def read_text(path: Path, limit: int = LIMITS.text_file_bytes) -> str:
    """Read a UTF-8 text file (BOM tolerated) with a clear message for other encodings.

    Only a regular file of at most ``limit`` bytes is read: a pipe or device named like a content
    file (which would block loading for ever) or an oversized file is refused without reading it.
    """
    data = _read_regular(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it looks like GBK/GB18030: save it as UTF-8)"
        except UnicodeDecodeError:
            pass
        raise ContentError(path, f"not valid UTF-8 at byte {e.start}{hint}", "encoding") from None


def _read_regular(path: Path, limit: int) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise ContentError(path, f"cannot read file: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ContentError(path, "not a regular file (a pipe, device or socket): not read")
        if st.st_size > limit:
            raise ContentError(path, f"the file is {kib(st.st_size)}, more than the {kib(limit)} a screen reads: "
                                     "split it into several notices", "size")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ContentError(path, f"the file grew past the {kib(limit)} a screen reads while it was read",
                                   "size")
        return b"".join(chunks)
    except OSError as e:
        raise ContentError(path, f"cannot read file: {e.strerror or e}") from None
    finally:
        os.close(fd)


def read_toml(path: Path, text: str | None = None, *, field: str | None = None,
              line_offset: int = 0) -> dict[str, Any]:
    """Parse TOML; ``line_offset`` shifts reported line numbers to lines of the file."""
    text = read_text(path) if text is None else text
    try:
        return parse_toml(text)
    except tomllib.TOMLDecodeError as e:
        msg = re.sub(r"line (\d+)", lambda m: f"line {int(m[1]) + line_offset}", str(e))
        raise ContentError(path, f"invalid TOML: {msg}", field) from None
    except TooDeepError as e:
        raise ContentError(path, f"invalid TOML: {e}", field) from None


def _str(data: dict[str, Any], key: str, path: Path, *, required: bool = True, default: str = "") -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise ContentError(path, "missing (required)", key)
        return default
    if not isinstance(value, str):
        raise ContentError(path, f"must be text, got {type(value).__name__}", key)
    value = value.strip()
    if required and not value:
        raise ContentError(path, "must not be empty", key)
    return value


def _feedback(data: dict[str, Any], path: Path) -> str | None:
    """An optional feedback URL template, checked now so a typo is reported with its file."""

    template = _str(data, "feedback_url", path, required=False) or None
    if template is not None and len(template) > MAX_FEEDBACK_URL:
        raise ContentError(path, f"{len(template)} characters: too long for a QR code that can be scanned from "
                                 f"a distance (at most {MAX_FEEDBACK_URL}; use a short link)", "feedback_url")
    if template is not None:
        try:
            check_template(template)
        except FeedbackUrlError as e:
            raise ContentError(path, e.reason, "feedback_url") from None
    return template


def parse_colour(value: object, path: Path, field: str) -> tuple[int, int, int]:
    if value is None:
        return _DEFAULT_COLOUR
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise ContentError(path, f"colour must look like \"#C8102E\", got {value!r}", field)
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


# ---------------------------------------------------------------- bundle files


def load_publisher(root: Path) -> Publisher:
    path = root / "content.toml"
    if not path.is_file():
        raise ContentError(path, "missing: every content folder needs content.toml with at least name = \"…\"")
    data = read_toml(path)
    logo = None
    if data.get("logo"):
        logo = resolve_asset(root, _str(data, "logo", path), path, "logo")
    feedback = _feedback(data, path)
    return Publisher(name=_str(data, "name", path), label=_str(data, "label", path, required=False,
                                                               default="党务公开") or "党务公开",
                     logo=logo, feedback_url=feedback)


def load_catalogue(root: Path, default_group: str) -> Catalogue:
    path = root / "catalogue.toml"
    if not path.is_file():
        raise ContentError(path, "missing: every content folder needs a catalogue of categories")
    data = read_toml(path)
    raw = data.get("category")
    if not isinstance(raw, list) or not raw:
        raise ContentError(path, "needs at least one [[category]] table", "category")
    cats: list[Category] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        field = f"category {n}"
        if not isinstance(entry, dict):
            raise ContentError(path, "must be a table", field)
        cid = _str(entry, "id", path)
        if not _CATEGORY_ID.match(cid):
            raise ContentError(path, f"id {cid!r} must be lower-case letters, digits and '-'", f"{field}.id")
        if cid in seen:
            raise ContentError(path, f"duplicate category id {cid!r}", f"{field}.id")
        seen.add(cid)
        order = entry.get("order", n)
        if not isinstance(order, int) or isinstance(order, bool):
            raise ContentError(path, f"order must be a whole number, got {order!r}", f"{field}.order")
        cats.append(Category(id=cid, name=_str(entry, "name", path), order=order,
                             colour=parse_colour(entry.get("colour"), path, f"{field}.colour"),
                             group=_str(entry, "group", path, required=False, default=default_group)
                             or default_group))
    return Catalogue(tuple(cats))


# ---------------------------------------------------------------- items


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Return (front matter, body, line number of the body's first line)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        raise ContentError(path, "the file must start with a line '+++' opening the TOML front matter",
                           "front matter")
    for n, line in enumerate(lines[1:], start=1):
        if line.strip() == "+++":
            return "\n".join(lines[1:n]), "\n".join(lines[n + 1:]), n + 2
    raise ContentError(path, "no closing '+++' line after the front matter", "front matter")


def _datetime(value: object, path: Path, field: str, *, end: bool = False) -> dt.datetime:
    """A TOML date or local datetime; a date as an end means through that whole day."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            try:
                value = value.astimezone().replace(tzinfo=None)
            except (OverflowError, ValueError):
                raise ContentError(path, f"{value.isoformat()} is out of range in local time: use a date "
                                         "between the years 1 and 9999", field) from None
        return value
    if isinstance(value, dt.date):
        start = dt.datetime.combine(value, dt.time())
        if not end:
            return start
        return dt.datetime.max if value >= dt.date.max else start + dt.timedelta(days=1)
    if isinstance(value, str):
        raise ContentError(path, f"{value!r} is text: write a TOML date without quotes, e.g. 2026-10-08 "
                                 "or 2026-10-08T09:00:00", field)
    raise ContentError(path, f"must be a date like 2026-10-08, got {value!r}", field)


def _str_list(data: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContentError(path, "must be a list of text, e.g. [\"a\", \"b\"]", key)
    return tuple(v.strip() for v in value if v.strip())


def _enum(data: dict[str, Any], key: str, path: Path, enum_type: type[Priority] | type[Audience],
          default: Priority | Audience) -> Any:
    raw = data.get(key)
    if raw is None:
        return default
    try:
        return enum_type(raw)
    except ValueError:
        allowed = " or ".join(repr(e.value) for e in enum_type)
        raise ContentError(path, f"must be {allowed}, got {raw!r}", key) from None


@dataclass(frozen=True)
class ItemHeader:
    """The front matter fields that say what an item is and when and where it may be shown."""

    id: str
    category: str  # not yet checked against a catalogue
    title: str
    date: dt.date
    show_from: dt.datetime
    show_until: dt.datetime | None
    audience: Audience


def item_header(data: dict[str, Any], path: Path) -> ItemHeader:
    """Check an item's front matter (parsed TOML) for unknown fields and read its header fields."""
    unknown = sorted(set(data) - _ITEM_FIELDS)
    if unknown:
        raise ContentError(path, f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_ITEM_FIELDS))}",
                           unknown[0])
    item_id = _str(data, "id", path)
    if not _ITEM_ID.match(item_id):
        raise ContentError(path, f"id {item_id!r} may hold only letters, digits, '-' and '_'", "id")
    category = _str(data, "category", path)
    if "date" not in data:
        raise ContentError(path, "missing (required)", "date")
    date_value = data["date"]
    if isinstance(date_value, dt.datetime):
        date_value = date_value.date()
    if not isinstance(date_value, dt.date):
        _datetime(date_value, path, "date")  # raises with a clear message
    show_from = _datetime(data.get("show_from", date_value), path, "show_from")
    show_until = None
    if data.get("show_until") is not None:
        show_until = _datetime(data["show_until"], path, "show_until", end=True)
        if show_until <= show_from:
            raise ContentError(path, f"ends ({show_until}) before it starts ({show_from})", "show_until")
    return ItemHeader(item_id, category, _str(data, "title", path), date_value, show_from, show_until,
                      _enum(data, "audience", path, Audience, Audience.PUBLIC))


def read_item_header(text: str, path: Path) -> ItemHeader:
    """The header of an item file's text (e.g. from a signed bundle manifest), without its body or images."""
    front, _, _ = split_front_matter(text, path)
    return item_header(read_toml(path, front, field="front matter", line_offset=1), path)


def parse_item(path: Path, root: Path, catalogue: Catalogue, feed: str) -> Item:
    front, body, body_line = split_front_matter(read_text(path, LIMITS.item_bytes), path)
    data = read_toml(path, front, field="front matter", line_offset=1)
    head = item_header(data, path)
    if catalogue.get(head.category) is None:
        known = ", ".join(c.id for c in catalogue.ordered())
        raise ContentError(path, f"unknown category {head.category!r}; the catalogue has: {known}", "category")
    images = tuple(resolve_asset(root, rel, path, "images") for rel in _str_list(data, "images", path))
    feedback = _feedback(data, path)
    body_blocks = parse_body(body, path, root, body_line)
    shown = [*images, *(b.path for b in body_blocks if isinstance(b, ImageBlock))]
    if len(shown) > LIMITS.item_images:
        raise ContentError(path, f"{len(shown)} images, more than the {LIMITS.item_images} one notice may show",
                           "images")
    return Item(
        id=head.id, category=head.category, title=head.title, issuer=_str(data, "issuer", path),
        date=head.date, show_from=head.show_from, show_until=head.show_until,
        priority=_enum(data, "priority", path, Priority, Priority.NORMAL), audience=head.audience,
        tags=_str_list(data, "tags", path), images=images, feedback_url=feedback,
        body=body_blocks, source=path, feed=feed, assets=tuple(_stamp(p, path) for p in shown),
    )


def _stamp(asset: Path, item_file: Path) -> tuple[str, int, int]:
    try:
        st = asset.stat()
    except OSError as e:
        raise ContentError(item_file, f"cannot read image {asset.name}: {e.strerror or e}", "images") from None
    return (str(asset), st.st_size, st.st_mtime_ns)


def load_content(root: Path, feed: str = "local") -> Content:
    """Load a content folder; a notice that fails is skipped and named in ``Content.errors``.

    Raises:
        ContentError: the folder as a whole is unusable (missing, ``content.toml`` or
            ``catalogue.toml`` unreadable or invalid).
    """
    root = Path(root)
    if not root.is_dir():
        raise ContentError(root, "content folder not found")
    publisher = load_publisher(root)
    catalogue = load_catalogue(root, publisher.label)
    items: list[Item] = []
    errors: list[str] = []
    notes: list[str] = []
    seen: dict[str, Path] = {}
    items_dir = root / "items"
    files = sorted(items_dir.glob("*.md")) if items_dir.is_dir() else []
    if len(files) > LIMITS.items:
        msg = (f"{items_dir}: items: {len(files)} notices, more than the {LIMITS.items} a screen loads; "
               f"those after {files[LIMITS.items - 1].name} are skipped")
        errors.append(msg)
        log.error("%s", msg)
        files = files[:LIMITS.items]
    for path in files:
        try:
            item, marks = full_width_item(parse_item(path, root, catalogue, feed))
        except ContentError as e:
            errors.append(str(e))
            log.error("skipping item: %s", e)
            continue
        except Exception as e:  # a bug or an input nobody foresaw: this notice is refused, the rest play
            log.exception("skipping item %s", path)
            errors.append(f"{path}: could not be read ({type(e).__name__}: {e}); skipped")
            continue
        if item.id in seen:
            msg = f"{path}: id: duplicate id {item.id!r} (also in {seen[item.id].name}); skipped"
            errors.append(msg)
            log.error("%s", msg)
            continue
        seen[item.id] = path
        items.append(item)
        if marks:
            notes.append(f"{path}: {len(marks)} half-width mark(s) in Chinese text set full width "
                         f"({' '.join(dict.fromkeys(marks))})")
    return Content(publisher=publisher, catalogue=catalogue, items=tuple(items), root=root,
                   errors=tuple(errors), feed=feed, notes=tuple(notes))
