"""USB sticks: technicians carry the signed feed to screens without a network.

- ``kiosk usb export FEED DEST`` (:mod:`kiosk.usb.export`, :mod:`kiosk.usb.cli`): the feed's
  current version goes under ``DEST/kiosk-feed/``, written to a temp folder, renamed, fsynced,
  then read back and verified with the screen's own import code.
- On the screen (:mod:`kiosk.usb.service`): a :class:`~kiosk.usb.watcher.UsbWatcher` notices a
  volume with a top-level ``kiosk-feed/`` under the mount roots; a
  :class:`~kiosk.usb.importer.UsbImporter` verifies it with python-tuf against the trusted root
  of the matching feed, through the same store and metadata cache as the network sync, and
  reports typed events (:mod:`kiosk.usb.events`) that the player turns into an overlay
  (:mod:`kiosk.usb.panel`, ``kiosk.render.overlay``).

The stick is untrusted input: every file is opened below the volume without following any
symlink (:mod:`kiosk.usb.safefs`), sizes are capped, and nothing but the top-level
``kiosk-feed/`` is looked at.  Importing this package loads neither watchdog nor tuf.
See docs/usb.md.
"""

from kiosk.usb.events import (
    FeedOutcome,
    Outcome,
    StickDetected,
    StickDone,
    StickProgress,
    StickRemoved,
    StickResult,
    UsbEvent,
)
from kiosk.usb.panel import PanelView, Tone, UsbPanel

__all__ = [
    "FeedOutcome", "Outcome", "PanelView", "StickDetected", "StickDone", "StickProgress", "StickRemoved",
    "StickResult", "Tone", "UsbEvent", "UsbPanel",
]
