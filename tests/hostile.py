"""A raw TCP server on 127.0.0.1 that misbehaves on purpose (slow, huge or compressed-bomb replies).

``HostileServer(behaviour)`` calls ``behaviour(conn)`` for each accepted connection in its own
thread; the behaviours below cover what ordinary HTTP test servers cannot do (send the headers one
byte at a time, never read the request).  ``server.stop()`` ends every behaviour.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable

Behaviour = Callable[[socket.socket, threading.Event], None]


class HostileServer:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stopping = threading.Event()
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with conn:
            try:
                self.behaviour(conn, self.stopping)
            except OSError:
                pass

    def stop(self) -> None:
        self.stopping.set()
        self._sock.close()
        self._thread.join(2)

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def read_request(conn: socket.socket) -> bytes:
    """The request head (up to the blank line); the body, if any, is left unread."""
    data = b""
    conn.settimeout(5)
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def drip(conn: socket.socket, data: bytes, stop: threading.Event, every: float = 0.2) -> None:
    """Send ``data`` one byte every ``every`` seconds (each byte resets a per-read timeout)."""
    for i in range(len(data)):
        if stop.is_set():
            return
        conn.sendall(data[i:i + 1])
        time.sleep(every)


# one header line of 60,000 bytes (under http.client's 64 KiB line limit): 3 hours at 5 bytes a second
ENDLESS_HEAD = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 60_000 + b"\r\nContent-Length: 2\r\n\r\n{}"


def headers_one_byte_a_time(conn: socket.socket, stop: threading.Event) -> None:
    """Headers that never finish in practice, each byte well within any per-read timeout."""
    read_request(conn)
    drip(conn, ENDLESS_HEAD, stop)


def body_one_byte_a_time(conn: socket.socket, stop: threading.Event) -> None:
    """Headers at once, then a close-delimited body trickling (no Content-Length)."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    drip(conn, b'{"acked": 1' + b" " * 10_000 + b"}", stop)


def never_reads(conn: socket.socket, stop: threading.Event) -> None:
    """Accepts the connection, reads nothing: a big request body fills the buffers and blocks the sender."""
    stop.wait(60)


def reply_with(data: bytes, headers: str = "Content-Type: application/json", length: bool = True) -> Behaviour:
    """A whole reply at once (``length=False``: close-delimited, no Content-Length to refuse it by)."""
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        declared = f"Content-Length: {len(data)}\r\n" if length else ""
        conn.sendall(f"HTTP/1.1 200 OK\r\n{headers}\r\n{declared}Connection: close\r\n\r\n".encode() + data)
        stop.wait(1)
    return behaviour


def gzip_bomb(decoded_mb: int = 3200) -> bytes:
    """Concatenated gzip members inflating to ``decoded_mb`` MB of zeros (about 1/1000 of that on the wire)."""
    member = gzip.compress(b"\0" * (16 << 20), compresslevel=9, mtime=0)
    return member * max(1, decoded_mb // 16)
