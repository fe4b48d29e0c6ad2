"""Upload of the display log to a real local HTTP server: batches, acks, backoff, a week offline."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postkit import PostServer, SpySession, free_port

from kiosk.audit.log import AuditLog
from kiosk.audit.net import Backoff
from kiosk.audit.records import CURSOR_NAME
from kiosk.audit.upload import Uploader, UploadSettings, load_cursor
from kiosk.clock import FakeClock

HOUR = 3600.0


class ReportServer(PostServer):
    """A report server on 127.0.0.1 that stores records by seq and answers ``{"acked": seq}``."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.mode = "ack"  # ack | partial (acks 10 per batch) | html (a captive portal)
        self.batches: list[dict[str, Any]] = []
        self.stored: dict[int, dict[str, Any]] = {}

    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, str, bytes]:  # noqa: ANN401
        body = json.loads(raw)
        self.batches.append(body)
        if self.mode == "html":
            return 200, "text/html", b"<html>please log in to the wifi</html>"
        acked = body["last_seq"] if self.mode == "ack" else min(body["last_seq"], body["first_seq"] + 9)
        for rec in body["records"]:
            if rec["seq"] <= acked:
                self.stored[rec["seq"]] = rec
        return 200, "application/json", json.dumps({"acked": acked}).encode()


@pytest.fixture
def server() -> Iterator[ReportServer]:
    s = ReportServer(free_port())
    yield s
    s.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 2, 8, 0))


def uploader(directory: Path, server: ReportServer, clock: FakeClock, **settings: Any) -> Uploader:  # noqa: ANN401
    cfg = UploadSettings(url=f"http://127.0.0.1:{server.port}/audit", device_id="lobby-1", timeout=(2.0, 5.0),
                         **settings)
    return Uploader(directory, cfg, clock, session=SpySession(clock), rng=random.Random(7))


def add_hourly(log: AuditLog, clock: FakeClock, n: int) -> None:
    for _ in range(n):
        clock.advance(HOUR)
        log.record("idle", clock.now() - dt.timedelta(hours=1), clock.now(), region=(0, 0, 1920, 1080))


def drain(up: Uploader, clock: FakeClock, last_seq: int, steps: int = 20) -> None:
    for _ in range(steps):
        delay = up.step()
        if up.cursor.acked_seq == last_seq:
            return
        clock.advance(delay)
    pytest.fail(f"not everything acknowledged: cursor {up.cursor}")


def test_batches_are_sent_in_order_and_the_cursor_is_persisted(tmp_path: Path, server: ReportServer,
                                                               clock: FakeClock) -> None:
    server.start()
    log = AuditLog(tmp_path, clock)
    add_hourly(log, clock, 120)
    up = uploader(tmp_path, server, clock, batch_size=50, batches_per_step=2)
    assert up.step() == 1.0  # two batches sent, more waiting: come back soon
    assert up.cursor.acked_seq == 100
    clock.advance(1.0)
    assert up.step() == up.settings.interval
    assert sorted(server.stored) == list(range(1, 121))
    assert [len(b["records"]) for b in server.batches] == [50, 50, 20]
    assert server.batches[-1]["head"] == {"seq": 120, "hash": log.last.hash}
    assert server.stored[7]["hash"] == json.loads((tmp_path / "display-2026-11-02.jsonl").read_bytes()
                                                  .splitlines()[6])["hash"]
    cursor = load_cursor(tmp_path)
    assert (cursor.acked_seq, cursor.acked_hash) == (120, log.last.hash)
    assert Uploader(tmp_path, up.settings, clock).pending(10) == []  # a restart resends nothing


