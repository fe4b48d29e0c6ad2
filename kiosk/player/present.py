"""How frames reach the screen: the presenting path, chosen once at start-up and logged.

The layers draw on a logical canvas and say which rectangles changed; a presenter puts exactly
those on the screen.  Two paths (measured with ``bench/bench_present.py`` and ``bench_screen.py``):

- ``software``: SDL's window surface *without* framebuffer acceleration, updated rectangle by
  rectangle.  On X11 each changed rectangle travels as a shared-memory image and nothing else:
  the ticker strip 60 times a second, the clock once a second.  (SDL's default draws the window
  surface through OpenGL: without a GPU that is Mesa's llvmpipe, +100 MiB, and every update
  uploads the rectangle enclosing all changes, so clock + ticker became the whole screen; the
  ticker and clock cost ~70-100 % of a core under Xvfb that way, ~4 % this way.)
- ``gpu``: an accelerated SDL renderer (GLES2 on a Raspberry Pi under kmsdrm, OpenGL on a desktop)
  with vsync.  The canvas is a texture updated only where it changed (each rectangle on its own,
  not their enclosing one) and turned on the GPU for a rotated screen; the lobby's moving parts
  are textures of their own: the ticker's titles are drawn at their new place every frame
  (nothing uploaded), a fade is the new slide's texture drawn over the old one with alpha
  modulation, so a frame uploads only what changed.

``screen.present = "auto"`` picks ``gpu`` where OpenGL is done by a GPU (kmsdrm always; on X11 and
Wayland when the GL renderer is not a software rasterizer, asked in a child process so a software
GL never loads into the player), else ``software``; the dummy driver (headless) is always
``software``.  A path that cannot start falls back to the other, with the reason logged.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kiosk.config import Config

if TYPE_CHECKING:
    import pygame
    from pygame._sdl2.video import Renderer, Texture

log = logging.getLogger(__name__)

SOFTWARE_GL = re.compile(r"llvmpipe|softpipe|swrast|software|swiftshader|lavapipe", re.IGNORECASE)
GPU_DRIVERS = ("opengles2", "opengl")  # SDL renderer drivers, in order of preference
BLEND = 1  # SDL_BLENDMODE_BLEND


@dataclass(frozen=True)
class Choice:
    path: str  # "software" or "gpu"
    why: str  # for the log and the technician


def map_rect(rect: tuple[int, int, int, int], size: tuple[int, int], rotation: int) -> tuple[int, int, int, int]:
    """Where a rect of the logical canvas (``size``) lands on the output rotated clockwise."""
    x, y, w, h = rect
    width, height = size
    if rotation == 90:
        return (height - y - h, x, h, w)
    if rotation == 180:
        return (width - x - w, height - y - h, w, h)
    if rotation == 270:
        return (y, width - x - w, h, w)
    return rect


# ---------------------------------------------------------------- choosing


_PROBE = r"""
import ctypes, os, sys
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
import pygame
pygame.display.init()
from pygame._sdl2.video import Window, Renderer, get_drivers
names = [d.name for d in get_drivers()]
name = next((n for n in sys.argv[1:] if n in names), None)
if name is None:
    print("none"); sys.exit()
window = Window("probe", (64, 64), hidden=True)
renderer = Renderer(window, index=names.index(name), accelerated=1)
for lib in ("libGLESv2.so.2", "libGL.so.1"):
    try:
        gl = ctypes.CDLL(lib)
    except OSError:
        continue
    gl.glGetString.restype = ctypes.c_char_p
    text = gl.glGetString(0x1F01)
    if text:
        print(name, text.decode("utf-8", "replace")); sys.exit()
