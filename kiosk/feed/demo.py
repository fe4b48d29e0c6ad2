"""``kiosk demo`` runs the whole chain: sign the demo content into a cached feed, serve it
on 127.0.0.1 and let the player sync from it like a real screen.

The cache holds the keys, the feed and the screen's state dir; it is rebuilt only
when the demo content changed (or the signatures are about to expire), so a
second start reuses what the first built and synced and shows its first frame
from ``store.current()`` without waiting for anything.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import http.server
import json
import logging
import shutil
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

from kiosk import fsutil
from kiosk.feed.publish import publish
from kiosk.feed.repo import init_feed
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import SyncResult, sync_feed

log = logging.getLogger(__name__)

DEMO_FEED = "demo"
RENEW_BEFORE = dt.timedelta(days=7)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection per sync, like a real server
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("demo feed server: " + format, *args)

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # headers and body: no Nagle wait


def serve_directory(folder: Path) -> tuple[http.server.ThreadingHTTPServer, threading.Thread]:
    """A threaded static HTTP server for ``folder`` on 127.0.0.1, ephemeral port."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="kiosk-demo-feed", daemon=True)
    thread.start()
    return server, thread


@dataclass
class DemoFeed:
    source: FeedSource
    state_dir: Path
    rebuilt: bool  # True when this start (re)published the demo content
    _server: http.server.ThreadingHTTPServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def store(self) -> Store:
        return Store(self.state_dir)

    @property
    def url(self) -> str:
        return self.source.url

    def sync(self) -> SyncResult:
        """One blocking sync (the player runs a SyncService instead)."""
        return sync_feed(self.source, self.store)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def content_digest(folder: Path) -> str:
    """Hash of every file (path and bytes) of a content folder."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(".") or "__pycache__" in rel:
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def prepare_demo(content_dir: Path, cache_dir: Path, now: dt.datetime | None = None) -> DemoFeed:
    """Build (or reuse) the demo feed in ``cache_dir`` and serve it; raises FeedError if unpublishable."""
    now = now or dt.datetime.now(dt.UTC)
    cache_dir = Path(cache_dir)
    feed_dir, keys, state, root = (cache_dir / "feed", cache_dir / "keys", cache_dir / "state",
                                   cache_dir / "root.json")
    if not (feed_dir / "metadata" / "timestamp.json").is_file() or not root.is_file():
        for path in (feed_dir, keys, state, root, cache_dir / "demo.json"):
            fsutil.remove_tree(path)  # new keys: the old state trusts nothing of them
        cache_dir.mkdir(parents=True, exist_ok=True)
        result = init_feed(feed_dir, keys, now)
        shutil.copyfile(result.root_json, root)
    digest = content_digest(content_dir)
    stamp = fsutil.read_json(cache_dir / "demo.json") or {}
    rebuilt = stamp.get("digest") != digest or _expires(feed_dir) - now < RENEW_BEFORE
    if rebuilt:
        publish(Path(content_dir), feed_dir, [keys], now)
        fsutil.write_json(cache_dir / "demo.json", {"digest": digest})
        log.info("demo feed rebuilt from %s", content_dir)
    server, thread = serve_directory(feed_dir)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    source = FeedSource(name=DEMO_FEED, url=url, root_path=root, poll_interval=30.0, retry_min=2.0,
                        connect_timeout=2.0, read_timeout=5.0)
    return DemoFeed(source, state, rebuilt, server, thread)


def _expires(feed_dir: Path) -> dt.datetime:
    try:
        doc = json.loads((feed_dir / "metadata" / "timestamp.json").read_bytes())
        return dt.datetime.strptime(doc["signed"]["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except (OSError, ValueError, KeyError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)
