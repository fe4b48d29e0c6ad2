"""Running as a kiosk service: systemd READY/WATCHDOG notifications and screenshots on request."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pygame
import pytest
from PIL import Image

from kiosk.config import load_config
from kiosk.device.sdnotify import Notifier
from kiosk.player.runner import PlayOptions, Runner

REPO_ROOT = Path(__file__).resolve().parents[1]


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


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_system_stop_ends_the_player_promptly_with_a_clean_stop_record(tmp_path: Path, signum: int) -> None:
    """kiosk.allow_quit = false (the default) governs only keyboard and window quits: systemctl stop
    and Ctrl+C always stop the player, which writes its clean-stop record (SDL used to turn the
    signal into a window-close that was ignored: systemd waited 90 s, then killed it)."""
    address = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.settimeout(20)
    state = tmp_path / "state"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", NOTIFY_SOCKET=address)
    player = subprocess.Popen([sys.executable, "-m", "kiosk", "play", "--size", "640x360", "--state-dir", str(state)],
                              cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert server.recv(64) == b"READY=1"  # the first frame is on screen
        player.send_signal(signum)
        code = player.wait(timeout=10)
        stderr = player.stderr.read() if player.stderr else ""
    finally:
        if player.poll() is None:
            player.kill()
            player.wait()
        server.close()
    assert code == 0, stderr
    assert f"stopping: {signal.Signals(signum).name} received" in stderr and "Traceback" not in stderr
    lines = [json.loads(line) for f in sorted((state / "audit").glob("*.jsonl")) for line in f.read_text().splitlines()]
    assert [line["kind"] for line in lines[-2:]] == ["player-stop", "checkpoint"]  # the stop mark, signed


def test_window_close_is_governed_by_allow_quit() -> None:
    for allow, expected in ((False, False), (True, True)):
        cfg = load_config()
        cfg = dataclasses.replace(cfg, kiosk=dataclasses.replace(cfg.kiosk, allow_quit=allow))
        runner = Runner(cfg, PlayOptions(headless=True, size=(320, 240)))
        try:
            runner.frame()
            pygame.event.post(pygame.event.Event(pygame.QUIT))
            runner.frame()
            assert runner.quit is expected
        finally:
            runner.close()


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


# ------------------------------------------------------------------ kiosk screenshot, run with sudo


FAKE_PLAYER = """
import os, signal, sys, time
from pathlib import Path
state, secret = Path(sys.argv[1]), sys.argv[2]
def answer(signum, frame):  # what a kiosk user who wants root's files would do
    shot = state / "screenshot.png"
    shot.unlink(missing_ok=True)
    os.symlink(secret, shot)
signal.signal(signal.SIGUSR1, answer)
from kiosk.device.playerpid import write_pid_file
write_pid_file(state)
print("ready", flush=True)
time.sleep(60)
"""


def _screenshot(out: Path, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "screenshot", str(out), "--state-dir", str(state),
                           "--size", "320x180"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, SDL_VIDEODRIVER="dummy"))


def test_screenshot_does_not_follow_a_link_planted_in_the_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret\n", encoding="utf-8")
    secret.chmod(0o600)
    player = subprocess.Popen([sys.executable, "-c", FAKE_PLAYER, str(state), str(secret)], stdout=subprocess.PIPE,
                              text=True, cwd=REPO_ROOT)
    try:
        assert player.stdout is not None and player.stdout.readline().strip() == "ready"
        out = tmp_path / "out.png"
        done = _screenshot(out, state)
        assert (state / "screenshot.png").is_symlink()  # the fake player answered with its link
        assert done.returncode == 1, done.stdout + done.stderr
        assert "cannot open it without following links" in done.stderr
        assert not out.exists() or "secret" not in out.read_bytes().decode("latin-1")
    finally:
        player.kill()
        player.wait()


@pytest.mark.parametrize("pid_file", ["plain", "wrong-start"])
def test_screenshot_signals_only_the_process_that_wrote_the_pid_file(tmp_path: Path, pid_file: str) -> None:
    """A stale pid file naming another process whose command line says "kiosk" must not get SIGUSR1
    (its default action ends the process)."""
    state = tmp_path / "state"
    state.mkdir()
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)  # not the kiosk player"])
    try:
        time.sleep(0.2)
        if pid_file == "plain":  # what the player used to write
            (state / "player.pid").write_text(str(victim.pid), encoding="utf-8")
        else:
            (state / "player.pid").write_text(json.dumps({"pid": victim.pid, "start": 1}), encoding="utf-8")
        done = _screenshot(tmp_path / "out.png", state)
        assert done.returncode == 0, done.stderr
        assert "no running player: saved a headless render" in done.stdout
        time.sleep(0.2)
        assert victim.poll() is None, "the other process got the signal"
        assert Image.open(tmp_path / "out.png").size == (320, 180)
    finally:
        victim.kill()
        victim.wait()
