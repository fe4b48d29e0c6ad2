"""The office data folder: its layout and its settings file (``office.toml``).

Plain Python (no Django): ``kiosk office init`` writes the folder, Django's settings
module reads it.  Layout::

    DIR/office.toml        settings (public URL, database URL, time zone, mirror, …)
    DIR/secret.key         Django's SECRET_KEY (owner-only; made at init)
    DIR/office.sqlite3     the default database (SQLite in WAL mode)
    DIR/feeds/<feed>/      each feed's signed tree, served at /feeds/<feed>/
    DIR/mirror/<feed>/     a copy of each new version for nginx or a CDN (``mirror_dir``)
    DIR/online-keys/<feed>/  the server's snapshot/timestamp keys (online roles only)
    DIR/staging/           built versions waiting for signatures (never public)
    DIR/uploads/           uploaded images (served only as checked images, never as HTML)

Every problem is an :class:`OfficeConfigError` naming the file and the key.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_DIR = "KIOSK_OFFICE_DIR"
ENV_DATABASE_URL = "KIOSK_OFFICE_DATABASE_URL"
SETTINGS_FILE = "office.toml"
SECRET_FILE = "secret.key"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
# tables other apps of the office own (read through ``OfficeSettings.section``)
APP_SECTIONS = ("feedback", "fleet")
_KEYS = {"public_url", "database_url", "time_zone", "mirror_dir", "allowed_hosts", "secure_cookies",
         "debug", "reviewer_otp", "session_hours", *APP_SECTIONS}

TEMPLATE = """\
# Settings of the kiosk township office (kiosk office serve DIR reads this file at start).

# The address screens and residents' phones reach: feeds are served under
# <public_url>/feeds/<feed>/ and every feed's QR codes lead to <public_url>/p/<feed>/<notice>/.
public_url = "{public_url}"

# Database: SQLite (WAL) in this folder by default. For a county that runs many townships
# on one server, a PostgreSQL URL (the environment variable KIOSK_OFFICE_DATABASE_URL wins):
# database_url = "postgresql://kiosk:PASSWORD@127.0.0.1:5432/kiosk"

time_zone = "Asia/Shanghai"

# Each new feed version is also copied here (relative to this folder or absolute) for nginx or a CDN.
mirror_dir = "mirror"

# Extra host names the console answers to, besides the public URL's host and 127.0.0.1/localhost.
allowed_hosts = []

# "auto": session and CSRF cookies are Secure when public_url is https://.
secure_cookies = "auto"

# Reviewers must confirm a one-time code (TOTP app) at login once they have set one up;
# true: every reviewer must set one up before approving.
reviewer_otp = false

# Sign-in lasts this many hours (and ends when the browser closes).
session_hours = 8

