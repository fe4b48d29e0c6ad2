"""One deadline from connect to last byte, and capped replies, against servers that misbehave on purpose."""

from __future__ import annotations

import threading
import time
import tracemalloc

import pytest
import requests
from hostile import (
    HostileServer,
    body_one_byte_a_time,
    gzip_bomb,
    headers_one_byte_a_time,
    never_reads,
    reply_with,
)

from kiosk import httpio


def _exchange(url: str, deadline: float = 1.0, cap: int = 1 << 20, **kwargs: object) -> httpio.Reply:
    s = httpio.session()
    s.trust_env = False
    return httpio.exchange(s, "POST", url, deadline=deadline, connect_timeout=5, read_timeout=5, cap=cap,
                           **kwargs)  # type: ignore[arg-type]


def test_headers_sent_one_byte_a_second_hit_the_deadline() -> None:
    with HostileServer(headers_one_byte_a_time) as server:
        started = time.monotonic()
        with pytest.raises(httpio.DeadlineExceeded, match="not finished within 1 s"):
            _exchange(server.url, json={"a": 1})
        assert time.monotonic() - started < 3  # each byte came within the 5 s read timeout


def test_a_close_delimited_body_cut_at_the_deadline_is_not_taken_as_complete() -> None:
    with HostileServer(body_one_byte_a_time) as server, pytest.raises(httpio.DeadlineExceeded):
        _exchange(server.url, json={})


def test_a_server_that_never_reads_the_request_body_cannot_block_the_sender() -> None:
    with HostileServer(never_reads) as server:
        started = time.monotonic()
        with pytest.raises(httpio.DeadlineExceeded):
            _exchange(server.url, data=b"x" * (64 << 20))
        assert time.monotonic() - started < 3


def test_a_gzip_bomb_reply_is_refused_at_the_cap_without_inflating_it() -> None:
    bomb = gzip_bomb(3200)  # 3 MB on the wire, 3.2 GB inflated
    gzipped = reply_with(bomb, "Content-Type: application/json\r\nContent-Encoding: gzip", length=False)
    with HostileServer(gzipped) as server:
        tracemalloc.start()
        try:
            with pytest.raises(httpio.ReplyTooLarge, match="longer than the 65536 bytes"):
                _exchange(server.url, deadline=30, cap=65536, json={})
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 16 << 20, f"{peak} bytes at the peak"


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    with HostileServer(reply_with(b"x" * 100_000)) as server, pytest.raises(httpio.ReplyTooLarge, match="declares"):
        _exchange(server.url, cap=1000, json={})


def test_a_whole_reply_within_the_deadline_is_returned_and_the_timer_stopped() -> None:
    with HostileServer(reply_with(b'{"ok": true}')) as server:
        reply = _exchange(server.url, deadline=5, json={})
    assert (reply.status, reply.body) == (200, b'{"ok": true}')
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.is_alive()]


def test_abort_cuts_an_exchange_from_another_thread() -> None:
    with HostileServer(headers_one_byte_a_time) as server:
        s = httpio.session()
        s.trust_env = False
        deadline = httpio.Deadline(60, server.url)
        threading.Timer(0.5, deadline.abort, args=("a USB import needs the store",)).start()
        started = time.monotonic()
        with pytest.raises(requests.ConnectionError), deadline.active():
            s.get(server.url, stream=True, timeout=(5, 5))
        with pytest.raises(httpio.DeadlineExceeded, match="a USB import needs the store"):
            deadline.check()
        deadline.close()
        assert time.monotonic() - started < 3


def test_a_deadline_closed_in_time_leaves_a_kept_alive_connection_usable() -> None:
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        s = httpio.session()
        s.trust_env = False
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        for _ in range(3):
            deadline = httpio.Deadline(0.3, url)
            with deadline.active():
                response = s.get(url, stream=True, timeout=(5, 5))
            assert b"".join(httpio.iter_body(response, 100, deadline)) == b"ok"
            deadline.close()
            time.sleep(0.4)  # past the deadline: a cancelled timer must not cut the pooled connection
    finally:
        httpd.shutdown()
        httpd.server_close()
