"""The lobby loop as a layer: notices from the schedule, header with clock, ticker, transitions.

It decides nothing itself: the schedule says what to show and when an urgent notice interrupts,
the slide renderer draws it.  The lobby keeps the last good content through every failure, takes
new content only at a slide boundary, decides the next slide early so it is rendered off the frame
loop, and redraws only what changed.  While a layer above covers the screen (touch browsing) the
loop is paused and the slide on screen restarts when it is uncovered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from kiosk import strings
from kiosk.config import Config, schedule_settings
from kiosk.content import Content, Item, masthead
from kiosk.player.layers import Layer, Now, Rects
from kiosk.player.power import ScreenPower
from kiosk.player.programme import Change, Programme
from kiosk.player.proof import Proof
from kiosk.render.frame import LobbyParts
from kiosk.render.look import Look
from kiosk.render.prerender import Prerenderer
from kiosk.render.qrdraw import LoopQr
from kiosk.render.slides import draw_off_clock
from kiosk.render.transition import Transition
from kiosk.render.zones import TickerEntry
from kiosk.schedule import Scheduler, Slot

if TYPE_CHECKING:
    from kiosk.player.present import SpriteSink

log = logging.getLogger(__name__)


@dataclass
class Showing:
    """What is on screen: a slot of the schedule and which of its parts."""

    slot: Slot
    part: int
    part_started: float  # monotonic seconds
    parts: int


LAYOUT_AHEAD = 3  # notices laid out ahead of the schedule

REDRAW_EVENTS = frozenset(getattr(pygame, name) for name in (
    "VIDEOEXPOSE", "WINDOWEXPOSED", "WINDOWSHOWN", "WINDOWRESTORED", "WINDOWSIZECHANGED")
    if hasattr(pygame, name))


class Lobby(Layer):
    def __init__(self, config: Config, look: Look, size: tuple[int, int], programme: Programme,
                 power: ScreenPower, proof: Proof, prerender: bool = True) -> None:
        self.config = config
        self.fonts = look.fonts
        self.size = size
        self.programme = programme
        self.power = power
        self.proof = proof
        # the same wiring as the office's preview (kiosk.render.frame): the same pixels
        self.parts = LobbyParts.build(config, look, size, programme.category_of, programme.feedback_url)
        self.zones, self.header, self.ticker = self.parts.zones, self.parts.header, self.parts.ticker
        self.main_rect = self.parts.main_rect
        self.loop_qr: LoopQr | None = self.parts.loop_qr
        self.slides = self.parts.slides
        self.scheduler = Scheduler([], [], schedule_settings(config), self.slides.page_count)
        self.prerender = Prerenderer(self.slides) if prerender else None
        self.showing: Showing | None = None
        self.upcoming: Slot | None = None
        self.surface: pygame.Surface | None = None  # the main-zone surface on screen
        self.transition: Transition | None = None
        self.display_on = True
        self.now: dt.datetime = dt.datetime.now()
        self.mono = 0.0
        self._full_redraw = True
        self._last_second: dt.datetime | None = None
        self._idle_poll: dt.datetime | None = None
        self._off_minute: tuple[int, int] | None = None
        self._sprites: SpriteSink | None = None  # the GPU path: ticker titles and fades as textures
        self._sprites_allowed: Callable[[], bool] = lambda: False
        self._sprites_on = False

    # ------------------------------------------------------------ content

    def _reserve_qr_corner(self) -> None:
        """Keep a corner of loop slides free for the code, sized for the longest URL in the content."""
        self.parts.reserve_qr_corner(
            [u for c in self.programme.contents for it in c.items if (u := self.programme.feedback_url(it))])

    def poll_content(self) -> None:
        """At a slide boundary: take new content or edited playlists into the schedule."""
        change = self.programme.poll()
        if change is None:
            return
        try:
            contents = self.programme.contents
            if change is Change.CONTENT:
                self._reserve_qr_corner()
            self.scheduler.replace_content(contents, self.programme.playlists)
            if change is Change.CONTENT:
                self._lay_out_ahead(self.now)
                first = self.programme.content_of(None)
                if first is not None:
                    self._show_publisher(first)
                self._refresh_upcoming()
        except Exception:  # noqa: BLE001 - new content must never stop what is playing
            log.exception("new content not taken; the last good content keeps playing")

    def _refresh_upcoming(self) -> None:
        """The slot decided ahead keeps its place if its notice is still there (with the new text)."""
        if self.upcoming is None:
            return
        key = self.upcoming.item.key
        fresh = next((it for c in self.programme.contents for it in c.items if it.key == key), None)
        self.upcoming = None if fresh is None else dataclasses.replace(self.upcoming, item=fresh)

    # ------------------------------------------------------------ schedule

    def start(self, now: Now) -> None:
        self.now, self.mono = now.wall, now.mono
        self.poll_content()
        self.display_on = self.power.on
        self._begin(self.scheduler.next_slot(now.wall), now.wall, now.mono, transition=False)
        if not self.display_on:
            self.proof.off((0, 0, *self.size))

    def _begin(self, slot: Slot | None, now: dt.datetime, mono: float, transition: bool = True) -> None:
        if slot is None:
            self.showing = None
            new = self._idle_surface()
            if self.display_on:
                self.proof.idle(self.main_rect)
        else:
            parts = self.slides.page_count(slot.item)
            self.showing = Showing(slot, 0, mono, parts)
            new = self.slides.slide(slot.item, 0)
            self._record_showing()
            content = self.programme.content_of(slot.item)
            if content is not None:
                self._show_publisher(content, slot.item)
            self._refresh_ticker(now)
            self._lay_out_ahead(now)
        self._show(new, transition)

    def _lay_out_ahead(self, now: dt.datetime) -> None:
        """Lay out, off the frame loop, the notices the schedule will show next (not all of them:
        3,000 notices took 9 s of CPU at start-up, most of it thrown away); when the next slot is
        decided its page count is then in the cache."""
        if self.prerender is not None:
            self.prerender.request_layouts(self.scheduler.upcoming(now, LAYOUT_AHEAD))

    def _show(self, new: pygame.Surface, transition: bool) -> None:
        if transition and self.surface is not None and self.config.transition.kind != "cut":
            self.transition = Transition(self.surface, new, self.config.transition.kind,
                                         self.config.transition.ms / 1000, paper=self.slides.palette.paper)
        else:
            self.transition = None
            self._full_redraw = True
        self.surface = new

    def _show_publisher(self, content: Content, item: Item | None = None) -> None:
        """The header names the notice's own publisher (``kiosk.content.masthead``)."""
        self.header.set_publisher(*masthead(content, item))

    def _idle_surface(self) -> pygame.Surface:
        first = self.programme.content_of(None)
        publisher = first.publisher.name if first else strings.BOARD_NAME
        if first is not None:
            self._show_publisher(first)
        else:
            self.header.set_publisher(strings.BOARD_TITLE, "", None)
        self.ticker.set_entries([])
        return self.slides.idle(publisher, self.config.device.id, self.config.device.site)

    def _refresh_ticker(self, now: dt.datetime) -> None:
        if self.config.ticker.enabled:
            self.ticker.set_entries([TickerEntry(it.title, it.urgent) for it in self.scheduler.ticker(now)])

    def _part_duration(self) -> float:
        assert self.showing is not None
        durations = self.showing.slot.durations
        return durations[min(self.showing.part, len(durations) - 1)] if durations else 10.0

    def advance(self, now: dt.datetime, mono: float) -> None:
        """The slide's time is up: its next page, else the next slot (taking new content first)."""
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
        if self.showing is None or not self.display_on:
            return
        item, part = self.showing.slot.item, self.showing.part
        self.proof.notice(item, self.programme.version_of(item), self.main_rect, part,
                          self.slides.frame_hash(item, part))

    def _prefetch(self, now: dt.datetime) -> None:
        """Decide the next slot early and render it in the background while this one shows."""
        if self.upcoming is not None or self.showing is None or self.transition is not None:
            return
        if self.prerender is not None and not self.prerender.idle():
            return  # the next notices are still being laid out off-frame: ask the schedule once that is done
        self.upcoming = self.scheduler.next_slot(now)
        if self.prerender is not None:
            s = self.showing
            self.prerender.request([(s.slot.item, p) for p in range(s.part + 1, s.parts)])
            if self.upcoming is not None:
                self.prerender.request([(self.upcoming.item, 0)])

    # ------------------------------------------------------------ layer phases

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type in REDRAW_EVENTS:  # VT switch, HDMI replug, window shown again: repaint all
            self._full_redraw = True
        return False

    def cover(self, covered: bool, now: Now) -> None:
        if covered:  # a visitor browses: no loop notice is on screen
            self.proof.idle((0, 0, *self.size))
            return
        # the visitor left (or timed out): back to the loop, the slide restarted
        if self.showing is None:
            self.proof.idle(self.main_rect)
        self._record_showing()
        self._full_redraw = True
        self.transition = None
        if self.showing is not None:
            self.showing.part_started = now.mono

    def invalidate(self, rects: Sequence[pygame.Rect]) -> None:
        self._full_redraw = True

    def update(self, now: Now) -> None:
        wall, mono = now.wall, now.mono
        self.now, self.mono = wall, mono
        on = self.power.on
        if on != self.display_on:
            self.display_on = on
            self._full_redraw = True
            if on:
                self._begin(self.scheduler.next_slot(wall), wall, mono, transition=False)
            else:
                self.proof.off((0, 0, *self.size))
        second = wall.replace(microsecond=0)
        if not on:
            self._last_second = second
            return
        if second != self._last_second:
            self._last_second = second
            urgent = self.scheduler.urgent_interrupt(wall)
            if urgent is not None:
                log.info("urgent notice interrupts: %s", urgent.item.key)
                self._begin(urgent, wall, mono)
        if self.transition is not None:
            self.transition.update(now.step)
        elif self.showing is None:
            if self._idle_poll != second:
                self._idle_poll = second
                self.poll_content()  # nothing on screen: look for new content every second
                if self.scheduler.current_items(wall):
                    self.advance(wall, mono)  # something is valid now: leave the idle screen
        elif mono - self.showing.part_started >= self._part_duration():
            self.advance(wall, mono)
        else:
            self._prefetch(wall)
        self.ticker.advance(now.step)

    @property
    def animating(self) -> bool:
        return self.display_on and (self.transition is not None or self.ticker.moving)

    def use_sprites(self, sink: SpriteSink, allowed: Callable[[], bool]) -> None:
        """On the GPU path: the ticker's titles and the slides of a transition are given to ``sink``
        as textures (moved and faded by the GPU, nothing uploaded per frame) whenever ``allowed()``
        (no layer above paints over them); otherwise they are drawn into the canvas as usual."""
        self._sprites, self._sprites_allowed = sink, allowed

    def draw(self, canvas: pygame.Surface) -> Rects:
        now = self.now
        if not self.display_on:
            minute = (now.hour, now.minute)
            if self._full_redraw or minute != self._off_minute:
                self._full_redraw = False
                self._off_minute = minute
                draw_off_clock(canvas, self.fonts, now, self.power.clock_when_off)
                return [canvas.get_rect()]
            return []
        dirty: Rects = []
        if self._full_redraw:
            self._full_redraw = False
            self.header.invalidate()
            self.ticker.invalidate()
            if self.surface is not None:
                canvas.blit(self.surface, self.main_rect)
            dirty.append(canvas.get_rect())
        sink = self._sprites if self._sprites is not None and self._sprites_allowed() else None
        if (sink is not None) != self._sprites_on:  # titles move between textures and the canvas
            self._sprites_on = sink is not None
            self.ticker.invalidate()
        if self.transition is not None:
            if sink is None:
                self.transition.draw(canvas, self.main_rect.topleft)
                dirty.append(self.main_rect.copy())
            elif self.transition.done:
                canvas.blit(self.transition.new, self.main_rect)
                dirty.append(self.main_rect.copy())
            else:
                clip = (self.main_rect.x, self.main_rect.y, self.main_rect.w, self.main_rect.h)
                for slide, at, alpha in self.transition.placements(self.main_rect.topleft):
                    sink.add(slide, at, alpha, clip)
            if self.transition.done:
                self.transition = None
        dirty += self.header.draw(canvas, now)
        if sink is None:
            dirty += self.ticker.draw(canvas)
        else:
            dirty += self.ticker.draw_background(canvas)
            r = self.ticker.rect
            for title, x, y in self.ticker.pieces():
                sink.add(title, (x, y), 255, (r.x, r.y, r.w, r.h))
        return dirty

    def close(self) -> None:
        if self.prerender is not None:
            self.prerender.stop()
