"""Generate the demo pictures in ``images/`` (run: python make_images.py).

Everything is drawn with Pillow: no photographs, no text, no official emblem.

* ``service-centre.jpg``  1600x1000 "photo-like" view of a new service centre.
* ``site-exif6.jpg``      the same kind of scene, stored rotated with EXIF Orientation = 6
                          (the viewer must turn it 90 degrees clockwise; sky is then on top).
* ``volunteers.jpg``      1600x1000 square in front of a hall with little figures.
* ``logo.png``            512x512 red disc with a gold five-pointed star (a generic mark).

The output is deterministic (fixed random seed) so re-running gives the same pictures.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
OUT = HERE / "images"
W, H = 1600, 1000


def lerp(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def sky(img: Image.Image, top: tuple[int, int, int], bottom: tuple[int, int, int], horizon: int) -> None:
    d = ImageDraw.Draw(img)
    for y in range(horizon):
        d.line([(0, y), (img.width, y)], fill=lerp(top, bottom, y / max(1, horizon - 1)))


def ground(img: Image.Image, near: tuple[int, int, int], far: tuple[int, int, int], horizon: int) -> None:
    d = ImageDraw.Draw(img)
    for y in range(horizon, img.height):
        d.line([(0, y), (img.width, y)], fill=lerp(far, near, (y - horizon) / max(1, img.height - horizon)))


def clouds(img: Image.Image, rng: random.Random, n: int, ymax: int) -> None:
    layer = Image.new("RGBA", img.size, (255, 255, 255, 0))  # white, so the blur leaves no dark halo
    d = ImageDraw.Draw(layer)
    for _ in range(n):
        cx, cy = rng.randint(0, img.width), rng.randint(40, ymax)
        for _ in range(7):
            rx, ry = rng.randint(50, 120), rng.randint(20, 45)
            ox, oy = rng.randint(-110, 110), rng.randint(-18, 18)
            d.ellipse([cx + ox - rx, cy + oy - ry, cx + ox + rx, cy + oy + ry], fill=(255, 255, 255, 150))
    layer = layer.filter(ImageFilter.GaussianBlur(14))
    img.alpha_composite(layer)


def hills(img: Image.Image, rng: random.Random, horizon: int) -> None:
    d = ImageDraw.Draw(img)
    for layer, colour in enumerate([(132, 158, 170), (98, 132, 118)]):
        pts = [(0, horizon)]
        phase = rng.random() * 6.28
        for x in range(0, img.width + 40, 40):
            y = horizon - 60 - 50 * layer - 45 * math.sin(x / (260 - 60 * layer) + phase) - rng.randint(0, 12)
            pts.append((x, y + 50 * layer))
        pts.append((img.width, horizon))
        d.polygon(pts, fill=colour)


def trees(img: Image.Image, rng: random.Random, xs: list[int], base: int) -> None:
    d = ImageDraw.Draw(img)
    for x in xs:
        h = rng.randint(90, 150)
        d.rectangle([x - 6, base - h // 3, x + 6, base], fill=(92, 64, 44))
        for k in range(3):
            r = h // 3 - k * 6
            cy = base - h // 3 - k * (h // 4)
            d.ellipse([x - r, cy - r, x + r, cy + r], fill=(46 + 10 * k, 110 + 12 * k, 60 + 6 * k))


def building(img: Image.Image, x0: int, y0: int, x1: int, y1: int, storeys: int, wall, roof) -> None:
    d = ImageDraw.Draw(img)
    # side wall for a little depth
    depth = 60
    d.polygon([(x1, y0), (x1 + depth, y0 - 30), (x1 + depth, y1 - 30), (x1, y1)], fill=lerp(wall, (0, 0, 0), 0.25))
    d.rectangle([x0, y0, x1, y1], fill=wall)
    # roof slab
    d.polygon([(x0 - 20, y0), (x1 + 20, y0), (x1 + depth + 10, y0 - 34), (x0 + depth - 30, y0 - 34)], fill=roof)
    # windows
    fh = (y1 - y0) / storeys
    cols = max(3, (x1 - x0) // 90)
    cw = (x1 - x0) / cols
    for s in range(storeys - 1 if storeys > 1 else 1):
        for c in range(cols):
            wx0 = x0 + c * cw + cw * 0.22
            wy0 = y0 + s * fh + fh * 0.22
            d.rectangle([wx0, wy0, wx0 + cw * 0.56, wy0 + fh * 0.5], fill=(150, 190, 215), outline=(235, 235, 235), width=3)
            d.line([(wx0, wy0 + fh * 0.25), (wx0 + cw * 0.56, wy0 + fh * 0.25)], fill=(235, 235, 235), width=2)
    # entrance on the ground floor
    mx = (x0 + x1) / 2
    d.rectangle([mx - 90, y1 - fh * 0.8, mx + 90, y1], fill=(70, 90, 110))
    d.rectangle([mx - 130, y1 - fh * 0.95, mx + 130, y1 - fh * 0.8], fill=(178, 34, 34))  # red canopy band
    d.line([(mx, y1 - fh * 0.8), (mx, y1)], fill=(200, 200, 200), width=3)
    # steps
    for k in range(3):
        d.rectangle([mx - 160 - 12 * k, y1 + 8 * k, mx + 160 + 12 * k, y1 + 8 * (k + 1)], fill=(205, 200, 190))


def flagpole(img: Image.Image, x: int, base: int) -> None:
    d = ImageDraw.Draw(img)
    d.line([(x, base), (x, base - 360)], fill=(210, 210, 215), width=6)
    d.polygon([(x + 3, base - 358), (x + 120, base - 345), (x + 115, base - 290), (x + 3, base - 300)], fill=(206, 17, 38))


def grain(img: Image.Image, rng: random.Random, amount: int = 6) -> Image.Image:
    """A little sensor-like noise so the JPEG looks photographic rather than flat."""
    noise = Image.frombytes("L", img.size, rng.randbytes(img.width * img.height))
    noise = noise.filter(ImageFilter.BoxBlur(1)).point(lambda v: 128 + (v - 128) * amount // 20)
    rgb = img.convert("RGB")
    return Image.merge("RGB", [Image.blend(ch, noise, 0.08) for ch in rgb.split()])


def scene_service_centre(seed: int) -> Image.Image:
    rng = random.Random(seed)
    img = Image.new("RGBA", (W, H))
    horizon = 640
    sky(img, (74, 132, 200), (196, 222, 240), horizon)
    clouds(img, rng, 7, 330)
    hills(img, rng, horizon)
    ground(img, (120, 150, 80), (160, 178, 110), horizon)
    d = ImageDraw.Draw(img)
    d.polygon([(700, H), (900, H), (840, 760), (760, 760)], fill=(190, 185, 175))  # path to the door
    d.rectangle([0, 740, W, 772], fill=(176, 172, 164))  # road
    building(img, 430, 420, 1170, 760, 4, (236, 226, 206), (150, 60, 50))
    flagpole(img, 1330, 760)
    trees(img, rng, [120, 250, 1450, 1540], 800)
    return grain(img, rng)


def scene_site(seed: int) -> Image.Image:
    """Construction site: half-built frame, crane. Sky must end up on top."""
    rng = random.Random(seed)
    img = Image.new("RGBA", (W, H))
    horizon = 660
    sky(img, (240, 170, 110), (252, 226, 180), horizon)  # warm evening sky
    clouds(img, rng, 4, 300)
    hills(img, rng, horizon)
    ground(img, (150, 120, 90), (180, 150, 115), horizon)
    d = ImageDraw.Draw(img)
    # concrete frame
    for i in range(6):
        x = 380 + i * 150
        d.rectangle([x, 380, x + 22, 780], fill=(170, 170, 168))
    for j in range(4):
        y = 380 + j * 100
        d.rectangle([380, y, 380 + 5 * 150 + 22, y + 18], fill=(160, 160, 158))
    # crane: mast, jib, counter-jib, hook
    d.rectangle([1260, 160, 1290, 780], fill=(235, 180, 20))
    for y in range(170, 780, 40):
        d.line([(1260, y), (1290, y + 40)], fill=(180, 130, 10), width=3)
    d.rectangle([700, 150, 1500, 172], fill=(235, 180, 20))
    d.line([(1275, 80), (760, 150)], fill=(90, 90, 90), width=3)
    d.line([(1275, 80), (1480, 150)], fill=(90, 90, 90), width=3)
    d.rectangle([1420, 172, 1500, 230], fill=(120, 120, 120))  # counterweight
    d.line([(880, 172), (880, 420)], fill=(60, 60, 60), width=2)
    d.rectangle([860, 420, 900, 440], fill=(200, 60, 40))
    # safety fence along the front
    d.rectangle([0, 800, W, 860], fill=(30, 110, 170))
    for x in range(0, W, 80):
        d.line([(x, 800), (x, 860)], fill=(240, 240, 240), width=4)
    trees(img, rng, [110, 1520], 880)
    return grain(img, rng)


def scene_square(seed: int) -> Image.Image:
    rng = random.Random(seed)
    img = Image.new("RGBA", (W, H))
    horizon = 560
    sky(img, (96, 150, 210), (210, 230, 245), horizon)
    clouds(img, rng, 6, 260)
    ground(img, (196, 190, 178), (214, 208, 196), horizon)
    building(img, 300, 300, 1300, 560, 3, (242, 236, 222), (160, 40, 40))
    d = ImageDraw.Draw(img)
    # paving lines
    for k in range(12):
        x = -400 + k * 220
        d.line([(800, horizon), (x, H)], fill=(186, 180, 168), width=2)
    # little standing figures (red vests = volunteers)
    for _ in range(26):
        x = rng.randint(80, W - 80)
        y = rng.randint(640, 930)
        s = 0.6 + (y - 600) / 500
        vest = (200, 30, 40) if rng.random() < 0.55 else rng.choice([(60, 80, 140), (80, 120, 80), (120, 100, 80)])
        d.ellipse([x - 11 * s, y - 92 * s, x + 11 * s, y - 70 * s], fill=(230, 196, 170))
        d.rectangle([x - 16 * s, y - 70 * s, x + 16 * s, y - 28 * s], fill=vest)
        d.rectangle([x - 13 * s, y - 28 * s, x - 2 * s, y], fill=(50, 50, 60))
        d.rectangle([x + 2 * s, y - 28 * s, x + 13 * s, y], fill=(50, 50, 60))
    # a row of tables with red cloth
    for k in range(3):
        x = 420 + k * 300
        d.rectangle([x, 600, x + 220, 650], fill=(190, 25, 35))
    trees(img, rng, [120, 1480], 600)
    return grain(img, rng)


def star_points(cx: float, cy: float, r_out: float, r_in: float, rot: float = -90.0) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = math.radians(rot + i * 36)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def logo(size: int = 512) -> Image.Image:
    big = size * 4  # draw large, downsample for smooth edges
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    m = big * 0.03
    d.ellipse([m, m, big - m, big - m], fill=(212, 175, 55))  # gold rim
    m2 = big * 0.075
    d.ellipse([m2, m2, big - m2, big - m2], fill=(196, 18, 48))  # red disc
    m3 = big * 0.14
    d.ellipse([m3, m3, big - m3, big - m3], outline=(212, 175, 55), width=round(big * 0.012))  # thin inner ring
    c = big / 2
    d.polygon(star_points(c, c * 1.03, big * 0.25, big * 0.10), fill=(255, 205, 60))
    return img.resize((size, size), Image.LANCZOS)


def save_jpeg(img: Image.Image, path: Path, exif=None) -> None:
    kw = {"quality": 82, "optimize": True, "progressive": True}
    if exif is not None:
        kw["exif"] = exif
    img.convert("RGB").save(path, "JPEG", **kw)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    save_jpeg(scene_service_centre(2026), OUT / "service-centre.jpg")
    save_jpeg(scene_square(1127), OUT / "volunteers.jpg")

    # Orientation 6 = "rotate 90 degrees clockwise to display".  Store the upright scene turned
    # 90 degrees counter-clockwise (1000x1600 pixels); a correct viewer shows it 1600x1000, sky on top.
    upright = scene_site(7)
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    save_jpeg(stored, OUT / "site-exif6.jpg", exif=exif)

    logo().save(OUT / "logo.png", optimize=True)

    for p in sorted(OUT.iterdir()):
        print(f"{p.name}: {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