def test_a_week_offline_then_everything_arrives(tmp_path: Path, server: ReportServer, clock: FakeClock) -> None:
    log = AuditLog(tmp_path, clock)
    up = uploader(tmp_path, server, clock, batch_size=50, batches_per_step=2, backoff_base=30, backoff_cap=HOUR)
    spy = up.session
    assert isinstance(spy, SpySession)
    end = clock.monotonic() + 7 * 24 * HOUR
    next_record, steps = clock.monotonic() + HOUR, 0
    while clock.monotonic() < end:
        delay = up.step()
        steps += 1
        assert delay >= 1.0  # never a busy loop
        clock.advance(min(delay, next_record - clock.monotonic()))
        if clock.monotonic() >= next_record:
            log.record("idle", clock.now() - dt.timedelta(hours=1), clock.now())
            next_record += HOUR

    assert up.cursor.acked_seq == 0 and not (tmp_path / CURSOR_NAME).exists()
    assert up.last_error is not None and "cannot reach" in up.last_error
    waits = [b - a for a, b in zip(spy.attempts, spy.attempts[1:], strict=False)]
    assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60  # doubling, with jitter
    assert all(15 <= w <= HOUR + 1e-6 for w in waits)
    assert max(waits[-50:]) > HOUR / 2  # capped backoff reached
    assert 7 * 24 <= len(spy.attempts) <= 7 * 24 * 2 + 10
    assert steps < 3 * len(spy.attempts) + 7 * 24 + 10

    server.start()  # the network is back
    drain(up, clock, log.last.seq)
    assert sorted(server.stored) == list(range(1, log.last.seq + 1)) and log.last.seq == 168
    seqs = [r["seq"] for b in server.batches for r in b["records"]]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))  # oldest first, nothing twice
    assert up.last_error is None and up.backoff.failures == 0


def test_partial_acknowledgement_resends_the_rest(tmp_path: Path, server: ReportServer, clock: FakeClock) -> None:
    server.mode = "partial"
    server.start()
    log = AuditLog(tmp_path, clock)
    add_hourly(log, clock, 35)
    up = uploader(tmp_path, server, clock, batch_size=20, batches_per_step=1)
    drain(up, clock, 35)
    assert sorted(server.stored) == list(range(1, 36))
    assert [b["first_seq"] for b in server.batches] == [1, 11, 21, 31]


def test_a_captive_portal_is_not_an_acknowledgement(tmp_path: Path, server: ReportServer,
                                                    clock: FakeClock) -> None:
    server.mode = "html"
    server.start()
    log = AuditLog(tmp_path, clock)
    add_hourly(log, clock, 3)
    up = uploader(tmp_path, server, clock, backoff_base=30)
    delay = up.step()
    assert 15 <= delay <= 30 and up.backoff.failures == 1
    assert up.cursor.acked_seq == 0 and up.last_error is not None and "not JSON" in up.last_error
    server.mode = "ack"
    clock.advance(delay)
    up.step()
    assert up.cursor.acked_seq == 3


def test_only_complete_lines_are_sent(tmp_path: Path, server: ReportServer, clock: FakeClock) -> None:
    log = AuditLog(tmp_path, clock)
    add_hourly(log, clock, 2)
    with open(tmp_path / "display-2026-11-02.jsonl", "ab") as f:
        f.write(b'{"seq":3,"kind":"id')  # a record being written right now
    up = uploader(tmp_path, server, clock)
    assert [e.seq for e in up.pending(10)] == [1, 2]


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    b = Backoff(base=10, cap=100, jitter=0.5, rng=random.Random(3))
    delays = [b.next_delay() for _ in range(8)]
    ceilings = [10, 20, 40, 80, 100, 100, 100, 100]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    b.reset()
    assert b.next_delay() <= 10
    with pytest.raises(ValueError):
        Backoff(base=0)


# ------------------------------------------------------------------ hostile report servers


def test_a_report_server_trickling_its_headers_or_a_gzip_bomb_is_a_failed_attempt(tmp_path: Path,
                                                                                  clock: FakeClock) -> None:
    import time
    import tracemalloc

    from hostile import HostileServer, gzip_bomb, headers_one_byte_a_time, reply_with

    log = AuditLog(tmp_path, clock)
    add_hourly(log, clock, 3)
    bomb = reply_with(gzip_bomb(3200), "Content-Type: application/json\r\nContent-Encoding: gzip", length=False)
    for behaviour, expected in ((headers_one_byte_a_time, "no complete answer within 1 s"),
                                (bomb, "longer than the 65536 bytes accepted")):
        with HostileServer(behaviour) as server:
            cfg = UploadSettings(url=server.url, device_id="lobby-1", timeout=(2.0, 5.0), deadline=1.0)
            up = Uploader(tmp_path, cfg, clock, session=SpySession(clock), rng=random.Random(7))
            started = time.monotonic()
            tracemalloc.start()
            try:
                up.step()
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert time.monotonic() - started < 3
        assert up.last_error is not None and expected in up.last_error, up.last_error
        assert up.cursor.acked_seq == 0 and peak < 16 << 20
