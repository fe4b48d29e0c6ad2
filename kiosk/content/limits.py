"""How much a content folder may hold: the one place for every limit on input from outside.

Publishing (``kiosk feed publish``, the office's forms) refuses content over these limits with a
message naming the file, the field and the limit; the screen checks them again when it loads a
version (a notice over a limit is refused, the others play) and its image decoder refuses an image
over the pixel limit before decoding it.  The figures keep the largest input a screen accepts within
a small board's memory and a first frame within seconds (bench/bench_limits.py measures them).

Also here: reading TOML and JSON from outside with a bound on nesting (deeply nested input made the
parsers raise RecursionError, which nothing expected).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """The limits, each with the reason a user would be given."""

    item_bytes: int = 256 * 1024  # one notice file (front matter and body, UTF-8): about 85,000 Chinese characters
    items: int = 2000  # notices in one content folder (one feed version)
    table_rows: int = 500  # rows of one table (without its header)
    table_columns: int = 12  # columns of one table: more are unreadable on any screen
    table_cell_chars: int = 1000  # characters in one table cell
    item_images: int = 50  # images of one notice (listed in images = [...] and in its text)
    text_file_bytes: int = 256 * 1024  # content.toml, catalogue.toml, one playlist
    playlists: int = 200  # playlist files in one folder
    toml_depth: int = 8  # tables and arrays inside each other in any TOML file (the formats need 4)
    json_depth: int = 32  # the same in feed metadata read from a stick (TUF needs about 6)
    image_bytes: int = 25 * 1024 * 1024  # one image file
    image_pixels: int = 50_000_000  # width x height of one image (a 48-megapixel phone photo fits)
    image_side: int = 20_000  # the longer side of one image, in pixels

    @property
    def image_megapixels(self) -> float:
        return self.image_pixels / 1_000_000


LIMITS = Limits()


class TooDeepError(ValueError):
    """Structured input nests deeper than allowed."""


def nesting_depth(value: object, stop_after: int | None = None) -> int:
    """How deeply lists and dicts nest in ``value`` (a scalar: 0), without recursion.

    ``stop_after``: return as soon as the depth exceeds it (for a quick refusal).
    """
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if stop_after is not None and deepest > stop_after:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def _check_depth(value: object, limit: int) -> None:
    depth = nesting_depth(value, stop_after=limit)
    if depth > limit:
        raise TooDeepError(f"tables and arrays nested more than {limit} deep (no valid file needs that many)")


def parse_toml(text: str, limits: Limits = LIMITS) -> dict[str, Any]:
    """``tomllib.loads`` with a bound on nesting.

    Raises:
        tomllib.TOMLDecodeError: not valid TOML.
        TooDeepError: valid, but nested deeper than ``limits.toml_depth``.
    """
    try:
        data = tomllib.loads(text)
    except RecursionError:  # the parser recurses once per level
        raise TooDeepError(f"tables and arrays nested more than {limits.toml_depth} deep "
                           "(no valid file needs that many)") from None
    _check_depth(data, limits.toml_depth)
    return data


def parse_json(data: bytes | str, limits: Limits = LIMITS) -> Any:  # noqa: ANN401 - JSON is any value
    """``json.loads`` with a bound on nesting.

    Raises:
        ValueError: not valid JSON (``json.JSONDecodeError``), or nested deeper than
            ``limits.json_depth`` (:class:`TooDeepError`).
    """
    try:
        value = json.loads(data)
    except RecursionError:
        raise TooDeepError(f"arrays and objects nested more than {limits.json_depth} deep") from None
    depth = nesting_depth(value, stop_after=limits.json_depth)
    if depth > limits.json_depth:
        raise TooDeepError(f"arrays and objects nested more than {limits.json_depth} deep")
    return value


def kib(count: int) -> str:
    """A byte count as a user reads it: ``256 KB``, ``25 MB``, ``256.1 KB`` (one decimal unless whole)."""
    unit, size = ("MB", count / (1024 * 1024)) if count >= 1024 * 1024 else ("KB", count / 1024)
    text = f"{size:.1f}".removesuffix(".0")
    return f"{text} {unit}"
