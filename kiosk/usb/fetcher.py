"""``StickFetcher``: tuf's ``FetcherInterface`` over a :class:`~kiosk.usb.safefs.SafeVolume`.

It answers like the network does, so ``sync_feed`` runs unchanged: a missing file is HTTP
404 (the root probe ends there), a refused name or symlink is 403, a file that vanishes or
fails mid-read (the stick was pulled out) is a ``DownloadError``, never an ``OSError`` the
feed layer would blame on the local store.  Each file is capped before it is read: TUF's
metadata limits by name, ``max_bytes`` for targets.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from urllib.parse import unquote

from tuf.api import exceptions
from tuf.ngclient.config import UpdaterConfig
from tuf.ngclient.fetcher import FetcherInterface

from kiosk.usb.safefs import RefusedFileError, SafeVolume, UnsafePathError, read_chunks, split_rel

CHUNK = 1 << 18


def metadata_caps() -> dict[str, int]:
    """ngclient's own maximum lengths per metadata role."""
    config = UpdaterConfig()
    return {"root": config.root_max_length, "timestamp": config.timestamp_max_length,
            "snapshot": config.snapshot_max_length, "targets": config.targets_max_length}


def cap_for(rel: str, max_bytes: int, caps: dict[str, int] | None = None) -> int:
    """The most bytes ``kiosk-feed/<rel>`` may have: by metadata role, else ``max_bytes``."""
    caps = caps or metadata_caps()
    parts = split_rel(rel)
    if parts[0] != "metadata":
        return max_bytes
    role = parts[-1].removesuffix(".json").rsplit(".", 1)[-1]
    return caps.get(role, caps["timestamp"])


class StickFetcher(FetcherInterface):
    """Serve the feed's ``file://`` URLs from a stick; ``on_bytes(n)`` after every chunk read."""

    def __init__(self, volume: SafeVolume, max_bytes: int,
                 on_bytes: Callable[[int], None] | None = None) -> None:
        self.volume = volume
        self.base_url = volume.feed_url
        self.max_bytes = max_bytes
        self.on_bytes = on_bytes
        self.caps = metadata_caps()

    def relative(self, url: str) -> str:
        """The path inside ``kiosk-feed/`` a URL names; DownloadHTTPError 403 when it is not one."""
        if not url.startswith(self.base_url):
            raise exceptions.DownloadHTTPError(f"{url} is not on the stick's feed folder", 403)
        rel = unquote(url[len(self.base_url):])
        try:
            split_rel(rel)
        except UnsafePathError as e:
            raise exceptions.DownloadHTTPError(f"refused: {e}", 403) from None
        return rel

    def _fetch(self, url: str) -> Iterator[bytes]:
        rel = self.relative(url)
        return self._read(rel, cap_for(rel, self.max_bytes, self.caps))

    def _read(self, rel: str, cap: int) -> Iterator[bytes]:
        fd = self._open(rel)
        if os.fstat(fd).st_size > cap:
            os.close(fd)
            raise exceptions.DownloadLengthMismatchError(f"{rel} on the stick is larger than {cap} bytes")
        received = 0
        try:
            for chunk in read_chunks(fd, CHUNK):
                received += len(chunk)
                if received > cap:
                    raise exceptions.DownloadLengthMismatchError(f"{rel}: more than {cap} bytes")
                if self.on_bytes is not None:
                    self.on_bytes(len(chunk))
                yield chunk
        except OSError as e:  # the stick was pulled out or a sector is unreadable
            raise exceptions.DownloadError(f"{rel}: read failed on the stick: {e}") from e

    def _open(self, rel: str) -> int:
        try:
            return self.volume.open(rel)
        except FileNotFoundError:
            raise exceptions.DownloadHTTPError(f"{rel}: not on the stick", 404) from None
        except (RefusedFileError, UnsafePathError) as e:
            raise exceptions.DownloadHTTPError(f"refused: {e}", 403) from None
        except OSError as e:
            raise exceptions.DownloadError(f"{rel}: cannot open on the stick: {e}") from e
