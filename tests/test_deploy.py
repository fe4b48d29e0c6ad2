"""The service files a technician installs: what they must keep saying."""

from __future__ import annotations

import configparser

from kiosk.config import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"


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
    for needle in ("kiosk.service", "99-kiosk-usb.rules", "systemctl enable --now kiosk.service", "useradd"):
        assert needle in script
