"""Device configuration: typed settings, validated completely when the file is loaded.

One source of truth: the dataclasses below hold every setting's default, its allowed range or
choices and its documentation.  ``config/default.toml`` is generated from them
(``kiosk config defaults``; a test checks it is current), and the library settings they feed
(``ScheduleSettings``, ``NavSettings``) give the defaults they share.  A device file lists only what
it changes.

Everything is checked at load, so a screen never starts with a value that would break it later:
types, ranges (nan, inf, 0 where it would spin, absurd sizes), choices, the rules between settings
(``touch.warning_s`` below ``idle_s``, ``schedule.min_duration`` <= ``max_duration``), display hours
parsed into windows, ``[[feed]]`` tables into :class:`~kiosk.feed.source.FeedSource`.  Every
problem reads ``FILE: key: reason``.

Raises:
    ConfigError: from :func:`load_config`, :func:`parse_config` and :func:`read_config_file`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from kiosk.content.model import Audience
from kiosk.resources import DEFAULT_CONFIG as DEFAULT_CONFIG  # the generated documentation (not read at load)
from kiosk.resources import DEMO_CONTENT, PLAYLISTS
from kiosk.schedule.scheduler import ScheduleSettings
from kiosk.schedule.windows import ScheduleError, Window, parse_windows
from kiosk.touch.types import NavSettings

if TYPE_CHECKING:
    from kiosk.feed.source import FeedSource

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """A device configuration file cannot be used: ``FILE: key: reason``."""

    def __init__(self, path: Path | str, key: str, reason: str) -> None:
        self.path, self.key, self.reason = Path(path), key, reason
        super().__init__(f"{path}: {key}: {reason}")


# ------------------------------------------------------------------ how a setting is described


@dataclass(frozen=True)
class Spec:
    """What a setting accepts, and its documentation (the comment in default.toml)."""

    doc: str = ""
    lo: float | None = None  # inclusive bounds for numbers
    hi: float | None = None
    zero: bool = False  # 0 is also accepted (it means "automatic"; the doc says what)
    choices: tuple[object, ...] = ()
    check: Callable[[str], str | None] | None = None  # text: returns the problem, or None


def setting(default: Any, doc: str = "", *, lo: float | None = None, hi: float | None = None, zero: bool = False,
            choices: tuple[object, ...] = (), check: Callable[[str], str | None] | None = None) -> Any:
    """A dataclass field with its default and :class:`Spec`."""
    return field(default=default, metadata={"spec": Spec(doc, lo, hi, zero, choices, check)})


def _spec(f: dataclasses.Field[Any]) -> Spec:
    spec = f.metadata.get("spec")
    return spec if isinstance(spec, Spec) else Spec()


def _http_url(value: str) -> str | None:
    if value and not re.match(r"^https?://[^/\s]+", value):
        return "must be an http:// or https:// address, or \"\""
    return None


def _qr_template(value: str) -> str | None:
    if not value:
        return None
    from kiosk.content.feedback import FeedbackUrlError, check_template

    try:
        check_template(value)
    except FeedbackUrlError as e:
        return str(e)
    return None


def _key_combo(value: str) -> str | None:
    parts = value.lower().split("+")
    if not parts[-1] or any(m not in ("ctrl", "alt", "shift") for m in parts[:-1]):
        return "must be modifiers and a key joined by +, e.g. \"ctrl+alt+t\" (modifiers: ctrl, alt, shift)"
    return None


def _device_id(value: str) -> str | None:
    if not value.strip() or len(value) > 64 or any(ord(c) < 32 for c in value):
        return "must be 1 to 64 characters without control characters, e.g. \"qh-001\""
    return None


_SCHEDULE = ScheduleSettings()
_NAV = NavSettings()


# ------------------------------------------------------------------ the settings


@dataclass(frozen=True)
class DeviceSettings:
    id: str = setting("demo-0001", "shown on the idle screen and the technician status line; used in QR URLs",
                      check=_device_id)
    audience: str = setting("public", "\"public\": public lobby (对社会公开 only) | \"members\": party members' "
                                      "room (党员活动室)", choices=("public", "members"))
    site: str = setting("", "optional site name shown on the idle screen, e.g. \"柳溪村党群服务中心\"")
    token_file: str = setting("", "office credential file written by `kiosk enrol` (heartbeat, upload); \"\" = none")

    @property
    def audience_enum(self) -> Audience:
        return Audience(self.audience)


@dataclass(frozen=True)
class ContentSettings:
    dir: str = setting("", "a local content folder to play; \"\" = the built-in demo (assets/demo)")
    playlists: str = setting("", "the device's playlists folder; \"\" = the repository's playlists/")
    playlist_source: str = setting("bundle", "when a signed bundle carries playlists too: \"bundle\" or "
                                             "\"device\" wins", choices=("bundle", "device"))


@dataclass(frozen=True)
class ScreenSettings:
    fullscreen: bool = setting(True, "--windowed on the command line overrides this for development")
    width: int = setting(0, "0 = the display's resolution (windowed default: 1280x720)", lo=160, hi=16384,
                         zero=True)
    height: int = setting(0, "", lo=120, hi=16384, zero=True)
    rotation: int = setting(0, "0, 90, 180, 270: for totems mounted sideways", choices=(0, 90, 180, 270))
    fps: int = setting(60, "frame cap while something moves; a still slide redraws only the clock", lo=1, hi=240)
    theme: str = setting("paper", "\"paper\" (warm white, red titles) | \"dark\" (high contrast)",
                         choices=("paper", "dark"))
    present: str = setting("auto", "how frames reach the screen: \"gpu\" (textures on an OpenGL/GLES GPU), "
                           "\"software\" (changed rectangles only), \"auto\" (gpu where OpenGL is not software)",
                           choices=("auto", "gpu", "software"))


@dataclass(frozen=True)
class TextSettings:
    NOTE: ClassVar[str] = ("Text size follows how far the readers stand: a body character is 1/88 of the viewing "
                           "distance high\n(28 mm at 2.5 m), never under 1/110 (23 mm), converted with the panel's "
                           "pixel size (touch.dpi, else a\n55\" panel).  A notice is set at the preferred size and "
                           "shrinks (down to the minimum) only when that\nputs it on fewer pages.")
    viewing_distance_m: float = setting(2.5, "lobby screens 2-3 m; a touch kiosk read at arm's length ~0.8",
                                        lo=0.3, hi=50)
    body_px: int = setting(0, "preferred body text size in pixels; 0 = from the viewing distance", lo=8, hi=512,
                           zero=True)
    min_body_px: int = setting(0, "never smaller than this; long notices are paged instead; 0 = from the distance",
                               lo=8, hi=512, zero=True)


@dataclass(frozen=True)
class TransitionSettings:
    kind: str = setting("fade", "\"fade\" | \"slide\" | \"cut\"", choices=("fade", "cut", "slide"))
    ms: int = setting(600, "length of a fade or slide in milliseconds", lo=0, hi=10000)


@dataclass(frozen=True)
class TickerSettings:
    enabled: bool = setting(True, "footer ticker with urgent and latest titles")
    speed: float = setting(120.0, "pixels per second", lo=1, hi=2000)
    latest: int = setting(_SCHEDULE.ticker_latest, "how many of the newest titles it carries besides urgent ones",
                          lo=0, hi=100)


@dataclass(frozen=True)
class DisplaySettings:
    off_mode: str = setting("clock", "outside display hours: \"black\" or a dim \"clock\"",
                            choices=("black", "clock"))
    hours: tuple[Window, ...] = setting((), "Display hours: empty = always on.  A window whose end is before its "
                                            "start crosses midnight.\n"
                                            "hours = [ { days = \"mon-fri\", from = \"07:30\", until = \"19:00\" },\n"
                                            "          { days = \"sat\", from = \"08:30\", until = \"12:00\" } ]")


@dataclass(frozen=True)
class ScheduleConfig:
    urgent_every: int = setting(_SCHEDULE.urgent_every, "an urgent notice is repeated every N slides", lo=1, hi=1000)
    auto_base: float = setting(_SCHEDULE.auto_base, "automatic duration per page = clamp(base + chars / "
                                                    "chars_per_second)", lo=0, hi=3600)
    chars_per_second: float = setting(_SCHEDULE.chars_per_second, "", lo=0.1, hi=1000)
    min_duration: float = setting(_SCHEDULE.min_duration, "", lo=1, hi=3600)
    max_duration: float = setting(_SCHEDULE.max_duration, "", lo=1, hi=86400)
    image_duration: float = setting(_SCHEDULE.image_duration, "seconds per image slide", lo=1, hi=3600)


@dataclass(frozen=True)
class KioskSettings:
    allow_quit: bool = setting(False, "Esc / window close quit only when true (development); a system stop "
                                      "always works")
    technician_keys: str = setting("ctrl+alt+t", "shows the technician status line (device id, versions, errors)",
                                   check=_key_combo)
    hide_cursor: bool = setting(True)


@dataclass(frozen=True)
class QrSettings:
    NOTE: ClassVar[str] = ("Feedback QR code: a URL template with {item} {category} {feed} {device}; each value is "
                           "percent-encoded.\nPrecedence: an item's own feedback_url, then its publisher's "
                           "(content.toml, signed with the bundle),\nthen this device template.  \"\" here = no "
                           "device fallback.")
    url: str = setting("", "", check=_qr_template)
    on_loop: bool = setting(True, "also show the code in a corner of loop slides")
    request_url: str = setting("", "optional second code for 依申请公开 requests", check=_qr_template)
    viewing_distance_m: float = setting(2.5, "sizes the loop-slide code so it can be scanned from there",
                                        lo=0.3, hi=50)


@dataclass(frozen=True)
class TouchSettings:
    enabled: bool = setting(True, "touchscreens: any touch opens the catalogue (home); harmless without touch "
                                  "hardware")
    idle_s: float = setting(_NAV.idle_s, "back to the lobby loop after this long without a touch", lo=5, hi=3600)
    warning_s: float = setting(_NAV.warning_s, "\"N 秒后返回\" countdown shown for the last N seconds", lo=0,
                               hi=3600)
    dpi: float = setting(0.0, "screen pixels per inch for touch target sizes; 0 = assume a 55\" panel", lo=10,
                         hi=2000, zero=True)


@dataclass(frozen=True)
class AuditSettings:
    NOTE: ClassVar[str] = ("Proof of display: every notice shown is appended to a hash-chained log in "
                           "<state_dir>/audit\n(kiosk audit report / kiosk audit verify).  Headless runs never "
                           "record.")
    enabled: bool = setting(True)
    upload_url: str = setting("", "optional: records are sent in batches and kept until acknowledged",
                              check=_http_url)
    upload_interval: float = setting(300.0, "seconds between uploads once everything is sent", lo=10, hi=86400)


@dataclass(frozen=True)
class StatusSettings:
    heartbeat_url: str = setting("", "optional: POST device status (versions, last sync, errors, uptime, disk)",
                                 check=_http_url)
    heartbeat_interval: float = setting(300.0, "seconds between heartbeats", lo=10, hi=86400)


@dataclass(frozen=True)
class LedSettings:
    NOTE: ClassVar[str] = ("LED boards: the controller card samples a rectangle of the HDMI picture; the player "
                           "draws only\nthere (everything else black).  Touch is off in this mode.")
    enabled: bool = setting(False)
    x: int = setting(0, "the region's top-left corner on the output, and its size in pixels", lo=0, hi=16384)
    y: int = setting(0, "", lo=0, hi=16384)
    width: int = setting(384, "", lo=8, hi=16384)
    height: int = setting(96, "", lo=8, hi=16384)
    layout: str = setting("ticker", "\"ticker\": one scrolling line of titles (走字) | \"pages\": short pages of "
                                    "large text", choices=("ticker", "pages"))
    speed: float = setting(60.0, "ticker pixels per second", lo=1, hi=2000)
    page_seconds: float = setting(4.0, "\"pages\": seconds per page", lo=0.5, hi=3600)
    palette: str = setting("red", "\"red\" (single colour) | \"red-green\" (two colours) | \"full\"",
                           choices=("red", "red-green", "full"))


@dataclass(frozen=True)
class UsbConfig:
    NOTE: ClassVar[str] = ("Technicians' USB sticks: a volume with a kiosk-feed/ folder appearing under these "
                           "roots is verified\nagainst the trusted root of the matching [[feed]] (same checks, same "
                           "store as the network) and\nimported; an overlay shows progress and the result.  Needs "
                           "[[feed]] entries.")
    enabled: bool = setting(True)
    mount_roots: tuple[str, ...] = setting(("/media", "/run/media", "/mnt"), "absolute folders under which "
                                                                             "sticks are mounted")
    rescan_s: float = setting(2.0, "fallback scan of the roots (a mount over an existing folder makes no event)",
                              lo=0.2, hi=3600)
    message_s: float = setting(20.0, "how long the result stays on screen", lo=1, hi=3600)
    write_report: bool = setting(True, "leave kiosk-feed-report/<device>-<time>.json on the stick")
    import_present: bool = setting(True, "a stick already inserted at start-up is imported too")
    lock_wait_s: float = setting(300.0, "wait this long for a running network sync to finish", lo=0, hi=3600)


SECTIONS: dict[str, type] = {
    "device": DeviceSettings, "content": ContentSettings, "screen": ScreenSettings, "text": TextSettings,
    "transition": TransitionSettings, "ticker": TickerSettings, "display": DisplaySettings,
    "schedule": ScheduleConfig, "kiosk": KioskSettings, "qr": QrSettings, "touch": TouchSettings,
    "audit": AuditSettings, "status": StatusSettings, "led": LedSettings, "usb": UsbConfig,
}


@dataclass(frozen=True)
class Config:
    device: DeviceSettings = field(default_factory=DeviceSettings)
    content: ContentSettings = field(default_factory=ContentSettings)
    screen: ScreenSettings = field(default_factory=ScreenSettings)
    text: TextSettings = field(default_factory=TextSettings)
    transition: TransitionSettings = field(default_factory=TransitionSettings)
    ticker: TickerSettings = field(default_factory=TickerSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    qr: QrSettings = field(default_factory=QrSettings)
    touch: TouchSettings = field(default_factory=TouchSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    status: StatusSettings = field(default_factory=StatusSettings)
    led: LedSettings = field(default_factory=LedSettings)
    usb: UsbConfig = field(default_factory=UsbConfig)
    feeds: tuple[FeedSource, ...] = ()  # the [[feed]] tables, validated
    state_dir: str = ""
    source: Path | None = None  # the file it was loaded from (None: the defaults alone)

    def feed_sources(self) -> list[FeedSource]:
        """The [[feed]] tables as validated sources."""
        return list(self.feeds)

    def content_dir(self) -> Path:
        if not self.content.dir:
            return DEMO_CONTENT
        return self.relative(self.content.dir)

    def playlists_dir(self) -> Path:
        if not self.content.playlists:
            return PLAYLISTS
        return self.relative(self.content.playlists)

    def office_token(self) -> str | None:
        """The token of ``device.token_file`` (None when not set); ConfigError when it cannot be read."""
        if not self.device.token_file:
            return None
        path = self.relative(self.device.token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(path, "device.token_file", f"cannot read the office token: {e}") from None
        if not token:
            raise ConfigError(path, "device.token_file", "the office token file is empty: run `kiosk enrol` again")
        return token

    def state_path(self) -> Path:
        if self.state_dir:
            return self.relative(self.state_dir)
        return Path.home() / ".local" / "state" / "kiosk"

    def relative(self, value: str) -> Path:
        """A path from the config file: relative to that file (to the working directory without one)."""
        p = Path(value).expanduser()
        if p.is_absolute():
            return p
        base = Path.cwd() if self.source is None else self.source.parent
        return base / p


def schedule_settings(config: Config) -> ScheduleSettings:
    """What the schedule needs from the device config: the one copy the lobby, the LED board and the
    office preview use.  An impossible combination (only a Config built in code has one: loading refuses
    it) falls back to the default schedule settings."""
    s = config.schedule
    try:
        return ScheduleSettings(audience=config.device.audience_enum, urgent_every=s.urgent_every,
                                auto_base=s.auto_base, chars_per_second=s.chars_per_second,
                                min_duration=s.min_duration, max_duration=s.max_duration,
                                image_duration=s.image_duration, ticker_latest=config.ticker.latest)
    except ScheduleError as e:
        log.error("%s: %s; using the default schedule settings", config.source, e)
        return ScheduleSettings(audience=config.device.audience_enum)


STATE_DIR_DOC = ("Where sync state (verified bundles, TUF metadata, status) and the proof-of-display log are kept.\n"
                 "\"\" = ~/.local/state/kiosk ; on an installed kiosk e.g. \"/var/lib/kiosk\".")


# ------------------------------------------------------------------ checking values


def _kind(f: dataclasses.Field[Any]) -> str:
    """The declared type of a field, as written (``from __future__ import annotations``)."""
    return f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))


def _number(path: Path, key: str, value: object, spec: Spec, whole: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)):
        raise ConfigError(path, key, f"must be a {'whole number' if whole else 'number'}, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(path, key, f"must be a finite number, got {value!r}")
    if spec.zero and value == 0:
        return value if whole else float(value)
    lo, hi = spec.lo, spec.hi
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = f"from {_show(lo)} to {_show(hi)}" if lo is not None and hi is not None else \
            f"at least {_show(lo)}" if lo is not None else f"at most {_show(hi)}"
        zero = " (or 0)" if spec.zero else ""
        raise ConfigError(path, key, f"must be {span}{zero}, got {value!r}")
    return value if whole else float(value)


def _show(v: float | None) -> str:
    return f"{v:g}" if v is not None else ""


def _value(path: Path, key: str, value: object, f: dataclasses.Field[Any]) -> object:
    """``value`` checked against the field's type and spec (and converted: lists to tuples, ints to floats)."""
    spec, kind = _spec(f), _kind(f)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(path, key, f"must be true or false, got {value!r}")
    elif kind in ("int", "float"):
        value = _number(path, key, value, spec, whole=kind == "int")
    elif kind == "str":
        if not isinstance(value, str):
            raise ConfigError(path, key, f"must be text in quotes, got {value!r}")
        problem = spec.check(value) if spec.check is not None else None
        if problem:
            raise ConfigError(path, key, problem)
    elif kind == "tuple[str, ...]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(path, key, f"must be a list of text, e.g. [\"/media\"], got {value!r}")
        value = tuple(value)
    elif kind == "tuple[Window, ...]":
        if not isinstance(value, list):
            raise ConfigError(path, key, "must be a list of tables, e.g. [{ days = \"mon-fri\", from = \"08:00\", "
                                         f"until = \"18:00\" }}], got {value!r}")
        try:
            value = parse_windows(value, key)
        except ScheduleError as e:
            raise ConfigError(path, key, str(e).removeprefix(f"{key}: ")) from None
    else:  # pragma: no cover - a field type this module does not know yet
        raise TypeError(f"{key}: no check for settings of type {kind}")
    if spec.choices and value not in spec.choices:
        raise ConfigError(path, key, f"must be one of {', '.join(map(repr, spec.choices))}, got {value!r}")
    return value


