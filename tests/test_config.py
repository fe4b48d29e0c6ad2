"""Device configuration: defaults documented in config/default.toml, strict validation."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, DEMO_CONTENT, REPO_ROOT, Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "device.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_toml_documents_every_setting() -> None:
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    defaults = Config()
    for section in ("device", "content", "screen", "text", "transition", "ticker", "display", "schedule",
                    "kiosk", "qr", "touch", "audit", "status", "led", "usb"):
        documented = set(data[section])
        fields = set(vars(getattr(defaults, section)))
        assert documented == fields, section
        for key in fields:  # the file's values are the code's defaults
            value = data[section][key]
            expected = getattr(getattr(defaults, section), key)
            assert (tuple(value) if isinstance(value, list) else value) == expected, f"{section}.{key}"


def test_defaults_play_the_demo() -> None:
    cfg = load_config()
    assert cfg.content_dir() == DEMO_CONTENT
    assert cfg.playlists_dir() == REPO_ROOT / "playlists"


def test_device_file_overrides_and_relative_paths(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[device]\nid = "qh-001"\naudience = "members"\n'
                                      '[content]\ndir = "content"\n[screen]\nrotation = 90\n'))
    assert cfg.device.id == "qh-001" and cfg.device.audience == "members"
    assert cfg.screen.rotation == 90 and cfg.screen.fps == 60  # untouched defaults stay
    assert cfg.content_dir() == tmp_path / "content"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("[screen]\nrotation = 45\n", "screen.rotation", "must be one of 0, 90, 180, 270"),
        ("[screen]\nfullscreen = \"yes\"\n", "screen.fullscreen", "must be true or false"),
        ("[screen]\nfps = -1\n", "screen.fps", "whole number"),
        ("[device]\naudience = \"everyone\"\n", "device.audience", "'public', 'members'"),
        ("[device]\nnmae = \"x\"\n", "device.nmae", "unknown setting"),
        ("[screne]\n", "screne", "unknown section"),
        ("[display]\nhours = \"always\"\n", "display.hours", "list of tables"),
        ("[screen\n", "file", "invalid TOML"),
        ("[qr]\nurl = \"https://x.org/?i={itme}\"\n", "qr.url", "{itme}"),
        ("[touch]\nidle_s = 10.0\nwarning_s = 10.0\n", "touch.warning_s", "below touch.idle_s"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: {key}: ")
    assert reason in str(err.value)


def test_unreadable_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("[device]\nsite = \"柳溪村\"\n".encode("gb18030"))
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(bad)
