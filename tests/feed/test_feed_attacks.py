"""Every attack and fault is refused, and the screen keeps serving the previous version unchanged."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedkit import (
    NOW,
    FeedServer,
    Publisher,
    body,
    endless,
    extra_bytes,
    flip_byte,
    hang,
    item_text,
    random_image,
    stall_after,
    status,
    tree,
    trickle,
)

from kiosk.feed.bundle import Manifest, build_manifest
from kiosk.feed.errors import (
    FeedExpiredError,
    FeedFetchError,
    FeedInvalidError,
    FeedRefusedError,
    FeedRollbackError,
    FeedSignatureError,
    FeedTamperedError,
    FeedTooBigError,
)
from kiosk.feed.keys import load_keys
from kiosk.feed.publish import load_publishable, publish, signers_for
from kiosk.feed.repo import FeedRepo, RoleSigners, rotate_keys, target_file, write_version
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed


@pytest.fixture
def kept(synced: Store) -> Iterator[Store]:
    """After the test body: the store still serves version 2, byte for byte."""
    before = tree(synced.current("township"))
    yield synced
    assert synced.current_version("township") == 2
    assert tree(synced.current("township")) == before


def change(pub: Publisher, tag: str) -> None:
    """Edit an item and an image so the next publish needs new downloads."""
    (pub.content / "items/plan.md").write_text(item_text("plan", title=f"计划 {tag}"), encoding="utf-8")
    (pub.content / "images/meeting.jpg").write_bytes(random_image(f"meeting-{tag}", 4000))


def newest(pub: Publisher, kind: str) -> Path:
    repo = FeedRepo.load(pub.feed)
    targets = repo.targets.signed.targets
    name = "bundle.json" if kind == "manifest" else next(t for t in targets if t.endswith(".jpg"))
    return target_file(repo.targets_dir, targets[name])


def test_tampered_image_target(kept: Store, source: FeedSource, publisher: Publisher) -> None:
    change(publisher, "v3")
    publisher.publish()
    flip_byte(newest(publisher, "image"))
    with pytest.raises(FeedTamperedError, match="township"):
        sync_feed(source, kept)


def test_tampered_manifest(kept: Store, source: FeedSource, publisher: Publisher) -> None:
    change(publisher, "v3")
    publisher.publish()
    flip_byte(newest(publisher, "manifest"))
    with pytest.raises(FeedTamperedError):
        sync_feed(source, kept)


def test_metadata_signed_by_an_unknown_key(kept: Store, source: FeedSource, publisher: Publisher,
                                           tmp_path: Path) -> None:
    intruder = Publisher(tmp_path / "intruder")
    for _ in range(3):
        intruder.publish()  # a higher version, validly signed by the wrong keys
    shutil.copyfile(intruder.feed / "metadata/timestamp.json", publisher.feed / "metadata/timestamp.json")
    with pytest.raises(FeedSignatureError, match="root.json"):
        sync_feed(source, kept)


def test_one_signature_where_two_are_required(tmp_path: Path, store: Store) -> None:
    pub = Publisher(tmp_path / "two", threshold=2)
    pub.publish()
    with FeedServer(pub.feed) as srv:
        source = pub.source(srv.url, read_timeout=1.0)
        sync_feed(source, store)
        before = tree(store.current("township"))
        change(pub, "v3")
        repo = FeedRepo.load(pub.feed)
        keys = load_keys([pub.keys])
        drafter_only = [k.signer for k in keys.values() if k.path.name == "targets-1.pem"]
        full = signers_for(repo, [pub.keys])
        manifest, images = build_manifest(load_publishable(pub.content, "two"), "two", NOW)
        write_version(repo, manifest, images, RoleSigners(drafter_only, full.snapshot, full.timestamp),
                      NOW + dt.timedelta(days=1))
        with pytest.raises(FeedSignatureError):
            sync_feed(source, store)
    assert tree(store.current("township")) == before


def test_rollback_to_an_older_valid_version(synced: Store, source: FeedSource, publisher: Publisher,
                                            server: FeedServer, tmp_path: Path) -> None:
    old_tree = tmp_path / "feed-v2"
    shutil.copytree(publisher.feed, old_tree)
    change(publisher, "v3")
    publisher.publish()
    sync_feed(source, synced)
    before = tree(synced.current("township"))
    server.root = old_tree  # a mirror or attacker serves the old, validly signed feed
    with pytest.raises(FeedRollbackError):
        sync_feed(source, synced)
    assert synced.current_version("township") == 3 and tree(synced.current("township")) == before


def test_rollback_after_the_metadata_cache_was_wiped(synced: Store, source: FeedSource, publisher: Publisher,
                                                     server: FeedServer, tmp_path: Path) -> None:
    old_tree = tmp_path / "feed-v2"
    shutil.copytree(publisher.feed, old_tree)
    change(publisher, "v3")
    publisher.publish()
    sync_feed(source, synced)
    before = tree(synced.current("township"))
    shutil.rmtree(synced.metadata_dir("township"))  # TUF's memory of version 3 is gone
    server.root = old_tree
    with pytest.raises(FeedRollbackError, match="not newer"):
        sync_feed(source, synced)
    assert synced.current_version("township") == 3 and tree(synced.current("township")) == before


def test_expired_timestamp_is_refused(kept: Store, source: FeedSource, publisher: Publisher) -> None:
    change(publisher, "v3")
    repo = FeedRepo.load(publisher.feed)
    manifest, images = build_manifest(load_publishable(publisher.content, "t"), "t", NOW)
    write_version(repo, manifest, images, signers_for(repo, [publisher.keys]), NOW - dt.timedelta(hours=1))
    with pytest.raises(FeedExpiredError, match="expired"):
        sync_feed(source, kept)


@pytest.mark.parametrize("role", ["targets", "snapshot"])
def test_snapshot_targets_mix_and_match(kept: Store, source: FeedSource, publisher: Publisher,
                                        server: FeedServer, role: str) -> None:
    change(publisher, "v3")
    publisher.publish()
    change(publisher, "v4")
    publisher.publish()
    old = (publisher.feed / f"metadata/3.{role}.json").read_bytes()
    server.behaviours[f"/metadata/4.{role}.json"] = body(old)
    with pytest.raises(FeedRefusedError):
        sync_feed(source, kept)


def test_image_with_endless_data(kept: Store, source: FeedSource, publisher: Publisher, server: FeedServer) -> None:
    change(publisher, "v3")
    publisher.publish()
    url = "/" + newest(publisher, "image").relative_to(publisher.feed).as_posix()
    server.behaviours[url] = endless
    with pytest.raises(FeedTooBigError):
        sync_feed(source, kept)


def test_endless_timestamp(kept: Store, source: FeedSource, server: FeedServer) -> None:
    server.behaviours["/metadata/timestamp.json"] = endless
    with pytest.raises(FeedTooBigError):
        sync_feed(source, kept)


def test_target_bigger_than_claimed(kept: Store, source: FeedSource, publisher: Publisher,
                                    server: FeedServer) -> None:
    change(publisher, "v3")
    publisher.publish()
    url = "/" + newest(publisher, "image").relative_to(publisher.feed).as_posix()
    server.behaviours[url] = extra_bytes(10)
    with pytest.raises(FeedTooBigError):
        sync_feed(source, kept)


def test_server_that_hangs_times_out(kept: Store, source: FeedSource, server: FeedServer) -> None:
    server.behaviours["/metadata/timestamp.json"] = hang
    started = time.monotonic()
    with pytest.raises(FeedFetchError, match="slow|stopped"):
        sync_feed(source, kept)
    assert time.monotonic() - started < 3


def test_server_that_stalls_mid_image(kept: Store, source: FeedSource, publisher: Publisher,
                                      server: FeedServer) -> None:
    change(publisher, "v3")
    publisher.publish()
    url = "/" + newest(publisher, "image").relative_to(publisher.feed).as_posix()
    server.behaviours[url] = stall_after(1000)
    started = time.monotonic()
    with pytest.raises(FeedFetchError):
        sync_feed(source, kept)
    assert time.monotonic() - started < 3
    assert not [p for p in kept.objects.iterdir() if p.name.startswith(".tmp-")]


def test_trickling_server_hits_the_transfer_deadline(kept: Store, publisher: Publisher, server: FeedServer) -> None:
    server.behaviours["/metadata/timestamp.json"] = trickle
    source = publisher.source(server.url, read_timeout=1.0, transfer_timeout=0.6)
    started = time.monotonic()
    with pytest.raises(FeedFetchError):
        sync_feed(source, kept)
    assert time.monotonic() - started < 3


def test_headers_one_byte_a_second_hit_the_transfer_deadline(kept: Store, publisher: Publisher) -> None:
    """The deadline runs from connect to the last byte: headers that trickle do not hold it off."""
    from hostile import HostileServer, headers_one_byte_a_time

    with HostileServer(headers_one_byte_a_time) as slow:
        source = publisher.source(slow.url, read_timeout=30.0, transfer_timeout=1.0)
        started = time.monotonic()
        with pytest.raises(FeedFetchError, match="not finished within 1 s"):
            sync_feed(source, kept)
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(("behaviour", "error", "code"), [
    (status(404), FeedFetchError, 404),
    (status(500), FeedFetchError, 500),
    (status(403), FeedFetchError, 403),
    (body(b"<html>captive portal</html>"), FeedInvalidError, None),
    (body(b'{"signed": {"_type": "timestamp"}}'), FeedInvalidError, None),
])
def test_error_and_garbage_responses(kept: Store, source: FeedSource, server: FeedServer,
                                     behaviour: object, error: type, code: int | None) -> None:
    server.behaviours["/metadata/timestamp.json"] = behaviour  # type: ignore[assignment]
    with pytest.raises(error) as info:
        sync_feed(source, kept)
    if code is not None:
        assert info.value.status == code


def test_garbage_for_new_metadata_and_images(kept: Store, source: FeedSource, publisher: Publisher,
                                             server: FeedServer) -> None:
    change(publisher, "v3")
    publisher.publish()
    server.behaviours["/metadata/3.snapshot.json"] = body(b"garbage")
    with pytest.raises(FeedRefusedError):
        sync_feed(source, kept)
    del server.behaviours["/metadata/3.snapshot.json"]
    url = "/" + newest(publisher, "image").relative_to(publisher.feed).as_posix()
    server.behaviours[url] = body(b"x" * 4000)  # right length, wrong bytes
    with pytest.raises(FeedTamperedError):
        sync_feed(source, kept)


def test_unreachable_server(kept: Store, publisher: Publisher, server: FeedServer) -> None:
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    server.close()
    with pytest.raises(FeedFetchError):
        sync_feed(publisher.source(f"http://127.0.0.1:{port}/", connect_timeout=0.5), kept)


def test_correctly_rotated_root_is_accepted(synced: Store, source: FeedSource, publisher: Publisher,
                                            tmp_path: Path) -> None:
    repo = FeedRepo.load(publisher.feed)
    old_keys = load_keys([publisher.keys])
    old_timestamp = next(k for k in old_keys.values() if k.path.name == "timestamp.pem")
    new_dir = tmp_path / "keys-2027"
    rotate_keys(repo, old_keys, ["root", "timestamp"], new_dir, NOW)
    change(publisher, "v3")
    result = publish(publisher.content, publisher.feed, [publisher.keys, new_dir], NOW)
    assert sync_feed(source, synced).version == result.version
    assert (synced.root / "feeds/township/metadata/root_history/2.root.json").is_file()
    assert source.root_path.read_bytes() == (publisher.feed / "metadata/1.root.json").read_bytes()

    # the old timestamp key is revoked now: a timestamp signed by it is refused
    before = tree(synced.current("township"))
    repo = FeedRepo.load(publisher.feed)
    change(publisher, "v4")
    full = signers_for(repo, [publisher.keys, new_dir])
    manifest, images = build_manifest(load_publishable(publisher.content, "t"), "t", NOW)
    write_version(repo, manifest, images, RoleSigners(full.targets, full.snapshot, [old_timestamp.signer]),
                  NOW + dt.timedelta(days=1))
    with pytest.raises(FeedSignatureError):
        sync_feed(source, synced)
    assert tree(synced.current("township")) == before


def test_signed_manifest_with_an_escaping_path_is_refused(kept: Store, source: FeedSource,
                                                          publisher: Publisher) -> None:
    repo = FeedRepo.load(publisher.feed)
    evil = Manifest(published=NOW, files={"items/../../../evil.md": "x", "content.toml": 'name = "x"'})
    write_version(repo, evil, {}, signers_for(repo, [publisher.keys]), NOW + dt.timedelta(days=1))
    with pytest.raises(FeedInvalidError, match="unexpected text file"):
        sync_feed(source, kept)
    assert not (kept.root.parent / "evil.md").exists()
