"""The screens' API: enrolment, token checks, heartbeats, screenshots, and what is refused and noted."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fleetkit import add_enrolled, beat_body, enrol, make_feed, post

from kiosk.device.credentials import code_lookup, code_mac_key, mac_ok, token_hash
from kiosk.office.datadir import DataDir
from kiosk.office.fleet.enrolment import add_screen, issue_code, retire
from kiosk.office.fleet.models import DeviceEvent, EventKind, Screen, Screenshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(office: DataDir, tmp_path: Path) -> Any:  # noqa: ANN401
    return make_feed(office, tmp_path)


def test_enrolment_gives_token_settings_and_trust_anchor_signed_with_the_code(client: Client, feed: Any,  # noqa: ANN401
                                                                               office: DataDir) -> None:
    screen, code = add_screen("liuxi-01", "柳溪村大厅", "柳溪村", "public", [feed], actor="测试")
    assert screen.code_lookup == code_lookup(code) and code not in str(Screen.objects.values().get())
    response = client.post("/device/v1/enrol", {"code": code_lookup(code), "public_key": "ab" * 32},
                           content_type="application/json")
    assert response.status_code == 200
    reply = response.json()
    assert mac_ok(code_mac_key(code), reply["reply"], reply["mac"])
    payload = reply["reply"]
    assert payload["device"] == {"id": "liuxi-01", "site": "柳溪村大厅", "audience": "public"}
    assert payload["status"]["heartbeat_url"] == "http://127.0.0.1:8080/device/v1/heartbeat"
    assert payload["audit"]["upload_url"] == "http://127.0.0.1:8080/device/v1/audit"
    [entry] = payload["feeds"]
    assert entry["name"] == "township" and entry["url"] == "http://127.0.0.1:8080/feeds/township/"
    assert entry["root"] == (office.feed("township") / "metadata" / "1.root.json").read_text(encoding="utf-8")
    screen.refresh_from_db()
    assert screen.token_hash == token_hash(payload["token"]) and screen.public_key == "ab" * 32
    assert screen.enrolled is not None


def test_a_code_works_once_and_a_new_code_revokes_the_old(client: Client, feed: Any) -> None:  # noqa: ANN401
    screen, code = add_screen("liuxi-01", "柳溪村大厅", "柳溪村", "public", [feed], actor="测试")
    first = enrol(client, code)["token"]
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), first).status_code == 200
    again = client.post("/device/v1/enrol", {"code": code_lookup(code)}, content_type="application/json")
    assert again.status_code == 404 and "used" in again.json()["error"]
    newer = issue_code(screen, actor="测试")
    second = enrol(client, newer)["token"]
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), first).status_code == 401
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), second).status_code == 200
    assert DeviceEvent.objects.filter(kind=EventKind.BAD_CODE).exists()


def test_a_lost_reply_may_be_fetched_again_until_the_token_is_used(client: Client, feed: Any) -> None:  # noqa: ANN401
    _, code = add_screen("liuxi-01", "柳溪村大厅", "柳溪村", "public", [feed], actor="测试")
    lost = enrol(client, code)["token"]
    kept = enrol(client, code)["token"]  # the first answer never arrived: the same code again
    assert lost != kept
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), lost).status_code == 401
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), kept).status_code == 200


def test_expired_and_malformed_codes_are_refused(client: Client, feed: Any, settings: Any) -> None:  # noqa: ANN401
    screen, code = add_screen("liuxi-01", "柳溪村大厅", "柳溪村", "public", [feed], actor="测试")
    Screen.objects.filter(pk=screen.pk).update(code_expires=timezone.now() - dt.timedelta(minutes=1))
    response = client.post("/device/v1/enrol", {"code": code_lookup(code)}, content_type="application/json")
    assert response.status_code == 404 and "expired" in response.json()["error"]
    for body in ({"code": "x"}, {"code": code_lookup(code), "public_key": "not hex"}, [1, 2]):
        assert client.post("/device/v1/enrol", body, content_type="application/json").status_code == 400
    assert client.post("/device/v1/enrol", "garbage", content_type="application/json").status_code == 400
    assert client.get("/device/v1/enrol").status_code == 405


def test_heartbeat_updates_the_status_row_and_judges_the_clock(client: Client, feed: Any) -> None:  # noqa: ANN401
    screen, token = add_enrolled(client, "liuxi-01", [feed])
    response = post(client, "/device/v1/heartbeat", beat_body("liuxi-01", last_error="feed township: 连接超时"), token)
    assert response.status_code == 200 and response.json()["ok"] is True and "screenshot" not in response.json()
    screen.refresh_from_db()
    assert screen.versions == {"township": "1"} and screen.uptime_s == 3600.5
    assert screen.disk_free == 12_000_000_000 and screen.last_error == "feed township: 连接超时"
    assert screen.showing == "township/plan" and screen.software == "0.1.0"
    assert screen.clock_sane is not None and abs(screen.clock_offset_s or 0) < 60
    sane = screen.clock_sane
    wrong = (timezone.localtime() - dt.timedelta(hours=3)).replace(tzinfo=None).isoformat(timespec="seconds")
    post(client, "/device/v1/heartbeat", beat_body("liuxi-01", sent=wrong, time=wrong, uptime_s=3700.0), token)
    screen.refresh_from_db()
    assert screen.clock_sane == sane and (screen.clock_offset_s or 0) < -3 * 3600 + 120


def test_mistyped_heartbeat_fields_are_ignored_not_fatal(client: Client, feed: Any) -> None:  # noqa: ANN401
    screen, token = add_enrolled(client, "liuxi-01", [feed])
    body = beat_body("liuxi-01", versions=[1], uptime_s="long", disk_free_bytes=-5, time="yesterday", last_error=7)
    assert post(client, "/device/v1/heartbeat", body, token).status_code == 200
    screen.refresh_from_db()
    assert screen.last_seen is not None and screen.uptime_s is None and screen.disk_free is None


def test_requests_without_a_valid_token_are_refused_and_noted(client: Client, feed: Any) -> None:  # noqa: ANN401
    screen, token = add_enrolled(client, "liuxi-01", [feed])
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01")).status_code == 401
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), "kst1.forged").status_code == 401
    assert post(client, "/device/v1/audit", {"device": "liuxi-01"}, token + "x").status_code == 401
    bad = DeviceEvent.objects.get(kind=EventKind.BAD_TOKEN)
    assert bad.screen is None and bad.count == 3 and bad.remote == "127.0.0.1"  # coalesced
    screen.refresh_from_db()
    assert screen.last_seen is None


def test_another_devices_token_is_refused_and_flagged_on_both(client: Client, feed: Any) -> None:  # noqa: ANN401
    one, token_one = add_enrolled(client, "liuxi-01", [feed])
    two, _ = add_enrolled(client, "liuxi-02", [feed])
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-02"), token_one).status_code == 403
    for s in (one, two):
        s.refresh_from_db()
        assert s.alerts == 1 and s.last_seen is None
        assert DeviceEvent.objects.get(screen=s).kind == EventKind.WRONG_DEVICE


def test_retiring_revokes_the_screen(client: Client, feed: Any) -> None:  # noqa: ANN401
    screen, token = add_enrolled(client, "liuxi-01", [feed])
    retire(screen, actor="测试")
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), token).status_code == 401
    with pytest.raises(Exception, match="retired"):
        issue_code(Screen.objects.get(pk=screen.pk))


def png(width: int = 64, height: int = 36) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_screenshot_is_asked_for_in_the_heartbeat_answer_and_stored(client: Client, feed: Any) -> None:  # noqa: ANN401
    screen, token = add_enrolled(client, "liuxi-01", [feed])
    Screen.objects.filter(pk=screen.pk).update(shot_requested=timezone.now())
    reply = post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), token).json()
    assert reply["screenshot"] is True and reply["screenshot_url"] == "screenshot"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_KIOSK_DEVICE": "liuxi-01"}
    assert client.post("/device/v1/screenshot", png(), content_type="image/png", **headers).status_code == 200
    shot = Screenshot.objects.get(screen=screen)
    assert (shot.width, shot.height) == (64, 36) and bytes(shot.png).startswith(b"\x89PNG")
    screen.refresh_from_db()
    assert screen.shot_requested is None
    assert "screenshot" not in post(client, "/device/v1/heartbeat", beat_body("liuxi-01"), token).json()


@pytest.mark.parametrize("data", [b"<html>not an image</html>", b"\x89PNG\r\n\x1a\n" + b"\0" * 100])
def test_a_screenshot_that_is_not_a_png_is_refused(client: Client, feed: Any, data: bytes) -> None:  # noqa: ANN401
    screen, token = add_enrolled(client, "liuxi-01", [feed])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_KIOSK_DEVICE": "liuxi-01"}
    assert client.post("/device/v1/screenshot", data, content_type="image/png", **headers).status_code == 400
    assert not Screenshot.objects.exists()
    assert DeviceEvent.objects.get(screen=screen).kind == EventKind.GARBAGE


def test_a_replayed_heartbeat_is_refused_a_queued_one_is_not(client: Client, feed: Any) -> None:  # noqa: ANN401
    screen, token = add_enrolled(client, "liuxi-01", [feed])
    old = (timezone.localtime() - dt.timedelta(hours=1)).replace(tzinfo=None).isoformat(timespec="seconds")
    captured = beat_body("liuxi-01", sent=old, time=old, uptime_s=100.0)  # sent an hour ago, captured on the way
    assert post(client, "/device/v1/heartbeat", captured, token).status_code == 200
    assert post(client, "/device/v1/heartbeat", beat_body("liuxi-01", uptime_s=3700.0), token).status_code == 200
    queued = beat_body("liuxi-01", time=old, uptime_s=3710.0)  # taken an hour ago while offline, sent now
    assert post(client, "/device/v1/heartbeat", queued, token).status_code == 200
    before = Screen.objects.get(pk=screen.pk).last_seen
    assert post(client, "/device/v1/heartbeat", captured, token).status_code == 409
    assert Screen.objects.get(pk=screen.pk).last_seen == before
    assert DeviceEvent.objects.get(screen=screen, kind=EventKind.REPLAY).alert
    jumped = beat_body("liuxi-01", sent=old, time=old, uptime_s=3800.0)  # the clock went back, the player ran on
    assert post(client, "/device/v1/heartbeat", jumped, token).status_code == 200


def test_the_served_application_answers_screens_without_the_console_middleware(client: Client, feed: Any) -> None:  # noqa: ANN401
    import io
    import json

    from django.core import signals
    from django.db import close_old_connections

    from kiosk.office.wsgi import application

    screen, token = add_enrolled(client, "liuxi-01", [feed])
    # as Django's test client does: the test's transaction must outlive each request
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    def call(path: str, body: bytes, auth: str, method: str = "POST") -> tuple[str, dict[str, str], bytes]:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080",
                   "HTTP_HOST": "127.0.0.1:8080", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_AUTHORIZATION": auth, "wsgi.errors": io.StringIO(), "SERVER_PROTOCOL": "HTTP/1.1"}
        seen: list[Any] = []
        out = b"".join(application(environ, lambda status, headers: seen.extend([status, dict(headers)])))
        return seen[0], seen[1], out

    try:
        status, headers, body = call("/device/v1/heartbeat", json.dumps(beat_body("liuxi-01")).encode(),
                                     f"Bearer {token}")
        assert status.startswith("200") and json.loads(body)["ok"] is True
        assert "Content-Security-Policy" not in headers and "Set-Cookie" not in headers
        status, _, _ = call("/device/v1/heartbeat", b"{}", "Bearer nope")
        assert status.startswith("401")
        status, headers, _ = call("/fleet/", b"", "", "GET")
        assert status.startswith("302") and "Content-Security-Policy" in headers  # the console keeps its chain
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    screen.refresh_from_db()
    assert screen.last_seen is not None
