"""The screen's key signs checkpoints of its display log: a file editor can no longer rewrite it unnoticed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from kiosk.audit.keys import PRIVATE_NAME, PUBLIC_NAME, device_public_key, load_device_key
from kiosk.audit.log import CHECKPOINT_EVERY, AuditLog, Recorder
from kiosk.audit.records import CHECKPOINT, canonical, checkpoint_payload
from kiosk.audit.signatures import check_signatures
from kiosk.audit.verify import errors, verify
from kiosk.clock import FakeClock

REGION = (0, 0, 1920, 1080)


def two_hours(state: Path) -> tuple[Path, str]:
    """Two hours of slides (one every 30 s) written by a recorder with the screen's key."""
    key = load_device_key(state)
    clock = FakeClock(dt.datetime(2026, 11, 20, 9, 0))
    rec = Recorder(AuditLog(state / "audit", clock), key=key)
    rec.start()
    for n in range(240):
        rec.begin(f"town/n{n % 7}", "town", 3, REGION)
        clock.advance(30)
        rec.tick()
    rec.stop()
    return state / "audit", key.public_hex


def lines_of(directory: Path) -> list[bytes]:
    return [line for path in sorted(directory.glob("display-*.jsonl")) for line in path.read_bytes().splitlines()]


def relink(bodies: list[dict[str, object]], sign: object = None) -> list[dict[str, object]]:
    """Recompute every link and hash (and, with ``sign``, every checkpoint's signature) in order."""
    prev = None
    for body in bodies:
        if prev is not None:
            body["prev"] = prev
        if sign is not None and body["kind"] == CHECKPOINT:
            body["sig"] = sign(checkpoint_payload(body))  # type: ignore[operator]
        body.pop("hash", None)
        body["hash"] = prev = hashlib.sha256(canonical(body)).hexdigest()
    return bodies


def rewrite(directory: Path, change: object, sign: object = None) -> None:
    """What someone with file access does: change records and recompute every hash and link after them."""
    path = next(directory.glob("display-*.jsonl"))
    bodies = [change(json.loads(raw)) for raw in path.read_bytes().splitlines()]  # type: ignore[operator]
    kept = relink([b for b in bodies if b is not None], sign)
    path.write_bytes(b"".join(canonical(b) + b"\n" for b in kept))


def test_the_recorder_signs_at_start_every_interval_and_at_stop(tmp_path: Path) -> None:
    directory, key = two_hours(tmp_path)
    checkpoints = [json.loads(raw) for raw in lines_of(directory) if json.loads(raw)["kind"] == CHECKPOINT]
    assert len(checkpoints) == 1 + 2 * 3600 // int(CHECKPOINT_EVERY) + 1  # start, every 10 minutes, stop
    assert all(c["signer"] == key for c in checkpoints)
    assert json.loads(lines_of(directory)[-1])["kind"] == CHECKPOINT  # the stop mark is signed too
    assert errors(verify(directory, [key])) == []
    report = check_signatures(lines_of(directory), key)
    assert report.problems == [] and report.unsigned == 0 and report.signed_through == len(lines_of(directory))


def test_a_consistent_rewrite_passes_the_chain_but_not_the_signatures(tmp_path: Path) -> None:
    directory, key = two_hours(tmp_path)

    def forge(body: dict[str, object]) -> dict[str, object]:
        if body.get("item") == "n3":
            body["item"] = "n4"  # n3 was never shown, says the forged log
        return body

    rewrite(directory, forge)
    assert verify(directory) == []  # the hash chain alone cannot tell
    bad = errors(verify(directory, [key]))
    assert any(p.kind == "bad-signature" and "signature does not match" in p.message for p in bad)
    assert {p.kind for p in bad} == {"bad-signature", "unsigned"}  # nothing after the forgery is signed


