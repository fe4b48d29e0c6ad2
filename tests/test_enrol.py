"""`kiosk enrol`: the device config is updated in place, checked, and nothing is written when anything is off."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.audit.keys import device_public_key
from kiosk.config import load_config
from kiosk.device.credentials import CodeError, code_lookup, code_mac_key, new_code, normalize_code, reply_mac
from kiosk.device.enrol import EnrolError, enrol
from kiosk.feed.repo import init_feed

CODE = "K7QM-3XD9-PQ2W"


class Office(http.server.ThreadingHTTPServer):
    reply: tuple[int, bytes] = (500, b"")
    received: list[dict[str, Any]]


class Handler(http.server.BaseHTTPRequestHandler):
    server: Office

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.server.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        status, body = self.server.reply
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def office() -> Iterator[Office]:
    server = Office(("127.0.0.1", 0), Handler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def root(tmp_path: Path) -> str:
    tree = tmp_path / "tree" / "township"
    init_feed(tree, tmp_path / "keys", dt.datetime.now(dt.UTC))
    return (tree / "metadata" / "1.root.json").read_text(encoding="utf-8")


def payload(root: str, **change: Any) -> dict[str, Any]:  # noqa: ANN401
    base = "http://office.example"
    out = {"protocol": "kiosk-enrol/1", "office": base, "token": "kst1.secret-token",
           "device": {"id": "liuxi-01", "site": "柳溪村党群服务中心", "audience": "members"},
           "status": {"heartbeat_url": f"{base}/device/v1/heartbeat", "heartbeat_interval": 60.0},
           "audit": {"upload_url": f"{base}/device/v1/audit", "upload_interval": 300.0},
           "feeds": [{"name": "township", "url": f"{base}/feeds/township/", "root": root}], "missing_feeds": []}
    out.update(change)
    return out


def answer(office: Office, body: dict[str, Any], code: str = CODE, status: int = 200) -> None:
    signed = {"reply": body, "mac": reply_mac(code_mac_key(code), body)}
    office.reply = (status, json.dumps(signed, ensure_ascii=False).encode())


def url(office: Office) -> str:
    return f"http://127.0.0.1:{office.server_address[1]}"


EXISTING = """\
# 柳溪村 service centre, installed 2026-11-20 by 李师傅
state_dir = "state"

[device]
id = "old-name"   # was a demo id

[screen]
rotation = 90

[[feed]]
name = "village"                 # the village committee's own feed stays
url = "https://village.example/feed/"
root = "roots/village.json"

