"""The USB overlay drawn headless over the real player, with the bundled font: screenshots and protocol."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pygame
import pytest
from feedkit import Publisher, item_text
from PIL import Image
from snapshots import Snapshot
from stagekit import Panels, Rig
from usbkit import make_stick, source_for, start_screen

from kiosk.config import DEMO_CONTENT
from kiosk.feed.store import Store
from kiosk.player.sources import FolderSource, StoreSource
from kiosk.render.fonts import FontSet
from kiosk.render.overlay import UsbOverlay
from kiosk.usb.events import FeedOutcome, Outcome, StickDetected, StickDone, StickProgress, StickResult
from kiosk.usb.panel import PanelView, Tone, UsbPanel

REFERENCE = Path(__file__).parent / "reference"
AT = dt.datetime(2026, 11, 27, 10, 0)
VOLUME = Path("/media/tech/STICK")

VIEWS = {
    "detected": PanelView("检测到U盘…", "请稍候，不要拔出U盘"),
    "verifying": PanelView("正在校验 37%", "请稍候，不要拔出U盘", progress=0.37),
    "accepted": PanelView("更新成功：版本 12，共 48 条公开内容", "可以拔出U盘", tone=Tone.OK),
    "refused": PanelView("未更新：内容比当前旧", "可以拔出U盘", tone=Tone.REFUSED),
}


@pytest.fixture
def fonts() -> FontSet:
    pygame.display.init()
    pygame.freetype.init()
    return FontSet.default()


def playing(fonts: FontSet, size: tuple[int, int], seconds: float = 1.0, usb: Panels | None = None) -> Rig:
    """The real lobby showing the demo content for ``seconds`` (simulated, 10 fps)."""
    rig = Rig(fonts, FolderSource([("demo", DEMO_CONTENT)]), size, usb=usb)
    rig.start(AT)
    step(rig, 0.0, seconds)
    return rig


def step(rig: Rig, start: float, end: float, panels: Panels | None = None,
         view: PanelView | None = None) -> list[pygame.Rect]:
    """Frames from ``start`` to ``end`` seconds with the USB panel showing ``view``."""
    dirty: list[pygame.Rect] = []
    if panels is not None:
        panels.view = view
    for i in range(round(start * 10), round(end * 10)):
        t = i / 10
        dirty = rig.frame(AT + dt.timedelta(seconds=t), t, 0.1)
    return dirty


def save(canvas: pygame.Surface, path: Path) -> Path:
    Image.frombytes("RGB", canvas.get_size(), pygame.image.tobytes(canvas, "RGB")).save(path)
    return path


def backdrop(size: tuple[int, int]) -> pygame.Surface:
    """A fixed stand-in for a slide (header band, paper, grey lines): references do not change when
    other people change how slides look.  The tests below also draw over the real player."""
    canvas = pygame.Surface(size)
    canvas.fill((251, 247, 238))
    canvas.fill((168, 18, 28), (0, 0, size[0], max(8, size[1] // 14)))
    for y in range(size[1] // 6, size[1], max(6, size[1] // 18)):
        canvas.fill((60, 60, 60), (size[0] // 12, y, size[0] * 5 // 6, max(2, size[1] // 90)))
    return canvas


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (384, 96)], ids=["landscape", "portrait", "led"])
def test_overlay_screenshots(size: tuple[int, int], fonts: FontSet, snapshot: Snapshot) -> None:
    """Each state over the backdrop; the panel and a margin around it are compared with a reference."""
    overlay = UsbOverlay(fonts, size)
    names = ("verifying", "accepted") if size == (384, 96) else tuple(VIEWS)
    area = overlay.rect.inflate(16, 16).clip(pygame.Rect((0, 0), size))
    for name in names:
        frame = backdrop(size)
        overlay.visible = False
        assert overlay.draw(frame, VIEWS[name]) == [overlay.rect]
        snapshot(f"usb-{name}-{size[0]}x{size[1]}", frame.subsurface(area), folder=REFERENCE)


def test_overlay_touches_only_its_rect(fonts: FontSet) -> None:
    canvas = playing(fonts, (1920, 1080)).canvas
    before = canvas.copy()
    overlay = UsbOverlay(fonts, canvas.get_size())
    assert overlay.draw(canvas, VIEWS["verifying"]) == [overlay.rect]
    assert canvas.get_rect().contains(overlay.rect) and overlay.rect.center == (960, 540)
    diff = [(x, y) for x in range(0, 1920, 4) for y in range(0, 1080, 4)
            if not overlay.rect.collidepoint(x, y) and canvas.get_at((x, y)) != before.get_at((x, y))]
    assert diff == []
    inside = sum(canvas.get_at((x, y)) != before.get_at((x, y))
                 for x in range(overlay.rect.left, overlay.rect.right, 8)
                 for y in range(overlay.rect.top, overlay.rect.bottom, 8))
    assert inside > 1000


def test_overlay_redraws_only_when_needed(fonts: FontSet) -> None:
    canvas = pygame.Surface((1280, 720))
    overlay = UsbOverlay(fonts, canvas.get_size())
    assert overlay.draw(canvas, None) == [] and not overlay.visible
    assert overlay.draw(canvas, VIEWS["detected"]) == [overlay.rect] and overlay.visible
    assert overlay.draw(canvas, VIEWS["detected"]) == []  # unchanged: nothing to do
    assert overlay.draw(canvas, VIEWS["detected"], [pygame.Rect(0, 0, 1280, 60)]) == []  # header: not under it
    assert overlay.draw(canvas, VIEWS["detected"], [pygame.Rect(0, 60, 1280, 600)]) == [overlay.rect]
    assert overlay.draw(canvas, VIEWS["verifying"]) == [overlay.rect]
    assert not overlay.must_restore(VIEWS["verifying"]) and overlay.must_restore(None)
    assert overlay.draw(canvas, None) == [] and not overlay.must_restore(None)


def test_overlay_over_the_player_then_gone_without_a_trace(fonts: FontSet) -> None:
    """Events drive the panel; once it hides, the lobby's next frame restores every pixel."""
    size = (1280, 720)
    panels = Panels()
    rig = playing(fonts, size, usb=panels)
    plain = playing(fonts, size)
    assert rig.stage.usb is not None
    overlay = rig.stage.usb.overlay
    result = FeedOutcome("township", Outcome.ACCEPTED, 2, 3, 7)
    panel = UsbPanel(linger=2.0)
    events = [(1.0, StickDetected(VOLUME)), (1.2, StickProgress(VOLUME, 37)), (1.5, StickResult(VOLUME, result)),
              (1.6, StickDone(VOLUME, None))]
    t = 1.0
    for at, event in events:
        step(rig, t, at, panels, panel.view(t))
        panel, t = panel.apply(event, at), at
    assert panel.view(t).message == "更新成功：版本 3，共 7 条公开内容"
    step(rig, t, 3.5, panels, panel.view(3.5))
    assert overlay.visible
    step(rig, 3.5, 3.7, panels, panel.view(3.7))  # 1.6 + 2.0 s: hidden now
    assert not overlay.visible
    step(plain, 1.0, 3.7)
    assert pygame.image.tobytes(rig.canvas, "RGB") == pygame.image.tobytes(plain.canvas, "RGB")


