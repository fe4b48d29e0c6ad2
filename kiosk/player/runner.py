"""The main loop: display set-up, rotation, clocks, and the handle/update/draw cycle."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.clock import Clock, FakeClock, LocalClock
from kiosk.config import Config
from kiosk.device.playerpid import write_pid_file
from kiosk.schedule import DisplayHours

if TYPE_CHECKING:
    import pygame

    from kiosk.device.heartbeat import DeviceStatus
    from kiosk.device.watch import FolderWatch
    from kiosk.player.layers import Now
    from kiosk.player.stage import Stage

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


def display_hours(config: Config) -> DisplayHours:
    """When the screen is on (the windows were checked when the config was loaded)."""
    return DisplayHours(config.display.hours, "clock" if config.display.off_mode == "clock" else "black")


def run(config: Config, options: PlayOptions) -> int:
    from kiosk.device.heap import big_blocks_from_the_kernel

    big_blocks_from_the_kernel()  # before any surface or thread: screen-sized buffers never pile up in the heap
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    try:
        runner = Runner(config, options)
    except pygame.error as e:  # above all: no display; say so plainly
        log.error("cannot open the display: %s (on a machine without a screen use --headless; on a kiosk "
                  "check SDL_VIDEODRIVER and that the user may use the console/GPU)", e)
        return 3
    try:
        return runner.run()
    finally:
        runner.close()


class Runner:
    """Owns the display, the clock and the layer stack; ``frame()`` is one pass of the main loop.

    The stack, bottom first: the lobby loop (or the LED board), touch browsing (joins after the
    first frame), the technician status line, the USB panel.  Tests drive ``frame()`` directly
    (headless, simulated time) after posting real SDL events.
    """

    def __init__(self, config: Config, options: PlayOptions) -> None:
        if options.headless:
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
            os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        # SDL would turn SIGTERM/SIGINT into the same QUIT event as closing the window, which
        # kiosk.allow_quit ignores: the system's stop is ours to handle (_handle_stop_signals)
        os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
        import pygame

        from kiosk.device.sdnotify import Notifier
        from kiosk.device.services import Thumbnails
        from kiosk.player.present import TexturePresenter, open_presenter
        from kiosk.player.stage import Stage
        from kiosk.player.supply import open_supply

        self.pygame = pygame
        self.config, self.options = config, options
        pygame.display.init()
        pygame.freetype.init()
        self.rotation = options.rotation if options.rotation is not None else config.screen.rotation
        self.presenter = open_presenter(config, headless=options.headless, windowed=options.windowed,
                                        size=options.size, rotation=self.rotation)
        self.canvas = self.presenter.canvas
        logical = self.presenter.logical
        self._out_size = self.screen.get_size()
        self.fake: FakeClock | None = None
        self.clock: Clock
        if options.headless:
            self.fake = FakeClock(options.start or dt.datetime.now())
            self.clock = self.fake
        elif options.start is not None:
            self.clock = OffsetClock(options.start)
        else:
            self.clock = LocalClock()
        real = not options.headless  # a headless render shows nothing to anyone: no proof, no services
        self.supply = open_supply(config, options.content, options.demo, background=real, wake=_wake_loop)
        recorder, audit_log = None, None
        if real:
            from kiosk.device.services import open_proof_log

            recorder, audit_log = open_proof_log(config, self.clock)
        watch = self._watch_playlists() if real and not config.led.enabled else None
        self.stage = Stage.build(config, logical, self.supply.source, display_hours(config), recorder=recorder,
                                 watch=watch, usb=self.supply.usb, sync=self.supply.status, prerender=real)
        if isinstance(self.presenter, TexturePresenter) and self.stage.lobby is not None:
            stage = self.stage
            self.stage.lobby.use_sprites(self.presenter, lambda: not _overlaid(stage))
        self._touch_pending = config.touch.enabled and not config.led.enabled
        self.thumbnails = Thumbnails()
        self.services = None
        if real:
            from kiosk.device.services import start_services

            self.services = start_services(config, self.clock, audit_log, self._device_status, self.thumbnails)
        self.notifier = Notifier()
        self._shot_requested = False
        self.pid_file: Path | None = None
        if real:
            self._serve_screenshots()
        self.fps = max(1, config.screen.fps)
        self.frames = 0
        self._failures = 0
        self.quit = False
        self.stop_signal: int | None = None  # SIGTERM/SIGINT received: stop after this frame
        self._previous_handlers: dict[int, Any] = {}
        self._handle_stop_signals()
        self._started = False
        self._last = 0.0

    @property
    def screen(self) -> pygame.Surface:
        """What is on the screen (output size and orientation): screenshots, thumbnails, tests."""
        return self.presenter.snapshot()

    def _handle_stop_signals(self) -> None:
        """``systemctl stop`` (SIGTERM) and Ctrl+C (SIGINT) always end the player at the next frame
        boundary, whatever ``kiosk.allow_quit`` says: it governs only keyboard and window quits."""
        import signal

        def stop(signum: int, frame: object) -> None:
            self.stop_signal = signum
            _wake_loop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                self._previous_handlers[signum] = signal.signal(signum, stop)
            except ValueError:  # not the main thread: whoever runs us handles signals
                return

    def _watch_playlists(self) -> FolderWatch | None:
        """Technicians edit the device's playlists on site: watch the folder (when it exists)."""
        from kiosk.device.watch import FolderWatch

        watch = FolderWatch(self.config.playlists_dir())
        return watch if watch.start() else None

    def _device_status(self) -> DeviceStatus:
        """What the heartbeat reports (called on its thread)."""
        from kiosk.device.heartbeat import DeviceStatus

        programme = self.stage.programme
        return DeviceStatus(versions={c.feed: c.version for c in programme.contents},
                            last_error=programme.errors[-1] if programme.errors else None,
                            showing=self.stage.proof.current)

    def _now(self) -> Now:
        from kiosk.player.layers import Now

        mono = self.clock.monotonic()
        return Now(self.clock.now(), mono, mono - self._last)

    def start(self) -> None:
        self.stage.stack.start(self._now())
        self._last = self.clock.monotonic()
        self._started = True

    def frame(self) -> list[pygame.Rect]:
        """Events in, update, draw, present; returns the dirty rects (logical canvas)."""
        pygame = self.pygame
        if not self._started:
            self.start()
        elif self._touch_pending:
            self._start_touch()
        for event in pygame.event.get():
            if self.stage.stack.handle(event):
                continue
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                if self.config.kiosk.allow_quit or self.options.windowed:
                    self.quit = True
                else:
                    log.info("quit ignored (kiosk.allow_quit = false)")
        if self.stop_signal is not None:
            self.quit = True
        now = self._now()
        try:
            self.stage.stack.update(now)
            dirty = self.stage.stack.draw(self.canvas)
            self.presenter.present(dirty)
        except Exception:  # noqa: BLE001 - last resort: log, keep what is on screen, keep looping
            self._failures += 1
            if self._failures <= 3 or self._failures % 3600 == 0:
                log.exception("frame %d failed (%d so far); the screen keeps its last picture",
                              self.frames, self._failures)
            dirty = []
        self._last = now.mono
        self.frames += 1
        if self.frames == 1:
            self.notifier.ready()
        self.notifier.ping(time.monotonic())  # stops when the loop hangs: systemd restarts us
        if self._shot_requested:
            self._shot_requested = False
            try:
                save_png(self.screen, screenshot_path(self.config))
            except OSError as e:  # a full or read-only disk must not stop the screen
                log.error("screenshot not saved: %s", e)
        if self.thumbnails.wanted:
            self.thumbnails.deliver(thumbnail_png(self.screen))
        return dirty

    def _serve_screenshots(self) -> None:
        """``kiosk screenshot`` asks the running player (SIGUSR1, pid file in the state dir)."""
        import signal

        def request(signum: int, frame: object) -> None:
            self._shot_requested = True

        try:
            signal.signal(signal.SIGUSR1, request)
            state = self.config.state_path()
            state.mkdir(parents=True, exist_ok=True)
            self.pid_file = write_pid_file(state)  # pid and start time: `kiosk screenshot` checks both
        except (OSError, ValueError) as e:  # ValueError: not the main thread (tests)
            log.info("screenshots on request not available: %s", e)
            self.pid_file = None

    def _start_touch(self) -> None:
        """Touch browsing joins the stack once the first frame is on screen (start-up time counts)."""
        self._touch_pending = False
        self.stage.add_touch(self._out_size, self.rotation, self._now())

    def wait(self, pacer: pygame.time.Clock | None) -> None:
        """Between frames: simulated time steps, 60 fps while moving, else sleep until the next second."""
        if self.fake is not None:
            self.fake.advance(1 / self.fps)
        elif self.stage.stack.animating:
            if pacer is not None:
                pacer.tick(self.fps)
        else:
            # to just past the next second (the clock's), so that frame has a new second to draw
            seconds = (1_000_000 - self.clock.now().microsecond) / 1_000_000 + 0.004
            idle_wait(seconds)

    def run(self) -> int:
        pacer = self.pygame.time.Clock()
        limit = self.options.frames
        while True:
            self.frame()
            if self.quit or self.stop_signal is not None or (limit is not None and self.frames >= limit):
                break
            self.wait(pacer)
        if self.stop_signal is not None:
            import signal

            log.info("stopping: %s received", signal.Signals(self.stop_signal).name)
            self.notifier.send("STOPPING=1")
        if self.options.screenshot is not None:
            save_png(self.screen, self.options.screenshot)
        return 0

    def close(self) -> None:
        import signal

        for signum, previous in self._previous_handlers.items():
            signal.signal(signum, previous)
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)
        self.notifier.close()
        try:
            self.stage.close()  # the layers, then the proof of display's clean-stop record
        finally:
            self.supply.stop()
            if self.services is not None:
                self.services.stop()
            self.presenter.close()
            self.pygame.quit()


