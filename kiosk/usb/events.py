"""What a USB import reports: outcomes in plain Chinese and the typed events the player polls.

The importer thread puts events on a queue; the frame loop drains them
(``UsbService.panel()``) and never waits for the import.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from kiosk import strings


class Outcome(enum.Enum):
    """Why a stick was (not) imported; ``value`` is the word written to the report file."""

    ACCEPTED = "accepted"
    UP_TO_DATE = "up_to_date"
    BAD_SIGNATURE = "bad_signature"
    ROLLBACK = "rollback"
    INCOMPLETE = "incomplete"
    DAMAGED = "damaged"
    NOT_OURS = "not_ours"
    EXPIRED = "expired"
    CLOCK = "clock"
    BUSY = "busy"
    DEVICE = "device_error"

    @property
    def accepted(self) -> bool:
        return self in (Outcome.ACCEPTED, Outcome.UP_TO_DATE)

    @property
    def reason(self) -> str:
        """The reason shown to the technician (plain Chinese, no jargon)."""
        return _REASONS[self]


_REASONS = MappingProxyType({outcome: strings.USB_REASONS[outcome.value] for outcome in Outcome})


@dataclass(frozen=True)
class FeedOutcome:
    """The result of one stick for one configured feed (``feed`` None: no feed matched)."""

    feed: str | None
    outcome: Outcome
    version_before: int | None = None
    version_after: int | None = None
    items: int | None = None  # notices in the version now current
    detail: str = ""  # the feed layer's message (English, for logs and the report file)

    @property
    def message(self) -> str:
        """One line for the overlay, e.g. 更新成功：版本 3，共 12 条公开内容."""
        if self.outcome is Outcome.ACCEPTED:
            return strings.USB_UPDATED.format(version=self.version_after, items=self.items or 0)
        if self.outcome is Outcome.UP_TO_DATE:
            return self.outcome.reason
        return strings.USB_NOT_UPDATED.format(reason=self.outcome.reason)


@dataclass(frozen=True)
class StickDetected:
    volume: Path


@dataclass(frozen=True)
class StickProgress:
    volume: Path
    percent: int  # 0..100 of the bytes to read and verify


@dataclass(frozen=True)
class StickResult:
    volume: Path
    result: FeedOutcome


@dataclass(frozen=True)
class StickDone:
    """Nothing more is read from or written to the stick: it may be pulled out."""

    volume: Path
    report: Path | None  # the report file written on the stick, None when skipped


@dataclass(frozen=True)
class StickRemoved:
    volume: Path


UsbEvent = StickDetected | StickProgress | StickResult | StickDone | StickRemoved
