"""Previews that are the screen: a notice's pages drawn by the player's own renderer.

``kiosk.render.frame.notice_frames`` draws each page exactly as a lobby screen with the
default device config does (header, page, feedback code, ticker) at 1920x1080 and 1080x1920.
When the feed has LED boards (``Feed.led_settings()``: region size and colours set on the feed's
settings page), ``kiosk.render.led.led_preview`` also draws the notice as those boards show it:
its pages (``pages`` layout) and its title's run along the ticker (``ticker`` layout).
All pygame work happens on one worker thread (requests only wait for it, so the console stays
responsive), and results are kept on disk by content hash (``DIR/previews/<key>/``): the same
notice text and images are never drawn twice, even after a restart.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config import LedSettings
from kiosk.content.errors import ContentError
from kiosk.content.loader import load_content
from kiosk.office.feeds.models import Feed, LedPalette
from kiosk.office.paths import data_dir

SIZES = ((1920, 1080), (1080, 1920))
PREVIEW_DEVICE = "preview"
RENDER_VERSION = "2"  # bump when the drawing changes, so cached previews are redrawn


@dataclass(frozen=True)
class SizePreview:
    size: tuple[int, int]
    pages: tuple[str, ...]  # PNG file names inside the preview folder
    durations: tuple[float, ...]  # seconds each page stays on screen in the loop

    @property
    def label(self) -> str:
        return f"{self.size[0]}×{self.size[1]}"

    @property
    def total(self) -> float:
        return round(sum(self.durations), 1)


@dataclass(frozen=True)
class LedPreview:
    """The notice on the feed's LED boards (device defaults for timing)."""

    size: tuple[int, int]  # the region
    palette: str  # Feed.led_palette / led.palette
    pages: tuple[str, ...]  # "pages" layout: PNG of each page, region size
    page_seconds: float
    ticker: str  # "ticker" layout: PNG of the title's run (region height)
    ticker_seconds: float  # from entering the board on the right until it has left on the left

    @property
    def label(self) -> str:
        return f"{self.size[0]}×{self.size[1]}"

    @property
    def palette_label(self) -> str:
        return str(LedPalette(self.palette).label)

    @property
    def total(self) -> float:
        return round(self.page_seconds * len(self.pages), 1)

    def to_json(self) -> dict[str, object]:
        return {"size": list(self.size), "palette": self.palette, "pages": list(self.pages),
                "page_seconds": self.page_seconds, "ticker": self.ticker, "ticker_seconds": self.ticker_seconds}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedPreview:
        return cls((int(data["size"][0]), int(data["size"][1])), str(data["palette"]), tuple(data["pages"]),
                   float(data["page_seconds"]), str(data["ticker"]), float(data["ticker_seconds"]))


@dataclass(frozen=True)
class Preview:
    key: str
    sizes: tuple[SizePreview, ...]
    seconds: float  # time it took to draw (0 when it came from the cache)
    led: LedPreview | None = None  # when the feed has LED boards

    @property
    def page_count(self) -> int:
        return len(self.sizes[0].pages) if self.sizes else 0


class PreviewError(Exception):
    pass


def preview_root() -> Path:
    return data_dir().root / "previews"


def preview_key(feed: Feed, item_text: str, images: dict[str, Path]) -> str:
    digest = hashlib.sha256()
    led = feed.led_settings()
    for part in (RENDER_VERSION, feed.name, feed.content_toml(), feed.catalogue, item_text, repr(led)):
        digest.update(part.encode("utf-8") + b"\0")
    for rel in sorted(images):
        digest.update(rel.encode("utf-8") + b"\0" + _file_hash(images[rel]).encode("ascii"))
    return digest.hexdigest()[:32]


