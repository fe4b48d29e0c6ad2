"""What a technician installs: the built wheel, in a fresh venv outside the repository, plays the demo.

The wheel is built from a copy of the source tree (tests/wheelkit.py: the test sees exactly what
the build configuration puts in it, and leaves no build/ behind), installed with ``--no-deps`` into a new
venv; the dependencies (pygame-ce, Pillow, tuf…) are borrowed from the test venv through a .pth
line, which adds their folder to ``sys.path`` without running the editable install's hooks there,
so ``kiosk`` and its data can only come from the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from PIL import Image
from wheelkit import BUILD_WARNINGS, REPO


@pytest.fixture(scope="module")
def installed(kiosk_wheel: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its bin/ folder."""
    wheel, log = kiosk_wheel
    for warning in BUILD_WARNINGS:
        assert warning not in log
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    inst = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert inst.returncode == 0, inst.stderr
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "zz-test-dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n", encoding="utf-8")
    return venv / "bin"


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(HOME=str(home), SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    return env


def test_the_package_and_its_data_come_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = ("import kiosk, kiosk.resources as r; "
            "print(kiosk.__file__); print(r.ASSETS); print(r.PLAYLISTS); print(r.DEFAULT_CONFIG)")
    out = subprocess.run([str(installed / "python"), "-c", code], cwd=tmp_path, env=clean_env(tmp_path),
                         check=True, capture_output=True, text=True, timeout=60).stdout.split()
    venv = installed.parent
    for path in map(Path, out):
        assert path.is_relative_to(venv) and not path.is_relative_to(REPO), path
        assert path.exists(), path
    assert (Path(out[1]) / "fonts" / "NotoSansCJK-Regular.ttc").is_file()
    assert len(list((Path(out[1]) / "demo" / "items").glob("*.md"))) >= 30
    assert (Path(out[2]) / "default.toml").is_file()


def test_installed_wheel_plays_the_demo_from_another_directory(installed: Path, tmp_path: Path) -> None:
    run_dir, home = tmp_path / "elsewhere", tmp_path / "home"
    run_dir.mkdir()
    home.mkdir()
    shot = run_dir / "shot.png"
    proc = subprocess.run([str(installed / "kiosk"), "demo", "--headless", "--frames", "1", "--screenshot", str(shot)],
                          cwd=run_dir, env=clean_env(home), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    img = Image.open(shot).convert("RGB")
    assert img.size == (1920, 1080)
    colours = img.getcolors(1 << 20)
    assert colours is not None and len(colours) > 50  # text, header and photo: not a blank screen
    # the header band is the demo publisher's red
    r, g, b = img.getpixel((5, 5))  # type: ignore[misc]
    assert r > 150 and g < 80 and b < 80, (r, g, b)


def test_installed_wheel_prints_the_packaged_default_config(installed: Path, tmp_path: Path) -> None:
    proc = subprocess.run([str(installed / "kiosk"), "config", "defaults"], cwd=tmp_path, env=clean_env(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (REPO / "config" / "default.toml").read_text(encoding="utf-8")
