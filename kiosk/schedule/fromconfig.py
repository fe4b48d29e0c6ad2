"""The schedule's settings from a device config (shared by the lobby and the office's preview)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiosk.schedule.scheduler import ScheduleSettings
from kiosk.schedule.windows import ScheduleError

if TYPE_CHECKING:
    from kiosk.config import Config

log = logging.getLogger(__name__)


def schedule_settings(config: Config) -> ScheduleSettings:
    """Schedule settings from the config; an impossible combination falls back to the defaults."""
    s = config.schedule
    try:
        return ScheduleSettings(audience=config.device.audience_enum, urgent_every=s.urgent_every,
                                auto_base=s.auto_base, chars_per_second=s.chars_per_second,
                                min_duration=s.min_duration, max_duration=s.max_duration,
                                image_duration=s.image_duration, ticker_latest=config.ticker.latest)
    except ScheduleError as e:
        log.error("%s: %s; using the default schedule settings", config.source, e)
        return ScheduleSettings(audience=config.device.audience_enum)
