"""A real screen enrolled against a running office: it heartbeats, uploads its records and sends a
screenshot when asked; the fleet page shows it online with its version; stopped, it goes offline."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from officekit import KIOSK, accounts_from, create_feed, free_port, run_kiosk, served

from kiosk.config import load_config

pytestmark = pytest.mark.servers
REPO_ROOT = Path(__file__).resolve().parents[2]

def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ANN401
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s: {what}")


def devices(folder: Path) -> dict[str, dict[str, Any]]:
    done = run_kiosk("office", "devices", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    return {d["id"]: d for d in map(json.loads, done.stdout.splitlines())}


def signed_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    reply = session.post(f"{base}/login/", data={"username": username, "password": password,
                                                 "csrfmiddlewaretoken": csrf[1]}, headers={"Referer": base + "/"},
                         timeout=30)
    assert "您好" in reply.text
    return session


def post_form(session: requests.Session, base: str, path: str, page: str) -> requests.Response:
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(base + page, timeout=30).text)
    assert csrf is not None
    return session.post(base + path, data={"csrfmiddlewaretoken": csrf[1]}, headers={"Referer": base + page},
                        timeout=30)


def test_an_enrolled_screen_reports_to_a_running_office(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    folder = tmp_path / "served"  # (tmp_path / "office" is the fixture's)
    init = run_kiosk("office", "init", str(folder), "--public-url", base)
    assert init.returncode == 0, init.stderr
    admin = accounts_from(init.stdout)
    with open(folder / "office.toml", "a", encoding="utf-8") as f:
        f.write("\n[fleet]\noffline_after_s = 25\nheartbeat_interval_s = 10\nupload_interval_s = 10\n")  # 2 beats
    create_feed(folder, "township", tmp_path / "keys", REPO_ROOT / "assets" / "demo")
    for bad, why in ((["bad id"], "NAME is 1 to 64"), (["lobby-1", "--feed", "nope"], "no feed named nope")):
        refused = run_kiosk("office", "device", "add", str(folder), *bad)
        assert refused.returncode == 1 and why in refused.stderr
    added = run_kiosk("office", "device", "add", str(folder), "lobby-1", "--label", "柳溪村党群服务中心",
                      "--place", "柳溪村")
    assert added.returncode == 0, added.stderr
    code = added.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", code)

    device = tmp_path / "screen" / "device.toml"
    device.parent.mkdir()
    device.write_text("# the screen in the 柳溪村 service centre\nstate_dir = \"state\"\n\n"
                      "[screen]\ntheme = \"paper\"\n", encoding="utf-8")
    with served(folder, port):
        enrolled = run_kiosk("enrol", base, code, "--config", str(device))
        assert enrolled.returncode == 0, enrolled.stderr
        assert "enrolled as lobby-1" in enrolled.stdout
        config = load_config(device)
        assert config.device.id == "lobby-1" and config.device.site == "柳溪村党群服务中心"
        assert config.status.heartbeat_url == f"{base}/device/v1/heartbeat" and config.audit.upload_interval == 10
        [feed] = config.feed_sources()
        assert feed.url == f"{base}/feeds/township/" and feed.root_path.read_bytes() == \
            (folder / "feeds" / "township" / "metadata" / "1.root.json").read_bytes()
        assert device.read_text(encoding="utf-8").startswith("# the screen in the 柳溪村 service centre")
        assert (device.parent / "device-token").stat().st_mode & 0o777 == 0o600
        again = run_kiosk("enrol", base, code, "--config", str(device))
        assert again.returncode == 0  # the code may be fetched again until its token is used

        player = subprocess.Popen([*KIOSK, "play", "--windowed", "--size", "640x360", "--config", str(device)],
                                  cwd=tmp_path, env=dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy"),
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "player.log", "wb"))  # noqa: SIM115
        try:
            def reporting() -> dict[str, Any] | None:
                d = devices(folder)["lobby-1"]
                township = d["versions"].get("township", {})
                done = d["state"] == "online" and township.get("playing") == str(township.get("latest")) \
                    and d["proof_until"] is not None
                return d if done else None

            status = wait_until(reporting, 120, "the screen online, on the latest version, with records received")
            assert status["clock_ok"] is True and status["uptime_s"] > 0 and status["alerts"] == 0
            session = signed_in(base, "admin", admin["admin"])
            page = session.get(f"{base}/fleet/", timeout=30).text
            row = re.search(r"<tr class=\"[^\"]*state-online\">.*?</tr>", page, re.S)
            assert row is not None and "lobby-1" in row[0] and "在线" in row[0]
            latest = status["versions"]["township"]["latest"]
            assert f"township {latest} / {latest}" in row[0]

            post_form(session, base, "/fleet/s/lobby-1/screenshot/", "/fleet/s/lobby-1/")
            shot = wait_until(lambda: (r := session.get(f"{base}/fleet/s/lobby-1/screenshot.png", timeout=30))
                              .status_code == 200 and r.content, 60, "the screenshot sent by the screen")
            assert shot.startswith(b"\x89PNG")
            keep = os.environ.get("KIOSK_SCREENSHOTS")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                (Path(keep) / "fleet-real-screen.png").write_bytes(shot)
        finally:
            player.send_signal(signal.SIGTERM)
            player.wait(timeout=30)
        wait_until(lambda: devices(folder)["lobby-1"]["state"] == "offline", 60, "offline after the threshold")
        page = session.get(f"{base}/fleet/s/lobby-1/", timeout=30).text
        assert "离线" in page and "没有异常" in page
        key = (device.parent / "state" / "device-key.pub").read_text(encoding="ascii").strip()
        assert f'title="{key}"' in page and "已核对至第" in page  # registered at enrolment, its checkpoints verified


def test_the_office_serves_from_several_processes_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    folder = tmp_path / "served"
    assert run_kiosk("office", "init", str(folder), "--public-url", f"http://127.0.0.1:{port}").returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_OFFICE_DIR"}
    server = subprocess.Popen([*KIOSK, "office", "serve", str(folder), "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        answered = wait_until(lambda: _status(port), 60, "the office answering")
        assert answered == 401  # the device API, without a token
        children = wait_until(lambda: _children(server.pid) if len(_children(server.pid)) == 2 else None, 30,
                              "two server processes")
        for _ in range(20):
            assert _status(port) == 401
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0, out
    assert "2 processes" in out and not any(Path(f"/proc/{pid}").exists() for pid in children)


def _status(port: int) -> int | None:
    try:
        return requests.post(f"http://127.0.0.1:{port}/device/v1/heartbeat", json={}, timeout=5).status_code
    except requests.RequestException:
        return None


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return out
