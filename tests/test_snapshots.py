"""The snapshot helper itself: one changed pixel fails, with the rendering and a diff image left."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from snapshots import Snapshot


def test_one_changed_pixel_fails_and_leaves_a_diff(tmp_path: Path) -> None:
    refs, out = tmp_path / "ref", tmp_path / "out"
    out.mkdir()
    image = Image.new("RGB", (40, 30), (251, 247, 238))
    Snapshot(True, out)("card", image, folder=refs)  # --regen-reference writes it
    Snapshot(False, out)("card", image, folder=refs)  # the same pixels pass
    image.putpixel((7, 9), (251, 247, 237))  # one channel of one pixel, by one
    with pytest.raises(pytest.fail.Exception, match=r"card: 1 pixel\(s\) differ by more than 0 .* \(7, 9, 8, 10\)"):
        Snapshot(False, out)("card", image, folder=refs)
    assert (out / "card-actual.png").exists()
    assert Image.open(out / "card-diff.png").getpixel((7, 9)) == (255, 0, 0)
    Snapshot(False, out)("card", image, folder=refs, threshold=1)  # a threshold lets it pass
    Snapshot(False, out)("card", image, folder=refs, max_pixels=1)


def test_a_missing_reference_is_never_written_silently(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="--regen-reference"):
        Snapshot(False, tmp_path)("nothing", Image.new("RGB", (2, 2)), folder=tmp_path / "ref")
    assert not (tmp_path / "ref").exists()
