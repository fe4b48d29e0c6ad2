"""The service files a technician installs: what they must keep saying."""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_unit_restarts_and_watches_the_player() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "kiosk.service", encoding="utf-8")
    service = unit["Service"]
    assert service["Type"] == "notify" and int(service["WatchdogSec"]) > 0
    assert service["Restart"] == "always"
    assert 5 <= int(service["TimeoutStopSec"]) <= 20  # the player stops in seconds; never wait 90 s
    assert "kiosk play --config /etc/kiosk/device.toml" in service["ExecStart"]
    assert "--blank 0" in service["ExecStartPre"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_usb_sticks_mount_where_the_importer_looks() -> None:
    rules = (DEPLOY / "99-kiosk-usb.rules").read_text(encoding="utf-8")
    assert "/media/kiosk-usb-%k" in rules and "noexec" in rules


def test_install_script_installs_unit_and_rule() -> None:
    script = (DEPLOY / "install.sh").read_text(encoding="utf-8")
    for needle in ("kiosk.service", "99-kiosk-usb.rules", "systemctl enable kiosk.service", "useradd"):
        assert needle in script


# ------------------------------------------------------------------ install.sh, run for real under a root


STUBS = {  # system commands the script calls, replaced by loggers (the rest is the real thing)
    "apt-get": "", "useradd": "", "usermod": "", "systemctl": "", "udevadm": "",
    "id": 'case "$*" in "kiosk"|"-u kiosk"|"-g kiosk") echo 4242;; *) exec /usr/bin/id "$@";; esac',
}
KIOSK_UID = 4242


def _stubs(folder: Path, log: Path) -> Path:
    folder.mkdir()
    for name, body in STUBS.items():
        stub = folder / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\n{body}\n', encoding="utf-8")
        stub.chmod(0o755)
    return folder


def _like_a_fat_stick(tree: Path) -> None:
    """What ``cp -a`` from a FAT stick mounted with umask 0 gives: everything 0777/0666, owned by uid 1000."""
    for path in [tree, *tree.rglob("*")]:
        if path.is_symlink():
            continue
        path.chmod(0o777 if path.is_dir() or os.access(path, os.X_OK) else 0o666)
        os.chown(path, 1000, 1000)


def _run_install(root: Path, stick: Path, wheel: Path, stubs: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIOSK_INSTALL_ROOT": str(root), "PATH": f"{stubs}:{os.environ['PATH']}",
           "PIP_NO_DEPS": "1", "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["bash", str(stick / "deploy" / "install.sh"), "--wheel", str(wheel), *args],
                          env=env, capture_output=True, text=True, timeout=600)


def _modes(top: Path) -> dict[Path, tuple[int, int, int]]:
    """(uid, gid, mode) of every file and folder under ``top`` (symbolic links not followed)."""
    out = {}
    for path in [top, *top.rglob("*")]:
        st = path.lstat()
        if not stat.S_ISLNK(st.st_mode):
            out[path] = (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode))
    return out


@pytest.mark.skipif(os.geteuid() != 0, reason="install.sh sets owners: needs root")
def test_install_from_a_fat_stick_gives_root_owned_program_and_only_the_state_dir_to_kiosk(
        tmp_path: Path, kiosk_wheel: tuple[Path, str]) -> None:
    from wheelkit import IGNORE, REPO

    root, stick, log = tmp_path / "root", tmp_path / "stick", tmp_path / "commands.log"
    shutil.copytree(REPO, stick, ignore=IGNORE)
    (stick / "device.toml").write_text('[device]\nid = "lobby-1"\n', encoding="utf-8")
    _like_a_fat_stick(stick)
    old = root / "opt" / "kiosk"  # an earlier install that copied the tree
    old.mkdir(parents=True)
    (old / "left-over.py").write_text("", encoding="utf-8")
    (old / "left-over.py").chmod(0o666)
    stubs = _stubs(tmp_path / "stubs", log)

    proc = _run_install(root, stick, kiosk_wheel[0], stubs, str(stick / "device.toml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr

    program = _modes(root / "opt" / "kiosk")
    assert not (root / "opt" / "kiosk" / "left-over.py").exists()
    assert (root / "opt" / "kiosk" / "bin" / "kiosk").is_file()
    fonts = list((root / "opt" / "kiosk").glob("lib/python3*/site-packages/kiosk/assets/fonts/*.ttc"))
    assert fonts and all(program[f] == (0, 0, 0o644) for f in fonts)
    for path, (uid, gid, mode) in program.items():
        assert (uid, gid) == (0, 0), f"{path} owned by {uid}:{gid}"
        assert mode in ((0o755,) if path.is_dir() else (0o644, 0o755)), f"{path}: {oct(mode)}"
    etc = root / "etc" / "kiosk"
    assert _modes(etc) == {etc: (0, 0, 0o755), etc / "roots": (0, 0, 0o755), etc / "device.toml": (0, 0, 0o644)}
    assert (etc / "device.toml").read_text(encoding="utf-8") == '[device]\nid = "lobby-1"\n'
    assert _modes(root / "var" / "lib" / "kiosk") == {root / "var" / "lib" / "kiosk": (KIOSK_UID, KIOSK_UID, 0o750)}
    for unit in (root / "etc" / "systemd" / "system" / "kiosk.service",
                 root / "etc" / "udev" / "rules.d" / "99-kiosk-usb.rules"):
        assert _modes(unit) == {unit: (0, 0, 0o644)}
    # nothing outside the state directory belongs to (or can be written by) the kiosk user
    for path, (uid, _gid, mode) in _modes(root).items():
        if not path.is_relative_to(root / "var" / "lib" / "kiosk"):
            assert uid != KIOSK_UID and not mode & 0o022, f"{path}: {uid} {oct(mode)}"
    commands = log.read_text(encoding="utf-8")
    assert "systemctl enable kiosk.service" in commands and "systemctl restart kiosk.service" in commands
    # the installed program finds its own data
    check = subprocess.run([str(root / "opt" / "kiosk" / "bin" / "python"), "-c",
                            "import kiosk.resources as r; print(r.FONTS)"], capture_output=True, text=True,
                           timeout=60, cwd=tmp_path)
    assert check.stdout.strip().startswith(str(root / "opt" / "kiosk")), check.stderr

    # again, as an upgrade: the device config a technician edited is kept
    (etc / "device.toml").write_text('[device]\nid = "lobby-2"\n', encoding="utf-8")
    proc = _run_install(root, stick, kiosk_wheel[0], stubs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (etc / "device.toml").read_text(encoding="utf-8") == '[device]\nid = "lobby-2"\n'
    assert (root / "opt" / "kiosk" / "bin" / "kiosk").is_file()
