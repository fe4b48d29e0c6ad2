"""HTTP exchanges bounded in time and size: one deadline from connect to last byte, capped replies.

requests' timeouts apply to each socket operation, so a server that sends its headers one byte a
second never trips them, and urllib3's ``total`` is worked out once, before the headers.  Here every
exchange (feed file, heartbeat, audit upload) has a :class:`Deadline`: a timer that shuts the
exchange's socket down when its time is up, wherever the exchange is (sending the request, waiting
for or reading the headers, reading the body).  The blocked call returns at once and the caller
reports :class:`DeadlineExceeded`.  :meth:`Deadline.abort` does the same on request (a USB import
that needs the store now).

Sessions from :func:`session` (or any session with :class:`DeadlineAdapter` mounted) make their
connections known to the deadline that is active in the calling thread (:meth:`Deadline.active`).
Replies are read with :func:`iter_body` / :func:`read_body` under a cap on the decoded size;
urllib3 (>= 2.6) decompresses gzip/deflate at most a chunk at a time, so a small compressed reply
cannot expand in memory past the cap.

Name resolution (getaddrinfo) cannot be interrupted: a dead DNS server delays the failure by the
resolver's own timeout.  Raises only what requests raises, plus the two errors below.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import requests.adapters
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CHUNK = 1 << 16
_local = threading.local()


class DeadlineExceeded(Exception):
    """The exchange did not finish in time (or was aborted); nothing of it may be used."""


class ReplyTooLarge(Exception):
    """The reply is bigger than the caller accepts."""


class Deadline:
    """One exchange's time limit, counted from its creation (before connecting) to the last byte.

    Use as a context manager around the whole exchange, or: create, make the request inside
    :meth:`active`, read the body, then :meth:`close`.
    """

    def __init__(self, seconds: float, what: str = "the server") -> None:
        if not seconds > 0:
            raise ValueError(f"a deadline must be > 0 seconds, got {seconds!r}")
        self.seconds = seconds
        self.what = what
        self.expires_at = time.monotonic() + seconds
        self.aborted: str | None = None  # why the exchange was cut short (None: it was not)
        self._lock = threading.Lock()
        self._conns: list[HTTPConnection] = []
        self._closed = False
        self._timer = threading.Timer(seconds, self._cut, args=(f"not finished within {seconds:g} s",))
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.0, self.expires_at - time.monotonic())

    def timeout(self, connect: float, read: float) -> tuple[float, float]:
        """requests' ``(connect, read)`` timeouts, neither running past the deadline."""
        left = max(0.001, self.remaining())
        return (min(connect, left), min(read, left))

    def check(self) -> None:
        """Raise :class:`DeadlineExceeded` if the exchange was cut short (its data is incomplete)."""
        if self.aborted is not None:
            raise DeadlineExceeded(f"{self.what}: {self.aborted}")
        if time.monotonic() >= self.expires_at:
            raise DeadlineExceeded(f"{self.what}: not finished within {self.seconds:g} s")

    def abort(self, reason: str) -> None:
        """Cut the exchange short now (from any thread)."""
        self._cut(reason)

    def watch(self, conn: HTTPConnection) -> None:
        """``conn`` carries this exchange: shut it down when time is up (a kept-alive connection
        belongs to the newest exchange that uses it)."""
        with self._lock:
            conn._kiosk_deadline = self  # type: ignore[attr-defined]
            if self._closed:
                return
            self._conns.append(conn)
            cut = self.aborted is not None
        if cut:
            _shutdown(conn)

    def _cut(self, reason: str) -> None:
        with self._lock:
            if self._closed or self.aborted is not None:
                return
            self.aborted = reason
            conns = [c for c in self._conns if getattr(c, "_kiosk_deadline", None) is self]
        for conn in conns:
            _shutdown(conn)

    def close(self) -> None:
        """The exchange is over: stop the timer and forget its connections."""
        with self._lock:
            self._closed = True
            self._conns.clear()
        self._timer.cancel()

    @contextlib.contextmanager
    def active(self) -> Iterator[Deadline]:
        """Requests made in this block, in this thread, are watched by this deadline."""
        previous = getattr(_local, "deadline", None)
        _local.deadline = self
        try:
            yield self
        finally:
            _local.deadline = previous

    def __enter__(self) -> Deadline:
        self._previous = getattr(_local, "deadline", None)
        _local.deadline = self
        return self

    def __exit__(self, *exc: object) -> None:
        _local.deadline = self._previous
        self.close()


