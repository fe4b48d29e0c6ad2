"""The technician status line: device id, content per feed, sync state, the last problem."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygame

from kiosk import strings
from kiosk.content import Content
from kiosk.render.fonts import FontSet


def status_lines(device_id: str, contents: Sequence[Content], errors: Sequence[str],
                 sync: Sequence[str]) -> list[str]:
    feeds = "  ".join(strings.STATUS_FEED.format(feed=c.feed, version=c.version or strings.STATUS_LOCAL_VERSION,
                                                 items=len(c.items)) for c in contents) or strings.STATUS_NO_CONTENT
    lines = [strings.STATUS_DEVICE.format(device=device_id, feeds=feeds, problems=len(errors))]
    lines += [strings.STATUS_SYNC.format(line=line) for line in sync]
    if errors:  # the file name, field and reason matter; the folders do not
        short = re.sub(r"(?:/[^/\s:]+)+/(?=[^/\s:]+)", "", errors[-1])
        lines.append(strings.STATUS_LAST_PROBLEM.format(problem=short[:160]))
    return lines


def draw_status(canvas: pygame.Surface, lines: Sequence[str], fonts: FontSet, bottom: int, px: int) -> pygame.Rect:
    """A dark band of ``lines`` ending at ``bottom``; returns its rect."""
    pitch = round(px * 1.5)
    rect = pygame.Rect(0, bottom - pitch * len(lines) - px // 2, canvas.get_width(), pitch * len(lines) + px // 2)
    canvas.fill((30, 30, 30), rect)
    for i, line in enumerate(lines):
        canvas.blit(fonts.render(line, px, (255, 255, 255)), (px // 2, rect.y + px // 4 + i * pitch))
    return rect
