"""What every image goes through before anything decodes it: its header read, its size checked.

:func:`open_image` opens an image (a file, regular files only and opened once, or bytes received
by the office), reads its header with Pillow (format, width, height, EXIF orientation: no pixels
decoded) and refuses what is over :data:`~kiosk.content.limits.LIMITS` or not one of the formats
screens draw; only then does it hand the opened image to the caller, who may decode it.  The
screen's decoder (:mod:`kiosk.render.images`: logo, notice picture, picture inside the text,
touch detail) decodes through it; :func:`probe_image` (the header only) is what publishing checks
for every image of a content folder (``FILE: images: reason``), what the office checks for every
upload and what the layout reads an image's size from.  Pillow is imported on the first call, not
at start-up.
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from kiosk.content.limits import LIMITS, Limits, kib

if TYPE_CHECKING:
    from PIL import Image

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")  # what Pillow may identify a file as (matches bundle extensions)

#: why an image is refused, for callers that word the reason themselves (the office, in Chinese)
Kind = Literal["missing", "unreadable", "not-file", "file-size", "format", "corrupt", "empty", "pixels"]


class ImageProblem(ValueError):
    """An image that is refused before decoding; ``reason`` says why (no file name), ``kind`` what
    kind of problem it is; for ``pixels``, ``pixels`` is the count the header gives and ``size`` the
    (width, height) when known (Pillow's own ceiling refuses the largest without saying)."""

    def __init__(self, path: Path, reason: str, kind: Kind = "corrupt", size: tuple[int, int] | None = None,
                 pixels: int | None = None) -> None:
        self.path, self.reason, self.kind, self.size = Path(path), reason, kind, size
        self.pixels = pixels if pixels is not None or size is None else size[0] * size[1]
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class ImageInfo:
    format: str  # as Pillow names it: PNG, JPEG, MPO (a camera's JPEG)…
    width: int
    height: int
    bytes: int
    orientation: int = 1  # EXIF orientation (1: as stored; 5-8: turned a quarter, width and height swap)

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def shown_size(self) -> tuple[int, int]:
        """(width, height) once the EXIF orientation is applied."""
        return (self.height, self.width) if self.orientation in (5, 6, 7, 8) else (self.width, self.height)


def probe_image(source: Path | bytes, limits: Limits = LIMITS) -> ImageInfo:
    """The header of ``source`` (a file or an image's bytes), checked against ``limits``; no pixel
    is decoded.

    Raises:
        ImageProblem: missing, not a regular file, too big a file, not an image of an allowed
            format, unreadable header, or more pixels (or a longer side) than allowed.
    """
    with open_image(source, limits) as (_, info):
        return info


@contextmanager
def open_image(source: Path | bytes, limits: Limits = LIMITS) -> Iterator[tuple[Image.Image, ImageInfo]]:
    """The opened image and its checked header; the caller may decode it inside the ``with``.

    A file is opened once, without blocking (a pipe named ``x.png`` is refused, not waited on),
    and only a regular file is read.  Raises :class:`ImageProblem` as :func:`probe_image` does,
    before anything is decoded.
    """
    name = Path("<upload>") if isinstance(source, bytes) else Path(source)
    with _open_bytes(source, name, limits) as (fp, size):
        from PIL import Image, UnidentifiedImageError

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides, below
                img = Image.open(fp, formats=FORMATS)
                width, height = img.size
        except UnidentifiedImageError:
            raise ImageProblem(name, f"not an image screens can show ({', '.join(FORMATS)})", "format") from None
        except Image.DecompressionBombError as e:  # Pillow's own ceiling, far above ours
            found = re.search(r"\((\d+) pixels\)", str(e))
            count = int(found[1]) if found else None
            raise _too_big(name, f"{count:,} pixels" if count else "far too many pixels", limits, None,
                           count) from None
        except (OSError, ValueError, SyntaxError, EOFError) as e:
            raise ImageProblem(name, f"corrupt image header ({e})", "corrupt") from None
        with img:
            if width < 1 or height < 1:
                raise ImageProblem(name, f"the image is {width}x{height} pixels: nothing to show", "empty")
            if width * height > limits.image_pixels or max(width, height) > limits.image_side:
                raise _too_big(name, f"{width}x{height} pixels", limits, (width, height))
            yield img, ImageInfo(img.format or "?", width, height, size, _orientation(img))


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation from what the header gave, decoding nothing.

    Pillow's ``getexif()`` on a PNG whose EXIF is not before the pixels decodes the whole image to
    look for it after them: a header probe of a 49-megapixel PNG took 400 MB that way.  A PNG's
    EXIF counts here only when it comes before the pixels (cameras write JPEGs; their EXIF is in
    the header).
    """
    if img.format == "PNG" and "exif" not in img.info:
        return 1
    try:
        orientation = img.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError, EOFError):  # a broken EXIF block: shown as stored
        return 1
    return orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1


@contextmanager
def _open_bytes(source: Path | bytes, name: Path, limits: Limits) -> Iterator[tuple[IO[bytes], int]]:
    if isinstance(source, bytes):
        if len(source) > limits.image_bytes:
            raise _too_large(name, len(source), limits)
        yield io.BytesIO(source), len(source)
        return
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ImageProblem(name, "file not found", "missing") from None
    except OSError as e:
        raise ImageProblem(name, f"cannot read it: {e.strerror or e}", "unreadable") from None
    with os.fdopen(fd, "rb") as fp:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ImageProblem(name, "not a regular file", "not-file")
        if st.st_size > limits.image_bytes:
            raise _too_large(name, st.st_size, limits)
        yield fp, st.st_size


def _too_large(path: Path, size: int, limits: Limits) -> ImageProblem:
    return ImageProblem(path, f"the file is {kib(size)}, more than the {kib(limits.image_bytes)} allowed for one "
                              "image: save it smaller (e.g. as a JPEG)", "file-size")


def _too_big(path: Path, size: str, limits: Limits, dims: tuple[int, int] | None,
             pixels: int | None = None) -> ImageProblem:
    return ImageProblem(path, f"the image is {size}, more than screens decode (at most "
                              f"{limits.image_megapixels:g} megapixels and {limits.image_side} pixels a side): "
                              "scale it down, a screen shows at most about 4000 pixels across", "pixels", dims, pixels)
