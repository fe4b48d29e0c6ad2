"""The touch screens drawn headless with the bundled font: reference images, QR decoding, press feedback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import PIL.Image
import pygame
import pytest
import zxingcpp
from snapshots import Snapshot

from kiosk.config import DEMO_CONTENT
from kiosk.content import Content, load_content
from kiosk.content.feedback import feedback_url_for
from kiosk.layout import TextStyle
from kiosk.render.fonts import FontSet
from kiosk.render.text import Theme
from kiosk.render.touch import TouchRenderer
from kiosk.render.zones import PALETTES
from kiosk.schedule import Scheduler, ScheduleSettings
from kiosk.touch.library import ScheduleLibrary
from kiosk.touch.navigation import EnlargeImage, Navigator, NextPage, Open, OpenItem, Tap, Tick, ToggleLargeText
from kiosk.touch.targets import Geometry

AT = dt.datetime(2026, 11, 27, 10, 0)
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
IMAGES_ITEM = "local/dangqun-zhongxin-jungong"


@pytest.fixture(scope="module")
def demo() -> Content:
    return load_content(DEMO_CONTENT)


@pytest.fixture
def fonts() -> FontSet:
    pygame.display.init()
    pygame.freetype.init()
    return FontSet.default()


def url_for(content: Content):  # noqa: ANN201
    return lambda it: feedback_url_for(it, content.publisher, "", "demo-0001")


def touch_ui(fonts: FontSet, content: Content, size: tuple[int, int]) -> tuple[Navigator, TouchRenderer]:
    geom = Geometry.for_screen(size)
    renderer = TouchRenderer.create(fonts, geom, TextStyle.for_screen(*size), Theme(), PALETTES["paper"],
                                    lambda it: content.catalogue.get(it.category), url_for(content))
    scheduler = Scheduler([content], [], ScheduleSettings(), lambda it: 1)
    library = ScheduleLibrary(scheduler, lambda: [content], lambda: AT, renderer.pages)
    nav = Navigator(library, geom, codes=renderer.code_count)
    nav.handle(Tick(1.0))
    nav.handle(Tap(10, 10, 1.0))
    return nav, renderer


def screens(nav: Navigator):  # noqa: ANN201
    """Walk through every screen kind; yields (name, pressed target) at each."""
    yield "home", "tile:2"
    nav.handle(Open("organisation", "local"))
    yield "list", "row:1"
    nav.handle(OpenItem(nav.view().items[0].key))
    yield "detail", None
    nav.handle(ToggleLargeText())
    yield "detail-large", None
    nav.handle(OpenItem(IMAGES_ITEM))
    while nav.view().image is None:
        nav.handle(NextPage())
    nav.handle(EnlargeImage(nav.view().image or 0))
    yield "enlarged", None
    nav.handle(Tick(56.0))
    yield "countdown", None


def save(surface: pygame.Surface, path: Path) -> Path:
    pygame.image.save(surface, str(path))
    return path


@pytest.mark.parametrize("orientation", SIZES)
def test_every_screen_kind_matches_its_reference(orientation: str, fonts: FontSet, demo: Content,
                                                 snapshot: Snapshot) -> None:
    size = SIZES[orientation]
    nav, renderer = touch_ui(fonts, demo, size)
    canvas = pygame.Surface(size)
    for name, pressed in screens(nav):
        assert renderer.draw(canvas, nav.view(), pressed) == [canvas.get_rect()]
        snapshot(f"touch-{name}-{orientation}", canvas)


@pytest.mark.parametrize("orientation", SIZES)
def test_the_detail_code_decodes_to_the_notice_url(orientation: str, fonts: FontSet, demo: Content) -> None:
    size = SIZES[orientation]
    nav, renderer = touch_ui(fonts, demo, size)
    nav.handle(Open("organisation", "local"))
    item = nav.view().items[0]
    nav.handle(OpenItem(item.key))
    canvas = pygame.Surface(size)
    renderer.draw(canvas, nav.view())
    image = PIL.Image.frombytes("RGB", size, pygame.image.tobytes(canvas, "RGB"))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url_for(demo)(item)]


def test_press_feedback_changes_only_the_pressed_target(fonts: FontSet, demo: Content) -> None:
    nav, renderer = touch_ui(fonts, demo, SIZES["landscape"])
    canvas = pygame.Surface(SIZES["landscape"])
    renderer.draw(canvas, nav.view())
    before = canvas.copy()
    dirty = renderer.press(canvas, nav.view(), "tile:0")
    rect = pygame.Rect(nav.view().layout.targets["tile:0"])
    assert dirty == [rect]
    assert canvas.get_at(rect.move(rect.w // 2, 8).topleft) != before.get_at(rect.move(rect.w // 2, 8).topleft)
    outside = canvas.copy()
    outside.blit(before, rect, rect)
    assert pygame.image.tobytes(outside, "RGB") == pygame.image.tobytes(before, "RGB")
    pressed = pygame.Surface(SIZES["landscape"])
    renderer.draw(pressed, nav.view(), "tile:0")
    assert pygame.image.tobytes(pressed, "RGB") == pygame.image.tobytes(canvas, "RGB")
    renderer.press(canvas, nav.view(), "tile:0", pressed=False)
    assert pygame.image.tobytes(canvas, "RGB") == pygame.image.tobytes(before, "RGB")