[[feed]]
name = "township"
url = "https://old.example/township/"
root = "old-root.json"
poll_interval = 120.0
"""


def test_enrol_updates_the_config_in_place_and_keeps_everything_else(office: Office, root: str,
                                                                     tmp_path: Path) -> None:
    device = tmp_path / "etc" / "device.toml"
    device.parent.mkdir()
    device.write_text(EXISTING, encoding="utf-8")
    answer(office, payload(root))
    done = enrol(url(office), CODE.lower().replace("-", " "), device, public_key="ab" * 32)
    assert done.device_id == "liuxi-01" and done.feeds == ("township",)
    [sent] = office.received
    assert sent["code"] == code_lookup(CODE) and CODE not in json.dumps(sent) and sent["public_key"] == "ab" * 32
    text = device.read_text(encoding="utf-8")
    assert text.startswith("# 柳溪村 service centre, installed 2026-11-20 by 李师傅")
    assert "# the village committee's own feed stays" in text and "rotation = 90" in text
    config = load_config(device)
    assert (config.device.id, config.device.site, config.device.audience) == ("liuxi-01", "柳溪村党群服务中心",
                                                                              "members")
    assert config.office_token() == "kst1.secret-token"
    assert (device.parent / "device-token").stat().st_mode & 0o777 == 0o600
    assert config.status.heartbeat_interval == 60 and config.audit.upload_url == "http://office.example/device/v1/audit"
    village, township = config.feed_sources()
    assert village.url == "https://village.example/feed/"
    assert township.url == "http://office.example/feeds/township/" and township.poll_interval == 120
    assert township.root_path == device.parent / "roots" / "township.root.json"
    assert township.root_path.read_text(encoding="utf-8") == root


def test_a_new_config_file_is_created(office: Office, root: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    answer(office, payload(root))
    device = tmp_path / "device.toml"
    enrol(url(office), CODE, device)
    assert [f.name for f in load_config(device).feed_sources()] == ["township"]
    [sent] = office.received  # the key of the player's default state folder
    assert sent["public_key"] == device_public_key(tmp_path / "home" / ".local" / "state" / "kiosk")


def test_the_screen_key_is_made_if_need_be_and_registered(office: Office, root: str, tmp_path: Path) -> None:
    device = tmp_path / "etc" / "device.toml"
    device.parent.mkdir()
    device.write_text(EXISTING, encoding="utf-8")
    answer(office, payload(root))
    enrol(url(office), CODE, device)
    state = device.parent / "state"  # state_dir of the config, relative to it
    [sent] = office.received
    assert sent["public_key"] == device_public_key(state) and len(sent["public_key"]) == 64
    assert (state / "device-key.pem").stat().st_mode & 0o777 == 0o600
    answer(office, payload(root))
    enrol(url(office), CODE, device)  # enrolled again (a new code): the same key
    assert office.received[1]["public_key"] == sent["public_key"]


def test_an_unusable_screen_key_stops_enrolment_before_asking_the_office(office: Office, tmp_path: Path) -> None:
    device = tmp_path / "device.toml"
    device.write_text(EXISTING, encoding="utf-8")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "device-key.pem").write_text("not a key", encoding="utf-8")
    with pytest.raises(EnrolError, match="device-key.pem"):
        enrol(url(office), CODE, device)
    assert not office.received and device.read_text(encoding="utf-8") == EXISTING


@pytest.mark.parametrize("case", ["wrong code", "tampered root", "refused", "not json", "bad config", "bad root"])
def test_nothing_is_written_when_anything_is_off(office: Office, root: str, tmp_path: Path, case: str) -> None:
    device = tmp_path / "device.toml"
    device.write_text(EXISTING, encoding="utf-8")
    body = payload(root)
    if case == "wrong code":
        answer(office, body, code=new_code())
    elif case == "tampered root":
        answer(office, body)
        signed = json.loads(office.reply[1])
        signed["reply"]["feeds"][0]["root"] = root.replace('"version": 1', '"version": 1 ')  # changed on the way
        office.reply = (200, json.dumps(signed).encode())
    elif case == "refused":
        office.reply = (404, json.dumps({"error": "this enrolment code has expired"}).encode())
    elif case == "not json":
        office.reply = (200, b"<html>captive portal</html>")
    elif case == "bad config":
        answer(office, payload(root, status={"heartbeat_url": "ftp://x", "heartbeat_interval": 0}))
    else:
        answer(office, payload(root, feeds=[{"name": "township", "url": "http://x/", "root": "{}"}]))
    with pytest.raises(EnrolError) as caught:
        enrol(url(office), CODE, device)
    assert device.read_text(encoding="utf-8") == EXISTING
    assert not (tmp_path / "device-token").exists() and not (tmp_path / "roots").exists()
    if case == "refused":
        assert "expired" in str(caught.value)


def test_a_broken_config_is_refused_before_asking_the_office(office: Office, tmp_path: Path) -> None:
    device = tmp_path / "device.toml"
    device.write_text("[screen]\nrotation = 45\n", encoding="utf-8")
    with pytest.raises(EnrolError, match="screen.rotation"):
        enrol(url(office), CODE, device)
    assert not office.received


def test_codes_are_typed_forgivingly_and_checked() -> None:
    assert normalize_code(" k7qm 3xd9-pq2w ") == "K7QM3XD9PQ2W"
    assert len(normalize_code(new_code())) == 12
    for bad in ("K7QM-3XD9", "K7QM-3XD9-PQ2O", "0000-0000-0000"):
        with pytest.raises(CodeError):
            normalize_code(bad)
