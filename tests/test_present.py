"""The presenting path: chosen at start-up from the video driver and the GL renderer, and the GPU
path (textures, sprites, rotation) puts the same pixels on the screen as the software path.

The GPU path is driven here with SDL's *software* renderer on the dummy driver: the same calls a
GPU renderer gets, read back with ``Renderer.to_surface``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pygame
import pytest
from stagekit import Rig

from kiosk.config import DEMO_CONTENT, load_config
from kiosk.player.present import Choice, SurfacePresenter, TexturePresenter, choose
from kiosk.render.fonts import FontSet

AT = dt.datetime(2026, 11, 27, 10, 0)


def test_dummy_driver_is_always_software() -> None:
    assert choose("gpu", "dummy", probe=lambda: "Mali-G52").path == "software"


def test_kmsdrm_is_the_gpu_path() -> None:
    assert choose("auto", "kmsdrm", probe=lambda: None).path == "gpu"


@pytest.mark.parametrize(("renderer", "path"), [
    ("opengles2 llvmpipe (LLVM 15.0.6, 256 bits)", "software"),
    ("opengl softpipe", "software"),
    ("opengles2 SwiftShader Device", "software"),
    (None, "software"),
    ("opengles2 V3D 4.2", "gpu"),
    ("opengl Mesa Intel(R) UHD Graphics 620", "gpu"),
])
def test_auto_follows_the_gl_renderer(renderer: str | None, path: str) -> None:
    choice = choose("auto", "x11", probe=lambda: renderer)
    assert choice.path == path
    assert renderer is None or renderer in choice.why  # the log line names what was found


def test_the_setting_wins_on_a_display() -> None:
    assert choose("software", "kmsdrm") == Choice("software", "screen.present")
    assert choose("gpu", "x11", probe=lambda: "llvmpipe").path == "gpu"


@pytest.fixture
def fonts() -> FontSet:
    pygame.display.init()
    pygame.freetype.init()
    return FontSet.default()


@pytest.fixture
def software_renderer() -> Iterator[int]:
    pygame.display.init()
    from pygame._sdl2.video import get_drivers

    yield [d.name for d in get_drivers()].index("software")


def difference(a: pygame.Surface, b: pygame.Surface) -> int:
    """Pixels that differ by more than 2 in a channel (alpha blending rounds differently)."""
    assert a.get_size() == b.get_size()
    raw_a, raw_b = pygame.image.tobytes(a, "RGB"), pygame.image.tobytes(b, "RGB")
    return sum(1 for i in range(0, len(raw_a), 3) if max(abs(raw_a[i + k] - raw_b[i + k]) for k in range(3)) > 2)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_gpu_path_shows_what_the_software_path_shows(fonts: FontSet, software_renderer: int, rotation: int) -> None:
    size = (640, 360)
    gpu = TexturePresenter(size, rotation, False, software_renderer)
    logical = gpu.logical
    reference = Rig(fonts, DEMO_CONTENT, logical, load_config())
    sprited = Rig(fonts, DEMO_CONTENT, logical, load_config())
    sprited.canvas = gpu.canvas
    sprited.lobby.use_sprites(gpu, lambda: True)
    reference.start(AT)
    sprited.start(AT)
    step = 1 / 30
    compared = 0
    for i in range(int(40 / step)):  # through slide changes with fades and the moving ticker
        t = i * step
        reference.frame(AT + dt.timedelta(seconds=t), t, step)
        gpu.present(sprited.frame(AT + dt.timedelta(seconds=t), t, step))
        fading = sprited.lobby.transition is not None
        if i % 50 == 0 or (fading and i % 7 == 0):
            expected = reference.canvas if rotation == 0 else pygame.transform.rotate(reference.canvas, -rotation)
            shown = gpu.renderer.to_surface()
            assert difference(shown, expected) < shown.get_width() * shown.get_height() // 500, f"frame {i}"
            assert difference(gpu.snapshot(), expected) < shown.get_width() * shown.get_height() // 500  # screenshots
            compared += 1
    assert compared > 10
    gpu.close()


def test_titles_are_sprites_not_canvas_pixels(fonts: FontSet, software_renderer: int) -> None:
    gpu = TexturePresenter((640, 360), 0, False, software_renderer)
    rig = Rig(fonts, DEMO_CONTENT, gpu.logical, load_config())
    rig.canvas = gpu.canvas
    rig.lobby.use_sprites(gpu, lambda: True)
    rig.start(AT)
    rig.frame(AT, 0.0, 0.0)
    strip = rig.lobby.ticker.rect
    dirty = rig.frame(AT, 1 / 30, 1 / 30)
    assert not any(r.colliderect(strip) for r in dirty)  # the ticker moved without touching the canvas
    assert gpu.scene.sprites and all(s.clip == (strip.x, strip.y, strip.w, strip.h) for s in gpu.scene.sprites)
    gpu.close()


def test_software_presenter_rotates_rects(software_renderer: int) -> None:
    screen = pygame.display.set_mode((320, 200))
    presenter = SurfacePresenter(screen, 90)
    assert presenter.logical == (200, 320)
    presenter.canvas.fill((0, 0, 0))
    presenter.canvas.fill((255, 0, 0), (0, 0, 10, 10))
    presenter.present([pygame.Rect(0, 0, 200, 320)])
    assert presenter.snapshot().get_at((315, 3))[:3] == (255, 0, 0)
