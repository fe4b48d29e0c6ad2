"""Errors of the content layer: each names the file, the field and the reason."""

from __future__ import annotations

from pathlib import Path


class ContentError(Exception):
    """A content file or folder is unusable."""

    def __init__(self, path: Path | str, reason: str, field: str | None = None) -> None:
        self.path = Path(path)
        self.field = field
        self.reason = reason
        where = f"{self.path}: {field}" if field else f"{self.path}"
        super().__init__(f"{where}: {reason}")