def _overlaid(stage: Stage) -> bool:
    """A layer above the lobby paints now (the status line, the USB panel, touch browsing)."""
    return bool((stage.status is not None and stage.status.visible) or (stage.usb is not None and stage.usb.view)
                or (stage.touch is not None and stage.touch.covers))


def _wake_loop() -> None:
    """From another thread: wake a sleeping frame loop (a USB stick appeared) so it draws at once."""
    import pygame

    try:
        pygame.event.post(pygame.event.Event(pygame.USEREVENT))
    except pygame.error:  # the display is gone (shutting down)
        pass


def thumbnail_png(screen: pygame.Surface, width: int = 480) -> bytes:
    """A small PNG of what is on screen (heartbeat screenshots)."""
    import pygame

    from kiosk.render.png import png_bytes

    w, h = screen.get_size()
    small = pygame.transform.smoothscale(screen, (width, max(1, round(h * width / w))))
    return png_bytes(small.get_size(), pygame.image.tobytes(small, "RGB"))


def screenshot_path(config: Config) -> Path:
    return config.state_path() / "screenshot.png"


def idle_wait(seconds: float, slice_s: float = 0.02) -> None:
    """Sleep up to ``seconds``, waking every ``slice_s`` to see whether an event arrived.

    pygame-ce's ``event.wait(timeout)`` pumps SDL's events every millisecond on every video
    driver, X11 included (~1% of a core for nothing, most of a still slide's cost under Xvfb:
    bench/bench_screen.py); 50 short sleeps a second cost ~0.2% and still answer a touch within a
    frame or two.
    """
    import pygame

    end = time.monotonic() + max(0.0, seconds)
    while True:
        pygame.event.pump()
        if pygame.event.peek():
            return
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(slice_s, left))


def save_png(surface: pygame.Surface, path: Path) -> None:
    """Save a screenshot atomically (a reader never sees half a PNG)."""
    import pygame

    from kiosk.fsutil import atomic_file
    from kiosk.render.png import encode_png

    with atomic_file(path) as out:
        encode_png(out, surface.get_size(), pygame.image.tobytes(surface, "RGB"))
    log.info("screenshot saved to %s", path)
