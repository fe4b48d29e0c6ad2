"""Per-feed sync status: thread-safe in memory, persisted as ``status.json`` for ``kiosk status``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

from kiosk import fsutil
from kiosk.feed.errors import FeedError

STATUS_FILE = "status.json"


@dataclass(frozen=True)
class FeedStatus:
    feed: str
    version: int | None = None  # version playing
    last_success: dt.datetime | None = None
    last_attempt: dt.datetime | None = None
    last_error: str | None = None  # None after a success
    error_kind: str | None = None  # "refused" | "fetch" | "clock" | "store" | "config" | "error"
    failures: int = 0  # consecutive failures

    def line(self) -> str:
        """One human line for ``kiosk status`` and logs."""
        version = "nothing yet" if self.version is None else f"version {self.version}"
        ok = _fmt(self.last_success) if self.last_success else "never"
        text = f"{self.feed}: {version}; last successful sync {ok}"
        if self.last_error:
            text += f"; last error ({self.error_kind}, {_fmt(self.last_attempt)}): {self.last_error}"
        return text

    def to_json(self) -> dict:
        doc = dataclasses.asdict(self)
        for key in ("last_success", "last_attempt"):
            doc[key] = _fmt(doc[key]) if doc[key] else None
        return doc

    @classmethod
    def from_json(cls, doc: dict) -> FeedStatus:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in doc.items() if k in fields}
        for key in ("last_success", "last_attempt"):
            values[key] = _parse(values.get(key))
        return cls(**values)


def _fmt(when: dt.datetime | None) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else "-"


def _parse(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


class StatusBook:
    """Status of every feed; updated by the sync thread, read by the player and the CLI."""

    def __init__(self, state_dir: Path, feeds: list[str]) -> None:
        self.path = Path(state_dir) / STATUS_FILE
        self._lock = threading.Lock()
        saved = read_status(state_dir)
        self._feeds = {name: saved.get(name, FeedStatus(name)) for name in feeds}

    def snapshot(self) -> dict[str, FeedStatus]:
        with self._lock:
            return dict(self._feeds)

    def success(self, feed: str, version: int | None, when: dt.datetime) -> FeedStatus:
        return self._update(feed, version=version, last_success=when, last_attempt=when,
                            last_error=None, error_kind=None, failures=0)

    def failure(self, feed: str, error: Exception, when: dt.datetime, version: int | None) -> FeedStatus:
        kind = error.kind if isinstance(error, FeedError) else "error"
        with self._lock:
            failures = self._feeds.get(feed, FeedStatus(feed)).failures + 1
        return self._update(feed, version=version, last_attempt=when, last_error=str(error),
                            error_kind=kind, failures=failures)

    def _update(self, feed: str, **changes: object) -> FeedStatus:
        with self._lock:
            status = dataclasses.replace(self._feeds.get(feed, FeedStatus(feed)), **changes)  # type: ignore[arg-type]
            self._feeds[feed] = status
            doc = {"feeds": {name: s.to_json() for name, s in self._feeds.items()}}
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fsutil.write_json(self.path, doc)
            except OSError:
                pass  # status is informative; never let it stop a sync
        return status


def read_status(state_dir: Path) -> dict[str, FeedStatus]:
    """Status saved by the last sync (empty when none)."""
    doc = fsutil.read_json(Path(state_dir) / STATUS_FILE)
    feeds = doc.get("feeds") if isinstance(doc, dict) else None
    if not isinstance(feeds, dict):
        return {}
    out: dict[str, FeedStatus] = {}
    for name, entry in feeds.items():
        if isinstance(entry, dict):
            try:
                out[name] = FeedStatus.from_json({**entry, "feed": name})
            except TypeError:
                continue
    return out
