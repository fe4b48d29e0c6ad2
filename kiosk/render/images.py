"""Load images for slides through Pillow: EXIF orientation, bounded memory, fitted to a box.

A corrupt, truncated or gigantic image raises :class:`ImageError` naming the file;
the caller shows a text fallback instead.
"""

from __future__ import annotations

import functools
import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

# Refuse decompression bombs outright: 80 megapixels is far beyond any notice photo.
MAX_PIXELS = 80_000_000


class ImageError(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


def _open_reduced(path: Path, box: tuple[int, int]) -> Image.Image:
    """Open and decode at most about 2x the target size (JPEG DCT scaling keeps memory bounded)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img = Image.open(path)
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise ImageError(path, f"image is {w}x{h} pixels, more than the {MAX_PIXELS // 1_000_000} MP limit")
    if img.format == "JPEG":
        # draft() lets libjpeg decode at 1/2, 1/4 or 1/8 scale: never the full bitmap for a huge photo.
        img.draft("RGB", (box[0] * 2, box[1] * 2))
    return img


def load_fitted(path: Path, box: tuple[int, int]) -> pygame.Surface:
    """Decode ``path``, apply EXIF orientation and scale it to fit inside ``box`` (aspect kept)."""
    if box[0] <= 0 or box[1] <= 0:
        raise ImageError(path, f"no room to draw it ({box[0]}x{box[1]})")
    from PIL import Image, ImageOps, UnidentifiedImageError  # here: start-up need not pay for Pillow

    try:
        img = _open_reduced(path, box)
        img = ImageOps.exif_transpose(img) or img
        img = img.convert("RGBA") if img.mode in ("RGBA", "LA", "P", "PA") else img.convert("RGB")
        img = ImageOps.contain(img, box, Image.Resampling.LANCZOS)
        data = img.tobytes()
    except FileNotFoundError:
        raise ImageError(path, "file not found") from None
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageError(path, f"not a readable image ({e})") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageError(path, f"corrupt or truncated image ({e})") from None
    return pygame.image.frombytes(data, img.size, "RGBA" if img.mode == "RGBA" else "RGB")


def image_size(path: Path) -> tuple[int, int] | None:
    """The size an image is shown at (EXIF orientation applied), read from its header only; None
    when it cannot be read (the layout then keeps a 4:3 box and the drawing shows the fallback)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return _header_size(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=512)
def _header_size(path: str, size: int, mtime_ns: int) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                orientation = img.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def load_small(path: Path, box: tuple[int, int]) -> pygame.Surface:
    """A logo or icon through SDL_image (no Pillow import at start-up); scaled to fit ``box``.

    Only for small trusted-size files (the publisher's logo): falls back to :func:`load_fitted`
    for anything large or that SDL cannot read.
    """
    try:
        if path.stat().st_size > 2_000_000:
            return load_fitted(path, box)
        image = pygame.image.load(str(path))
    except FileNotFoundError:
        raise ImageError(path, "file not found") from None
    except (pygame.error, OSError):
        return load_fitted(path, box)
    w, h = image.get_size()
    scale = min(box[0] / max(1, w), box[1] / max(1, h))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if image.get_bitsize() not in (24, 32):  # smoothscale needs 24/32-bit pixels (a palette PNG is 8)
        image = image.convert(32, pygame.SRCALPHA) if image.get_alpha() is not None else image.convert(24)
    return pygame.transform.smoothscale(image, size)
