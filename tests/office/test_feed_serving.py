"""Feeds served read-only at /feeds/<feed>/ with ETag/Last-Modified and 304s; the mirror."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kiosk.feed.publish import publish
from kiosk.feed.repo import init_feed
from kiosk.office.datadir import DataDir
from kiosk.office.feeds.mirror import mirror_tree

sys.path.insert(0, str(Path(__file__).parent.parent / "feed"))
from feedkit import make_content  # noqa: E402

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def tree(office: DataDir, tmp_path: Path) -> Path:
    feed = office.feed("township")
    init_feed(feed, tmp_path / "keys", NOW, threshold=1)
    publish(make_content(tmp_path / "content"), feed, [tmp_path / "keys"], NOW)
    return feed


def test_timestamp_revalidated_and_answered_304(client: Client, tree: Path) -> None:
    first = client.get("/feeds/township/metadata/timestamp.json")
    assert first.status_code == 200 and first["Cache-Control"] == "no-cache"
    assert b"".join(first.streaming_content) == (tree / "metadata" / "timestamp.json").read_bytes()
    again = client.get("/feeds/township/metadata/timestamp.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content
    since = client.get("/feeds/township/metadata/timestamp.json", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_versioned_files_are_immutable(client: Client, tree: Path) -> None:
    response = client.get("/feeds/township/metadata/1.root.json")
    assert response.status_code == 200 and "immutable" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"
    image = next((tree / "targets" / "images").iterdir()).name
    response = client.get(f"/feeds/township/targets/images/{image}")
    assert response.status_code == 200 and response["Content-Type"] in ("image/jpeg", "image/png")


@pytest.mark.parametrize("path", ["../office.toml", "metadata/../../secret.key", "metadata/", "metadata/x.json",
                                  "targets/images/evil.html", "metadata/2.root.json"])
def test_only_feed_files_are_served(client: Client, tree: Path, path: str) -> None:
    response = client.get(f"/feeds/township/{path}")
    assert response.status_code == 404


def test_missing_file_is_a_revalidated_404(client: Client, tree: Path) -> None:
    response = client.get("/feeds/township/metadata/9.root.json")  # a screen's root probe
    assert response.status_code == 404 and response["Cache-Control"] == "no-cache"


def test_unknown_feed_and_writes_refused(client: Client, tree: Path) -> None:
    assert client.get("/feeds/Nope/metadata/timestamp.json").status_code == 404
    assert client.get("/feeds/other/metadata/timestamp.json").status_code == 404
    assert client.post("/feeds/township/metadata/timestamp.json").status_code == 405


def test_mirror_copies_new_files_and_timestamp_last(tree: Path, tmp_path: Path, monkeypatch: Any) -> None:  # noqa: ANN401
    from kiosk import fsutil

    order: list[str] = []
    real = fsutil.atomic_file

    def spy(path: Path, mode: int = 0o644):  # noqa: ANN202
        order.append(path.name)
        return real(path, mode)

    monkeypatch.setattr(fsutil, "atomic_file", spy)
    dest = tmp_path / "mirror"
    copied = mirror_tree(tree, dest)
    assert copied == len([p for p in tree.rglob("*") if p.is_file()])
    assert order[-1] == "timestamp.json"
    assert mirror_tree(tree, dest) == 0  # nothing new
    assert (dest / "metadata" / "timestamp.json").read_bytes() == (tree / "metadata" / "timestamp.json").read_bytes()
