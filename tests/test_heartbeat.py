"""Heartbeat against a real local HTTP server, including the server being down for a simulated week."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postkit import PostServer, SpySession, free_port

from kiosk.clock import FakeClock
from kiosk.device.heartbeat import DeviceStatus, Heartbeat, HeartbeatSettings

HOUR = 3600.0
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class StatusServer(PostServer):
    """Stores heartbeats; asks for a screenshot when ``want_screenshot`` is set."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.beats: list[dict[str, Any]] = []
        self.screenshots: list[tuple[str, str | None, bytes]] = []
        self.want_screenshot = False

    def answer(self, path: str, headers: Any, data: bytes) -> tuple[int, str, bytes]:  # noqa: ANN401
        reply: dict[str, Any] = {"ok": True}
        if path.endswith("/screenshot"):
            self.screenshots.append((headers["Content-Type"], headers["X-Kiosk-Device"], data))
        else:
            self.beats.append(json.loads(data))
            if self.want_screenshot:
                self.want_screenshot = False
                reply = {"screenshot": True}
        return 200, "application/json", json.dumps(reply).encode()


@pytest.fixture
def server() -> Iterator[StatusServer]:
    s = StatusServer(free_port())
    yield s
    s.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 2, 8, 0), monotonic_start=1000.0)


def status() -> DeviceStatus:
    return DeviceStatus(versions={"township": 12, "village": None}, last_sync=dt.datetime(2026, 11, 2, 7, 55),
                        last_error="feed 'village': server answered HTTP 503", showing="township/gs-2026-07",
                        audit_head=(42, "ab" * 32))


def heartbeat(server: StatusServer, clock: FakeClock, tmp_path: Path, shot: Any = None,  # noqa: ANN401
              **settings: Any) -> Heartbeat:  # noqa: ANN401
    cfg = HeartbeatSettings(url=f"http://127.0.0.1:{server.port}/hb", device_id="lobby-1", disk_path=tmp_path,
                            timeout=(2.0, 5.0), **settings)
    return Heartbeat(cfg, status, clock, screenshot=shot, session=SpySession(clock), rng=random.Random(5))


def test_sends_status_every_interval(server: StatusServer, clock: FakeClock, tmp_path: Path) -> None:
    server.start()
    hb = heartbeat(server, clock, tmp_path, interval=300)
    assert hb.step() == 300
    clock.advance(300)
    hb.step()
    first, second = server.beats
    assert first["device"] == "lobby-1" and first["uptime_s"] == 0 and second["uptime_s"] == 300
    assert first["versions"] == {"township": "12", "village": None}
    assert first["last_sync"] == "2026-11-02T07:55:00" and "503" in first["last_error"]
    assert first["showing"] == "township/gs-2026-07" and first["audit_head"] == [42, "ab" * 32]
    assert isinstance(first["disk_free_bytes"], int) and first["dropped"] == 0
    assert second["time"] == "2026-11-02T08:05:00"


def test_server_down_for_a_week(server: StatusServer, clock: FakeClock, tmp_path: Path) -> None:
    hb = heartbeat(server, clock, tmp_path, interval=300, queue_max=24, backoff_base=30, backoff_cap=HOUR)
    spy = hb.session
    assert isinstance(spy, SpySession)
    start, steps = clock.monotonic(), 0
    while clock.monotonic() - start < 7 * 24 * HOUR:
        delay = hb.step()
        steps += 1
        assert delay > 0
        assert len(hb.queue) <= 24
        clock.advance(delay)

    beats = 7 * 24 * 12  # one snapshot every 5 minutes
    assert steps <= beats + len(spy.attempts) + 2  # it wakes only for a snapshot or an attempt
    waits = [b - a for a, b in zip(spy.attempts, spy.attempts[1:], strict=False)]
    ceilings = [min(HOUR, 30 * 2 ** n) for n in range(len(waits))]
    assert all(c / 2 - 1e-6 <= w <= c + 1e-6 for w, c in zip(waits, ceilings, strict=True))  # the backoff
    assert 7 * 24 <= len(spy.attempts) <= 7 * 24 * 2 + 10
    assert hb.dropped == beats - 24  # bounded queue: the oldest snapshots are dropped and counted
    assert hb.last_error is not None

    server.start()
    clock.advance(hb.next_attempt - clock.monotonic())
    delay = hb.step()
    assert len(server.beats) == 24 and not hb.queue  # the newest snapshots, oldest first
    assert server.beats[0]["dropped"] >= beats - 24 and server.beats[1]["dropped"] == 0
    times = [b["time"] for b in server.beats]
    assert times == sorted(times)
    assert hb.backoff.failures == 0 and hb.last_error is None
    assert 0 < delay <= 300


def test_screenshot_on_request(server: StatusServer, clock: FakeClock, tmp_path: Path) -> None:
    server.start()
    calls: list[int] = []

    def shot() -> bytes:
        calls.append(1)
        return PNG

    hb = heartbeat(server, clock, tmp_path, shot=shot)
    hb.step()
    assert calls == [] and server.screenshots == []
    server.want_screenshot = True
    clock.advance(300)
    hb.step()
    assert calls == [1]
    assert server.screenshots == [("image/png", "lobby-1", PNG)]


def test_screenshot_request_without_a_camera_is_ignored(server: StatusServer, clock: FakeClock,
                                                        tmp_path: Path) -> None:
    server.start()
    server.want_screenshot = True
    hb = heartbeat(server, clock, tmp_path)
    hb.step()
    assert len(server.beats) == 1 and server.screenshots == [] and hb.last_error is None


# ------------------------------------------------------------------ hostile status servers


def _hostile_heartbeat(url: str, clock: FakeClock, tmp_path: Path) -> Heartbeat:
    cfg = HeartbeatSettings(url=url, device_id="lobby-1", disk_path=tmp_path, timeout=(2.0, 5.0), deadline=1.0)
    return Heartbeat(cfg, status, clock, session=SpySession(clock), rng=random.Random(5))


def test_a_server_sending_headers_one_byte_a_second_costs_one_deadline(clock: FakeClock, tmp_path: Path) -> None:
    import time

    from hostile import HostileServer, headers_one_byte_a_time

    with HostileServer(headers_one_byte_a_time) as slow:
        hb = _hostile_heartbeat(slow.url, clock, tmp_path)
        started = time.monotonic()
        hb.step()
        assert time.monotonic() - started < 3
    assert hb.last_error is not None and "no complete answer within 1 s" in hb.last_error
    assert len(hb.queue) == 1  # kept for the next attempt


def test_a_gzip_bomb_reply_is_refused_without_inflating_it(clock: FakeClock, tmp_path: Path) -> None:
    import tracemalloc

    from hostile import HostileServer, gzip_bomb, reply_with

    bomb = reply_with(gzip_bomb(3200), "Content-Type: application/json\r\nContent-Encoding: gzip", length=False)
    with HostileServer(bomb) as server:
        hb = _hostile_heartbeat(server.url, clock, tmp_path)
        hb.settings = dataclasses.replace(hb.settings, deadline=30.0)
        tracemalloc.start()
        try:
            hb.step()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert hb.last_error is not None and "longer than the 65536 bytes accepted" in hb.last_error
    assert peak < 16 << 20, f"{peak} bytes at the peak"
