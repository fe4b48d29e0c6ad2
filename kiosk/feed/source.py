"""Where a screen gets one feed from: :class:`FeedSource`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.feed.errors import FeedConfigError

# Feed names become directory names in the state dir: lower-case, FAT-safe, no case clashes.
_FEED_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class FeedSource:
    """One feed a screen follows (built by the device config from a ``[[feed]]`` table).

    ``url`` is the base of the feed tree (``…/metadata/`` and ``…/targets/`` below it):
    ``http(s)://…`` or ``file:///media/usb/feed`` for a local directory.
    ``root_path`` is the trusted ``root.json`` shipped with the device; it is only read.
    """

    name: str
    url: str
    root_path: Path
    poll_interval: float = 300.0  # seconds between polls when all is well
    jitter: float = 0.1  # ± fraction of the interval, spreads thousands of screens
    retry_min: float = 15.0  # first retry after a failure (seconds), doubled each time
    retry_max: float = 1800.0  # backoff ceiling (seconds)
    connect_timeout: float = 10.0  # seconds to open a connection
    read_timeout: float = 30.0  # seconds of silence allowed while reading
    transfer_timeout: float = 600.0  # seconds for one whole file
    max_bytes: int = 1 << 30  # one sync downloads at most this much (and no file is larger)
    parallel: int = 4  # images downloaded at once (over one kept-alive connection each)

    def __post_init__(self) -> None:
        if not _FEED_NAME.match(self.name):
            raise FeedConfigError(self.name, "feed name must be 1-40 lower-case letters, digits, '-' or '_'",
                                  "rename the feed in the device config, e.g. name = \"township\"")
        if not self.url.startswith(("http://", "https://", "file://")):
            raise FeedConfigError(self.name, f"url {self.url!r} must start with http://, https:// or file://",
                                  "fix the feed url in the device config")
        if self.poll_interval <= 0 or self.retry_min <= 0 or self.retry_max < self.retry_min:
            raise FeedConfigError(self.name, "poll_interval and retry_min must be > 0, retry_max >= retry_min",
                                  "fix the feed timing in the device config")
        if not 0 <= self.jitter < 1:
            raise FeedConfigError(self.name, f"jitter must be in [0, 1), got {self.jitter}",
                                  "use e.g. jitter = 0.1")
        if min(self.connect_timeout, self.read_timeout, self.transfer_timeout) <= 0 or self.max_bytes <= 0:
            raise FeedConfigError(self.name, "timeouts and max_bytes must be > 0",
                                  "fix the feed limits in the device config")
        if not isinstance(self.parallel, int) or not 1 <= self.parallel <= 16:
            raise FeedConfigError(self.name, f"parallel must be a whole number from 1 to 16, got {self.parallel!r}",
                                  "use e.g. parallel = 4 (downloads at once)")
        object.__setattr__(self, "root_path", Path(self.root_path))

    @property
    def base_url(self) -> str:
        return self.url if self.url.endswith("/") else self.url + "/"

    @property
    def metadata_url(self) -> str:
        return self.base_url + "metadata/"

    @property
    def targets_url(self) -> str:
        return self.base_url + "targets/"
