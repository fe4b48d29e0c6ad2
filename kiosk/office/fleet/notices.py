"""Which notices a feed published, with their 公示期 and audience: read from its signed versions.

Coverage must list every notice screens should have shown, including one that no screen ever
showed and one withdrawn since, so the list comes from the feed's own signed tree (every targets
version is kept: consistent snapshots), not from what screens reported.  Each version's items are
read once with the content loader's own header rules (:func:`kiosk.content.loader.read_item_header`)
into :class:`PublishedNotice`; :func:`refresh` indexes the versions published since the last call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from kiosk.content.errors import ContentError
from kiosk.content.loader import ItemHeader, read_item_header
from kiosk.feed.errors import FeedError
from kiosk.feed.repo import manifest_at, targets_versions
from kiosk.office.feeds.models import Feed
from kiosk.office.fleet.models import NoticeIndex, PublishedNotice

log = logging.getLogger(__name__)
_FAR = dt.datetime(9000, 1, 1)


def refresh(feed: Feed) -> int:
    """Index the versions of ``feed`` not indexed yet; the newest version indexed."""
    index, _ = NoticeIndex.objects.get_or_create(feed=feed)
    versions = [v for v in targets_versions(feed.tree) if v > index.version]
    for version in versions:
        try:
            manifest = manifest_at(feed.tree, version)
        except FeedError as e:
            log.warning("feed %s version %d: %s (skipped)", feed.name, version, e)
            manifest = None
        with transaction.atomic():
            if manifest is not None:
                headers = _headers(feed.name, manifest.files)
                _index_version(feed, version, manifest.published, headers)
            NoticeIndex.objects.filter(pk=index.pk).update(version=version)
    return versions[-1] if versions else index.version


def _headers(feed: str, files: Mapping[str, str]) -> list[ItemHeader]:
    out = []
    for rel, text in files.items():
        if not rel.startswith("items/") or not rel.endswith(".md"):
            continue
        try:
            out.append(read_item_header(text, Path(feed) / rel))
        except ContentError as e:
            log.warning("feed %s: %s (not indexed)", feed, e)
    return out


def _index_version(feed: Feed, version: int, published: dt.datetime, headers: list[ItemHeader]) -> None:
    current = {n.item: n for n in PublishedNotice.objects.filter(feed=feed)}
    seen = set()
    for h in headers:
        seen.add(h.id)
        values = {"title": h.title[:200], "category": h.category[:48], "audience": h.audience.value,
                  "show_from": _aware(h.show_from), "show_until": _aware(h.show_until) if h.show_until else None,
                  "last_version": version, "gone_version": None, "gone_at": None}
        row = current.get(h.id)
        if row is None:
            PublishedNotice.objects.create(feed=feed, item=h.id, first_version=version, first_published=published,
                                           **values)
        else:
            PublishedNotice.objects.filter(pk=row.pk).update(**values)
    for item, row in current.items():
        if item not in seen and row.gone_version is None:
            PublishedNotice.objects.filter(pk=row.pk).update(gone_version=version, gone_at=published)


def _aware(naive: dt.datetime) -> dt.datetime:
    """A notice's local time as aware (an open end written as a far date is kept far, not overflowing)."""
    return timezone.make_aware(min(naive, _FAR), timezone.get_default_timezone())
