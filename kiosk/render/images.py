"""The screen's one image decoder: header checked first, bounded memory, fitted to a box.

Every image a screen draws (the publisher's logo, a notice's pictures, a picture inside its text,
the enlarged picture on a touch kiosk) comes through :func:`load_fitted`: the header is read and
checked against the limits by :func:`kiosk.content.images.open_image` before any pixel is decoded
(a 30000x30000 logo of 875 KB is refused, not decoded into gigabytes), JPEGs are decoded at a
reduced scale close to the box (libjpeg's DCT scaling), EXIF orientation is applied.

A missing, corrupt, truncated or oversized image raises :class:`ImageError` naming the file; the
caller shows a text fallback instead.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import pygame

from kiosk.content.images import ImageProblem, open_image, probe_image

log = logging.getLogger(__name__)


class ImageError(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


def load_fitted(path: Path, box: tuple[int, int]) -> pygame.Surface:
    """Decode ``path``, apply EXIF orientation and scale it to fit inside ``box`` (aspect kept)."""
    if box[0] <= 0 or box[1] <= 0:
        raise ImageError(path, f"no room to draw it ({box[0]}x{box[1]})")
    from PIL import Image, ImageOps, UnidentifiedImageError  # here: start-up need not pay for Pillow

    try:
        with open_image(path) as (opened, _):  # the header is checked against the limits first
            if opened.format in ("JPEG", "MPO"):
                # draft() lets libjpeg decode at 1/2, 1/4 or 1/8 scale: never the full bitmap for a big photo
                opened.draft("RGB", (box[0] * 2, box[1] * 2))
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
    return info.shown_size
