"""The screen's one image decoder: header checked first, bounded memory, fitted to a box.

Every image a screen draws (the publisher's logo, a notice's pictures, a picture inside its text,
the enlarged picture on a touch kiosk) comes through :func:`load_fitted`: the header is read and
checked against the limits by :func:`kiosk.content.images.probe_image` before any pixel is decoded
(a 30000x30000 logo of 875 KB is refused, not decoded into gigabytes), JPEGs are decoded at a
reduced scale close to the box (libjpeg's DCT scaling), EXIF orientation is applied.

A missing, corrupt, truncated or oversized image raises :class:`ImageError` naming the file; the
caller shows a text fallback instead.
"""

from __future__ import annotations

import functools
import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from kiosk.content.images import ImageProblem, probe_image
from kiosk.content.limits import LIMITS

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

MAX_PIXELS = LIMITS.image_pixels


class ImageError(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


def _open_reduced(path: Path, box: tuple[int, int]) -> Image.Image:
    """Open (header checked) and decode at most about 2x the target size where the format allows."""
    from PIL import Image

    probe_image(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # probe_image applied our limit
        img = Image.open(path, formats=("PNG", "JPEG", "GIF", "BMP", "WEBP"))
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
        with _open_reduced(path, box) as opened:
            img = ImageOps.exif_transpose(opened) or opened
            if img.mode not in ("RGB", "RGBA"):
                img = img.convert("RGBA" if img.mode in ("LA", "P", "PA", "La", "RGBa") else "RGB")
            w, h = img.size
            scale = min(box[0] / w, box[1] / h)
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            if size != img.size:  # reducing_gap: a cheap box reduction first, then Lanczos on the rest
                img = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            data = img.tobytes()
            mode, size = img.mode, img.size
    except ImageProblem as e:
        raise ImageError(path, e.reason) from None
    except FileNotFoundError:
        raise ImageError(path, "file not found") from None
    except (UnidentifiedImageError, Image.DecompressionBombError) as e:
        raise ImageError(path, f"not a readable image ({e})") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageError(path, f"corrupt or truncated image ({e})") from None
    except MemoryError:
        raise ImageError(path, "not enough memory to decode it") from None
    return pygame.image.frombytes(data, size, mode)  # type: ignore[arg-type]


def image_size(path: Path) -> tuple[int, int] | None:
    """The size an image is shown at (EXIF orientation applied), read from its header only; None
    when it cannot be read or is over the limits (the layout then keeps a 4:3 box and the drawing
    shows the fallback)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return _header_size(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=512)
def _header_size(path: str, size: int, mtime_ns: int) -> tuple[int, int] | None:
    try:
        info = probe_image(Path(path))
    except ImageProblem:
        return None
    return (info.height, info.width) if info.orientation in (5, 6, 7, 8) else (info.width, info.height)