def test_real_stick_while_the_player_plays(fonts: FontSet, tmp_path: Path, store: Store, office: Publisher,
                                           stick: Path) -> None:
    """The real wiring, end to end: a stick inserted while version 2 plays; the panel
    shows the import over the slide, version 3 is taken at a slide boundary, the panel goes away."""
    screen = start_screen(tmp_path / "media", store, [source_for(office)])
    try:
        screen.insert(stick, "FIRST")
        screen.wait_done()
        rig = Rig(fonts, StoreSource(["township"], store.current), (1280, 720), usb=screen.service)
        assert rig.stage.usb is not None
        overlay = rig.stage.usb.overlay
        rig.start(AT)
        (office.content / "items" / "extra.md").write_text(item_text("extra", title="新增公示"), encoding="utf-8")
        office.publish()
        screen.insert(make_stick(office, tmp_path / "sticks" / "v3"), "SECOND")
        shots, t = {}, 0.0
        while t < 120 and not (rig.programme.contents[0].version == "3" and not overlay.visible):
            rig.frame(AT + dt.timedelta(seconds=t), t, 0.1)
            view = rig.stage.usb.view
            if view is not None and view.detail == "可以拔出U盘" and "result" not in shots:
                shots["result"] = save(rig.canvas, tmp_path / "usb-over-player.png")
            t += 0.1
            time.sleep(0.002)  # the import runs in real time beside the simulated clock
    finally:
        screen.service.stop()
    assert "result" in shots
    assert rig.programme.contents[0].version == "3" and len(rig.programme.contents[0].items) == 3
    assert screen.service.status_lines()[-1] == "U盘 township: 更新成功：版本 3，共 3 条公开内容"
