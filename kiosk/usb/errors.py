"""The one exception family of the USB layer: everything it raises is a :class:`UsbError`.

- :class:`~kiosk.usb.export.UsbSpaceError`: the stick has no room for the feed (export).
- :class:`~kiosk.usb.plan.PlanError`: a stick's metadata is missing, cut off or not what the feed
  layer writes (``incomplete`` says which).
- :class:`~kiosk.usb.safefs.UnsafePathError`: a name that may not be opened on a stick.
- :class:`~kiosk.usb.safefs.RefusedFileError`: not a plain file or folder (symlink, FIFO, device).
- :class:`~kiosk.usb.safefs.TooLargeError`: a file over the cap for its kind.

The last four are also ``ValueError`` / ``OSError`` as their nature is (a refused name is a bad
value, a refused file an I/O refusal), so code that reads a stick treats them with the other read
failures.  Verification failures are the feed layer's (``kiosk.feed.errors.FeedError``): a stick goes
through the same checks as the network.  Every message says what to do.
"""

from __future__ import annotations


class UsbError(Exception):
    """Base of every USB-layer error: an export refused or failed, a stick refused."""
