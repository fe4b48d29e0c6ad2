"""Which configured feed a stick belongs to.

A feed is identified by its root of trust.  The screen ships ``root_path`` (root version V,
usually ``1.root.json``); every copy of that feed carries the same ``metadata/V.root.json``
(root files are never rewritten, and the root chain is walked from there).  A configured feed
matches when the stick's ``V.root.json`` is signed by a threshold of the root keys of the
screen's trusted root.  Everything after that (newer roots, timestamp, snapshot, targets,
rollback) is verified by ``sync_feed`` itself:

- another issuer's stick matches no feed → 不是本设备的内容源;
- our root but metadata signed by other keys → matches, then ``sync_feed`` refuses → 签名无效.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.feed.source import FeedSource
from kiosk.usb.fetcher import metadata_caps
from kiosk.usb.safefs import SafeVolume, UnsafePathError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    sources: tuple[FeedSource, ...]  # configured feeds this stick belongs to, in config order
    roots_missing: bool  # some feed's root file was missing or unreadable on the stick


def match_sources(volume: SafeVolume, sources: Sequence[FeedSource]) -> Match:
    """The configured feeds whose trusted root signs the stick's root of the same version."""
    from tuf.api import exceptions as tuf_exc
    from tuf.api.metadata import Metadata, Root

    cap = metadata_caps()["root"]
    matched: list[FeedSource] = []
    missing = False
    for source in sources:
        try:
            trusted = Metadata[Root].from_bytes(source.root_path.read_bytes())
        except (OSError, tuf_exc.RepositoryError) as e:
            log.error("feed %s: trusted root %s unusable, cannot match sticks: %s", source.name,
                      source.root_path, e)
            continue
        rel = f"metadata/{trusted.signed.version}.root.json"
        try:
            stick_root = Metadata[Root].from_bytes(volume.read_bytes(rel, cap))
        except (OSError, UnsafePathError, tuf_exc.RepositoryError) as e:
            log.info("feed %s: stick %s has no usable %s: %s", source.name, volume.volume, rel, e)
            missing = True
            continue
        try:
            trusted.signed.verify_delegate(Root.type, stick_root.signed_bytes, stick_root.signatures)
        except tuf_exc.UnsignedMetadataError:
            continue
        matched.append(source)
    return Match(tuple(matched), missing)