def test_checkpoints_signed_with_another_key_are_refused(tmp_path: Path) -> None:
    directory, key = two_hours(tmp_path / "screen")
    forger = load_device_key(tmp_path / "forger")

    def resign(body: dict[str, object]) -> dict[str, object]:
        if body["kind"] == CHECKPOINT:
            body["signer"] = forger.public_hex
        return body

    rewrite(directory, resign, forger.sign)  # each checkpoint properly signed, with the forger's key
    kinds = {p.kind for p in errors(verify(directory, [key]))}
    assert "wrong-key" in kinds
    assert not errors(verify(directory, [forger.public_hex]))  # only the registered key makes the difference


def test_removing_the_checkpoints_leaves_records_unsigned_for_too_long(tmp_path: Path) -> None:
    directory, key = two_hours(tmp_path)
    rewrite(directory, lambda body: None if body["kind"] == CHECKPOINT else body)

    def renumber(body: dict[str, object], counter: list[int] = [0]) -> dict[str, object]:  # noqa: B006
        counter[0] += 1
        body["seq"] = counter[0]
        return body

    rewrite(directory, renumber)
    assert verify(directory) == []  # a consistent chain again
    [problem] = errors(verify(directory, [key]))
    assert problem.kind == "unsigned" and "2 h 00 min" in problem.message


def test_the_newest_records_are_unsigned_until_the_next_checkpoint(tmp_path: Path) -> None:
    key = load_device_key(tmp_path)
    clock = FakeClock(dt.datetime(2026, 11, 20, 9, 0))
    rec = Recorder(AuditLog(tmp_path / "audit", clock), key=key)
    rec.start()
    for n in range(10):  # five minutes: no checkpoint due yet (a power cut now loses no signature)
        rec.begin(f"town/n{n}", "town", 3, REGION)
        clock.advance(30)
        rec.tick()
    rec.end()
    problems = verify(tmp_path / "audit", [key.public_hex])
    assert errors(problems) == []
    [notice] = problems
    assert notice.kind == "unsigned" and notice.severity == "notice" and "10 record(s) after seq 2" in notice.message


def test_uploaded_objects_check_like_stored_lines(tmp_path: Path) -> None:
    """The office verifies the JSON objects an upload carries, with the same function."""
    directory, key = two_hours(tmp_path)
    raw = lines_of(directory)
    objects = [json.loads(line) for line in raw]
    assert check_signatures(objects, key) == check_signatures(raw, key)
    objects[5]["item"] = "forged"
    assert check_signatures(relink(objects), [key]).problems  # the checkpoints after it no longer match


def test_the_private_key_is_the_kiosk_users_alone(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        public = device_public_key(tmp_path / "state")
    finally:
        os.umask(old)
    assert len(public) == 64 and int(public, 16) >= 0
    assert stat.S_IMODE((tmp_path / "state" / PRIVATE_NAME).stat().st_mode) == 0o600
    assert (tmp_path / "state" / PUBLIC_NAME).read_text(encoding="ascii").strip() == public
    assert device_public_key(tmp_path / "state") == public  # created once, then reused


@pytest.mark.skipif(os.geteuid() != 0, reason="handing the key over needs root")
def test_a_key_created_by_root_belongs_to_the_state_dirs_owner(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, 4242, 4242)
    device_public_key(state)  # e.g. `sudo kiosk device key` at enrolment, before the player ever ran
    for name in (PRIVATE_NAME, PUBLIC_NAME):
        st = (state / name).stat()
        assert (st.st_uid, st.st_gid) == (4242, 4242)


def test_cli_prints_the_key_and_verifies_with_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    directory, key = two_hours(tmp_path)
    assert main(["device", "key", "--state-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == key
    assert main(["audit", "verify", "--state-dir", str(tmp_path)]) == 0  # the screen's own key by default
    rewrite(directory, lambda body: {**body, "page": 2} if body.get("item") == "n1" else body)
    assert main(["audit", "verify", "--state-dir", str(tmp_path)]) == 1
    assert "bad-signature" in capsys.readouterr().out
    assert main(["audit", "verify", "--dir", str(directory), "--public-key", key]) == 1  # a supervisor's copy
