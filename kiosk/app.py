"""The main loop: display set-up, rotation, clocks, and the handle/update/draw cycle."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.clock import Clock, FakeClock, SystemClock
from kiosk.config import Config
from kiosk.schedule import DisplayHours, ScheduleError, parse_windows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlayOptions:
    content: Path | None = None
    windowed: bool = False
    size: tuple[int, int] | None = None
    rotation: int | None = None
    headless: bool = False
    frames: int | None = None
    screenshot: Path | None = None
    start: dt.datetime | None = None
    demo: bool = False


class OffsetClock:
    """The system clock shifted so that it starts at ``start`` (``--at`` on a real display)."""

    def __init__(self, start: dt.datetime) -> None:
        self._offset = start - dt.datetime.now()

    def now(self) -> dt.datetime:
        return dt.datetime.now() + self._offset

    def monotonic(self) -> float:
        return time.monotonic()


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


def display_hours(config: Config) -> DisplayHours:
    try:
        windows = parse_windows(list(config.display.hours), f"{config.source}: display.hours")
    except ScheduleError as e:
        log.error("display hours ignored (screen stays on): %s", e)
        windows = ()
    return DisplayHours(windows, config.display.off_mode)


def _source(config: Config, options: PlayOptions):  # noqa: ANN202 - FolderSource or StoreSource
    from kiosk.sources import FolderSource

    folder = options.content or config.content_dir()
    return FolderSource([("local", folder)])


def run(config: Config, options: PlayOptions) -> int:
    if options.headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from kiosk.player import Player
    from kiosk.render.fonts import FontSet

    pygame.display.init()
    pygame.freetype.init()
    rotation = options.rotation if options.rotation is not None else config.screen.rotation
    screen = _open_display(config, options)
    out_size = screen.get_size()
    logical = (out_size[1], out_size[0]) if rotation in (90, 270) else out_size
    canvas = screen if rotation == 0 else pygame.Surface(logical)
    clock: Clock
    fake: FakeClock | None = None
    if options.headless:
        fake = FakeClock(options.start or dt.datetime.now())
        clock = fake
    elif options.start is not None:
        clock = OffsetClock(options.start)
    else:
        clock = SystemClock()
    player = Player(config, FontSet.default(), logical, _source(config, options), display_hours(config),
                    prerender=not options.headless)
    try:
        return _loop(pygame, player, screen, canvas, rotation, clock, fake, config, options)
    finally:
        player.shutdown()
        pygame.quit()


def _open_display(config: Config, options: PlayOptions):  # noqa: ANN202 - pygame.Surface
    import pygame

    if options.headless:
        size = options.size or (config.screen.width or 1920, config.screen.height or 1080)
        return pygame.display.set_mode(size)
    pygame.display.set_caption("kiosk")
    if options.windowed or not config.screen.fullscreen:
        size = options.size or (config.screen.width or 1280, config.screen.height or 720)
        return pygame.display.set_mode(size)
    if config.kiosk.hide_cursor:
        pygame.mouse.set_visible(False)
    size = options.size or (config.screen.width, config.screen.height)
    return pygame.display.set_mode(size, pygame.FULLSCREEN)


def _loop(pygame, player, screen, canvas, rotation, clock, fake, config, options) -> int:  # noqa: ANN001
    fps = max(1, config.screen.fps)
    ticker = pygame.time.Clock()
    player.start(clock.now(), clock.monotonic())
    last = clock.monotonic()
    frames = 0
    while True:
        for event in pygame.event.get():
            if player.handle(event):
                continue
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                if config.kiosk.allow_quit or options.windowed:
                    return 0
                log.info("quit ignored (kiosk.allow_quit = false)")
        now, mono = clock.now(), clock.monotonic()
        player.update(now, mono, mono - last)
        last = mono
        dirty = player.draw(canvas, now)
        _present(pygame, screen, canvas, rotation, dirty)
        frames += 1
        if options.frames is not None and frames >= options.frames:
            break
        if fake is not None:
            fake.advance(1 / fps)
        elif player.animating:
            ticker.tick(fps)
        else:
            # A still slide: sleep until the next second (clock) or an event arrives.
            idle_wait(pygame, (1_000_000 - clock.now().microsecond) / 1_000_000)
    if options.screenshot is not None:
        save_png(pygame, screen, options.screenshot)
    return 0


def idle_wait(pygame, seconds: float, slice_s: float = 0.02) -> None:  # noqa: ANN001
    """Sleep up to ``seconds``, waking every ``slice_s`` to see whether an event arrived.

    SDL's own ``event.wait(timeout)`` polls every millisecond on some video drivers (2% of a
    core for nothing); 50 short sleeps a second cost ~0.2% and still answer a touch within a frame
    or two.
    """
    end = time.monotonic() + max(0.0, seconds)
    while True:
        pygame.event.pump()
        if pygame.event.peek():
            return
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(slice_s, left))


def save_png(pygame, surface, path: Path) -> None:  # noqa: ANN001
    """Save a screenshot to a temp file renamed into place (a reader never sees half a PNG)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    from kiosk.render.png import write_png

    write_png(tmp, surface.get_size(), pygame.image.tobytes(surface, "RGB"))
    os.replace(tmp, path)
    log.info("screenshot saved to %s", path)


def _present(pygame, screen, canvas, rotation: int, dirty) -> None:  # noqa: ANN001
    if not dirty:
        return
    if rotation == 0:
        pygame.display.update(dirty)
        return
    out: list = []
    size = canvas.get_size()
    for rect in dirty:
        rect = rect.clip(canvas.get_rect())
        if rect.w <= 0 or rect.h <= 0:
            continue
        piece = pygame.transform.rotate(canvas.subsurface(rect), -rotation)
        target = map_rect(tuple(rect), size, rotation)
        screen.blit(piece, target[:2])
        out.append(pygame.Rect(target))
    pygame.display.update(out)
