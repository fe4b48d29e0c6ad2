"""Device configuration: defaults documented in config/default.toml, strict validation."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import (
    DEFAULT_CONFIG,
    DEMO_CONTENT,
    Config,
    ConfigError,
    default_toml,
    load_config,
    parse_config,
    read_config_file,
    schedule_settings,
)
from kiosk.content.model import Audience
from kiosk.schedule import ScheduleSettings
from kiosk.touch.types import NavSettings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "device.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_toml_is_generated_from_the_settings() -> None:
    """One source: config/default.toml is what ``kiosk config defaults`` writes from kiosk/config.py."""
    assert DEFAULT_CONFIG.read_text(encoding="utf-8") == default_toml(), \
        "config/default.toml is stale: run `kiosk config defaults > config/default.toml`"
    parsed = parse_config(read_config_file(DEFAULT_CONFIG), DEFAULT_CONFIG)
    assert dataclasses.replace(parsed, source=None) == Config()  # the file says exactly the defaults


def test_library_settings_share_the_defaults() -> None:
    """The settings objects built from the config have the same defaults (no second copy drifting)."""
    cfg = Config()
    schedule = ScheduleSettings()
    for f in dataclasses.fields(cfg.schedule):
        assert getattr(cfg.schedule, f.name) == getattr(schedule, f.name), f.name
    assert cfg.ticker.latest == schedule.ticker_latest
    assert (cfg.touch.idle_s, cfg.touch.warning_s) == (NavSettings().idle_s, NavSettings().warning_s)
    from kiosk.audit.upload import UploadSettings
    from kiosk.device.heartbeat import HeartbeatSettings
    from kiosk.usb.service import UsbSettings

    usb = UsbSettings()
    for f in dataclasses.fields(usb):
        expected = getattr(cfg.usb, f.name)
        assert getattr(usb, f.name) == (tuple(Path(p) for p in expected) if f.name == "mount_roots" else expected)
    assert HeartbeatSettings("u", "d").interval == cfg.status.heartbeat_interval
    assert UploadSettings("u", "d").interval == cfg.audit.upload_interval


def test_defaults_play_the_demo() -> None:
    cfg = load_config()
    assert cfg.content_dir() == DEMO_CONTENT
    assert cfg.playlists_dir() == Path(__file__).resolve().parents[1] / "playlists"


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
        ("[screen]\nfps = -1\n", "screen.fps", "from 1 to 240"),
        ("[screen]\nfps = 30.5\n", "screen.fps", "whole number"),
        ("[device]\naudience = \"everyone\"\n", "device.audience", "'public', 'members'"),
        ("[device]\nnmae = \"x\"\n", "device.nmae", "unknown setting"),
        ("[screne]\n", "screne", "unknown section"),
        ("[display]\nhours = \"always\"\n", "display.hours", "list of tables"),
        ("[screen\n", "file", "invalid TOML"),
        ("[qr]\nurl = \"https://x.org/?i={itme}\"\n", "qr.url", "{itme}"),
        ("[touch]\nidle_s = 10.0\nwarning_s = 10.0\n", "touch.warning_s", "below touch.idle_s"),
        # values that passed before and broke the screen later (issue 9)
        ("[status]\nheartbeat_interval = 0\n", "status.heartbeat_interval", "from 10 to 86400"),
        ("[usb]\nrescan_s = 0\n", "usb.rescan_s", "from 0.2 to 3600"),
        ("[usb]\nrescan_s = nan\n", "usb.rescan_s", "finite"),
        ("[[feed]]\nname = \"t\"\nurl = \"https://x.org/\"\nroot = \"r.json\"\npoll_interval = nan\n",
         "feed 1.poll_interval", "finite"),
        ("[[feed]]\nname = \"t\"\nurl = \"https://x.org/\"\nroot = \"r.json\"\nretry_min = 0\n",
         "feed 1.retry_min", "above 0"),
        ("[touch]\ndpi = nan\n", "touch.dpi", "finite"),
        ("[touch]\ndpi = inf\n", "touch.dpi", "finite"),
        ("[touch]\ndpi = 1e20\n", "touch.dpi", "from 10 to 2000 (or 0)"),
        ("[qr]\nviewing_distance_m = nan\n", "qr.viewing_distance_m", "finite"),
        ("[qr]\nviewing_distance_m = 1e20\n", "qr.viewing_distance_m", "from 0.3 to 50"),
        ("[screen]\nwidth = 1e20\nheight = 1080\n", "screen.width", "whole number"),
        ("[screen]\nwidth = 100000\nheight = 1080\n", "screen.width", "from 160 to 16384"),
        ("[screen]\nwidth = 1920\n", "screen.width", "together"),
        ("[text]\nbody_px = 1e20\n", "text.body_px", "whole number"),
        ("[text]\nbody_px = 100000\n", "text.body_px", "from 8 to 512 (or 0)"),
        ("[led]\nwidth = 0\n", "led.width", "from 8 to 16384"),
        ("[led]\nspeed = inf\n", "led.speed", "finite"),
        ("[led]\npage_seconds = 0\n", "led.page_seconds", "from 0.5 to 3600"),
        ("[ticker]\nspeed = 0\n", "ticker.speed", "from 1 to 2000"),
        ("[screen]\nfps = 0\n", "screen.fps", "from 1 to 240"),
        ("[schedule]\nurgent_every = 0\n", "schedule.urgent_every", "from 1 to 1000"),
        ("[schedule]\nmin_duration = 50.0\n", "schedule.min_duration", "max_duration"),
        ("[display]\nhours = [{ days = \"mon-fry\", from = \"08:00\", until = \"18:00\" }]\n",
         "display.hours", "window 1: days: unknown weekday 'fry'"),
        ("[display]\nhours = [{ days = \"daily\", from = \"25:00\" }]\n", "display.hours", "window 1: from"),
        ("[kiosk]\ntechnician_keys = \"ctl+t\"\n", "kiosk.technician_keys", "modifiers"),
        ("[device]\nid = \"\"\n", "device.id", "1 to 64 characters"),
        ("[status]\nheartbeat_url = \"ftp://x\"\n", "status.heartbeat_url", "http://"),
        ("[usb]\nmount_roots = [\"media\"]\n", "usb.mount_roots", "absolute"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: {key}: ")
    assert reason in str(err.value)


def test_display_hours_are_windows_at_load(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[display]\nhours = [{ days = "mon-fri", from = "07:30", until = "19:00" }]\n'))
    (window,) = cfg.display.hours
    assert window.weekdays == frozenset(range(5)) and window.start == dt.time(7, 30)


def test_feeds_are_sources_at_load(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[[feed]]\nname = "township"\nurl = "https://x.org/f/"\nroot = "r.json"\n'
                                      'poll_interval = 60\n'))
    (feed,) = cfg.feeds
    assert feed.name == "township" and feed.poll_interval == 60.0 and feed.root_path == tmp_path / "r.json"


def test_config_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, '[device]\nid = "qh-001"\n')
    assert main(["config", "check", str(good)]) == 0
    assert "qh-001" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[usb]\nrescan_s = 0\n", encoding="utf-8")
    assert main(["config", "check", str(bad)]) == 2


def test_unreadable_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("[device]\nsite = \"柳溪村\"\n".encode("gb18030"))
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(bad)


def test_schedule_settings_come_from_the_device_file(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[device]\naudience = "members"\n[schedule]\nurgent_every = 3\n'
                                      'min_duration = 10\nmax_duration = 20\n[ticker]\nlatest = 4\n'))
    settings = schedule_settings(cfg)
    assert (settings.audience, settings.urgent_every, settings.min_duration, settings.max_duration,
            settings.ticker_latest) == (Audience.MEMBERS, 3, 10, 20, 4)


def test_schedule_settings_of_an_impossible_config_built_in_code_are_the_defaults(
        caplog: pytest.LogCaptureFixture) -> None:
    cfg = Config()
    broken = dataclasses.replace(cfg, schedule=dataclasses.replace(cfg.schedule, min_duration=50, max_duration=20))
    assert schedule_settings(broken) == ScheduleSettings()
    assert "min_duration" in caplog.text and "using the default schedule settings" in caplog.text
