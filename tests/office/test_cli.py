"""``kiosk office init|serve|feeds`` as a user runs them: real processes, a real server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from officekit import accounts_from, run_kiosk, served

pytestmark = pytest.mark.servers


def login(session: requests.Session, base: str, username: str, password: str) -> requests.Response:
    page = session.get(f"{base}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text
    return session.post(f"{base}/login/", data={"csrfmiddlewaretoken": token[1], "username": username,
                                                "password": password}, headers={"Referer": f"{base}/login/"},
                        timeout=10)


def test_init_prints_a_random_admin_password_once_and_serve_logs_in(tmp_path: Path) -> None:
    folder = tmp_path / "cli-office"
    done = run_kiosk("office", "init", str(folder), "--public-url", "http://192.0.2.10:8080")
    assert done.returncode == 0, done.stderr
    accounts = accounts_from(done.stdout)
    assert set(accounts) == {"admin"} and len(accounts["admin"]) >= 12
    assert accounts["admin"] not in (folder / "office.toml").read_text(encoding="utf-8")
    again = run_kiosk("office", "init", str(folder))
    assert again.returncode != 0 and "already exists" in again.stderr
    with served(folder) as base:
        session = requests.Session()
        assert "请输入一个正确的用户名和密码" in login(session, base, "admin", "wrong-password").text
        response = login(session, base, "admin", accounts["admin"])
        assert response.status_code == 200 and "您好" in response.text
        assert session.get(f"{base}/static/office/office.css", timeout=10).status_code == 200


def test_feeds_and_serve_refuse_a_folder_that_is_not_an_office(tmp_path: Path) -> None:
    for command in ("feeds", "serve"):
        done = run_kiosk("office", command, str(tmp_path / "nothing"))
        assert done.returncode != 0 and "kiosk office init" in done.stderr


def test_init_demo_publishes_two_feeds_a_screen_can_sync_and_exports(tmp_path: Path) -> None:
    folder = tmp_path / "demo-office"
    done = run_kiosk("office", "init", str(folder), "--demo")
    assert done.returncode == 0, done.stderr
    accounts = accounts_from(done.stdout)
    assert set(accounts) == {"admin", "wangfang", "liqiang", "zhaomin"}
    assert len(set(accounts.values())) == 4 and "signing passphrase" in done.stdout
    feeds = run_kiosk("office", "feeds", str(folder)).stdout.splitlines()
    assert [line.split("\t")[:2] for line in feeds] == [["liuxi", "/feeds/liuxi/"], ["township", "/feeds/township/"]]
    state = tmp_path / "screen"
    args = ["sync", "--once", "--state-dir", str(state)]
    for line in feeds:
        name, _, root = line.split("\t")
        args += ["--feed", f"{name}={(folder / 'feeds' / name).as_uri()},{root}"]
    synced = run_kiosk(*args)
    assert synced.returncode == 0, synced.stderr
    assert "township: updated to version 1" in synced.stdout and "liuxi: updated to version 1" in synced.stdout
    out = tmp_path / "exported"
    assert run_kiosk("office", "export", str(folder), "liuxi", str(out)).returncode == 0
    items = sorted(p.name for p in (out / "items").iterdir())
    assert len(items) == 6 and (out / "content.toml").read_text(encoding="utf-8").startswith("#")
    assert run_kiosk("office", "export", str(folder), "liuxi", str(out)).returncode != 0  # never overwrites
