"""Device configuration: TOML validated at load into frozen dataclasses.

``config/default.toml`` documents every setting; a device file only needs the
settings it changes.  Unknown sections or keys are errors (a typo must not pass
silently); every message names the file and the key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kiosk.content.model import Audience

if TYPE_CHECKING:
    from kiosk.feed.source import FeedSource

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS = REPO_ROOT / "assets"
DEMO_CONTENT = ASSETS / "demo"
DEFAULT_CONFIG = REPO_ROOT / "config" / "default.toml"


class ConfigError(Exception):
    def __init__(self, path: Path | str, key: str, reason: str) -> None:
        self.path, self.key, self.reason = Path(path), key, reason
        super().__init__(f"{path}: {key}: {reason}")


@dataclass(frozen=True)
class DeviceSettings:
    id: str = "demo-0001"
    audience: str = "public"
    site: str = ""

    @property
    def audience_enum(self) -> Audience:
        return Audience(self.audience)


@dataclass(frozen=True)
class ContentSettings:
    dir: str = ""
    playlists: str = ""
    playlist_source: str = "bundle"


@dataclass(frozen=True)
class ScreenSettings:
    fullscreen: bool = True
    width: int = 0
    height: int = 0
    rotation: int = 0
    fps: int = 60
    theme: str = "paper"


@dataclass(frozen=True)
class TextSettings:
    body_px: int = 0
    min_body_px: int = 0


@dataclass(frozen=True)
class TransitionSettings:
    kind: str = "fade"
    ms: int = 600


@dataclass(frozen=True)
class TickerSettings:
    enabled: bool = True
    speed: int = 120
    latest: int = 8


@dataclass(frozen=True)
class DisplaySettings:
    off_mode: str = "clock"
    hours: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ScheduleConfig:
    urgent_every: int = 5
    auto_base: float = 6.0
    chars_per_second: float = 6.0
    min_duration: float = 8.0
    max_duration: float = 45.0
    image_duration: float = 10.0


@dataclass(frozen=True)
class KioskSettings:
    allow_quit: bool = False
    technician_keys: str = "ctrl+alt+t"
    hide_cursor: bool = True


@dataclass(frozen=True)
class QrSettings:
    url: str = ""
    on_loop: bool = True
    request_url: str = ""
    viewing_distance_m: float = 2.5


@dataclass(frozen=True)
class TouchSettings:
    enabled: bool = True
    idle_s: float = 60.0
    warning_s: float = 10.0
    dpi: float = 0.0


@dataclass(frozen=True)
class AuditSettings:
    enabled: bool = True
    upload_url: str = ""
    upload_interval: float = 300.0


@dataclass(frozen=True)
class StatusSettings:
    heartbeat_url: str = ""
    heartbeat_interval: float = 300.0


@dataclass(frozen=True)
class LedSettings:
    enabled: bool = False
    x: int = 0
    y: int = 0
    width: int = 384
    height: int = 96
    layout: str = "ticker"
    speed: int = 60
    page_seconds: float = 4.0
    palette: str = "red"


@dataclass(frozen=True)
class UsbConfig:
    enabled: bool = True
    mount_roots: tuple[str, ...] = ("/media", "/run/media", "/mnt")
    rescan_s: float = 2.0
    message_s: float = 20.0
    write_report: bool = True
    import_present: bool = True
    lock_wait_s: float = 300.0


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
    feeds: tuple[dict[str, Any], ...] = ()
    state_dir: str = ""
    source: Path | None = None  # the file it was loaded from

    def feed_sources(self) -> list[FeedSource]:
        """The [[feed]] tables as validated sources (already checked at load)."""
        return [_feed_source(self, n, raw) for n, raw in enumerate(self.feeds, start=1)]

    def content_dir(self) -> Path:
        if not self.content.dir:
            return DEMO_CONTENT
        return self._relative(self.content.dir)

    def playlists_dir(self) -> Path:
        if not self.content.playlists:
            return REPO_ROOT / "playlists"
        return self._relative(self.content.playlists)

    def state_path(self) -> Path:
        if self.state_dir:
            return self._relative(self.state_dir)
        return Path.home() / ".local" / "state" / "kiosk"

    def _relative(self, value: str) -> Path:
        p = Path(value).expanduser()
        if p.is_absolute():
            return p
        base = REPO_ROOT if self.source is None or self.source == DEFAULT_CONFIG else self.source.parent
        return base / p


_SECTIONS: dict[str, type] = {
    "device": DeviceSettings, "content": ContentSettings, "screen": ScreenSettings, "text": TextSettings,
    "transition": TransitionSettings, "ticker": TickerSettings, "display": DisplaySettings,
    "schedule": ScheduleConfig, "kiosk": KioskSettings, "qr": QrSettings, "touch": TouchSettings,
    "audit": AuditSettings, "status": StatusSettings, "led": LedSettings,
    "usb": UsbConfig,
}
_CHOICES: dict[tuple[str, str], tuple[object, ...]] = {
    ("device", "audience"): ("public", "members"),
    ("content", "playlist_source"): ("bundle", "device"),
    ("screen", "rotation"): (0, 90, 180, 270),
    ("screen", "theme"): ("paper", "dark"),
    ("transition", "kind"): ("fade", "cut", "slide"),
    ("display", "off_mode"): ("black", "clock"),
    ("led", "layout"): ("ticker", "pages"),
    ("led", "palette"): ("red", "red-green", "full"),
}

T = TypeVar("T")


def _coerce(path: Path, key: str, value: object, default: object) -> object:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(path, key, f"must be true or false, got {value!r}")
    elif isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(path, key, f"must be a whole number >= 0, got {value!r}")
    elif isinstance(default, float):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ConfigError(path, key, f"must be a number >= 0, got {value!r}")
        value = float(value)
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(path, key, f"must be text in quotes, got {value!r}")
    elif isinstance(default, tuple) and all(isinstance(v, str) for v in default) and default:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(path, key, f"must be a list of text, e.g. [\"/media\"], got {value!r}")
        value = tuple(value)
    elif isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ConfigError(path, key, "must be a list of tables, e.g. [{ days = \"mon-fri\", from = \"08:00\", "
                                         "until = \"18:00\" }]")
        value = tuple(value)
    return value


def _section(path: Path, name: str, cls: type[T], raw: object, base: T) -> T:
    if not isinstance(raw, dict):
        raise ConfigError(path, f"[{name}]", "must be a table")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    changes: dict[str, object] = {}
    for key, value in raw.items():
        if key not in names:
            raise ConfigError(path, f"{name}.{key}", f"unknown setting; known: {', '.join(sorted(names))}")
        value = _coerce(path, f"{name}.{key}", value, getattr(base, key))
        choices = _CHOICES.get((name, key))
        if choices is not None and value not in choices:
            raise ConfigError(path, f"{name}.{key}", f"must be one of {', '.join(map(repr, choices))}, got {value!r}")
        if (name, key) in (("qr", "url"), ("qr", "request_url")) and value:
            _check_template(path, f"{name}.{key}", str(value))
        changes[key] = value
    result = dataclasses.replace(base, **changes)  # type: ignore[type-var]
    if isinstance(result, TouchSettings) and not 0 <= result.warning_s < result.idle_s:
        raise ConfigError(path, f"{name}.warning_s", "must be below touch.idle_s")
    return result


def _check_template(path: Path, key: str, template: str) -> None:
    from kiosk.qr import QrError, check_template

    try:
        check_template(template)
    except QrError as e:
        raise ConfigError(path, key, str(e)) from None


_FEED_KEYS = {"name", "url", "root", "poll_interval", "jitter", "retry_min", "retry_max", "connect_timeout",
              "read_timeout", "transfer_timeout", "max_bytes"}


def _feed_source(config: Config, n: int, raw: dict[str, Any]) -> FeedSource:
    from kiosk.feed.source import FeedSource

    path = config.source or DEFAULT_CONFIG
    where = f"feed {n}"
    unknown = sorted(set(raw) - _FEED_KEYS)
    if unknown:
        raise ConfigError(path, f"{where}.{unknown[0]}", f"unknown setting; known: {', '.join(sorted(_FEED_KEYS))}")
    for key in ("name", "url", "root"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ConfigError(path, f"{where}.{key}", "required text, e.g. name = \"township\"")
    extra = {k: v for k, v in raw.items() if k not in ("name", "url", "root")}
    try:
        return FeedSource(name=raw["name"], url=raw["url"], root_path=config._relative(raw["root"]), **extra)
    except (ValueError, TypeError) as e:
        raise ConfigError(path, where, str(e)) from None


def parse_config(data: dict[str, Any], path: Path, base: Config | None = None) -> Config:
    cfg = base or Config()
    changes: dict[str, object] = {"source": path}
    for key, raw in data.items():
        if key in _SECTIONS:
            changes[key] = _section(path, key, _SECTIONS[key], raw, getattr(cfg, key))
        elif key == "feed":
            if not isinstance(raw, list) or not all(isinstance(v, dict) for v in raw):
                raise ConfigError(path, "feed", "use [[feed]] tables (name, url, root)")
            changes["feeds"] = tuple(raw)
        elif key == "state_dir":
            if not isinstance(raw, str):
                raise ConfigError(path, key, f"must be text in quotes, got {raw!r}")
            changes["state_dir"] = raw
        else:
            known = ", ".join(sorted([*_SECTIONS, "feed", "state_dir"]))
            raise ConfigError(path, key, f"unknown section; known: {known}")
    result = dataclasses.replace(cfg, **changes)  # type: ignore[arg-type]
    names = [source.name for source in result.feed_sources()]  # validates every [[feed]] now
    if len(set(names)) != len(names):
        raise ConfigError(path, "feed", f"two feeds share a name: {', '.join(names)}")
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


def load_config(path: Path | None = None) -> Config:
    """Defaults from config/default.toml, then the device file (if any) over them."""
    cfg = parse_config(read_config_file(DEFAULT_CONFIG), DEFAULT_CONFIG) if DEFAULT_CONFIG.is_file() else Config()
    if path is None:
        return cfg
    return parse_config(read_config_file(Path(path)), Path(path), cfg)
