"""Uploaded images: checked as a screen checks them, turned upright (EXIF), re-encoded.

Refused with a Chinese reason: files over the upload limit, anything Pillow cannot identify as
a PNG, JPEG, GIF, BMP or WebP picture, pictures over the screen's pixel limit
(``kiosk.render.images.MAX_PIXELS``: the screen refuses them too), truncated or corrupt
files.  Accepted ones are decoded, rotated by their EXIF orientation, scaled down to at most
3840 pixels on the long side (a 4K screen's width: nothing larger is ever seen) and written
again as JPEG (or PNG when they have transparency): camera metadata such as GPS position is
dropped, and what screens download is what the office checked.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from kiosk.office.approval.building import store_upload
from kiosk.office.authoring.models import UploadedImage
from kiosk.office.feeds.models import Feed

MAX_SIDE = 3840
FORMATS = {"PNG", "JPEG", "GIF", "BMP", "WEBP", "MPO"}


class UploadError(Exception):
    pass


@dataclass(frozen=True)
class Checked:
    data: bytes
    extension: str
    width: int
    height: int


def check_image(data: bytes) -> Checked:
    from PIL import Image, ImageOps, UnidentifiedImageError

    from kiosk.render.images import MAX_PIXELS

    limit = settings.MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise UploadError(f"图片太大（{len(data) / 1e6:.1f} MB），最大 {limit // 1_000_000} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            if img.format not in FORMATS:
                raise UploadError("只能上传 JPG、PNG、GIF、BMP 或 WebP 图片")
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise UploadError(f"图片像素太多（{w}×{h}），屏幕最多显示 {MAX_PIXELS // 1_000_000} 百万像素的图片")
            img.load()
            img = ImageOps.exif_transpose(img) or img
    except UploadError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError("这不是可以识别的图片文件") from None
    except (OSError, ValueError, SyntaxError):
        raise UploadError("图片文件已损坏或不完整") from None
    alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    img = img.convert("RGBA" if alpha else "RGB")
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if alpha:
        img.save(out, "PNG", optimize=True)
    else:
        img.save(out, "JPEG", quality=90, optimize=True)
    return Checked(out.getvalue(), ".png" if alpha else ".jpg", img.width, img.height)


def save_upload(feed: Feed, upload: UploadedFile, user: object) -> UploadedImage:
    """Check and keep an uploaded picture; ``UploadError`` with a Chinese reason when refused."""
    limit = settings.MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise UploadError(f"图片太大（{upload.size / 1e6:.1f} MB），最大 {limit // 1_000_000} MB")
    checked = check_image(upload.read(limit + 1))
    name_probe = f"images/x{checked.extension}"
    sha = store_upload(checked.data, name_probe)
    name = f"images/{sha[:16]}{checked.extension}"
    image, _ = UploadedImage.objects.get_or_create(
        feed=feed, name=name, defaults={"sha256": sha, "width": checked.width, "height": checked.height,
                                        "size": len(checked.data), "uploaded_by": user})
    return image
