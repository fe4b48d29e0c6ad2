"""The screenshot PNG writer round-trips through an independent decoder (Pillow)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image

from kiosk.render.png import png_bytes


def test_round_trip(tmp_path: Path) -> None:
    rng = random.Random(7)
    size = (37, 11)
    data = bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3))
    path = tmp_path / "x.png"
    path.write_bytes(png_bytes(size, data))
    img = Image.open(path)
    assert img.size == size and img.mode == "RGB"
    assert img.tobytes() == data


def test_wrong_length_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected 30 bytes"):
        png_bytes((5, 2), b"\x00" * 29)
