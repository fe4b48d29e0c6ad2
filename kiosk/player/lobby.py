"""The lobby player: wires content source, schedule and rendering into handle/update/draw.

It decides nothing itself: the schedule says what to show, the slide renderer
draws it.  The player keeps the last good content through every failure, takes
new content only at a slide boundary, and redraws only what changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from kiosk.config import Config
from kiosk.content import Category, Content, Item
from kiosk.player.setup import playlists_for, schedule_settings, text_style
from kiosk.player.sources import FolderSource, Loaded
from kiosk.qr import QrError, feedback_url, feedback_url_for
from kiosk.render.cache import SurfaceCache
from kiosk.render.fonts import FontSet
from kiosk.render.geometry import compute_zones
from kiosk.render.prerender import Prerenderer
from kiosk.render.qrdraw import LoopQr
from kiosk.render.slides import SlideRenderer, draw_off_clock
from kiosk.render.status import draw_status, status_lines
from kiosk.render.text import Theme
from kiosk.render.transition import Transition
from kiosk.render.zones import PALETTES, Header, Ticker, TickerEntry
from kiosk.schedule import (
    DisplayHours,
    Playlist,
    Scheduler,
    Slot,
)
from kiosk.schedule.book import PlaylistBook

if TYPE_CHECKING:
    from kiosk.audit.log import Recorder
    from kiosk.device.watch import FolderWatch
    from kiosk.player.touch import TouchMode
    from kiosk.render.overlay import UsbOverlay
    from kiosk.usb.panel import PanelView
    from kiosk.usb.service import UsbService

log = logging.getLogger(__name__)


@dataclass
class Showing:
    """What is on screen: a slot of the schedule and which of its parts."""

    slot: Slot
    part: int
    part_started: float  # monotonic seconds
    parts: int


@dataclass(frozen=True)
class KeyCombo:
    """A key with modifiers, e.g. "ctrl+alt+t" (parsed once from the config)."""

    key: int | None  # None: the name is not a key pygame knows, so the combo never matches
    mods: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> KeyCombo:
        parts = text.lower().split("+")
        known = {"ctrl": pygame.KMOD_CTRL, "alt": pygame.KMOD_ALT, "shift": pygame.KMOD_SHIFT}
        try:
            key: int | None = pygame.key.key_code(parts[-1])
        except ValueError:
            log.error("kiosk.technician_keys: %r is not a key; the status line cannot be shown", parts[-1])
            key = None
        return cls(key, tuple(known[m] for m in parts[:-1] if m in known))

    def matches(self, event: pygame.event.Event) -> bool:
        return self.key is not None and event.key == self.key and all(event.mod & m for m in self.mods)


_REDRAW_EVENTS = frozenset(getattr(pygame, name) for name in (
    "VIDEOEXPOSE", "WINDOWEXPOSED", "WINDOWSHOWN", "WINDOWRESTORED", "WINDOWSIZECHANGED")
    if hasattr(pygame, name))


class Player:
    def __init__(self, config: Config, fonts: FontSet, size: tuple[int, int], source: FolderSource,
                 display_hours: DisplayHours, prerender: bool = True) -> None:
        self.config = config
        self.fonts = fonts
        self.size = size
        self.source = source
        self.display_hours = display_hours
        self.zones = compute_zones(*size, ticker=config.ticker.enabled)
        self.palette = PALETTES[config.screen.theme]
        theme = Theme.dark() if config.screen.theme == "dark" else Theme()
        self.header = Header(self.zones.header, fonts, self.palette)
        self.ticker = Ticker(self.zones.footer, fonts, self.palette, config.ticker.speed, config.screen.fps)
        main = pygame.Rect(self.zones.main)
        self.main_rect = main
        self.slides = SlideRenderer(fonts, main.size, self.zones.short, text_style(config, self.zones.short),
                                    theme, self.palette, self._category_of, SurfaceCache(),
                                    config.screen.theme)
        self.contents: tuple[Content, ...] = ()
        self.errors: tuple[str, ...] = ()
        self._content_errors: tuple[str, ...] = ()
        self.scheduler = Scheduler([], [], schedule_settings(config), self.slides.page_count)
        self.showing: Showing | None = None
        self.upcoming: Slot | None = None
        self.surface: pygame.Surface | None = None  # the main-zone surface on screen
        self.transition: Transition | None = None
        self.display_on = True
        self.status_visible = False
        self._technician_combo = KeyCombo.parse(config.kiosk.technician_keys)
        self._full_redraw = True
        self._last_second: dt.datetime | None = None
        self._idle_poll: dt.datetime | None = None
        self._off_minute: tuple[int, int] | None = None
        self.loop_qr: LoopQr | None = None
        if config.qr.on_loop:
            self.loop_qr = LoopQr(self.feedback_url, self.zones.short, config.qr.viewing_distance_m, fonts.render,
                                  config.touch.dpi or None)
            self.slides.decorate = self.loop_qr
        self.prerender = Prerenderer(self.slides) if prerender else None
        self.touch: TouchMode | None = None  # set by the app on touch-enabled screens
        self.recorder: Recorder | None = None  # proof-of-display log, set by the app on a real screen
        self.sync_status: Callable[[], list[str]] = lambda: []  # per-feed sync lines for the status line
        self.playlist_book = PlaylistBook(config.playlists_dir())
        self.usb: UsbService | None = None  # set by the app when sticks are watched
        self.usb_overlay: UsbOverlay | None = None  # with ``usb`` (imported only then: start-up time)
        self.usb_view: PanelView | None = None
        self.playlist_watch: FolderWatch | None = None  # set by the app: technicians edit playlists/ on site
        self.now: dt.datetime = dt.datetime.now()
        self.mono = 0.0

    # ------------------------------------------------------------ content

    def _category_of(self, item: Item) -> Category | None:
        content = self._content_of(item)
        return content.catalogue.get(item.category) if content is not None else None

    def _content_of(self, item: Item | None) -> Content | None:
        for content in self.contents:
            if item is None or content.feed == item.feed:
                return content
        return None

    def feedback_url(self, item: Item) -> str | None:
        """The URL of the feedback QR code for ``item`` on this device (None: no code)."""
        content = self._content_of(item)
        try:
            return feedback_url_for(item, content.publisher if content else None, self.config.qr.url,
                                    self.config.device.id)
        except QrError as e:
            log.error("%s: no feedback code: %s", item.key, e)
            return None

    def request_url(self, item: Item) -> str | None:
        """The 依申请公开 request form for ``item`` (``qr.request_url``), or None."""
        if not self.config.qr.request_url:
            return None
        try:
            return feedback_url(self.config.qr.request_url, item, self.config.device.id)
        except QrError as e:
            log.error("%s: no request code: %s", item.key, e)
            return None

    def _reserve_qr_corner(self) -> None:
        """Keep a corner of loop slides free for the code, sized for the longest URL in the content."""
        if self.loop_qr is None:
            return
        urls = [u for c in self.contents for it in c.items if (u := self.feedback_url(it))]
        try:
            corner = self.loop_qr.corner(max(urls, key=len)) if urls else (0, 0)
        except QrError as e:  # a URL no QR code can hold: no corner, the notices still play
            log.error("feedback codes not shown on loop slides: %s", e)
            corner = (0, 0)
        self.slides.set_qr_corner(corner)

    def _playlists(self, contents: tuple[Content, ...]) -> list[Playlist]:
        return playlists_for(self.config, contents, self.playlist_book)

    def take_content(self, loaded: Loaded) -> None:
        """Install newly loaded content (called at a slide boundary)."""
        self.contents = loaded.contents
        self._content_errors = loaded.errors
        self._reserve_qr_corner()
        self._apply_playlists()
        if self.prerender is not None:  # lay out every notice off-frame: page counts come from the cache
            self.prerender.request_layouts([it for c in self.contents for it in c.items])
        first = self._content_of(None)
        if first is not None:
            self._show_publisher(first)
        n = sum(len(c.items) for c in self.contents)
        if self.touch is not None:
            self.touch.refresh()
        log.info("content loaded: %d item(s) from %d feed(s), %d problem(s)", n, len(self.contents),
                 len(self.errors))

    def _apply_playlists(self) -> None:
        self.scheduler.replace_content(self.contents, self._playlists(self.contents))
        self.errors = tuple(self._content_errors) + tuple(self.playlist_book.errors)

    def poll_content(self) -> None:
        try:
            loaded = self.source.poll()
            if loaded is not None:
                self.take_content(loaded)
                self._refresh_upcoming()
            elif self.playlist_watch is not None and self.playlist_watch.take():
                log.info("playlists changed on disk: applying at this slide boundary")
                self._apply_playlists()
        except Exception:  # noqa: BLE001 - new content must never stop what is playing
            log.exception("new content not taken; the last good content keeps playing")

    def _refresh_upcoming(self) -> None:
        """The slot decided ahead keeps its place if its notice is still there (with the new text)."""
        if self.upcoming is None:
            return
        key = self.upcoming.item.key
        fresh = next((it for c in self.contents for it in c.items if it.key == key), None)
        self.upcoming = None if fresh is None else dataclasses.replace(self.upcoming, item=fresh)

    # ------------------------------------------------------------ schedule

    def start(self, now: dt.datetime, mono: float) -> None:
        self.poll_content()
        self.display_on = self.display_hours.is_on(now)
        self._begin(self.scheduler.next_slot(now), now, mono, transition=False)
        if not self.display_on and self.recorder is not None:
            self.recorder.screen_off((0, 0, *self.size))

    def _begin(self, slot: Slot | None, now: dt.datetime, mono: float, transition: bool = True) -> None:
        if slot is None:
            self.showing = None
            new = self._idle_surface()
            if self.recorder is not None and self.display_on:
                self.recorder.idle(tuple(self.main_rect))
        else:
            parts = self.slides.page_count(slot.item)
            self.showing = Showing(slot, 0, mono, parts)
            new = self.slides.slide(slot.item, 0)
            self._record_showing()
            content = self._content_of(slot.item)
            if content is not None:
                self._show_publisher(content)
            self._refresh_ticker(now)
        self._show(new, transition)

    def _show(self, new: pygame.Surface, transition: bool) -> None:
        if transition and self.surface is not None and self.config.transition.kind != "cut":
            self.transition = Transition(self.surface, new, self.config.transition.kind,
                                         self.config.transition.ms / 1000)
        else:
            self.transition = None
            self._full_redraw = True
        self.surface = new

    def _show_publisher(self, content: Content) -> None:
        p = content.publisher
        self.header.set_publisher(p.name, p.label, p.logo)

    def _idle_surface(self) -> pygame.Surface:
        first = self._content_of(None)
        publisher = first.publisher.name if first else "公开栏"
        if first is not None:
            self._show_publisher(first)
        else:
            self.header.set_publisher("信息公开栏", "", None)
        self.ticker.set_entries([])
        return self.slides.idle(publisher, self.config.device.id, self.config.device.site)

    def _refresh_ticker(self, now: dt.datetime) -> None:
        if self.config.ticker.enabled:
            self.ticker.set_entries([TickerEntry(it.title, it.urgent) for it in self.scheduler.ticker(now)])

    def _part_duration(self) -> float:
        assert self.showing is not None
        durations = self.showing.slot.durations
        return durations[min(self.showing.part, len(durations) - 1)] if durations else 10.0

    def _advance(self, now: dt.datetime, mono: float) -> None:
        s = self.showing
        if s is not None and s.part + 1 < min(s.parts, len(s.slot.durations) or s.parts):
            s.part += 1
            s.part_started = mono
            self._show(self.slides.slide(s.slot.item, s.part), transition=True)
            self._record_showing()
            return
        self.poll_content()  # new content only at a slot boundary
        slot = self.upcoming
        self.upcoming = None
        if slot is None or not slot.item.valid_at(now):
            slot = self.scheduler.next_slot(now)
        self._begin(slot, now, mono)

    def _record_showing(self) -> None:
        """Proof of display: this notice page is on screen from now, with the hash of its pixels."""
        if self.recorder is None or self.showing is None or not self.display_on:
            return
        item, part = self.showing.slot.item, self.showing.part
        content = self._content_of(item)
        self.recorder.begin(item.key, item.feed, content.version if content else None, tuple(self.main_rect),
                            page=part, window=(item.show_from, item.show_until),
                            frame_hash=self.slides.frame_hash(item, part))

    def _prefetch(self, now: dt.datetime) -> None:
        """Decide the next slot early and render it in the background while this one shows."""
        if self.upcoming is not None or self.showing is None or self.transition is not None:
            return
        if self.prerender is not None and not self.prerender.idle():
            return  # notices are still being laid out off-frame: ask the schedule once that is done
        self.upcoming = self.scheduler.next_slot(now)
        if self.prerender is not None:
            s = self.showing
            self.prerender.request([(s.slot.item, p) for p in range(s.part + 1, s.parts)])
            if self.upcoming is not None:
                self.prerender.request([(self.upcoming.item, 0)])

    # ------------------------------------------------------------ loop phases

    def handle(self, event: pygame.event.Event) -> bool:
        """Returns True when the event was used."""
        if event.type in _REDRAW_EVENTS:  # VT switch, HDMI replug, window shown again: repaint all
            self._full_redraw = True
            if self.touch is not None:
                self.touch.refresh()
            return False
        if event.type == pygame.KEYDOWN and self._technician_combo.matches(event):
            self.status_visible = not self.status_visible
            self._full_redraw = True
            return True
        if self.touch is not None and self.display_on:
            return self.touch.handle(event, self.mono)
        return False

    def update(self, now: dt.datetime, mono: float, dt_s: float) -> None:
        self.now, self.mono = now, mono
        if self.usb is not None:
            self.usb_view = self.usb.panel(mono)
            if self.usb_overlay is not None and self.usb_overlay.must_restore(self.usb_view):
                self._full_redraw = True  # the panel went away: repaint what was under it
                if self.touch is not None:
                    self.touch.refresh()
        if self.touch is not None and self._touch_update(mono):
            return  # a visitor is browsing: the lobby loop waits
        on = self.display_hours.is_on(now)
        if on != self.display_on:
            self.display_on = on
            self._full_redraw = True
            if self.touch is not None:
                self.touch.cancel_press()  # a finger held across the switch must not block later taps
            if on:
                self._begin(self.scheduler.next_slot(now), now, mono, transition=False)
            elif self.recorder is not None:
                self.recorder.screen_off((0, 0, *self.size))
        second = now.replace(microsecond=0)
        if second != self._last_second and self.recorder is not None:
            self.recorder.tick()
        if not on:
            self._last_second = second
            return
        if second != self._last_second:
            self._last_second = second
            urgent = self.scheduler.urgent_interrupt(now)
            if urgent is not None:
                log.info("urgent notice interrupts: %s", urgent.item.key)
                self._begin(urgent, now, mono)
        if self.transition is not None:
            self.transition.update(dt_s)
        elif self.showing is None:
            if self._idle_poll != second:
                self._idle_poll = second
                self.poll_content()  # nothing on screen: look for new content every second
                if self.scheduler.current_items(now):
                    self._advance(now, mono)  # something is valid now: leave the idle screen
        elif mono - self.showing.part_started >= self._part_duration():
            self._advance(now, mono)
        else:
            self._prefetch(now)
        self.ticker.advance()

    def _touch_update(self, mono: float) -> bool:
        """Tick the touch UI; True while it owns the screen."""
        assert self.touch is not None
        was_active = self.touch.active
        self.touch.tick(mono)
        if self.touch.active:
            if not was_active and self.recorder is not None:
                self.recorder.idle((0, 0, *self.size))  # a visitor browses: no loop notice is on screen
            return True
        if was_active:  # the visitor left (or timed out): back to the loop, slide restarted
            if self.showing is None and self.recorder is not None:
                self.recorder.idle(tuple(self.main_rect))
            self._record_showing()
            self._full_redraw = True
            self.transition = None
            if self.showing is not None:
                self.showing.part_started = mono
        return False

    @property
    def animating(self) -> bool:
        if self.usb_view is not None:
            return True  # the USB panel's progress moves
        if self.touch is not None and self.touch.active:
            return self.touch.pressing
        return self.display_on and (self.transition is not None or self.ticker.moving)

    def draw(self, canvas: pygame.Surface, now: dt.datetime) -> list[pygame.Rect]:
        dirty = self._draw_screen(canvas, now)
        if self.usb_overlay is not None:  # the USB panel goes over whatever is on screen
            dirty += self.usb_overlay.draw(canvas, self.usb_view, dirty)
        return dirty

    def _draw_screen(self, canvas: pygame.Surface, now: dt.datetime) -> list[pygame.Rect]:
        if self.touch is not None and self.touch.active:
            return self.touch.draw(canvas)
        if not self.display_on:
            minute = (now.hour, now.minute)
            if self._full_redraw or minute != self._off_minute:
                self._full_redraw = False
                self._off_minute = minute
                draw_off_clock(canvas, self.fonts, now, self.config.display.off_mode == "clock")
                return [canvas.get_rect()]
            return []
        dirty: list[pygame.Rect] = []
        if self._full_redraw:
            self._full_redraw = False
            self.header.invalidate()
            self.ticker.invalidate()
            if self.surface is not None:
                canvas.blit(self.surface, self.main_rect)
            dirty.append(canvas.get_rect())
        if self.transition is not None:
            self.transition.draw(canvas, self.main_rect.topleft)
            dirty.append(self.main_rect.copy())
            if self.transition.done:
                self.transition = None
        dirty += self.header.draw(canvas, now)
        dirty += self.ticker.draw(canvas)
        if self.status_visible:
            dirty.append(self._draw_status(canvas))
        return dirty

    def status_lines(self) -> list[str]:
        """What a technician needs: device id, content per feed, sync state, the last problem."""
        return status_lines(self.config.device.id, self.contents, self.errors, self.sync_status())

    def _draw_status(self, canvas: pygame.Surface) -> pygame.Rect:
        return draw_status(canvas, self.status_lines(), self.fonts, self.main_rect.bottom,
                           max(12, self.zones.header[3] // 4))

    def shutdown(self) -> None:
        if self.prerender is not None:
            self.prerender.stop()
        if self.recorder is not None:
            self.recorder.stop()
