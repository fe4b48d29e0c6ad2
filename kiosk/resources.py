"""Files the package ships: the fonts, the demo content, the default playlists, config/default.toml.

They live in the repository's top-level folders ``assets/``, ``playlists/`` and ``config/`` and are
mapped into the package as ``kiosk.assets``, ``kiosk.playlists`` and ``kiosk.defaults``
(``[tool.setuptools.package-dir]`` in pyproject.toml), so the same import names find them in an
installed wheel (``site-packages/kiosk/assets/…``) and in an editable install of a checkout (the
top-level folders themselves).  A checkout that is merely on ``sys.path`` (no install) falls back
to the folders next to the ``kiosk`` package.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

_FOLDERS = {"kiosk.assets": "assets", "kiosk.playlists": "playlists", "kiosk.defaults": "config"}


def package_folder(package: str) -> Path:
    """The directory of a data package on disk (the player hands fonts and folders to SDL by path)."""
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:  # a bare checkout on sys.path, not installed
        return Path(__file__).resolve().parent.parent / _FOLDERS[package]
    if not isinstance(root, Path):  # a zipped install: the player needs real files
        raise RuntimeError(f"{package} is not a folder on disk ({root}): install kiosk unzipped (pip does)")
    return root


ASSETS = package_folder("kiosk.assets")
FONTS = ASSETS / "fonts"
DEMO_CONTENT = ASSETS / "demo"
PLAYLISTS = package_folder("kiosk.playlists")
DEFAULT_CONFIG = package_folder("kiosk.defaults") / "default.toml"
