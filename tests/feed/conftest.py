from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from feedkit import FeedServer, Publisher

from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed


@pytest.fixture
def publisher(tmp_path: Path) -> Publisher:
    """A feed with one published version of a small content folder."""
    pub = Publisher(tmp_path / "office")
    pub.publish()
    return pub


@pytest.fixture
def server(publisher: Publisher) -> Iterator[FeedServer]:
    srv = FeedServer(publisher.feed)
    yield srv
    srv.close()


@pytest.fixture
def source(publisher: Publisher, server: FeedServer) -> FeedSource:
    return publisher.source(server.url, connect_timeout=1.0, read_timeout=0.5, transfer_timeout=2.0)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "screen-state")


@pytest.fixture
def synced(source: FeedSource, store: Store, server: FeedServer) -> Store:
    """The screen has synced the first published version."""
    sync_feed(source, store)
    server.reset_log()
    return store
