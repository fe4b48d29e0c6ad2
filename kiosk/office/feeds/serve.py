"""Serve feed trees read-only at ``/feeds/<feed>/…`` with conditional GET.

Only the names a feed tree holds are answered (``metadata/N.root.json``, ``N.targets.json``,
``N.snapshot.json``, ``timestamp.json``, ``targets/<sha256>.bundle.json`` and
``targets/images/<sha256>.<sha256>.<ext>``); everything else is 404.  Every file but
``timestamp.json`` is written once and never changed (consistent snapshots), so it is cached
for a year; ``timestamp.json`` and 404s must be revalidated every time (``no-cache``), which
costs a 304 of a few hundred bytes when nothing changed.
"""

from __future__ import annotations

import re
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.views.decorators.http import require_safe

from kiosk.office.feeds.models import FEED_NAME
from kiosk.office.paths import data_dir

_PATH = re.compile(
    r"^(metadata/(\d{1,9}\.(root|targets|snapshot)|timestamp)\.json"
    r"|targets/[0-9a-f]{64}\.bundle\.json"
    r"|targets/images/[0-9a-f]{64}\.[0-9a-f]{64}\.(png|jpg|jpeg|gif|bmp|webp))$")
_TYPES = {".json": "application/json", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
          ".gif": "image/gif", ".bmp": "image/bmp", ".webp": "image/webp"}
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def etag_of(size: int, mtime_ns: int) -> str:
    return f'"{size:x}-{mtime_ns:x}"'


def _not_modified(request: HttpRequest, etag: str, mtime: float) -> bool:
    match = request.META.get("HTTP_IF_NONE_MATCH")
    if match is not None:
        return etag in [t.strip().removeprefix("W/") for t in match.split(",")] or match.strip() == "*"
    since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if since:
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


@require_safe
def serve_feed_file(request: HttpRequest, feed: str, path: str) -> HttpResponseBase:
    try:
        FEED_NAME(feed)
    except Exception:  # noqa: BLE001 - any invalid name is simply not there
        raise Http404("no such feed") from None
    if not _PATH.match(path):
        raise Http404("not a feed file")
    file = data_dir().feed(feed) / Path(path)
    try:
        st = file.stat()
    except OSError:
        missing = HttpResponse(status=404, content=b"not found\n", content_type="text/plain")
        missing["Cache-Control"] = REVALIDATE
        return missing
    etag = etag_of(st.st_size, st.st_mtime_ns)
    cache = REVALIDATE if path == "metadata/timestamp.json" else IMMUTABLE
    if _not_modified(request, etag, st.st_mtime):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = FileResponse(open(file, "rb"), content_type=_TYPES[file.suffix])  # noqa: SIM115 - closed by Django
        response["Content-Length"] = str(st.st_size)
    response["ETag"] = etag
    response["Last-Modified"] = formatdate(st.st_mtime, usegmt=True)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    return response
