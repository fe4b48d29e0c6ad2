"""The background thread of ``kiosk office serve``: keeps every feed's timestamp fresh."""

from __future__ import annotations

import datetime as dt
import logging
import threading

log = logging.getLogger(__name__)


class RenewalThread:
    def __init__(self, interval: float = 3600.0) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-office-renewal", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run_once(self) -> None:
        from kiosk.office.feeds.models import Feed
        from kiosk.office.feeds.service import renew_if_due
        from kiosk.office.history.api import record

        now = dt.datetime.now(dt.UTC)
        for feed in Feed.objects.all():
            try:
                version = renew_if_due(feed, now)
            except Exception:  # noqa: BLE001 - one broken feed must not stop the others' renewal
                log.exception("feed %s: renewal failed", feed.name)
                continue
            if version is not None:
                record("feed.renew", f"时间戳已自动续签（版本 {version}）", actor="系统", feed=feed.name)

    def _run(self) -> None:
        from django.db import close_old_connections

        while not self._stop.is_set():
            close_old_connections()  # a thread of its own: never keep a connection the server dropped
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - e.g. the database briefly unreachable: try again next hour
                log.exception("timestamp renewal failed")
            close_old_connections()
            self._stop.wait(self.interval)
