"""Uploaded images: checked as a screen checks them, turned upright (EXIF), re-encoded.

Refused with a Chinese reason: files over the upload limit, anything Pillow cannot identify as
a PNG, JPEG, GIF, BMP or WebP picture, pictures over the screen's limits (checked from the
header by the screen's own :func:`kiosk.content.images.open_image` before anything is decoded:
what a screen would refuse is refused here), truncated or corrupt files.  Accepted ones are
decoded, rotated by their EXIF orientation, scaled down to at most 3840 pixels on the long side
(a 4K screen's width: nothing larger is ever seen) and written again as JPEG (or PNG when they
have transparency): camera metadata such as GPS position is dropped, and what screens download is
what the office checked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from kiosk.content.limits import LIMITS
from kiosk.office.approval.building import store_upload
from kiosk.office.authoring.models import UploadedImage
from kiosk.office.feeds.models import Feed

if TYPE_CHECKING:
    from kiosk.content.images import ImageProblem

MAX_SIDE = 3840


class UploadError(Exception):
    pass


@dataclass(frozen=True)
class Checked:
    data: bytes
    extension: str
    width: int
    height: int


def check_image(data: bytes) -> Checked:
    from PIL import Image, ImageOps

    from kiosk.content.images import ImageProblem, open_image

    limit = settings.MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise UploadError(f"图片太大（{len(data) / 1e6:.1f} MB），最大 {limit // 1_000_000} MB")
    try:
        with open_image(data) as (opened, _):  # the screen's own header check, before decoding
            opened.load()
            img = ImageOps.exif_transpose(opened) or opened
            alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
            img = img.convert("RGBA" if alpha else "RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    except ImageProblem as e:
        raise UploadError(refusal(e)) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise UploadError("图片文件已损坏或不完整") from None
    out = io.BytesIO()
    if alpha:
        img.save(out, "PNG", optimize=True)
    else:
        img.save(out, "JPEG", quality=90, optimize=True)
    return Checked(out.getvalue(), ".png" if alpha else ".jpg", img.width, img.height)


def refusal(problem: ImageProblem) -> str:
    """Why a screen would refuse this picture, for the clerk (the limits are the screen's)."""
    if problem.kind == "pixels":
        size = (f"（{problem.size[0]}×{problem.size[1]}）" if problem.size
                else f"（{problem.pixels:,} 像素）" if problem.pixels else "")
        return (f"图片像素太多{size}，屏幕最多显示 {LIMITS.image_megapixels:g} 百万像素、"
                f"每边不超过 {LIMITS.image_side} 像素的图片，请缩小后再上传")
    if problem.kind == "file-size":
        return f"图片文件太大，最大 {LIMITS.image_bytes // (1024 * 1024)} MB"
    if problem.kind == "format":
        return "这不是可以识别的图片文件（只能上传 JPG、PNG、GIF、BMP 或 WebP 图片）"
    if problem.kind == "empty":
        return "图片没有内容（宽或高为 0）"
    return "图片文件已损坏或不完整"


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
