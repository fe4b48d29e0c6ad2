"""File names that survive FAT32/exFAT (USB sticks) and Windows: checks used by publish and tests."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
MAX_NAME = 255  # UTF-16 code units per name (FAT long names, exFAT)
MAX_PATH = 240  # a path inside the feed tree, leaves room for a mount point on Windows


def name_problem(name: str) -> str | None:
    """Why ``name`` (one path component) is not FAT/exFAT-safe, or None."""
    if name in ("", ".", ".."):
        return f"{name!r} is not a file name"
    bad = _FORBIDDEN.search(name)
    if bad:
        return f"{name!r} contains {bad.group()!r}, not allowed on FAT/exFAT (< > : \" / \\ | ? * or control)"
    if name[-1] in ". " or name[0] == " ":
        return f"{name!r} starts with a space or ends with a dot or space"
    if _RESERVED.match(name):
        return f"{name!r} is a reserved device name on Windows"
    if len(name.encode("utf-16-le")) // 2 > MAX_NAME:
        return f"{name[:40]!r}… is longer than {MAX_NAME} characters"
    return None


def path_problems(relpaths: Iterable[str], max_path: int = MAX_PATH) -> list[str]:
    """Problems of a set of ``/``-separated relative paths: bad names, case clashes, length."""
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}  # (folded parent, folded name) -> first spelling
    for rel in relpaths:
        if len(rel) > max_path:
            problems.append(f"{rel[:60]}…: path longer than {max_path} characters")
        parts = rel.split("/")
        for depth, part in enumerate(parts):
            problem = name_problem(part)
            if problem:
                problems.append(f"{rel}: {problem}")
                break
            parent = "/".join(parts[:depth]).casefold()
            key = (parent, part.casefold())
            first = seen.setdefault(key, "/".join(parts[: depth + 1]))
            spelled = "/".join(parts[: depth + 1])
            if first != spelled:
                problems.append(f"{rel}: {spelled!r} and {first!r} differ only in case")
                break
    return problems


def tree_problems(root: Path) -> list[str]:
    """FAT/exFAT problems of every file and directory name below ``root``."""
    rels: list[str] = []
    for dirpath, dirs, files in os.walk(root):
        base = Path(dirpath).relative_to(root).as_posix()
        for name in dirs + files:
            rels.append(name if base == "." else f"{base}/{name}")
    return path_problems(rels)
