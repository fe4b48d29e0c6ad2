"""Running as a kiosk service: systemd READY/WATCHDOG notifications and screenshots on request."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from kiosk.config import REPO_ROOT
from kiosk.device.sdnotify import Notifier


def test_notifier_sends_ready_and_rate_limited_pings(tmp_path: Path) -> None:
    address = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.settimeout(2)
    try:
        os.environ["WATCHDOG_USEC"] = "3000000"
        n = Notifier(address)
        assert n.enabled and n.watchdog_s == 3.0
        n.ready()
        n.ping(100.0)
        n.ping(100.5)  # within a third of the interval: not sent again
        n.ping(101.1)
        got = [server.recv(64).decode() for _ in range(3)]
        assert got == ["READY=1", "WATCHDOG=1", "WATCHDOG=1"]
    finally:
        os.environ.pop("WATCHDOG_USEC", None)
        server.close()


def test_notifier_is_silent_outside_systemd() -> None:
    n = Notifier("")
    assert not n.enabled
    n.ready()  # no socket, no error


def test_player_notifies_systemd_and_answers_screenshot(tmp_path: Path) -> None:
    address = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.settimeout(10)
    state = tmp_path / "state"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", NOTIFY_SOCKET=address, WATCHDOG_USEC="1500000")
    player = subprocess.Popen([sys.executable, "-m", "kiosk", "play", "--windowed", "--size", "640x360",
                               "--state-dir", str(state), "--frames", "600"], cwd=REPO_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert server.recv(64) == b"READY=1"
        assert server.recv(64) == b"WATCHDOG=1"
        deadline = time.monotonic() + 10
        while not (state / "player.pid").exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        out = tmp_path / "live.png"
        done = subprocess.run([sys.executable, "-m", "kiosk", "screenshot", str(out), "--state-dir", str(state)],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert f"player {player.pid}" in done.stdout
        assert Image.open(out).size == (640, 360)
    finally:
        player.kill()
        player.wait()
        server.close()


def test_screenshot_without_player_renders_headless(tmp_path: Path) -> None:
    out = tmp_path / "now.png"
    done = subprocess.run([sys.executable, "-m", "kiosk", "screenshot", str(out), "--state-dir", str(tmp_path),
                           "--size", "960x540"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, SDL_VIDEODRIVER="dummy"))
    assert done.returncode == 0, done.stderr
    assert "headless render" in done.stdout
    assert Image.open(out).size == (960, 540)


def test_heartbeat_thumbnail_made_by_the_frame_loop() -> None:
    import io
    import threading

    from kiosk.config import load_config
    from kiosk.player.runner import PlayOptions, Runner

    r = Runner(load_config(), PlayOptions(headless=True, size=(960, 540)))
    try:
        r.frame()
        got: list[bytes | None] = []
        asker = threading.Thread(target=lambda: got.append(r.thumbnails.request(timeout=5)))
        asker.start()
        deadline = time.monotonic() + 5
        while not r.thumbnails.wanted and time.monotonic() < deadline:
            time.sleep(0.01)
        r.frame()
        asker.join(5)
        assert got and got[0] is not None
        assert Image.open(io.BytesIO(got[0])).size == (480, 270)
    finally:
        r.close()
