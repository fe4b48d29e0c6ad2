"""Helpers for the feed tests: content folders, a publisher, a misbehaving HTTP server."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import os
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from kiosk.feed.publish import PublishResult, publish
from kiosk.feed.repo import init_feed
from kiosk.feed.source import FeedSource

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)

CATALOGUE = """\
[[category]]
id = "decisions"
name = "党内决策情况"
order = 1

[[category]]
id = "organisation"
name = "党的组织管理情况"
order = 2
"""


def item_text(item_id: str, category: str = "decisions", title: str = "", images: tuple[str, ...] = (),
              body: str = "第一段正文。") -> str:
    imgs = ", ".join(f'"{i}"' for i in images)
    return (f'+++\nid = "{item_id}"\ncategory = "{category}"\ntitle = "{title or item_id + " 公示"}"\n'
            f'issuer = "中共青禾镇委员会"\ndate = 2026-01-05\nimages = [{imgs}]\n+++\n{body}\n')


def random_bytes(seed: str, size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def random_image(seed: str, size: int) -> bytes:
    """A valid 1x1 PNG of exactly ``size`` bytes (at least 80): the rest is random bytes in a private
    ancillary chunk, so images differ by seed and size while every decoder accepts them."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    head = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0\x80")))
    tail = chunk(b"IEND", b"")
    room = size - len(head) - len(tail) - 12
    if room < 0:
        raise ValueError(f"a PNG needs at least {size - room} bytes")
    return head + chunk(b"rNDm", random_bytes(seed, room)) + tail


def make_content(root: Path, items: dict[str, str] | None = None, images: dict[str, bytes] | None = None) -> Path:
    """A content folder: ``items`` maps file stem to .md text, ``images`` rel path to bytes."""
    if images is None:
        images = {"images/meeting.jpg": random_image("meeting", 3000), "images/logo.png": random_image("logo", 900)}
    if items is None:
        items = {"dues": item_text("dues", "organisation", images=("images/meeting.jpg",)),
                 "plan": item_text("plan")}
    for sub in ("items", "images"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for old in (root / "items").glob("*.md"):
        old.unlink()
    (root / "content.toml").write_text('name = "中共青禾镇委员会"\nlabel = "党务公开"\n', encoding="utf-8")
    (root / "catalogue.toml").write_text(CATALOGUE, encoding="utf-8")
    for stem, text in items.items():
        (root / "items" / f"{stem}.md").write_text(text, encoding="utf-8")
    for rel, data in images.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def tree(folder: Path | None) -> dict[str, bytes]:
    """Every file below ``folder`` by relative path (for exact before/after comparisons)."""
    if folder is None:
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Publisher:
    """A feed, its keys and a content folder in a temp dir."""

    base: Path
    threshold: int = 1
    feed: Path = field(init=False)
    keys: Path = field(init=False)
    content: Path = field(init=False)
    root_json: Path = field(init=False)

    def __post_init__(self) -> None:
        self.feed, self.keys, self.content = self.base / "feed", self.base / "keys", self.base / "content"
        self.root_json = init_feed(self.feed, self.keys, NOW, threshold=self.threshold).root_json
        make_content(self.content)

    def publish(self, now: dt.datetime = NOW, **kwargs: object) -> PublishResult:
        return publish(self.content, self.feed, [self.keys], now, **kwargs)  # type: ignore[arg-type]

    def source(self, url: str, **kwargs: object) -> FeedSource:
        return FeedSource(name="township", url=url, root_path=self.root_json, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- HTTP server

Behaviour = Callable[["FeedHandler", "FeedServer"], None]


class FeedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle delays
        with self.server.feed.lock:
            self.server.feed.connections += 1

    def do_GET(self) -> None:  # noqa: N802
        feed = self.server.feed
        path = unquote(urlparse(self.path).path)
        feed.requests.append(path)
        behaviour = feed.behaviours.get(path) or feed.behaviours.get("*")
        if behaviour is not None:
            behaviour(self, feed)
            return
        file = feed.root / path.lstrip("/")
        if not file.is_file():
            self.send_bytes(b"not found", 404)
            return
        self.send_bytes(file.read_bytes())

    def send_bytes(self, data: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.server.feed.sent += len(data)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    feed: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients killed mid-request are the point of some tests


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 serving ``root``; ``behaviours`` override paths."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.behaviours: dict[str, Behaviour] = {}
        self.requests: list[str] = []
        self.sent = 0
        self.connections = 0  # TCP connections accepted
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.stalled = threading.Event()
        self._server = _Server(("127.0.0.1", 0), FeedHandler)
        self._server.feed = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def reset_log(self) -> None:
        self.requests.clear()
        self.sent = 0
        self.connections = 0

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


# ---------------------------------------------------------------- behaviours


def status(code: int, body: bytes = b"error") -> Behaviour:
    return lambda h, s: h.send_bytes(body, code)


def body(data: bytes) -> Behaviour:
    return lambda h, s: h.send_bytes(data)


def hang(h: FeedHandler, s: FeedServer) -> None:
    """Accept the request and never answer (until the test ends)."""
    s.stopping.wait(30)


def endless(h: FeedHandler, s: FeedServer) -> None:
    """200 with no length and an endless body (bounded by 200 MB and the test's end)."""
    h.send_response(200)
    h.send_header("Connection", "close")
    h.end_headers()
    block = b"\0" * 65536
    try:
        for _ in range(3200):
            if s.stopping.is_set():
                return
            h.wfile.write(block)
    except OSError:
        return


def stall_after(limit: int) -> Behaviour:
    """Send the real file's headers and its first ``limit`` bytes, then stall."""
    def behaviour(h: FeedHandler, s: FeedServer) -> None:
        data = (s.root / unquote(urlparse(h.path).path).lstrip("/")).read_bytes()
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data[:limit])
        h.wfile.flush()
        s.stalled.set()
        s.stopping.wait(30)
    return behaviour


def trickle(h: FeedHandler, s: FeedServer) -> None:
    """One byte every 0.2 s: never trips a read timeout, only a transfer deadline."""
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(1000):
        if s.stopping.wait(0.2):
            return
        try:
            h.wfile.write(b"x")
            h.wfile.flush()
        except OSError:
            return


def extra_bytes(count: int) -> Behaviour:
    """Serve the real file followed by ``count`` more bytes (a target bigger than it claims)."""
    def behaviour(h: FeedHandler, s: FeedServer) -> None:
        data = (s.root / unquote(urlparse(h.path).path).lstrip("/")).read_bytes()
        h.send_bytes(data + b"\xff" * count)
    return behaviour


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def flip_byte(path: Path, offset: int = 10) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    os.chmod(path, 0o644)
    path.write_bytes(bytes(data))
