"""Shared test set-up: headless SDL, reference-image comparison with a regenerate flag."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

REFERENCE = Path(__file__).parent / "reference"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-reference", action="store_true",
                     help="rewrite tests/reference/*.png from the current rendering")


@pytest.fixture
def reference(request: pytest.FixtureRequest):  # noqa: ANN201
    """``reference(name, png_path, tolerance)``: compare a screenshot with tests/reference/NAME.png."""
    from PIL import Image, ImageChops, ImageStat

    regen = request.config.getoption("--regen-reference")

    def check(name: str, shot: Path, tolerance: float = 2.0) -> None:
        ref = REFERENCE / f"{name}.png"
        if regen or not ref.exists():
            if not regen:
                pytest.fail(f"no reference image {ref}; run pytest --regen-reference and look at it")
            REFERENCE.mkdir(exist_ok=True)
            Image.open(shot).convert("RGB").save(ref, optimize=True)
            return
        a = Image.open(shot).convert("RGB")
        b = Image.open(ref).convert("RGB")
        assert a.size == b.size, f"{name}: size {a.size} != reference {b.size}"
        diff = ImageChops.difference(a, b)
        mean = sum(ImageStat.Stat(diff).mean) / 3
        if mean > tolerance:
            out = shot.with_name(f"{name}-diff.png")
            diff.save(out)
            pytest.fail(f"{name}: mean difference {mean:.2f} > {tolerance} (see {shot} and {out})")

    return check
