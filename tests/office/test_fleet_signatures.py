"""Signed checkpoints in uploads: verified against the key the screen registered at enrolment; a
checkpoint that does not verify refuses its batch (flagged, kept as evidence), a long unsigned
stretch is flagged."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from fleetkit import Chain, enrol, make_feed, upload

from kiosk.audit.keys import DeviceKey, load_device_key
from kiosk.audit.records import CHECKPOINT, Record
from kiosk.office.datadir import DataDir
from kiosk.office.fleet.enrolment import add_screen
from kiosk.office.fleet.models import DeviceEvent, EventKind, Screen

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 11, 2, 8, 0)


def checkpoint(chain: Chain, key: DeviceKey, at: dt.datetime, claimed: str | None = None) -> None:
    """A checkpoint as kiosk.audit.log.AuditLog.checkpoint writes it, signed by ``key`` (in the name of
    ``claimed``, default the key's own)."""
    seq, prev = chain.head
    rec = Record(seq=seq + 1, kind=CHECKPOINT, start=at, end=at, prev=prev, signer=claimed or key.public_hex)
    sealed, _ = replace(rec, sig=key.sign(rec.signed_payload())).sealed()
    chain.records.append(sealed)


def signed_play(key: DeviceKey, hours: float, every: dt.timedelta = dt.timedelta(minutes=10),
                unsigned_after: dt.datetime | None = None) -> Chain:
    """Slides of 20 s with a checkpoint every ``every`` (none after ``unsigned_after``)."""
    chain = Chain()
    t, end = DAY, DAY + dt.timedelta(hours=hours)
    while t < end:
        stop = min(end, t + every)
        chain.play(t, stop, ["plan", "dues"], start_mark=t == DAY)
        if unsigned_after is None or stop <= unsigned_after:
            checkpoint(chain, key, stop)
        t = stop
    return chain


@pytest.fixture
def keyed(client: Client, office: DataDir, tmp_path: Path) -> tuple[Screen, str, DeviceKey]:
    feed = make_feed(office, tmp_path)
    key = load_device_key(tmp_path / "screen-state")
    screen, code = add_screen("liuxi-01", "柳溪村大厅", "柳溪村", "public", [feed], actor="测试")
    token = enrol(client, code, key.public_hex)["token"]
    screen.refresh_from_db()
    assert screen.public_key == key.public_hex
    return screen, token, key


def alerts(screen: Screen, kind: str) -> list[DeviceEvent]:
    return list(DeviceEvent.objects.filter(screen=screen, kind=kind, alert=True))


def test_a_signed_log_is_accepted_and_its_signing_state_shown(client: Client, keyed: Any,  # noqa: ANN401
                                                              make_user: Any) -> None:  # noqa: ANN401
    screen, token, key = keyed
    chain = signed_play(key, 2)
    replies = upload(client, token, "liuxi-01", chain.records, size=100)
    assert all(r.status_code == 200 for r in replies)
    screen.refresh_from_db()
    assert screen.alerts == 0 and not DeviceEvent.objects.filter(screen=screen, alert=True).exists()
    assert screen.signed_seq == chain.records[-1].seq and screen.unsigned_from is None
    client.force_login(make_user("boss", is_superuser=True))
    page = client.get("/fleet/s/liuxi-01/").content.decode()
    assert f"已核对至第 {chain.records[-1].seq} 条记录" in page


def test_a_forged_checkpoint_is_refused_and_flagged(client: Client, keyed: Any, tmp_path: Path,  # noqa: ANN401
                                                    make_user: Any) -> None:  # noqa: ANN401
    screen, token, key = keyed
    other = load_device_key(tmp_path / "someone-else")
    chain = signed_play(key, 0.5)
    upload(client, token, "liuxi-01", chain.records[:40])
    forged = signed_play(key, 0.5)  # the same records, the last checkpoint signed by another key in the screen's name
    forged.records = forged.records[:-1]
    checkpoint(forged, other, chain.records[-1].start, claimed=key.public_hex)
    reply = upload(client, token, "liuxi-01", forged.records[40:])[0]
    assert reply.status_code == 409 and reply.json()["next_seq"] == 41
    [event] = alerts(screen, EventKind.BAD_SIGNATURE)
    assert "do not verify" in event.detail and event.evidence
    screen.refresh_from_db()
    assert screen.chain_seq == 40 and screen.alerts == 1  # nothing of the batch stored, nothing received lost
    client.force_login(make_user("boss", is_superuser=True))
    assert "签名无效" in client.get("/fleet/s/liuxi-01/").content.decode()
    assert upload(client, token, "liuxi-01", chain.records[40:])[0].json()["acked"] == chain.head[0]
    screen.refresh_from_db()
    assert screen.signed_seq == chain.head[0]


def test_a_checkpoint_of_another_key_is_refused(client: Client, keyed: Any, tmp_path: Path) -> None:  # noqa: ANN401
    screen, token, _ = keyed
    other = load_device_key(tmp_path / "someone-else")
    chain = signed_play(other, 0.5)
    assert upload(client, token, "liuxi-01", chain.records)[0].status_code == 409
    [event] = alerts(screen, EventKind.BAD_SIGNATURE)
    assert "not by the screen's key" in event.detail
    screen.refresh_from_db()
    assert screen.signed_seq is None and screen.chain_seq == 0


def test_checkpoints_that_stop_coming_are_flagged(client: Client, keyed: Any) -> None:  # noqa: ANN401
    screen, token, key = keyed
    chain = signed_play(key, 2, unsigned_after=DAY + dt.timedelta(minutes=30))
    upload(client, token, "liuxi-01", chain.records, size=60)  # batches shorter than the allowed stretch
    [event] = alerts(screen, EventKind.UNSIGNED)
    assert "not signed by the screen's key" in event.detail
    screen.refresh_from_db()
    assert screen.unsigned_from is not None and screen.signed_seq is not None


def test_records_before_the_first_checkpoint_wait_for_it(client: Client, keyed: Any) -> None:  # noqa: ANN401
    screen, token, key = keyed
    old = Chain()
    old.play(DAY - dt.timedelta(days=2), DAY - dt.timedelta(days=2, hours=-3), ["plan"])  # before the screen signed
    old_n = len(old.records)
    checkpoint(old, key, DAY - dt.timedelta(days=2, hours=-3))
    upload(client, token, "liuxi-01", old.records[:old_n])
    screen.refresh_from_db()
    assert screen.signed_seq is None and not alerts(screen, EventKind.UNSIGNED)
    upload(client, token, "liuxi-01", old.records[old_n:])
    screen.refresh_from_db()
    assert screen.signed_seq == old.records[-1].seq and screen.unsigned_from is None


def test_without_a_registered_key_only_the_chain_is_checked(client: Client, office: DataDir,
                                                            tmp_path: Path) -> None:
    feed = make_feed(office, tmp_path)
    screen, code = add_screen("liuxi-02", "柳溪村二楼", "柳溪村", "public", [feed], actor="测试")
    token = enrol(client, code)["token"]
    other = load_device_key(tmp_path / "any")
    chain = signed_play(other, 0.5)
    assert upload(client, token, "liuxi-02", chain.records)[0].status_code == 200
    screen.refresh_from_db()
    assert screen.signed_seq is None and screen.alerts == 0
