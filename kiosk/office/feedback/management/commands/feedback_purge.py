"""``feedback_purge [--dry-run]``: erase contact details past their retention period (see retention.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kiosk.office.feedback.retention import purge


class Command(BaseCommand):
    help = "Erase residents' contact details past the retention period, old address hashes and rate-limit records"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count what would be erased")

    def handle(self, *args: Any, **options: Any) -> None:  # noqa: ANN401
        report = purge(timezone.now(), dry_run=options["dry_run"])
        prefix = "(dry run, nothing changed) " if options["dry_run"] else ""
        for line in report.lines():
            self.stdout.write(prefix + line)
