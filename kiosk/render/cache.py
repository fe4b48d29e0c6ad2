"""A surface cache keyed by content, size and theme, bounded in bytes (LRU)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import pygame


def surface_bytes(surface: pygame.Surface) -> int:
    return surface.get_width() * surface.get_height() * surface.get_bytesize()


class SurfaceCache:
    """Least-recently-used cache of rendered surfaces; thread-safe (the prerender worker fills it)."""

    SCREENS = 4  # the slide on screen, the next one drawn ahead, the one a fade leaves, a touch page

    @classmethod
    def for_screen(cls, size: tuple[int, int], screens: int = SCREENS) -> SurfaceCache:
        """Room for ``screens`` full screens of 32-bit pixels: what the loop and touch browsing use
        at once.  A slide that comes round again is drawn again, ahead, off the frame loop; a
        bigger cache only grows the player's memory (it filled 96 MiB in ten minutes)."""
        return cls(screens * size[0] * size[1] * 4)

    def __init__(self, max_bytes: int = 96 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, pygame.Surface] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> pygame.Surface | None:
        with self._lock:
            surface = self._entries.get(key)
            if surface is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return surface

    def put(self, key: Hashable, surface: pygame.Surface) -> None:
        size = surface_bytes(surface)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= surface_bytes(old)
            self._entries[key] = surface
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= surface_bytes(evicted)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def used_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
