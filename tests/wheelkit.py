"""Build the kiosk wheel the way a release is built, from a copy of the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                ".ruff_cache", ".mypy_cache", "office-demo", "out", "state")
#: setuptools warnings that must not come back (current forms of the licence and the package data)
BUILD_WARNINGS = ("project.license` as a TOML table is deprecated", "Compat editable", "Package would be ignored")


def build_wheel(base: Path) -> tuple[Path, str]:
    """(the wheel, the build's stderr); the copy keeps build/ and *.egg-info out of the checkout."""
    src, dist = base / "src", base / "dist"
    shutil.copytree(REPO, src, ignore=IGNORE)
    # the test venv has the build backend (setuptools, test extra): no isolated env to fetch
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(dist), str(src)], cwd=base, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr
    wheels = list(dist.glob("kiosk-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0], build.stderr