def _shutdown(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # wakes a blocked recv/send (TLS too)


def _watched(conn: HTTPConnection) -> None:
    deadline = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(conn)


class _WatchedConnection(HTTPConnection):
    """Tells the active deadline about itself when it connects, sends and reads a response."""

    def connect(self) -> None:
        _watched(self)
        super().connect()
        _watched(self)  # the socket exists now: a deadline already past shuts it at once

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watched(self)
        return super().getresponse(*args, **kwargs)


class WatchedHTTPConnection(_WatchedConnection):
    pass


class WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """An ``HTTPAdapter`` whose connections a :class:`Deadline` can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def session(connections: int = 10, user_agent: str | None = None) -> requests.Session:
    """A ``requests.Session`` whose exchanges :class:`Deadline` bounds (``connections`` kept alive per host)."""
    s = requests.Session()
    adapter = DeadlineAdapter(pool_maxsize=max(1, connections))
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    if user_agent:
        s.headers["User-Agent"] = user_agent
    return s


def guard(s: requests.Session) -> requests.Session:
    """Mount :class:`DeadlineAdapter` on a session made elsewhere (one given by a caller)."""
    for prefix in ("http://", "https://"):
        if not isinstance(s.get_adapter(prefix), DeadlineAdapter):
            s.mount(prefix, DeadlineAdapter())
    return s


def iter_body(response: requests.Response, cap: int, deadline: Deadline) -> Iterator[bytes]:
    """The decoded body as it arrives, at most ``cap`` bytes; the deadline is checked after each read.

    Raises :class:`ReplyTooLarge`, :class:`DeadlineExceeded`, or what urllib3 raises for a broken
    transfer (``urllib3.exceptions.HTTPError``, ``OSError``).
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise ReplyTooLarge(f"{deadline.what}: the reply declares {declared} bytes, more than the {cap} accepted")
    received = 0
    while chunk := response.raw.read1(CHUNK, decode_content=True):
        received += len(chunk)
        if received > cap:
            raise ReplyTooLarge(f"{deadline.what}: the reply is longer than the {cap} bytes accepted")
        deadline.check()
        yield chunk
    deadline.check()  # a socket cut at the deadline ends a close-delimited body early: not a complete reply


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


def exchange(s: requests.Session, method: str, url: str, *, deadline: float, connect_timeout: float,
             read_timeout: float, cap: int, **kwargs: Any) -> Reply:
    """One whole request and reply within ``deadline`` seconds, the reply at most ``cap`` bytes.

    Raises:
        DeadlineExceeded: not finished in time.
        ReplyTooLarge: the reply is longer than ``cap``.
        requests.RequestException: the server could not be reached or the transfer broke.
    """
    with Deadline(deadline, url) as d:
        try:
            response = s.request(method, url, stream=True, timeout=d.timeout(connect_timeout, read_timeout),
                                 **kwargs)
        except requests.RequestException:
            d.check()  # cut by the deadline: say so, not "connection reset"
            raise
        try:
            body = b"".join(iter_body(response, cap, d))
        except urllib3.exceptions.ReadTimeoutError as e:
            d.check()
            raise requests.ReadTimeout(f"{url}: the server stopped sending for {read_timeout:g} s") from e
        except (urllib3.exceptions.HTTPError, OSError) as e:
            d.check()  # a broken transfer after a cut: say it was the deadline
            raise requests.ConnectionError(f"{url}: transfer failed: {e}") from e
        finally:
            response.close()
    return Reply(response.status_code, response.headers, body)
