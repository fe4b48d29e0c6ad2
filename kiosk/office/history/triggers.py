"""Database triggers that refuse UPDATE, DELETE (and TRUNCATE) of history events.

Installed by migration ``history.0002``.  The test suite removes them from its throw-away
database (its teardown empties every table) and installs them again in the tests that check them.
"""

from __future__ import annotations

from typing import Any

SQLITE = [
    """CREATE TRIGGER history_event_no_update BEFORE UPDATE ON history_event
       BEGIN SELECT RAISE(ABORT, 'history events are append-only'); END""",
    """CREATE TRIGGER history_event_no_delete BEFORE DELETE ON history_event
       BEGIN SELECT RAISE(ABORT, 'history events are append-only'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION history_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'history events are append-only'; END $$""",
    """CREATE TRIGGER history_event_no_change BEFORE UPDATE OR DELETE ON history_event
       FOR EACH ROW EXECUTE FUNCTION history_event_append_only()""",
    """CREATE TRIGGER history_event_no_truncate BEFORE TRUNCATE ON history_event
       FOR EACH STATEMENT EXECUTE FUNCTION history_event_append_only()""",
]
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS history_event_no_update", "DROP TRIGGER IF EXISTS history_event_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS history_event_no_change ON history_event",
                   "DROP TRIGGER IF EXISTS history_event_no_truncate ON history_event"],
}


def install(connection: Any) -> None:  # noqa: ANN401 - a Django database connection
    with connection.cursor() as cursor:
        for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(connection.vendor, []):
            cursor.execute(sql)


def drop(connection: Any) -> None:  # noqa: ANN401
    with connection.cursor() as cursor:
        for sql in DROP.get(connection.vendor, []):
            cursor.execute(sql)
