"""Proof of display received: only what continues the chain is appended; everything else is refused and flagged."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from fleetkit import Chain, add_enrolled, batch, enrol, lines, make_feed, post, upload

from kiosk.audit.records import NOTICE
from kiosk.audit.verify import verify, verify_lines
from kiosk.office.datadir import DataDir
from kiosk.office.fleet.enrolment import issue_code
from kiosk.office.fleet.models import DeviceEvent, EventKind, ProofBatch, Span
from kiosk.office.fleet.proof import held_lines
from kiosk.office.fleet.proof import local as coverage_local

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 11, 2, 8, 0)


@pytest.fixture
def feed(office: DataDir, tmp_path: Path) -> Any:  # noqa: ANN401
    return make_feed(office, tmp_path)


@pytest.fixture
def screen(client: Client, feed: Any) -> tuple[Any, str]:  # noqa: ANN401
    return add_enrolled(client, "liuxi-01", [feed])


def played(hours: float = 2) -> Chain:
    chain = Chain()
    chain.play(DAY, DAY + dt.timedelta(hours=hours), ["plan", "dues", "gs-07"])
    return chain


def refused(response: Any, status: int, kind: str) -> DeviceEvent:  # noqa: ANN401
    assert response.status_code == status, response.content
    return DeviceEvent.objects.filter(kind=kind).latest("last")


def test_batches_that_continue_the_chain_are_stored_and_folded_into_the_timeline(
        client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen
    chain = played(2)
    replies = upload(client, token, "liuxi-01", chain.records, size=100)
    assert [r.json()["acked"] for r in replies] == [min(n, len(chain.records)) for n in range(100, 500, 100)]
    s.refresh_from_db()
    assert (s.chain_seq, s.chain_hash) == chain.head and not s.chain_open
    assert held_lines(s) == lines(chain.records)
    assert ProofBatch.objects.filter(screen=s).count() == 4
    runs = Span.objects.filter(screen=s, kind="run")
    assert runs.count() == 1  # two hours of playing, four batches: one piece
    shows = Span.objects.filter(screen=s, kind="show")
    assert sorted(shows.values_list("item", flat=True)) == ["dues", "gs-07", "plan"]
    plan = shows.get(item="plan")
    assert plan.showings == 120 and plan.seconds == pytest.approx(2400) and plan.versions == "2"


def test_a_broken_link_is_refused_and_nothing_of_it_stored(client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen
    chain = played(1)
    upload(client, token, "liuxi-01", chain.records[:50])
    forged = Chain()
    forged.records = list(chain.records)
    forged.records[50:] = []
    forged.add(NOTICE, DAY + dt.timedelta(hours=3), DAY + dt.timedelta(hours=4), "plan", "township")
    tampered = forged.records[-1]
    body = batch("liuxi-01", [tampered])
    body["records"][0]["prev"] = "0" * 64  # relinked to nothing
    event = refused(post(client, "/device/v1/audit", body, token), 409, EventKind.BROKEN_CHAIN)
    assert event.alert and "broken-link" in event.detail and event.evidence
    s.refresh_from_db()
    assert s.chain_seq == 50 and s.alerts == 1
    assert held_lines(s) == lines(chain.records[:50])
    assert upload(client, token, "liuxi-01", chain.records[50:])[0].json()["acked"] == chain.head[0]


def test_an_edited_record_and_a_gap_are_refused(client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen
    chain = played(1)
    upload(client, token, "liuxi-01", chain.records[:40])
    edited = batch("liuxi-01", chain.records[40:60])
    edited["records"][3]["item"] = "other"  # hash no longer matches
    event = refused(post(client, "/device/v1/audit", edited, token), 409, EventKind.BROKEN_CHAIN)
    assert "edited" in event.detail
    gap = post(client, "/device/v1/audit", batch("liuxi-01", chain.records[45:60]), token)
    assert gap.status_code == 409 and gap.json()["next_seq"] == 41
    assert "missing" in DeviceEvent.objects.filter(kind=EventKind.BROKEN_CHAIN).latest("last").detail
    s.refresh_from_db()
    assert s.chain_seq == 40


def test_a_resend_is_acknowledged_once_a_replay_is_refused(client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen
    chain = played(1)
    first = post(client, "/device/v1/audit", batch("liuxi-01", chain.records[:100], "n1"), token)
    assert first.json()["acked"] == 100
    resend = post(client, "/device/v1/audit", batch("liuxi-01", chain.records[:100], "n2"), token)
    assert resend.status_code == 200 and resend.json()["acked"] == 100
    assert DeviceEvent.objects.get(kind=EventKind.RESENT).alert is False
    overlap = post(client, "/device/v1/audit", batch("liuxi-01", chain.records[50:150], "n3"), token)
    assert overlap.json()["acked"] == 150
    event = refused(post(client, "/device/v1/audit", batch("liuxi-01", chain.records[:100], "n1"), token), 409,
                    EventKind.REPLAY)
    assert event.alert
    s.refresh_from_db()
    assert s.chain_seq == 150 and ProofBatch.objects.filter(screen=s).count() == 2
    assert held_lines(s) == lines(chain.records[:150])


def test_a_rewritten_log_is_refused_and_what_was_received_stays(client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen
    chain = played(1)
    upload(client, token, "liuxi-01", chain.records[:100])
    rewritten = Chain()
    rewritten.play(DAY, DAY + dt.timedelta(hours=1), ["plan"])  # a consistent chain, other content
    event = refused(post(client, "/device/v1/audit", batch("liuxi-01", rewritten.records[:120]), token), 409,
                    EventKind.REWRITTEN)
    assert "rewritten" in event.detail
    assert held_lines(s) == lines(chain.records[:100])


@pytest.mark.parametrize("body", [
    b"not json at all", b"[1, 2, 3]", json.dumps({"device": "liuxi-01", "records": []}).encode(),
    json.dumps({"device": "liuxi-01", "records": [1, 2]}).encode(),
])
def test_garbage_is_refused_and_flagged(client: Client, screen: tuple[Any, str], body: bytes) -> None:
    s, token = screen
    response = client.post("/device/v1/audit", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    assert DeviceEvent.objects.get(screen=s).kind == EventKind.GARBAGE
    assert not ProofBatch.objects.exists()


def test_mismatched_batch_header_is_garbage(client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen
    body = batch("liuxi-01", played(1).records[:10])
    body["last_seq"] = 99
    refused(post(client, "/device/v1/audit", body, token), 400, EventKind.GARBAGE)


def test_another_screens_records_with_this_token_are_refused(client: Client, feed: Any) -> None:  # noqa: ANN401
    one, token_one = add_enrolled(client, "liuxi-01", [feed])
    two, _ = add_enrolled(client, "liuxi-02", [feed])
    response = post(client, "/device/v1/audit", batch("liuxi-02", played(1).records[:10]), token_one)
    assert response.status_code == 403
    assert not ProofBatch.objects.exists()
    assert DeviceEvent.objects.filter(kind=EventKind.WRONG_DEVICE).count() == 2


def test_after_re_enrolment_a_fresh_log_starts_a_new_chain(client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen
    old = played(1)
    upload(client, token, "liuxi-01", old.records)
    fresh = Chain()  # the screen was re-installed: its log starts again at seq 1
    fresh.play(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1, hours=1), ["plan"])
    assert post(client, "/device/v1/audit", batch("liuxi-01", fresh.records[:20]), token).status_code == 409
    new_token = enrol(client, issue_code(s, actor="测试"))["token"]
    assert upload(client, new_token, "liuxi-01", fresh.records)[0].json()["acked"] == fresh.head[0]
    s.refresh_from_db()
    assert s.chain == 2 and s.chain_seq == fresh.head[0]
    assert DeviceEvent.objects.filter(screen=s, kind=EventKind.CHAIN_START).exists()
    assert held_lines(s, 1) == lines(old.records) and held_lines(s, 2) == lines(fresh.records)


def test_records_received_download_as_day_files_that_kiosk_audit_verify_accepts(
        client: Client, screen: tuple[Any, str], make_user: Any, tmp_path: Path) -> None:  # noqa: ANN401
    s, token = screen
    chain = Chain()
    chain.play(DAY.replace(hour=22), DAY.replace(hour=23, minute=59), ["plan"])
    chain.play(DAY.replace(hour=23, minute=59), DAY + dt.timedelta(days=1, hours=-7), ["dues"])
    upload(client, token, "liuxi-01", chain.records)
    assert not verify_lines(lines(chain.records))
    client.force_login(make_user("boss", is_superuser=True))
    response = client.get(f"/fleet/s/{s.device_id}/proof.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as z:
        z.extractall(tmp_path / "copy")
    folder = tmp_path / "copy" / "liuxi-01-audit"
    assert sorted(p.name for p in folder.iterdir()) == ["display-2026-11-02.jsonl", "display-2026-11-03.jsonl"]
    assert verify(folder) == []


def test_records_with_impossible_times_are_kept_but_not_counted(client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen
    chain = Chain()
    chain.play(DAY, DAY + dt.timedelta(minutes=10), ["plan"])
    chain.add(NOTICE, dt.datetime(1970, 1, 1, 8), dt.datetime(1970, 1, 1, 8, 1), "plan", "township")  # RTC reset
    chain.add(NOTICE, dt.datetime(2026, 11, 2, 8, 20), dt.datetime(2026, 11, 2, 8, 21), "dues", "township")
    reply = upload(client, token, "liuxi-01", chain.records)[0]
    assert reply.status_code == 200 and reply.json()["acked"] == chain.head[0]
    assert held_lines(s) == lines(chain.records)
    assert DeviceEvent.objects.get(screen=s, kind=EventKind.BAD_TIME).alert
    s.refresh_from_db()
    assert s.proof_from is not None and s.proof_from.year == 2026
    dues = Span.objects.get(screen=s, kind="show", item="dues")
    assert coverage_local(dues.start) == dt.datetime(2026, 11, 2, 8, 20)  # after the 1970 record: counted


def test_a_record_with_a_time_zone_is_refused(client: Client, screen: tuple[Any, str]) -> None:
    s, token = screen  # records hold the screen's local time without an offset (kiosk.audit.records)
    chain = Chain()
    chain.play(DAY, DAY + dt.timedelta(minutes=10), ["plan"])
    chain.add(NOTICE, dt.datetime(2026, 11, 2, 8, 20, tzinfo=dt.UTC), dt.datetime(2026, 11, 2, 8, 21, tzinfo=dt.UTC),
              "dues", "township")
    event = refused(upload(client, token, "liuxi-01", chain.records)[0], 409, EventKind.BROKEN_CHAIN)
    assert "time zone" in event.detail
    s.refresh_from_db()
    assert s.chain_seq == 0
