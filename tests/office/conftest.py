"""Office test set-up: a fresh data folder per test, people and feeds, a real browser.

Every test under tests/office gets ``office`` (a DataDir made by ``DataDir.create``) and the
settings pointing at it.  The database is pytest-django's: SQLite by default, PostgreSQL when
the run was started by ``tests/office/with_postgres.py`` (``make test`` does both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.office.datadir import DataDir

PUBLIC_URL = "http://127.0.0.1:8080"


@pytest.fixture(autouse=True)
def office(tmp_path: Path, settings: Any) -> DataDir:  # noqa: ANN401
    data = DataDir(tmp_path / "office")
    data.create(PUBLIC_URL)
    settings.OFFICE_DIR = data.root
    settings.KIOSK_PUBLIC_URL = PUBLIC_URL
    return data


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """``make_user(username, password=..., full_name=...)`` -> a saved user."""
    from django.contrib.auth import get_user_model

    def make(username: str, password: str = "login-pass-123", full_name: str = "", **extra: Any) -> Any:  # noqa: ANN401
        return get_user_model().objects.create_user(username=username, password=password, first_name=full_name,
                                                    **extra)
    return make


@pytest.fixture
def browser(live_server: Any, tmp_path: Path) -> Iterator[Any]:  # noqa: ANN401
    """A real headless Chromium (Debian's chromium + chromium-driver) on the live server."""
    from browser import Browser

    b = Browser(live_server.url, tmp_path / "browser")
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:  # noqa: ANN401
    """The test database without the append-only triggers: teardown must empty every table.

    ``test_history`` installs them again inside its own (rolled back) transaction.
    """
    from django.db import connection

    from kiosk.office.history.triggers import drop

    with django_db_blocker.unblock():
        drop(connection)