def _section(path: Path, name: str, cls: type[Any], raw: object, base: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(path, f"[{name}]", "must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    changes: dict[str, object] = {}
    for key, value in raw.items():
        f = fields.get(key)
        if f is None:
            raise ConfigError(path, f"{name}.{key}", f"unknown setting; known: {', '.join(sorted(fields))}")
        changes[key] = _value(path, f"{name}.{key}", value, f)
    return dataclasses.replace(base, **changes)


def _cross_checks(path: Path, cfg: Config) -> None:
    """Rules between settings (after the device file is laid over the defaults)."""
    if not cfg.touch.warning_s < cfg.touch.idle_s:
        raise ConfigError(path, "touch.warning_s", f"must be below touch.idle_s ({cfg.touch.idle_s:g}), "
                                                   f"got {cfg.touch.warning_s:g}")
    if cfg.schedule.min_duration > cfg.schedule.max_duration:
        raise ConfigError(path, "schedule.min_duration", f"must not be above schedule.max_duration "
                                                         f"({cfg.schedule.max_duration:g})")
    text = cfg.text
    if text.body_px and text.min_body_px and text.min_body_px > text.body_px:
        raise ConfigError(path, "text.min_body_px", f"must not be above text.body_px ({text.body_px})")
    if bool(cfg.screen.width) != bool(cfg.screen.height):
        raise ConfigError(path, "screen.width", "set screen.width and screen.height together (or both 0)")
    for root in cfg.usb.mount_roots:
        if not Path(root).is_absolute():
            raise ConfigError(path, "usb.mount_roots", f"must be absolute folders, got {root!r}")


def _feeds(path: Path, cfg: Config, raw: object) -> tuple[FeedSource, ...]:
    from kiosk.feed.source import FeedSource

    if not isinstance(raw, list) or not all(isinstance(v, dict) for v in raw):
        raise ConfigError(path, "feed", "use [[feed]] tables (name, url, root)")
    fields = {f.name: f for f in dataclasses.fields(FeedSource)}
    known = sorted({*fields, "root"} - {"root_path"})
    feeds = []
    for n, table in enumerate(raw, start=1):
        where = f"feed {n}"
        for key in ("name", "url", "root"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                raise ConfigError(path, f"{where}.{key}", "required text, e.g. name = \"township\"")
        extra: dict[str, Any] = {}
        for key, value in table.items():
            if key in ("name", "url", "root"):
                continue
            f = fields.get(key)
            if f is None or key == "root_path":
                raise ConfigError(path, f"{where}.{key}", f"unknown setting; known: {', '.join(known)}")
            whole = _kind(f) == "int"
            extra[key] = _number(path, f"{where}.{key}", value, Spec(lo=0), whole)
            if key != "jitter" and extra[key] <= 0:
                raise ConfigError(path, f"{where}.{key}", f"must be above 0, got {value!r}")
        try:
            feeds.append(FeedSource(name=table["name"], url=table["url"], root_path=cfg.relative(table["root"]),
                                    **extra))
        except (ValueError, TypeError) as e:
            raise ConfigError(path, where, str(e)) from None
    names = [f.name for f in feeds]
    if len(set(names)) != len(names):
        raise ConfigError(path, "feed", f"two feeds share a name: {', '.join(names)}")
    return tuple(feeds)


def parse_config(data: Mapping[str, Any], path: Path, base: Config | None = None) -> Config:
    """``data`` (a parsed TOML file) laid over ``base`` (the defaults); raises ConfigError."""
    cfg = dataclasses.replace(base or Config(), source=path)
    changes: dict[str, Any] = {}
    for key, raw in data.items():
        if key in SECTIONS:
            changes[key] = _section(path, key, SECTIONS[key], raw, getattr(cfg, key))
        elif key == "feed":
            changes["feeds"] = _feeds(path, cfg, raw)
        elif key == "state_dir":
            if not isinstance(raw, str):
                raise ConfigError(path, key, f"must be text in quotes, got {raw!r}")
            changes["state_dir"] = raw
        else:
            known = ", ".join(sorted([*SECTIONS, "feed", "state_dir"]))
            raise ConfigError(path, key, f"unknown section; known: {known}")
    result = dataclasses.replace(cfg, **changes)
    _cross_checks(path, result)
    return result


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise ConfigError(path, "file", f"cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(path, "file", f"not valid UTF-8 at byte {e.start}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "file", f"invalid TOML: {e}") from None
    except RecursionError:
        raise ConfigError(path, "file", "invalid TOML: nested too deeply") from None


def load_config(path: Path | None = None) -> Config:
    """The defaults, with the device file (if any) laid over them.

    Raises:
        ConfigError: the file cannot be read or parsed, or a setting is refused.
    """
    if path is None:
        return Config()
    return parse_config(read_config_file(Path(path)), Path(path))


# ------------------------------------------------------------------ config/default.toml, generated

_HEADER = """\
# kiosk device configuration: every setting with its default.
# Generated from kiosk/config.py by `kiosk config defaults`; change the settings there, not here.
# A device file (kiosk play --config /etc/kiosk/device.toml) only needs what it changes;
# unknown sections and keys, and values out of range, are refused with the file and key named.
# Relative paths in a device file are relative to that file.
"""

_FEED_EXAMPLE = """\
# Signed feeds this screen follows (see docs/feed.md).  None = play content.dir directly.
# [[feed]]
# name = "township"
# url = "https://feeds.example.org/qinghe-dangwu/"
# root = "/etc/kiosk/roots/township-root.json"
{optional}
"""


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if value == ():
        return "[]"
    raise TypeError(f"no TOML form for {value!r}")


def _comment(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.splitlines()]


def default_toml() -> str:
    """The text of config/default.toml: every setting with its default and what it means."""
    from kiosk.feed.source import FeedSource

    out = [_HEADER, *_comment(STATE_DIR_DOC), f"state_dir = {_toml(Config().state_dir)}", ""]
    defaults = Config()
    for name, cls in SECTIONS.items():
        out.append(f"[{name}]")
        note = getattr(cls, "NOTE", "")
        if note:
            out += _comment(note)
        section = getattr(defaults, name)
        for f in dataclasses.fields(cls):
            doc = _spec(f).doc
            line = f"{f.name} = {_toml(getattr(section, f.name))}"
            if "\n" in doc:
                out += _comment(doc)
                out.append(line)
            elif doc:
                out.append(f"{line.ljust(25)} # {doc}" if len(line) < 25 else f"{line}  # {doc}")
            else:
                out.append(line)
        out.append("")
    optional = [f"# {f.name} = {_toml(f.default)}" for f in dataclasses.fields(FeedSource)
                if f.default is not dataclasses.MISSING]
    out.append(_FEED_EXAMPLE.format(optional="\n".join(["# optional, with their defaults:", *optional])))
    return "\n".join(out).rstrip() + "\n"
