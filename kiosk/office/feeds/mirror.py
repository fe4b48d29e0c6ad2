"""Copy a feed tree to a mirror directory that nginx or a CDN serves.

New files first (they are never rewritten: consistent snapshots), ``timestamp.json`` last and
atomically, so a mirror is at every moment a complete old or a complete new version.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kiosk import fsutil

TIMESTAMP = Path("metadata") / "timestamp.json"


def mirror_tree(tree: Path, dest: Path) -> int:
    """Bring ``dest`` up to ``tree``; returns the number of files copied (timestamp included)."""
    copied = 0
    for src in sorted(tree.rglob("*")):
        rel = src.relative_to(tree)
        if not src.is_file() or rel == TIMESTAMP or src.name.startswith(fsutil.TMP_PREFIX):
            continue
        target = dest / rel
        if target.exists() and target.stat().st_size == src.stat().st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with fsutil.atomic_file(target) as out, open(src, "rb") as f:
            shutil.copyfileobj(f, out, 1 << 20)
        copied += 1
    stamp = tree / TIMESTAMP
    if stamp.exists():
        data = stamp.read_bytes()
        target = dest / TIMESTAMP
        if not target.exists() or target.read_bytes() != data:
            fsutil.write_bytes(target, data)
            os.utime(target, ns=(stamp.stat().st_atime_ns, stamp.stat().st_mtime_ns))
            copied += 1
    return copied
