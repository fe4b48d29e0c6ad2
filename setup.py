"""Only the package list lives here (everything else is in pyproject.toml).

The data folders at the top of the repository (assets/, config/, playlists/) are mapped into the
package by ``[tool.setuptools.package-dir]``; package discovery cannot see them, so they are added
to the discovered ``kiosk*`` packages by name.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = ["kiosk.assets", "kiosk.defaults", "kiosk.playlists"]

setup(packages=find_packages(include=["kiosk", "kiosk.*"]) + DATA_PACKAGES)
