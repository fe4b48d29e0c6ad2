"""Reference-image comparison for tests: exact by default, a diff image on failure, a regenerate flag.

Modelled on Textual's ``snap_compare``: tests call the ``snapshot`` fixture (tests/conftest.py)
with a name and what was drawn; ``pytest --regen-reference`` rewrites the references.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).parent / "reference"


class Snapshot:
    """Compare a rendering with a reference PNG: exactly, or allowing ``max_pixels`` pixels that differ
    by more than ``threshold`` in some channel (for renderings that vary by a few antialiasing pixels).

    On a mismatch the test fails with the number of pixels that differ and where; the rendering
    (``NAME-actual.png``) and a diff image (``NAME-diff.png``: differing pixels red over a faded
    reference) are left in the test's temporary folder.  ``pytest --regen-reference`` rewrites the
    references instead (a missing reference is an error, never written silently).
    """

    def __init__(self, regen: bool, out: Path) -> None:
        self.regen, self.out = regen, out

    def __call__(self, name: str, shot: object, *, folder: Path = REFERENCE, threshold: int = 0,
                 max_pixels: int = 0) -> None:
        from PIL import Image

        actual = _as_image(shot)
        ref = folder / f"{name}.png"
        if self.regen:
            folder.mkdir(parents=True, exist_ok=True)
            actual.save(ref, optimize=True)
            return
        if not ref.exists():
            pytest.fail(f"no reference image {ref}; run pytest --regen-reference and look at it")
        expected = Image.open(ref).convert("RGB")
        if actual.size != expected.size:
            actual.save(self.out / f"{name}-actual.png")
            pytest.fail(f"{name}: size {actual.size} != reference {expected.size} (see {self.out / name}-actual.png)")
        count, box, diff = _difference(actual, expected, threshold)
        if count > max_pixels:
            actual.save(self.out / f"{name}-actual.png")
            diff.save(self.out / f"{name}-diff.png")
            pytest.fail(f"{name}: {count} pixel(s) differ by more than {threshold} (allowed {max_pixels}) in the box "
                        f"{box}; see {self.out / name}-actual.png and -diff.png, or run pytest --regen-reference "
                        "after looking at them")


def _as_image(shot: object) -> Any:
    from PIL import Image

    if isinstance(shot, Image.Image):
        return shot.convert("RGB")
    if isinstance(shot, (str, Path)):
        return Image.open(shot).convert("RGB")
    import pygame

    if isinstance(shot, pygame.Surface):
        return Image.frombytes("RGB", shot.get_size(), pygame.image.tobytes(shot, "RGB"))
    raise TypeError(f"cannot compare a {type(shot).__name__}")


def _difference(actual: Any, expected: Any, threshold: int) -> tuple[int, Any, Any]:
    """(pixels differing by more than ``threshold`` in any channel, their bounding box, a diff image)."""
    from PIL import Image, ImageChops

    delta = ImageChops.difference(actual, expected)
    mask = Image.eval(delta, lambda v: 255 if v > threshold else 0).convert("L")
    mask = mask.point(lambda v: 255 if v else 0)
    count = mask.histogram()[255]
    faded = Image.blend(expected, Image.new("RGB", expected.size, (255, 255, 255)), 0.7)
    faded.paste((255, 0, 0), mask=mask)
    return count, mask.getbbox(), faded
