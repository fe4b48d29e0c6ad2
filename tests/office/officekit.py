"""Helpers for office tests that run real processes: a served office, free ports, waiting."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KIOSK = [sys.executable, "-m", "kiosk"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_kiosk(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_OFFICE_DIR")}
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, timeout=timeout,
                          env={**clean, **(env or {})})


def accounts_from(output: str) -> dict[str, str]:
    """``account: NAME   password: SECRET`` lines printed by ``kiosk office init``."""
    return dict(re.findall(r"account: (\S+)\s+password: (\S+)", output))


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@contextmanager
def served(folder: Path, port: int | None = None) -> Iterator[str]:
    """``kiosk office serve FOLDER`` in a subprocess; yields its base URL; stopped (by its pid) after."""
    port = port or free_port()
    log = open(folder.parent / f"serve-{port}.log", "wb")  # noqa: SIM115 - closed below
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_OFFICE_DIR"}
    proc = subprocess.Popen([*KIOSK, "office", "serve", str(folder), "--port", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


CREATE_FEED = """
import datetime as dt, sys
from pathlib import Path
import django
django.setup()
from kiosk.feed.publish import publish
from kiosk.feed.repo import init_feed
from kiosk.office.feeds.models import Feed
from kiosk.office.paths import data_dir
name, keys, content = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
now = dt.datetime.now(dt.UTC)
tree = data_dir().feed(name)
init_feed(tree, keys, now, threshold=1)
publish(content, tree, [keys], now)
Feed.objects.create(name=name, publisher="青禾镇党委", catalogue=(content / "catalogue.toml").read_text())
"""


def create_feed(folder: Path, name: str, keys: Path, content: Path, env: dict[str, str] | None = None) -> None:
    """A feed in the office data folder ``folder`` (its database included), published from ``content``
    with a threshold-1 key in ``keys``, as an office admin would have made it."""
    base = {k: v for k, v in (env or os.environ).items() if k != "KIOSK_OFFICE_DIR"}
    done = subprocess.run([sys.executable, "-c", CREATE_FEED, name, str(keys), str(content)], capture_output=True,
                          text=True, timeout=300, env={**base, "KIOSK_OFFICE_DIR": str(folder),
                                                       "DJANGO_SETTINGS_MODULE": "kiosk.office.settings"})
    if done.returncode != 0:
        raise RuntimeError(f"creating feed {name} failed:\n{done.stderr}")