# Residents' feedback (the pages behind the QR codes; docs/feedback.md lists every setting).
# [feedback]
# holidays = ["2027-01-01", "2027-02-06..2027-02-14"]  # days off besides weekends (this year's State Council notice)
# workdays = ["2027-02-15"]                            # weekend days that are working days (调休)
# comments_after_days = 30        # comments still accepted after a notice's period ended or it was withdrawn
# contact_retention_days = 180    # residents' names and phone numbers erased this long after a case is closed
"""


class OfficeConfigError(Exception):
    def __init__(self, path: Path | str, key: str, reason: str) -> None:
        self.path, self.key, self.reason = Path(path), key, reason
        super().__init__(f"{path}: {key}: {reason}")


@dataclass(frozen=True)
class OfficeSettings:
    """What ``office.toml`` says, checked."""

    public_url: str = DEFAULT_PUBLIC_URL
    database_url: str | None = None
    time_zone: str = "Asia/Shanghai"
    mirror_dir: str = "mirror"
    allowed_hosts: tuple[str, ...] = ()
    secure_cookies: str | bool = "auto"
    debug: bool = False
    reviewer_otp: bool = False
    session_hours: int = 8
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def https(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def cookies_secure(self) -> bool:
        return self.https if self.secure_cookies == "auto" else bool(self.secure_cookies)

    def section(self, app: str) -> dict[str, Any]:
        """The ``[app]`` table of the settings file (feedback, fleet), empty when absent."""
        return dict(self.sections.get(app, {}))


def check_public_url(value: object, where: Path | str = "--public-url", key: str = "public_url") -> str:
    if not isinstance(value, str):
        raise OfficeConfigError(where, key, f"must be text like {DEFAULT_PUBLIC_URL!r}")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OfficeConfigError(where, key, f"{value!r} must be an http:// or https:// address with a host name")
    if parts.query or parts.fragment:
        raise OfficeConfigError(where, key, f"{value!r} must not carry ?query or #fragment")
    return value.strip().rstrip("/")


def load_settings(path: Path) -> OfficeSettings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OfficeConfigError(path, "file", "not found: create the data folder with `kiosk office init DIR`") \
            from None
    except (OSError, UnicodeDecodeError) as e:
        raise OfficeConfigError(path, "file", f"cannot be read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise OfficeConfigError(path, "file", f"invalid TOML: {e}") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise OfficeConfigError(path, unknown[0], f"unknown setting; known: {', '.join(sorted(_KEYS))}")

    def typed(key: str, kind: type | tuple[type, ...], default: Any) -> Any:  # noqa: ANN401
        value = data.get(key, default)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise OfficeConfigError(path, key, f"has the wrong type ({type(value).__name__})")
        return value

    hosts = typed("allowed_hosts", list, [])
    if not all(isinstance(h, str) and re.fullmatch(r"[A-Za-z0-9.*:\[\]-]+", h) for h in hosts):
        raise OfficeConfigError(path, "allowed_hosts", "must be a list of host names")
    cookies = data.get("secure_cookies", "auto")
    if cookies not in ("auto", True, False):
        raise OfficeConfigError(path, "secure_cookies", "must be \"auto\", true or false")
    hours = typed("session_hours", int, 8)
    if not 1 <= hours <= 24 * 14:
        raise OfficeConfigError(path, "session_hours", "must be 1 to 336")
    database_url = typed("database_url", str, "") or None
    if database_url and not re.match(r"^(postgres|postgresql|sqlite)://", database_url):
        raise OfficeConfigError(path, "database_url", "must start with postgresql:// (or sqlite://)")
    sections = {}
    for app in APP_SECTIONS:
        sections[app] = typed(app, dict, {})
    return OfficeSettings(
        public_url=check_public_url(data.get("public_url", DEFAULT_PUBLIC_URL), path),
        database_url=database_url, time_zone=typed("time_zone", str, "Asia/Shanghai"),
        mirror_dir=typed("mirror_dir", str, "mirror"), allowed_hosts=tuple(hosts), secure_cookies=cookies,
        debug=typed("debug", bool, False), reviewer_otp=typed("reviewer_otp", bool, False), session_hours=hours,
        sections=sections,
    )


@dataclass(frozen=True)
class DataDir:
    """Paths inside one office data folder."""

    root: Path

    @property
    def settings_file(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def secret_file(self) -> Path:
        return self.root / SECRET_FILE

    @property
    def database(self) -> Path:
        return self.root / "office.sqlite3"

    @property
    def feeds(self) -> Path:
        return self.root / "feeds"

    @property
    def online_keys(self) -> Path:
        return self.root / "online-keys"

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    def mirror(self, settings: OfficeSettings) -> Path:
        path = Path(settings.mirror_dir)
        return path if path.is_absolute() else self.root / path

    def feed(self, name: str) -> Path:
        return self.feeds / name

    def settings(self) -> OfficeSettings:
        return load_settings(self.settings_file)

    def secret_key(self) -> str:
        try:
            return self.secret_file.read_text(encoding="ascii").strip()
        except OSError as e:
            raise OfficeConfigError(self.secret_file, "file", f"cannot be read ({e.strerror}): "
                                    "is this a data folder made by `kiosk office init`?") from None

    def create(self, public_url: str = DEFAULT_PUBLIC_URL) -> None:
        """Write a new data folder (refuses one that already holds settings)."""
        public_url = check_public_url(public_url)
        if self.settings_file.exists():
            raise OfficeConfigError(self.settings_file, "file", "already exists: this folder is an office "
                                    "already (serve it, or choose a new folder)")
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        for folder in (self.feeds, self.staging, self.uploads):
            folder.mkdir(exist_ok=True)
        self.online_keys.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(50) + "\n")
        self.settings_file.write_text(TEMPLATE.format(public_url=public_url), encoding="utf-8")
