"""Shared test set-up: headless SDL, the ``snapshot`` fixture (tests/snapshots.py) and its regenerate flag."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from snapshots import Snapshot


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-reference", action="store_true",
                     help="rewrite the reference images (tests/**/reference/*.png) from the current rendering; "
                          "look at every rewritten image before committing it")


@pytest.fixture
def snapshot(request: pytest.FixtureRequest, tmp_path: Path) -> Snapshot:
    """``snapshot(name, surface | image | png_path, folder=..., threshold=0, max_pixels=0)``."""
    return Snapshot(bool(request.config.getoption("--regen-reference")), tmp_path)


@pytest.fixture(scope="session")
def kiosk_wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel built once per run from a copy of the checkout, and its build log (tests/wheelkit.py)."""
    from wheelkit import build_wheel

    return build_wheel(tmp_path_factory.mktemp("wheel"))
