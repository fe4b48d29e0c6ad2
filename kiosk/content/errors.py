"""The one exception family of the content layer: everything it raises is a :class:`ContentError`.

- :class:`ContentError` itself: a content file or folder is unusable; the message names the file,
  the field and the reason (``FILE: field: reason``).
- :class:`~kiosk.content.feedback.FeedbackUrlError`: a feedback URL template cannot be used (it
  may come from a file, a device setting or an office form: the caller adds where).

A notice that fails is skipped and reported in ``Content.errors``; :func:`~kiosk.content.load_content`
raises only when the folder as a whole cannot be used.
"""

from __future__ import annotations

from pathlib import Path


class ContentError(Exception):
    """A content file or folder is unusable (``path`` None: the caller knows where)."""

    def __init__(self, path: Path | str | None, reason: str, field: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.field = field
        self.reason = reason
        where = [str(self.path)] if self.path is not None else []
        where += [field] if field else []
        super().__init__(": ".join([*where, reason]))
