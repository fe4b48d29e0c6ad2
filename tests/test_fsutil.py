"""fsync_tree makes every file and directory of a tree durable (files several at a time)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kiosk import fsutil


def test_fsync_tree_syncs_every_file_then_every_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "version"
    for n in range(40):
        sub = root / ("items" if n % 2 else "images")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{n}").write_bytes(b"x" * n)
    synced: list[str] = []
    lock = threading.Lock()
    real = os.fsync

    def record(fd: int) -> None:
        with lock:
            synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    fsutil.fsync_tree(root)
    files = {str(p) for p in root.rglob("*") if p.is_file()}
    dirs = [str(root / "images"), str(root / "items"), str(root)]
    assert set(synced[:len(files)]) == files  # all the files first (in any order)
    assert sorted(synced[len(files):-1]) == dirs[:2] and synced[-1] == str(root)  # then the folders, root last