def _file_hash(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _load(folder: Path) -> Preview | None:
    try:
        data = json.loads((folder / "preview.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sizes = tuple(SizePreview((int(s["size"][0]), int(s["size"][1])), tuple(s["pages"]), tuple(s["durations"]))
                  for s in data["sizes"])
    led = LedPreview.from_json(data["led"]) if data.get("led") else None
    return Preview(folder.name, sizes, 0.0, led)


def _render(feed_name: str, content_toml: str, catalogue: str, item_id: str, item_text: str,
            images: dict[str, Path], folder: Path, now: dt.datetime, led: LedSettings | None = None) -> Preview:
    """Runs on the worker thread: draw every page at every size (and on the feed's LED boards),
    write PNGs and preview.json."""
    import time

    from kiosk.config import load_config, schedule_settings
    from kiosk.render.frame import notice_pngs
    from kiosk.render.led import led_preview
    from kiosk.schedule.playlist import AUTO
    from kiosk.schedule.scheduler import page_durations

    started = time.perf_counter()
    work = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    content_dir = work / "content"
    (content_dir / "items").mkdir(parents=True)
    (content_dir / "content.toml").write_text(content_toml, encoding="utf-8")
    (content_dir / "catalogue.toml").write_text(catalogue, encoding="utf-8")
    (content_dir / "items" / f"{item_id}.md").write_text(item_text, encoding="utf-8")
    for rel, src in images.items():
        (content_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, content_dir / rel)
    try:
        content = load_content(content_dir, feed=feed_name)
    except ContentError as e:
        shutil.rmtree(work, ignore_errors=True)
        raise PreviewError(str(e)) from None
    item = content.item(item_id)
    if item is None:
        shutil.rmtree(work, ignore_errors=True)
        raise PreviewError("; ".join(content.errors) or "the notice did not load")
    config = load_config(None)
    sizes = []
    for size in SIZES:
        names = []
        for n, png in enumerate(notice_pngs(config, size, content, item, now, PREVIEW_DEVICE), start=1):
            name = f"{size[0]}x{size[1]}-{n}.png"
            (work / name).write_bytes(png)
            names.append(name)
        durations = page_durations(item, len(names), AUTO, schedule_settings(config))
        sizes.append(SizePreview(size, tuple(names), tuple(durations)))
    board = None
    if led is not None:
        drawn = led_preview(led, item)
        pages = []
        for n, png in enumerate(drawn.pages, start=1):
            pages.append(f"led-page-{n}.png")
            (work / pages[-1]).write_bytes(png)
        (work / "led-ticker.png").write_bytes(drawn.ticker)
        board = LedPreview((led.width, led.height), led.palette, tuple(pages), led.page_seconds, "led-ticker.png",
                           round(drawn.ticker_px / led.speed, 1))
    shutil.rmtree(content_dir)
    (work / "preview.json").write_text(json.dumps({"sizes": [
        {"size": list(s.size), "pages": list(s.pages), "durations": list(s.durations)} for s in sizes],
        "led": board.to_json() if board else None}), encoding="utf-8")
    if folder.exists():
        shutil.rmtree(work)
    else:
        os.replace(work, folder)
    return Preview(folder.name, tuple(sizes), round(time.perf_counter() - started, 3), board)


class PreviewWorker:
    """One thread draws every preview (pygame stays on one thread); requests wait on futures."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-preview")
        self._lock = threading.Lock()
        self._running: dict[str, concurrent.futures.Future[Preview]] = {}

    def preview(self, feed: Feed, item_id: str, item_text: str, images: dict[str, Path],
                now: dt.datetime | None = None) -> concurrent.futures.Future[Preview]:
        key = preview_key(feed, item_text, images)
        folder = preview_root() / key
        done = _load(folder)
        future: concurrent.futures.Future[Preview]
        if done is not None:
            future = concurrent.futures.Future()
            future.set_result(done)
            return future
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running
            folder.parent.mkdir(parents=True, exist_ok=True)
            future = self._pool.submit(_render, feed.name, feed.content_toml(), feed.catalogue, item_id, item_text,
                                       dict(images), folder, now or dt.datetime.now(), feed.led_settings())
            self._running[key] = future
            future.add_done_callback(lambda _: self._forget(key))
        return future

    def _forget(self, key: str) -> None:
        with self._lock:
            self._running.pop(key, None)


@functools.cache
def worker() -> PreviewWorker:
    """The process's preview worker (made at the first preview, not at import)."""
    return PreviewWorker()


def images_for(feed: Feed, rels: list[str]) -> dict[str, Path]:
    """Local files of the feed's logo and of ``rels``: uploaded images first, else published ones."""
    from kiosk.office.approval.building import published_files
    from kiosk.office.authoring.models import UploadedImage
    from kiosk.office.feeds.service import load_repo

    _, published = published_files(load_repo(feed))
    wanted = [feed.logo, *rels] if feed.logo else list(rels)
    found: dict[str, Path] = {}
    for rel in wanted:
        upload = UploadedImage.objects.filter(feed=feed, name=rel).first()
        if upload is not None and upload.path.exists():
            found[rel] = upload.path
        elif rel in published:
            found[rel] = published[rel]
    return found
