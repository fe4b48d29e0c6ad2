"""``kiosk check-layout``: lay out every notice of a content folder as a lobby screen would and
count its typesetting defects (``kiosk.layout.check``) and colour-contrast failures.

The pages are made by the same ``SlideRenderer`` the lobby screen and the office preview use,
with the same feedback-code corner kept free, so what is checked is what is drawn.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import Config
from kiosk.content import Content, Item, load_content
from kiosk.content.feedback import FeedbackUrlError, feedback_url_for
from kiosk.layout.check import Defect, check_notice, count

if TYPE_CHECKING:
    from kiosk.render.fonts import FontSet
    from kiosk.render.slides import SlideRenderer

log = logging.getLogger(__name__)

THEMES = ("paper", "dark")


@dataclass
class Report:
    size: tuple[int, int]
    notices: int = 0
    pages: int = 0
    defects: list[Defect] = field(default_factory=list)
    layout_ms: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        return count(self.defects)

    @property
    def clean(self) -> bool:
        return not self.defects


def lobby_slides(content: Content, config: Config, size: tuple[int, int],
                 fonts: FontSet | None = None) -> SlideRenderer:
    """The slide renderer of a lobby screen of ``size`` playing ``content``, built as the lobby
    builds it (``kiosk.render.frame.LobbyParts``): same look, same feedback code and corner."""
    import pygame.freetype

    from kiosk.render.fonts import FontSet
    from kiosk.render.frame import LobbyParts
    from kiosk.render.look import Look

    pygame.freetype.init()
    look = Look.for_screen(config, fonts or FontSet.default(), size)

    def url(item: Item) -> str | None:
        try:
            return feedback_url_for(item, content.publisher, config.qr.url, config.device.id)
        except FeedbackUrlError:
            return None

    parts = LobbyParts.build(config, look, size, lambda it: content.catalogue.get(it.category), url)
    parts.reserve_qr_corner([u for it in content.items if (u := url(it))])
    return parts.slides


def check_content(content: Content, config: Config, size: tuple[int, int],
                  fonts: FontSet | None = None) -> Report:
    """Lay out every notice of ``content`` on a lobby screen of ``size`` and check the pages."""
    from kiosk.render.contrast import check_contrast

    slides = lobby_slides(content, config, size, fonts)
    report = Report(size)
    start = time.perf_counter()
    laid = [(item, slides.layout(item)) for item in content.items]
    report.layout_ms = (time.perf_counter() - start) * 1000
    for item, pages in laid:
        report.notices += 1
        report.pages += len(pages)
        report.defects += check_notice(item.id, pages, slides.fonts.advance)
    report.defects += check_contrast(THEMES, content.catalogue)
    return report


def check_folder(folder: Path, config: Config, size: tuple[int, int]) -> Report:
    return check_content(load_content(folder), config, size)


# ------------------------------------------------------------------ command line


def add_check_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``kiosk check-layout CONTENT --size WxH [--size …] [--config FILE] [--list]``."""
    p = sub.add_parser(
        "check-layout", help="count typesetting defects of a content folder's notices at screen sizes",
        description="Lay out every notice of CONTENT as a lobby screen of each --size does and count "
                    "the typesetting defects of each kind; exits 1 when any count is not zero.")
    p.add_argument("content", type=Path, metavar="CONTENT", help="content folder (content.toml, items/…)")
    p.add_argument("--size", action="append", metavar="WxH",
                   help="screen size, e.g. 1920x1080; repeat for several (default 1920x1080)")
    p.add_argument("--config", type=Path, help="device config TOML (text sizes, theme, QR corner)")
    p.add_argument("--list", action="store_true", help="list every defect, not only the counts")
    p.set_defaults(handler=_run)


def parse_size(value: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size must look like 1920x1080, got {value!r}") from None
    if not (64 <= w <= 16384 and 64 <= h <= 16384):
        raise ValueError(f"--size {value!r} is not a screen size")
    return w, h


def _run(args: argparse.Namespace) -> int:
    from kiosk.config import load_config
    from kiosk.content import ContentError
    from kiosk.layout.check import KINDS

    try:
        sizes = [parse_size(s) for s in (args.size or ["1920x1080"])]
    except ValueError as e:
        print(e)
        return 2
    config = load_config(args.config)
    try:
        content = load_content(args.content)
    except ContentError as e:
        print(f"cannot check: {e}")
        return 2
    for problem in content.errors:
        print(f"not checked (does not load): {problem}")
    from kiosk.render.fonts import FontSet

    bad = False
    fonts = FontSet.default()
    for size in sizes:
        report = check_content(content, config, size, fonts)
        bad |= not report.clean
        print(f"{args.content} at {size[0]}x{size[1]}: {report.notices} notices, {report.pages} pages, "
              f"layout {report.layout_ms:.0f} ms")
        for kind, n in report.counts.items():
            print(f"  {kind:<20} {n:>4}  {KINDS[kind]}")
        print(f"  {'total':<20} {len(report.defects):>4}")
        if args.list:
            for d in report.defects:
                print(f"    {d}")
    return 1 if bad else 0
