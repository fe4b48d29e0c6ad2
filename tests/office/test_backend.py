"""The suite runs against the database it was asked for (SQLite, or PostgreSQL via with_postgres.py)."""

from __future__ import annotations

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_backend_is_the_one_asked_for() -> None:
    wanted = "postgresql" if os.environ.get("KIOSK_OFFICE_DATABASE_URL") else "sqlite"
    assert connection.vendor == wanted
    if wanted == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] in ("wal", "memory")  # the test database lives in memory
