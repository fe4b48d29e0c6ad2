"""systemd notifications (``sd_notify``) without a dependency: READY, WATCHDOG pings, STATUS.

With ``Type=notify`` and ``WatchdogSec=`` in the unit, the player says READY=1 after its first
frame and pings WATCHDOG=1 from the frame loop; if the loop stops advancing (hung), the pings stop
and systemd restarts the player.  Outside systemd (no NOTIFY_SOCKET) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, address: str | None = None) -> None:
        address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):
            address = "\0" + address[1:]  # abstract socket namespace
        self.address = address or None
        self._sock: socket.socket | None = None
        usec = os.environ.get("WATCHDOG_USEC", "")
        self.watchdog_s = int(usec) / 1e6 if usec.isdigit() else 0.0
        self._last_ping = -1e9

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, message: str) -> None:
        if self.address is None:
            return
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sock.sendto(message.encode(), self.address)
        except OSError as e:  # never let the watchdog channel break the player
            log.warning("sd_notify failed: %s", e)

    def ready(self) -> None:
        self.send("READY=1")

    def ping(self, mono: float) -> None:
        """From the frame loop: at most every third of the watchdog interval (or every 5 s)."""
        interval = self.watchdog_s / 3 if self.watchdog_s else 5.0
        if mono - self._last_ping >= interval:
            self._last_ping = mono
            self.send("WATCHDOG=1")

    def status(self, text: str) -> None:
        self.send(f"STATUS={text}")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
