"""Catalogue coverage: which categories of a feed have no notice inside its 公示期 now.

Computed by the feed layer's own rule (``kiosk.feed.publish.uncovered``, what
``kiosk feed publish`` warns about) on the content a screen would load.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.utils import timezone

from kiosk.content import ContentError, load_content
from kiosk.feed.publish import uncovered
from kiosk.office.feeds.models import Feed


def empty_after(feed: Feed, files: dict[str, str | None], images: dict[str, str] | None = None,
                now: dt.datetime | None = None) -> list[str]:
    """Names of the categories without a current notice once ``files`` (item path -> text, None =
    removed) and ``images`` (path -> sha256 of an upload) are published."""
    from kiosk.office.approval.building import Edits, write_folder
    from kiosk.office.feeds.service import load_repo

    with tempfile.TemporaryDirectory(prefix="kiosk-coverage-") as tmp:
        folder = write_folder(feed, load_repo(feed), Edits(dict(files), dict(images or {})), Path(tmp) / "content")
        try:
            content = load_content(folder, feed=feed.name)
        except ContentError:
            return []
        return [c.name for c in uncovered(content, now or timezone.now())]


def current_gaps(feed: Feed, now: dt.datetime | None = None) -> list[str]:
    return empty_after(feed, {}, now=now)
