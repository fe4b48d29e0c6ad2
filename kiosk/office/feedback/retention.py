"""Erasing what is kept only for a while: contact details, address hashes, rate-limit counts.

- A case's name and contact are erased ``contact_retention_days`` after it was closed
  (已答复 / 不予受理); open cases keep them (they are needed to answer).  Reopening a case
  whose contact was erased does not bring it back.
- The keyed hash of the sender's address only serves the hourly rate limit: erased after 2 days.
- Counted failed lookups: deleted after a day.
- Laid-out feed versions (``DIR/feedback/versions``) older than a week are removed, except each
  feed's newest (an older one is laid out again if a withdrawn notice needs it).

``purge(now)`` does it all and returns what it did; ``kiosk office serve`` runs it every hour
(:class:`PurgeThread`), and ``kiosk office purge DIR`` runs it once (e.g. from cron).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from kiosk.office.feedback import conf
from kiosk.office.feedback.models import Hit, Submission

log = logging.getLogger(__name__)

CLIENT_KEEP = dt.timedelta(days=2)
HIT_KEEP = dt.timedelta(days=1)
VERSION_KEEP = dt.timedelta(days=7)


@dataclass(frozen=True)
class PurgeReport:
    contacts_erased: int
    clients_erased: int
    hits_deleted: int

    def lines(self) -> list[str]:
        return [f"contact details erased: {self.contacts_erased} case(s)",
                f"address hashes erased: {self.clients_erased}", f"rate-limit records deleted: {self.hits_deleted}"]


def purge(now: dt.datetime, dry_run: bool = False) -> PurgeReport:
    from kiosk.office.history.api import record

    days = conf.current().contact_retention_days
    due = Submission.objects.filter(closed_at__lt=now - dt.timedelta(days=days), contact_erased_at__isnull=True) \
        .filter(~Q(name="") | ~Q(contact=""))
    clients = Submission.objects.filter(created__lt=now - CLIENT_KEEP).exclude(client="")
    hits = Hit.objects.filter(at__lt=now - HIT_KEEP)
    if dry_run:
        return PurgeReport(due.count(), clients.count(), hits.count())
    with transaction.atomic():
        by_feed: dict[str, list[str]] = {}
        for feed, code in due.values_list("feed__name", "code"):
            by_feed.setdefault(feed, []).append(code)
        erased = due.update(name="", contact="", contact_erased_at=now)
        for feed, codes in sorted(by_feed.items()):
            record("feedback.erase", f"删除了 {len(codes)} 件办结超过 {days} 天的群众联系方式", actor="系统",
                   feed=feed, codes=codes)
    cleared = clients.update(client="")
    deleted, _ = hits.delete()
    _tidy_versions(now)
    return PurgeReport(erased, cleared, deleted)


def _tidy_versions(now: dt.datetime) -> None:
    from kiosk.office.paths import data_dir

    root = data_dir().root / "feedback" / "versions"
    if not root.is_dir():
        return
    cutoff = now.timestamp() - VERSION_KEEP.total_seconds()
    for feed in root.iterdir():
        folders = sorted((p for p in feed.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
        for folder in folders[:-1]:  # never the newest
            if _made(folder) < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


def _made(folder: Path) -> float:
    try:
        return folder.stat().st_mtime
    except OSError:
        return time.time()


class PurgeThread:
    """Runs ``purge`` every ``interval`` seconds in ``kiosk office serve``."""

    def __init__(self, interval: float = 3600.0) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-feedback-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run_once(self) -> PurgeReport | None:
        from django.db import close_old_connections
        from django.utils import timezone

        close_old_connections()
        try:
            report = purge(timezone.now())
        except Exception:  # noqa: BLE001 - the next hour tries again; serving goes on
            log.exception("feedback purge failed")
            return None
        if report.contacts_erased:
            log.info("feedback: %s", "; ".join(report.lines()))
        return report

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)
