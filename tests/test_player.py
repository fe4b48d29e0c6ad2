"""The lobby player, headless: real slides drawn, checked by pixels and reference images."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pygame
import pytest
from PIL import Image
from snapshots import Snapshot
from stagekit import Rig

from kiosk.config import DEMO_CONTENT, Config, load_config
from kiosk.player.present import map_rect
from kiosk.player.runner import PlayOptions, idle_wait, run
from kiosk.render.fonts import FontSet
from kiosk.render.slides import OFF_CLOCK
from kiosk.schedule import parse_windows

AT = dt.datetime(2026, 11, 27, 10, 0)

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fonts() -> FontSet:
    # per test: kiosk.player.runner.run() ends with pygame.quit(), which closes every font
    pygame.display.init()
    pygame.freetype.init()
    return FontSet.default()


def make_rig(fonts: FontSet, folder: Path, size: tuple[int, int] = (1280, 720),
             config: Config | None = None) -> Rig:
    return Rig(fonts, folder, size, config)


def colour_share(img: Image.Image, box: tuple[int, int, int, int], rgb: tuple[int, int, int], tol: int = 40) -> float:
    data = img.crop(box).convert("RGB").tobytes()
    pixels = [data[i:i + 3] for i in range(0, len(data), 3)]
    near = sum(1 for p in pixels if all(abs(a - b) <= tol for a, b in zip(p, rgb, strict=True)))
    return near / len(pixels)


def dark_share(img: Image.Image, box: tuple[int, int, int, int]) -> float:
    pixels = img.crop(box).convert("L").tobytes()
    return sum(1 for p in pixels if p < 90) / len(pixels)


@pytest.mark.parametrize(("size", "name"), [((1920, 1080), "landscape"), ((1080, 1920), "portrait")])
def test_headless_cli_screenshot(tmp_path: Path, size: tuple[int, int], name: str, snapshot: Snapshot) -> None:
    shot = tmp_path / f"{name}.png"
    cmd = [sys.executable, "-m", "kiosk", "play", "--headless", "--size", f"{size[0]}x{size[1]}", "--at",
           AT.isoformat(), "--frames", "1", "--screenshot", str(shot)]
    subprocess.run(cmd, check=True, cwd=REPO_ROOT, capture_output=True, timeout=60)
    img = Image.open(shot)
    assert img.size == size
    w, h = size
    short = min(size)
    header_h = round(short * 0.09)
    assert colour_share(img, (0, 0, w // 3, header_h), (168, 18, 28)) > 0.6  # red header band
    assert colour_share(img, (0, h - 20, w, h), (120, 10, 18)) > 0.5  # ticker band
    body = (w // 10, header_h * 3, w * 9 // 10, h // 2)
    assert colour_share(img, body, (251, 247, 238), tol=10) > 0.5  # paper, not black
    assert dark_share(img, body) > 0.01  # and text on it
    snapshot(f"first-frame-{name}", shot)


def test_expired_future_and_members_items_never_shown(fonts: FontSet) -> None:
    rig = make_rig(fonts, DEMO_CONTENT)
    shown = rig.play(AT, seconds=3600, fps=2)
    assert "2026-shiye-nipin" not in shown  # expired 2026-10-31
    assert "2027-gaobiaozhun-nongtian" not in shown  # valid from 2027-03-01
    assert "2026-zuzhishenghuohui" not in shown  # party members only, public lobby device
    assert len(shown) >= 20


def test_members_room_shows_members_item(fonts: FontSet) -> None:
    cfg = load_config()
    cfg = dataclasses.replace(cfg, device=dataclasses.replace(cfg.device, audience="members"))
    rig = make_rig(fonts, DEMO_CONTENT, config=cfg)
    assert "2026-zuzhishenghuohui" in rig.play(AT, seconds=3600, fps=2)


def test_urgent_shown_first(fonts: FontSet) -> None:
    rig = make_rig(fonts, DEMO_CONTENT)
    rig.start(AT)
    assert rig.lobby.showing is not None and rig.lobby.showing.slot.item.urgent


def _copy_demo(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, folder)
    return folder


def test_no_valid_content_shows_idle_screen_not_black(fonts: FontSet, tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    for f in (folder / "items").glob("*.md"):
        f.unlink()
    rig = make_rig(fonts, folder)
    rig.play(AT, seconds=2)
    assert rig.lobby.showing is None
    img = Image.frombytes("RGB", rig.canvas.get_size(), pygame.image.tobytes(rig.canvas, "RGB"))
    w, h = rig.canvas.get_size()
    middle = (w // 4, h // 3, w * 3 // 4, h * 2 // 3)
    assert colour_share(img, middle, (168, 18, 28), tol=30) > 0.01  # the red "暂无公开内容"
    assert colour_share(img, middle, (251, 247, 238), tol=10) > 0.5


def test_broken_folder_keeps_last_good_content(fonts: FontSet, tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    rig = make_rig(fonts, folder)
    rig.play(AT, seconds=1)
    before = len(rig.programme.contents[0].items)
    (folder / "catalogue.toml").write_text("[[category]\n", encoding="utf-8")  # broken TOML
    rig.lobby.poll_content()
    assert len(rig.programme.contents[0].items) == before
    assert any("catalogue.toml: invalid TOML" in e for e in rig.programme.errors)


def test_new_content_taken_at_slide_boundary(fonts: FontSet, tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    rig = make_rig(fonts, folder)
    rig.play(AT, seconds=1)
    first = rig.lobby.showing
    new = (folder / "items" / "17-service-contacts.md").read_text(encoding="utf-8")
    new = new.replace('id = "', 'id = "zz-new-', 1)
    (folder / "items" / "99-new.md").write_text(new, encoding="utf-8")
    # still the same slide until it ends
    rig.frame(AT + dt.timedelta(seconds=1.5), 1.5, 0.5)
    assert rig.lobby.showing is first
    ids = rig.play(AT + dt.timedelta(seconds=2), seconds=3600, fps=2, mono=2.0)
    assert len(rig.programme.contents[0].items) == 34
    assert any(i.startswith("zz-new-") for i in ids)


def test_corrupt_image_falls_back_to_text(fonts: FontSet, tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    images = [p for p in (folder / "images").iterdir() if p.suffix == ".jpg"]
    for p in images:
        p.write_bytes(p.read_bytes()[:200])  # truncated JPEG
    rig = make_rig(fonts, folder)
    rig.play(AT, seconds=1)
    item = next(it for c in rig.programme.contents for it in c.items if it.images)
    parts = rig.lobby.slides.page_count(item)
    surface = rig.lobby.slides.slide(item, parts - 1)  # the last image page
    img = Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
    assert dark_share(img, (0, 0, *surface.get_size())) > 0.002  # the fallback text is there


def test_rotation_maps_rects() -> None:
    size = (1080, 1920)  # logical portrait on a landscape output
    assert map_rect((0, 0, 10, 20), size, 90) == (1900, 0, 20, 10)
    assert map_rect((0, 0, 10, 20), size, 270) == (0, 1070, 20, 10)
    assert map_rect((0, 0, 10, 20), size, 180) == (1070, 1900, 10, 20)


def test_rotated_run_produces_rotated_frame(tmp_path: Path) -> None:
    shot = tmp_path / "rot.png"
    cfg = load_config()
    run(cfg, PlayOptions(headless=True, frames=2, screenshot=shot, start=AT, size=(1920, 1080), rotation=90))
    img = Image.open(shot).convert("RGB")
    assert img.size == (1920, 1080)
    # logical portrait canvas 1080x1920 rotated clockwise: the red header is now the right edge
    assert colour_share(img, (1920 - 60, 0, 1920, 400), (168, 18, 28)) > 0.5
    assert colour_share(img, (0, 0, 60, 400), (168, 18, 28)) < 0.2


def test_display_hours_off_shows_dim_clock(fonts: FontSet, tmp_path: Path) -> None:
    cfg = load_config()
    cfg = dataclasses.replace(cfg, display=dataclasses.replace(
        cfg.display, hours=parse_windows([{"days": "daily", "from": "08:00", "until": "18:00"}], "hours"),
        off_mode="clock"))
    rig = make_rig(fonts, DEMO_CONTENT, config=cfg)
    rig.play(dt.datetime(2026, 11, 27, 22, 0), seconds=2)
    assert not rig.lobby.display_on
    size = rig.canvas.get_size()
    img = Image.frombytes("RGB", size, pygame.image.tobytes(rig.canvas, "RGB"))
    assert colour_share(img, (0, 0, *size), (0, 0, 0), tol=5) > 0.9
    assert colour_share(img, (0, 0, *size), OFF_CLOCK, tol=15) > 0.001  # the dim clock, still 4.5:1


def test_technician_combo_toggles_status(fonts: FontSet) -> None:
    rig = make_rig(fonts, DEMO_CONTENT)
    rig.play(AT, seconds=1)
    event = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_t, mod=pygame.KMOD_LCTRL | pygame.KMOD_LALT)
    assert rig.handle(event)
    assert rig.stage.status is not None and rig.stage.status.visible
    plain = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_t, mod=0)
    assert not rig.handle(plain)


def test_no_display_says_so_plainly(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env["SDL_VIDEODRIVER"] = "x11"
    done = subprocess.run([sys.executable, "-m", "kiosk", "play", "--windowed", "--state-dir", str(tmp_path)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert "cannot open the display" in done.stderr and "--headless" in done.stderr
    assert "Traceback" not in done.stderr


def test_idle_wait_ends_at_a_queued_event_and_leaves_it_for_the_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between still frames the loop naps and peeks: an event already queued (a tap, a USB stick's wake-up)
    ends the wait without sleeping and stays queued for the next frame to handle.  (pygame-ce's
    ``event.wait(timeout)`` pumps SDL every millisecond, X11 included: ~1% of a core on a still slide.)"""
    import kiosk.player.runner as runner

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s with an event queued")

    monkeypatch.setattr(pygame.event, "wait", lambda *a, **k: pytest.fail("pygame.event.wait polls every 1 ms"))
    pygame.display.init()
    try:
        pygame.display.set_mode((64, 64))
        pygame.event.get()
        pygame.event.post(pygame.event.Event(pygame.USEREVENT, tag="tap"))
        monkeypatch.setattr(runner.time, "sleep", no_sleep)
        idle_wait(30.0)
        assert [e.tag for e in pygame.event.get(pygame.USEREVENT)] == ["tap"]
    finally:
        pygame.display.quit()


@pytest.mark.parametrize("speed", [90, 120, 149])
def test_footer_ticker_moves_at_the_configured_speed(fonts: FontSet, speed: int) -> None:
    from kiosk.render.zones import PALETTES, Ticker, TickerEntry

    ticker = Ticker((0, 1000, 1920, 80), fonts, PALETTES["paper"], speed)
    ticker.set_entries([TickerEntry("关于寒潮天气停电检修的紧急通知" * 4, urgent=True)])
    start, canvas, moved = ticker.offset, pygame.Surface((1920, 1080)), []
    for _ in range(120):  # 2 s at 60 fps
        before = ticker.offset
        ticker.advance(1 / 60)
        moved.append(ticker.offset - before)
        assert ticker.draw(canvas) == ([pygame.Rect(0, 1000, 1920, 80)] if moved[-1] else [])
    assert ticker.offset - start == 2 * speed
    assert set(moved) <= {speed // 60, speed // 60 + 1}
