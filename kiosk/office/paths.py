"""Where the running office keeps its files (the data folder of ``settings.OFFICE_DIR``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kiosk.office.datadir import ENV_DIR, DataDir


def data_dir() -> DataDir:
    folder: Path | None = settings.OFFICE_DIR
    if folder is None:
        raise ImproperlyConfigured(f"no office data folder: set {ENV_DIR} or run `kiosk office serve DIR`")
    return DataDir(Path(folder))


def public_url() -> str:
    """The address screens and residents' phones reach, without a trailing slash."""
    return str(settings.KIOSK_PUBLIC_URL).rstrip("/")


def mirror_root() -> Path:
    return data_dir().mirror(settings.OFFICE)
