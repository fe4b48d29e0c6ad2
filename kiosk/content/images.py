"""What every image goes through before anything decodes it: its header read, its size checked.

:func:`probe_image` opens a file without following it anywhere special (regular files only), reads
its header with Pillow (format, width, height: no pixels decoded) and refuses what is over
:data:`~kiosk.content.limits.LIMITS` or not one of the formats screens draw.  Publishing calls it
for every image of a content folder (``FILE: images: reason``), the office for every upload, and
the screen's decoder (:mod:`kiosk.render.images`) before decoding any image: logo, notice picture,
picture inside the text, touch detail.  Pillow is imported on the first call, not at start-up.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

from kiosk.content.limits import LIMITS, Limits, kib

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")  # what Pillow may identify a file as (matches bundle extensions)


class ImageProblem(ValueError):
    """An image that is refused before decoding; ``reason`` says why (no file name)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class ImageInfo:
    format: str  # as Pillow names it: PNG, JPEG…
    width: int
    height: int
    bytes: int
    orientation: int = 1  # EXIF orientation (1: as stored; 5-8: turned a quarter, width and height swap)

    @property
    def pixels(self) -> int:
        return self.width * self.height


def probe_image(path: Path, limits: Limits = LIMITS) -> ImageInfo:
    """The header of ``path``, checked against ``limits``; no pixel is decoded.

    Raises:
        ImageProblem: missing, not a regular file, too big a file, not an image of an allowed
            format, unreadable header, or more pixels (or a longer side) than allowed.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImageProblem(path, "file not found") from None
    except OSError as e:
        raise ImageProblem(path, f"cannot read it: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ImageProblem(path, "not a regular file")
    if st.st_size > limits.image_bytes:
        raise ImageProblem(path, f"the file is {kib(st.st_size)}, more than the {kib(limits.image_bytes)} "
                                 "allowed for one image: save it smaller (e.g. as a JPEG)")
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides, below
            with Image.open(path, formats=FORMATS) as img:
                width, height = img.size
                fmt = img.format or "?"
                orientation = img.getexif().get(0x0112, 1)  # from the header, like the size
    except UnidentifiedImageError:
        raise ImageProblem(path, f"not an image screens can show ({', '.join(FORMATS)})") from None
    except Image.DecompressionBombError as e:  # Pillow's own ceiling, far above ours
        found = re.search(r"\((\d+) pixels\)", str(e))
        raise _too_big(path, f"{int(found[1]):,} pixels" if found else "far too many pixels", limits) from None
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageProblem(path, f"corrupt image header ({e})") from None
    info = ImageInfo(fmt, width, height, st.st_size, orientation if isinstance(orientation, int) else 1)
    if width < 1 or height < 1:
        raise ImageProblem(path, f"the image is {width}x{height} pixels: nothing to show")
    if info.pixels > limits.image_pixels or max(width, height) > limits.image_side:
        raise _too_big(path, f"{width}x{height} pixels", limits)
    return info


def _too_big(path: Path, size: str, limits: Limits) -> ImageProblem:
    return ImageProblem(path, f"the image is {size}, more than screens decode (at most "
                              f"{limits.image_megapixels:g} megapixels and {limits.image_side} pixels a side): "
                              "scale it down, a screen shows at most about 4000 pixels across")
