"""The mirror served by a real nginx (Debian's) with the shipped site example; a screen syncs through it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from approvalkit import Office, make_office
from officekit import free_port

from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed
from kiosk.office.paths import mirror_root

pytestmark = [pytest.mark.servers, pytest.mark.django_db]
SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx-kiosk-feeds.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        pytest.fail("nginx not installed: apt-get install nginx-light (make test installs it as root)")
    return found


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[str]:
    """nginx on 127.0.0.1 serving mirror_root() with deploy/nginx-kiosk-feeds.conf."""
    port = free_port()
    site = SITE.read_text(encoding="utf-8")
    site = re.sub(r"(?m)^\s*listen \[::\]:80;\n", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace(
        "root /var/lib/kiosk-office/mirror;", f"root {mirror_root()};")
    run = tmp_path / "nginx"
    run.mkdir()
    (run / "site.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    (run / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {run}/nginx.pid;\nerror_log {run}/error.log;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{\n access_log {run}/access.log;\n client_body_temp_path {run}/body;\n proxy_temp_path {run}/proxy;\n"
        f" fastcgi_temp_path {run}/fastcgi;\n uwsgi_temp_path {run}/uwsgi;\n scgi_temp_path {run}/scgi;\n"
        f" include {run}/site.conf;\n}}\n", encoding="utf-8")
    proc = subprocess.Popen([nginx_binary(), "-c", str(run / "nginx.conf"), "-p", str(run), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        from officekit import wait_for_port

        wait_for_port(port, proc)  # type: ignore[arg-type]
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_screen_syncs_through_nginx_serving_the_mirror(nginx: str, tmp_path: Path) -> None:
    town: Office = make_office()
    town.approve(town.submit_notice("first", "第一条公告"))
    base = f"{nginx}/township/"
    source = FeedSource(name="township", url=base, root_path=town.feed.root_json)
    store = Store(tmp_path / "screen")
    assert sync_feed(source, store).version == 1
    assert (store.current("township") / "items" / "first.md").exists()  # type: ignore[operator]

    stamp = requests.get(base + "metadata/timestamp.json", timeout=10)
    assert stamp.status_code == 200 and stamp.headers["Cache-Control"] == "no-cache" and stamp.headers["ETag"]
    again = requests.get(base + "metadata/timestamp.json", headers={"If-None-Match": stamp.headers["ETag"]},
                         timeout=10)
    assert again.status_code == 304
    root = requests.get(base + "metadata/1.root.json", timeout=10)
    assert root.status_code == 200 and "immutable" in root.headers["Cache-Control"]
    assert root.headers["Content-Type"].startswith("application/json")
    probe = requests.get(base + "metadata/2.root.json", timeout=10)
    assert probe.status_code == 404 and probe.headers["Cache-Control"] == "no-cache"
    for path in ("office.toml", "township/../office.toml", "township/metadata/"):
        assert requests.get(f"{nginx}/{path}", timeout=10).status_code == 404

    town.approve(town.submit_notice("second", "第二条公告"))  # a new version reaches the mirror too
    result = sync_feed(source, store)
    assert result.version == 2 and result.changed
    unchanged = sync_feed(source, store)
    assert not unchanged.changed and unchanged.requests == 1