print(name, "unknown")
"""


def probe_gl(timeout: float = 8.0) -> str | None:
    """The GL renderer string an accelerated SDL renderer gets here (None: none could be made)."""
    try:
        out = subprocess.run([sys.executable, "-c", _PROBE, *GPU_DRIVERS], capture_output=True, text=True,
                             timeout=timeout, env=dict(os.environ, SDL_AUDIODRIVER="dummy"))
    except (OSError, subprocess.SubprocessError) as e:
        log.info("GL probe failed: %s", e)
        return None
    line = (out.stdout.strip().splitlines() or ["none"])[-1]
    return None if line == "none" or out.returncode != 0 else line


def choose(setting: str, driver: str, probe: Callable[[], str | None] = probe_gl) -> Choice:
    """Which path for ``screen.present = setting`` on SDL video ``driver``."""
    if driver in ("dummy", "offscreen"):
        return Choice("software", f"SDL video driver {driver}: nothing is shown")
    if setting in ("software", "gpu"):
        return Choice(setting, "screen.present")
    if driver == "kmsdrm":
        return Choice("gpu", "kmsdrm draws only through the GPU")
    renderer = probe()
    if renderer is None:
        return Choice("software", "no accelerated OpenGL renderer")
    if SOFTWARE_GL.search(renderer):
        return Choice("software", f"OpenGL is software here ({renderer})")
    return Choice("gpu", f"OpenGL by the GPU ({renderer})")


# ---------------------------------------------------------------- presenters


class SurfacePresenter:
    """The window surface without framebuffer acceleration, updated by rectangles."""

    name = "software"

    def __init__(self, screen: pygame.Surface, rotation: int) -> None:
        import pygame

        self.pygame = pygame
        self.screen = screen
        self.rotation = rotation
        size = screen.get_size()
        self.logical = (size[1], size[0]) if rotation in (90, 270) else size
        self.canvas = screen if rotation == 0 else pygame.Surface(self.logical)

    def present(self, dirty: list[pygame.Rect]) -> None:
        pg = self.pygame
        if not dirty:
            return
        if self.rotation == 0:
            pg.display.update(dirty)
            return
        out: list[pygame.Rect] = []
        bounds = self.canvas.get_rect()
        for rect in dirty:
            rect = rect.clip(bounds)
            if rect.w <= 0 or rect.h <= 0:
                continue
            piece = pg.transform.rotate(self.canvas.subsurface(rect), -self.rotation)
            target = map_rect((rect.x, rect.y, rect.w, rect.h), self.logical, self.rotation)
            self.screen.blit(piece, target[:2])
            out.append(pg.Rect(target))
        pg.display.update(out)

    def snapshot(self) -> pygame.Surface:
        """What is on the screen now (output orientation)."""
        return self.screen

    def close(self) -> None:
        pass


class SpriteSink(Protocol):
    """Where a layer puts what the GPU draws for it this frame, over the canvas (the GPU path)."""

    def add(self, surface: pygame.Surface, topleft: tuple[int, int], alpha: int = 255,
            clip: tuple[int, int, int, int] | None = None) -> None: ...


@dataclass
class Sprite:
    """A texture drawn over the canvas texture this frame (the lobby's ticker titles, a fading slide)."""

    texture: Texture
    dest: tuple[int, int, int, int]  # logical canvas coordinates
    alpha: int = 255
    clip: tuple[int, int, int, int] | None = None  # logical rect the sprite must stay inside
    surface: pygame.Surface | None = None  # what the texture was made from (screenshots)


@dataclass
class Scene:
    """Textures the layers add for one frame, drawn in order over the canvas texture."""

    sprites: list[Sprite] = field(default_factory=list)


class TexturePresenter:
    """An accelerated SDL renderer: the canvas as a texture updated by rectangle, rotation on the GPU,
    sprites (ticker titles, fading slides) drawn as their own textures, vsync."""

    name = "gpu"

    def __init__(self, size: tuple[int, int], rotation: int, fullscreen: bool, driver_index: int) -> None:
        import pygame
        from pygame._sdl2.video import Renderer, Texture, Window

        self.pygame = pygame
        self.rotation = rotation
        self.window = Window("kiosk", size, fullscreen_desktop=fullscreen)
        out = self.window.size
        self.output = (out[0], out[1])
        self.logical = (out[1], out[0]) if rotation in (90, 270) else self.output
        self.renderer: Renderer = Renderer(self.window, index=driver_index, accelerated=1, vsync=True)
        self.canvas = pygame.Surface(self.logical)
        self.texture: Texture = Texture(self.renderer, self.logical, streaming=True)
        self.scene = Scene()
        # textures of the surfaces drawn as sprites, least recently used first, bounded in bytes:
        # a fade's two slides and the ticker's titles stay; older slides go
        self._textures: OrderedDict[int, tuple[pygame.Surface, Texture, int]] = OrderedDict()
        self._texture_bytes = 0
        self.max_texture_bytes = 4 * self.logical[0] * self.logical[1] * 4
        self._shown: list[Sprite] = []

    def texture_of(self, surface: pygame.Surface) -> Texture:
        """A texture of ``surface``, uploaded once and kept while it is in use."""
        from pygame._sdl2.video import Texture

        known = self._textures.get(id(surface))
        if known is not None and known[0] is surface:
            self._textures.move_to_end(id(surface))
            return known[1]
        texture = Texture.from_surface(self.renderer, surface)
        size = surface.get_width() * surface.get_height() * 4
        self._textures[id(surface)] = (surface, texture, size)
        self._texture_bytes += size
        while self._texture_bytes > self.max_texture_bytes and len(self._textures) > 2:
            _, (_, _, gone) = self._textures.popitem(last=False)
            self._texture_bytes -= gone
        return texture

    def add(self, surface: pygame.Surface, topleft: tuple[int, int], alpha: int = 255,
            clip: tuple[int, int, int, int] | None = None) -> None:
        """Draw ``surface`` at ``topleft`` (logical canvas) over the canvas in this frame only."""
        w, h = surface.get_size()
        self.scene.sprites.append(Sprite(self.texture_of(surface), (topleft[0], topleft[1], w, h), alpha, clip,
                                         surface))

    def present(self, dirty: list[pygame.Rect]) -> None:
        bounds = self.canvas.get_rect()
        for rect in dirty:
            rect = rect.clip(bounds)
            if rect.w > 0 and rect.h > 0:  # area as a tuple: pygame-ce 2.5 ignores a Rect's x, y here
                self.texture.update(self.canvas.subsurface(rect), area=(rect.x, rect.y, rect.w, rect.h))
        sprites, self.scene.sprites = self.scene.sprites, []
        if not dirty and not sprites and not self._shown:
            return
        self._shown = sprites
        r = self.renderer
        r.draw_color = (0, 0, 0, 255)
        r.clear()
        self._draw(self.texture, (0, 0, *self.logical))
        for sprite in sprites:
            if sprite.alpha < 255:  # an opaque surface's texture does not blend until told to
                sprite.texture.blend_mode = BLEND
            sprite.texture.alpha = sprite.alpha
            self._draw(sprite.texture, sprite.dest, sprite.clip)
        r.present()

    def _draw(self, texture: Texture, dest: tuple[int, int, int, int],
              clip: tuple[int, int, int, int] | None = None) -> None:
        pygame = self.pygame
        src = pygame.Rect(0, 0, texture.width, texture.height)
        dst = pygame.Rect(dest)
        if clip is not None:  # draw only the part inside clip (the ticker strip)
            inside = dst.clip(pygame.Rect(clip))
            if inside.w <= 0 or inside.h <= 0:
                return
            src = pygame.Rect(inside.x - dst.x, inside.y - dst.y, inside.w, inside.h)
            dst = inside
        if self.rotation == 0:
            texture.draw(srcrect=src, dstrect=dst)
            return
        ox, oy, _, _ = map_rect((dst.x, dst.y, dst.w, dst.h), self.logical, self.rotation)
        # turned about its top-left corner (exact to the pixel, whatever the parity of the size),
        # placed so that it covers the rect map_rect gives
        w, h = dst.w, dst.h
        at = {90: (ox + h, oy), 180: (ox + w, oy + h), 270: (ox, oy + w)}[self.rotation]
        texture.draw(srcrect=src, dstrect=(at[0], at[1], w, h), angle=self.rotation, origin=(0, 0))

    def snapshot(self) -> pygame.Surface:
        """What is on the screen now (output orientation): the canvas with this frame's sprites
        drawn over it in software (screenshots and thumbnails; reading the GPU back is slower)."""
        frame = self.canvas
        if self._shown:
            frame = self.canvas.copy()
            for sprite in self._shown:
                if sprite.surface is None:
                    continue
                clip = frame.get_clip()
                frame.set_clip(sprite.clip)
                if sprite.alpha < 255:
                    sprite.surface.set_alpha(sprite.alpha)
                frame.blit(sprite.surface, sprite.dest[:2])
                if sprite.alpha < 255:
                    sprite.surface.set_alpha(None)
                frame.set_clip(clip)
        if self.rotation == 0:
            return frame
        return self.pygame.transform.rotate(frame, -self.rotation)

    def close(self) -> None:
        self._textures.clear()
        self.window.destroy()


Presenter = SurfacePresenter | TexturePresenter


def open_presenter(config: Config, *, headless: bool, windowed: bool, size: tuple[int, int] | None,
                   rotation: int) -> Presenter:
    """Open the display on the chosen path (``pygame.display`` must be initialised)."""
    import pygame

    driver = pygame.display.get_driver()
    choice = choose(config.screen.present, driver)
    if choice.path == "gpu":
        try:
            gpu = _open_gpu(config, windowed, size, rotation)
        except (pygame.error, ValueError, RuntimeError) as e:
            log.error("presenting: the GPU path could not start (%s); drawing in software instead", e)
        else:
            log.info("presenting: gpu (SDL renderer %s, textures; %s)", gpu.driver, choice.why)
            return gpu.presenter
    software = _open_software(config, headless, windowed, size, rotation)
    log.info("presenting: software (window surface, rectangle updates, no framebuffer acceleration; %s)",
             choice.why)
    return software


@dataclass
class _Gpu:
    presenter: TexturePresenter
    driver: str


def _open_gpu(config: Config, windowed: bool, size: tuple[int, int] | None, rotation: int) -> _Gpu:
    from pygame._sdl2.video import get_drivers

    names = [d.name for d in get_drivers()]
    name = next((n for n in GPU_DRIVERS if n in names), None)
    if name is None:
        raise RuntimeError("no OpenGL renderer in this SDL")
    fullscreen = not windowed and config.screen.fullscreen
    want = size or ((config.screen.width or 1280, config.screen.height or 720) if not fullscreen else
                    (config.screen.width or 0, config.screen.height or 0))
    if fullscreen and config.kiosk.hide_cursor:
        import pygame

        pygame.mouse.set_visible(False)
    return _Gpu(TexturePresenter(want if all(want) else (1920, 1080), rotation, fullscreen, names.index(name)), name)


def _open_software(config: Config, headless: bool, windowed: bool, size: tuple[int, int] | None,
                   rotation: int) -> SurfacePresenter:
    import pygame

    # SDL reads this once, when the window surface is first made: no OpenGL behind the surface
    os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    try:
        screen = _set_mode(config, headless, windowed, size)
    except pygame.error as e:
        if os.environ.get("SDL_FRAMEBUFFER_ACCELERATION") != "0":
            raise
        # a video driver without a plain framebuffer (Wayland): let SDL draw it through its renderer
        log.info("window surface without acceleration not available (%s): SDL's own framebuffer then", e)
        os.environ["SDL_FRAMEBUFFER_ACCELERATION"] = "1"
        pygame.display.quit()
        pygame.display.init()
        screen = _set_mode(config, headless, windowed, size)
    return SurfacePresenter(screen, rotation)


def _set_mode(config: Config, headless: bool, windowed: bool, size: tuple[int, int] | None) -> pygame.Surface:
    import pygame

    if headless:
        want = size or (config.screen.width or 1920, config.screen.height or 1080)
        return pygame.display.set_mode(want)
    pygame.display.set_caption("kiosk")
    if windowed or not config.screen.fullscreen:
        want = size or (config.screen.width or 1280, config.screen.height or 720)
        return pygame.display.set_mode(want)
    if config.kiosk.hide_cursor:
        pygame.mouse.set_visible(False)
    want = size or (config.screen.width, config.screen.height)
    return pygame.display.set_mode(want, pygame.FULLSCREEN)
