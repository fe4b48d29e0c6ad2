"""Phone-sized copies of a notice's images: small enough for a slow mobile connection.

A screen's image may be a 1920-pixel photo of several hundred kilobytes; a phone shows it
at most ~400 CSS pixels wide (800 device pixels).  The copy is made once from the feed's
signed target (checked by the screen's rules at publishing and again here, from its header, by
:func:`kiosk.content.images.open_image`), kept under
``DIR/feedback/images/<sha256>-<width>.jpg`` and served as immutable: its name changes
whenever the image does.
"""

from __future__ import annotations

import io
from pathlib import Path

from kiosk import fsutil

PHONE_WIDTH = 800
QUALITY = 70


class ImageUnusable(Exception):
    pass


def phone_copy(source: Path, cache: Path, name: str, width: int = PHONE_WIDTH) -> Path:
    """A JPEG at most ``width`` pixels wide of ``source`` (cached under ``cache``)."""
    out = cache / f"{Path(name).stem}-{width}.jpg"
    if out.exists():
        return out
    from PIL import Image, ImageOps

    from kiosk.content.images import ImageProblem, open_image

    try:
        with open_image(source) as (opened, _):  # the screen's header check (limits) before decoding
            if opened.format == "JPEG":
                opened.draft("RGB", (width, width * opened.height // max(1, opened.width)))
            img = ImageOps.exif_transpose(opened)
            if img.mode in ("RGBA", "LA", "P"):
                rgba = img.convert("RGBA")
                img = Image.new("RGB", rgba.size, (255, 255, 255))
                img.paste(rgba, mask=rgba.getchannel("A"))
            elif img.mode != "RGB":
                img = img.convert("RGB")
            if img.width > width:
                img = img.resize((width, max(1, round(img.height * width / img.width))), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            img.save(buffer, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    except ImageProblem as e:
        raise ImageUnusable(f"{source.name}: {e.reason}") from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        raise ImageUnusable(f"{source.name}: {e}") from None
    cache.mkdir(parents=True, exist_ok=True)
    fsutil.write_bytes(out, buffer.getvalue(), 0o644)
    return out


def cache_dir(root: Path) -> Path:
    return root / "feedback" / "images"
