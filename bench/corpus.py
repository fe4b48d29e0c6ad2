"""A large content folder for the scale benchmarks: N notices built from the demo township's.

Every demo notice is copied with a new id and a numbered title until there are ``items``
notices; every tenth copy carries one of ``images`` photos (real JPEGs made with Pillow, so the
player decodes them as it would a clerk's photos).  Only the demo's own urgent notices stay
urgent (a township does not publish hundreds of urgent notices at once).

Run alone to make a folder: ``.venv/bin/python bench/corpus.py DIR [--items 3000] [--images 300]``.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "assets" / "demo"


def make_photo(path: Path, rng: random.Random, size: tuple[int, int] = (1280, 853)) -> None:
    """A JPEG of soft colour bands with some noise (decodes like a photo, compresses like one)."""
    from PIL import Image, ImageDraw, ImageFilter

    img = Image.new("RGB", size, tuple(rng.randrange(60, 200) for _ in range(3)))  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse((x0, y0, x0 + rng.randrange(100, 600), y0 + rng.randrange(80, 400)),
                     fill=tuple(rng.randrange(256) for _ in range(3)))  # type: ignore[arg-type]
    img = img.filter(ImageFilter.GaussianBlur(6))
    noise = Image.effect_noise(size, 24).convert("RGB")
    Image.blend(img, noise, 0.12).save(path, "JPEG", quality=82)


def make_corpus(root: Path, items: int = 3000, images: int = 300, seed: int = 7) -> Path:
    """Write the folder (content.toml, catalogue.toml, items/, images/) and return ``root``."""
    rng = random.Random(seed)
    (root / "items").mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    shutil.copy(DEMO / "content.toml", root / "content.toml")
    shutil.copy(DEMO / "catalogue.toml", root / "catalogue.toml")
    for extra in DEMO.glob("images/*"):
        shutil.copy(extra, root / "images" / extra.name)
    for n in range(images):
        make_photo(root / "images" / f"photo-{n:03d}.jpg", rng)
    sources = sorted((DEMO / "items").glob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    for n in range(items):
        text = texts[n % len(texts)]
        copy = n // len(texts)
        if copy:
            text = re.sub(r'^(id = "[^"]+)"', rf'\g<1>-{copy}"', text, count=1, flags=re.M)
            text = re.sub(r'^(title = "[^"]+)"', rf'\g<1>（第{copy}批）"', text, count=1, flags=re.M)
            text = re.sub(r'^priority = "urgent"\n', "", text, count=1, flags=re.M)
            if images and n % 10 == 0 and "\nimages = " not in text:
                photo = f"images/photo-{(n // 10) % images:03d}.jpg"
                text = text.replace("\n+++\n", f'\nimages = ["{photo}"]\n+++\n', 1)
        (root / "items" / f"{n:05d}-{sources[n % len(sources)].name}").write_text(text, encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--images", type=int, default=300)
    args = parser.parse_args()
    make_corpus(args.folder, args.items, args.images)
    print(f"{args.items} notices, {args.images} photos in {args.folder}")


if __name__ == "__main__":
    main()
