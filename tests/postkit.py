"""A JSON-over-POST test server on 127.0.0.1 and a request-noting session (audit upload, heartbeat)."""

from __future__ import annotations

import http.server
import socket
import threading
from typing import Any

import requests

from kiosk.clock import FakeClock


def free_port() -> int:
    """A port on which nothing listens (until a test starts the server there)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostServer:
    """Answers every POST with ``self.answer(path, headers, body)`` -> (status, content type, bytes)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._httpd: http.server.ThreadingHTTPServer | None = None

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, str, bytes]:  # noqa: ANN401
        raise NotImplementedError

    def start(self) -> None:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, kind, data = server.answer(self.path, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


class SpySession(requests.Session):
    """A real session that notes when (in fake monotonic time) each request was attempted."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.trust_env = False  # no proxy from the environment for 127.0.0.1
        self.clock = clock
        self.attempts: list[float] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # noqa: ANN401
        self.attempts.append(self.clock.monotonic())
        return super().request(method, url, *args, **kwargs)
