"""The player writes proof-of-display records on a real (non-headless) run; the CLI verifies them."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.audit.verify import errors, verify
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.player.runner import PlayOptions, run


def test_real_run_records_what_was_shown(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    state = tmp_path / "state"
    device = tmp_path / "device.toml"
    device.write_text(f'state_dir = "{state}"\n[ticker]\nenabled = false\n[transition]\nkind = "cut"\n',
                      encoding="utf-8")
    config = load_config(device)
    # windowed on the dummy video driver: the real clock and main loop, one frame a second
    assert run(config, PlayOptions(windowed=True, size=(960, 540), frames=2)) == 0
    audit = state / "audit"
    assert errors(verify(audit)) == []
    records = [json.loads(line) for f in sorted(audit.glob("display-*.jsonl")) for line in f.open(encoding="utf-8")]
    notices = [r for r in records if r["kind"] == "notice"]
    assert notices, records
    first = notices[0]
    assert first["feed"] == "local" and first["item"]
    assert len(first["frame"]) == 64  # sha256 of the slide's pixels
    assert first["region"][2] == 960
    # signed with the screen's own key, made at this first start: at start and at the clean stop
    key = (state / "device-key.pub").read_text(encoding="ascii").strip()
    checkpoints = [r for r in records if r["kind"] == "checkpoint"]
    assert len(checkpoints) == 2 and {c["signer"] for c in checkpoints} == {key}
    assert records[-1]["kind"] == "checkpoint" and records[-2]["kind"] == "player-stop"
    assert errors(verify(audit, [key])) == []
    assert main(["audit", "verify", "--state-dir", str(state)]) == 0
    capsys.readouterr()
