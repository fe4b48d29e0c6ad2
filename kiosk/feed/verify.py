"""``kiosk feed verify``: check a feed tree exactly as a screen would, and say what is wrong."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.clock import UtcClock, WallClock
from kiosk.content.errors import ContentError
from kiosk.content.loader import load_content
from kiosk.feed.errors import FeedInvalidError
from kiosk.feed.fetchers import DirectoryFetcher
from kiosk.feed.names import tree_problems
from kiosk.feed.source import FeedSource
from kiosk.feed.store import BUNDLE_FILE, Store
from kiosk.feed.sync import aware, sync_feed


@dataclass(frozen=True)
class VerifyReport:
    version: int
    items: int
    images: int
    expires: dt.datetime  # earliest expiry among timestamp, snapshot, targets
    warnings: tuple[str, ...]

    def lines(self) -> list[str]:
        out = [f"OK: version {self.version}, {self.items} item(s), {self.images} image(s); "
               f"signatures valid until {self.expires:%Y-%m-%d %H:%M} UTC"]
        out += [f"warning: {w}" for w in self.warnings]
        return out


def verify_feed(feed_dir: Path, root_json: Path, clock: WallClock | None = None) -> VerifyReport:
    """Sync ``feed_dir`` into a throw-away store with the screen's own code.

    Raises:
        FeedError: what a screen would refuse, as :func:`~kiosk.feed.sync.sync_feed` raises it.
    """
    feed_dir = Path(feed_dir).resolve()
    clock = clock or UtcClock()
    name = "verify"
    source = FeedSource(name=name, url=feed_dir.as_uri(), root_path=Path(root_json))
    with tempfile.TemporaryDirectory(prefix="kiosk-verify-") as tmp:
        store = Store(Path(tmp))
        result = sync_feed(source, store, DirectoryFetcher(feed_dir), clock)
        folder = store.current(name)
        if folder is None or result.version is None:
            raise FeedInvalidError(name, "verified, but nothing to show", "publish content")
        try:
            content = load_content(folder, feed=name)
        except ContentError as e:
            raise FeedInvalidError(feed_dir.name, f"signed content is unusable: {e}", "publish again") from None
        warnings = [f"item problem: {e}" for e in content.errors]
        warnings += [f"not valid on FAT/exFAT: {p}" for p in tree_problems(feed_dir)]
        expires = _earliest_expiry(store.metadata_dir(name))
        if expires - aware(clock.now()) < dt.timedelta(days=3):
            warnings.append(f"signatures expire on {expires:%Y-%m-%d}: publish again before then")
        images = len(json.loads((folder / BUNDLE_FILE).read_bytes())["images"])
        return VerifyReport(result.version, len(content.items), images, expires, tuple(warnings))


def _earliest_expiry(meta_dir: Path) -> dt.datetime:
    times = []
    for role in ("timestamp", "snapshot", "targets"):
        doc = json.loads((meta_dir / f"{role}.json").read_bytes())
        times.append(dt.datetime.strptime(doc["signed"]["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC))
    return min(times)
