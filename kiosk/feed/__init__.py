"""Signed content feeds: publish with TUF metadata, sync into a crash-safe local store.

Light imports only (no tuf/requests here): the player needs :class:`Store` and the
error family; publishing and syncing live in their submodules (see docs/feed.md).
"""

from kiosk.feed.errors import (
    FeedClockError,
    FeedConfigError,
    FeedError,
    FeedFetchError,
    FeedPublishError,
    FeedRefusedError,
    FeedStoreError,
)
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store

__all__ = [
    "FeedClockError", "FeedConfigError", "FeedError", "FeedFetchError", "FeedPublishError",
    "FeedRefusedError", "FeedSource", "FeedStoreError", "Store",
]
