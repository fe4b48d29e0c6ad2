"""``kiosk enrol URL CODE``: a screen joins its township office.

The one-time code the office showed is exchanged (kiosk.device.credentials: the code itself never
travels; the reply is MACed with a key derived from it) for the screen's token and settings, and
the device config is updated in place:

- ``[device]`` id, site, audience and ``token_file`` (the token in its own file, mode 0600, owned
  by the user of the state directory so the player can read it and nobody else);
- ``[status]`` heartbeat URL and interval, ``[audit]`` upload URL and interval;
- one ``[[feed]]`` per feed of the screen, with the feed's first ``root.json`` (its trust anchor)
  written to ``roots/<feed>.root.json`` next to the config.  Feeds of other publishers stay.

Everything else in the file (comments, order, other settings) is kept (tomlkit).  The new file is
checked with the player's own config loader before anything is written, and replaced atomically.
"""

from __future__ import annotations

import json
import os
import pwd
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import tomlkit
from tomlkit.items import AoT, Table

from kiosk import __version__, fsutil, httpio
from kiosk.audit.keys import DeviceKeyError, device_public_key
from kiosk.config import Config, ConfigError, load_config, parse_config
from kiosk.device.credentials import PROTOCOL, code_lookup, code_mac_key, mac_ok, normalize_code

API_PATH = "/device/v1/enrol"
MAX_REPLY = 4 * 1024 * 1024
TOKEN_NAME = "device-token"
ROOTS_DIR = "roots"
TIMEOUT = (10.0, 30.0)
DEADLINE = 90.0  # the whole exchange, connect to last byte (kiosk.httpio)


class EnrolError(Exception):
    """Enrolment failed; nothing was written (the message says why and what to do)."""


@dataclass(frozen=True)
class Enrolled:
    device_id: str
    site: str
    config: Path
    token_file: Path
    feeds: tuple[str, ...]
    missing_feeds: tuple[str, ...]
    office: str


def enrol(office_url: str, code: str, config_path: Path, *, public_key: str | None = None,
          session: requests.Session | None = None) -> Enrolled:
    """Exchange ``code`` at ``office_url`` and write the result into ``config_path``."""
    code = normalize_code(code)
    config_path = config_path.absolute()
    doc, text = _read_document(config_path)
    if public_key is None:
        public_key = _device_key(config_path)
    payload = _exchange(office_url, code, public_key, session or requests.Session())
    plan = _plan(payload, config_path)
    _apply(doc, plan)
    new_text = tomlkit.dumps(doc)
    _check(new_text, config_path, plan)
    for path, data in plan.roots.items():
        fsutil.write_bytes(path, data, mode=0o644)
    _write_token(plan.token_file, plan.token, config_path)
    mode = config_path.stat().st_mode & 0o777 if config_path.exists() else 0o644
    if new_text != text:
        fsutil.write_bytes(config_path, new_text.encode("utf-8"), mode=mode)
    return Enrolled(plan.device["id"], plan.device.get("site", ""), config_path, plan.token_file,
                    tuple(f["name"] for f in plan.feeds), tuple(payload.get("missing_feeds") or ()),
                    str(payload.get("office", office_url)))


def _device_key(config_path: Path) -> str:
    """The screen's public key, from (or created in) the state directory the config names: the
    office verifies the signed checkpoints of the screen's display log against it."""
    try:
        state = load_config(config_path if config_path.exists() else None).state_path()
        return device_public_key(state)
    except DeviceKeyError as e:
        raise EnrolError(f"{e}; nothing was sent to the office") from None


def _read_document(path: Path) -> tuple[tomlkit.TOMLDocument, str]:
    if not path.exists():
        return tomlkit.document(), ""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        doc = tomlkit.parse(text)
        load_config(path)
    except (OSError, UnicodeDecodeError) as e:
        raise EnrolError(f"{path}: cannot read the device config: {e}") from None
    except tomlkit.exceptions.TOMLKitError as e:
        raise EnrolError(f"{path}: invalid TOML ({e}): fix the file first, then enrol again") from None
    except ConfigError as e:
        raise EnrolError(f"{e}: fix the device config first, then enrol again") from None
    return doc, text


def _exchange(office_url: str, code: str, public_key: str | None, session: requests.Session) -> dict[str, Any]:
    url = office_url.rstrip("/") + API_PATH
    if not url.startswith(("http://", "https://")):
        raise EnrolError(f"{office_url!r}: the office address must start with http:// or https://")
    body = {"protocol": PROTOCOL, "code": code_lookup(code), "public_key": public_key,
            "hostname": socket.gethostname(), "software": __version__}
    try:
        answer = httpio.exchange(httpio.guard(session), "POST", url, deadline=DEADLINE, connect_timeout=TIMEOUT[0],
                                 read_timeout=TIMEOUT[1], cap=MAX_REPLY, json=body)
    except httpio.DeadlineExceeded:
        raise EnrolError(f"{url}: no complete answer within {DEADLINE:g} s (a slow or stuck server)") from None
    except httpio.ReplyTooLarge:
        raise EnrolError(f"{url}: the reply is larger than {MAX_REPLY} bytes: is this the office's address?") \
            from None
    except requests.RequestException as e:
        raise EnrolError(f"{url}: cannot reach the office: {e}") from None
    raw, status = answer.body, answer.status
    try:
        reply = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise EnrolError(f"{url}: HTTP {status}, the reply is not JSON: is this the office's address "
                         "(the public URL shown with the code)?") from None
    if status != 200 or not isinstance(reply, dict):
        reason = reply.get("error") if isinstance(reply, dict) else None
        raise EnrolError(f"{url}: the office refused (HTTP {status}): {reason or 'no reason given'}")
    payload = reply.get("reply")
    if not isinstance(payload, dict) or not mac_ok(code_mac_key(code), payload, reply.get("mac")):
        raise EnrolError(f"{url}: the reply is not signed with this code: a wrong address, or someone on the "
                         "network changed it; nothing was written")
    return payload


@dataclass(frozen=True)
class _Plan:
    device: dict[str, str]
    token: str
    token_file: Path
    status: dict[str, Any]
    audit: dict[str, Any]
    feeds: list[dict[str, str]]  # name, url, root (path as written into the config)
    roots: dict[Path, bytes]


def _plan(payload: dict[str, Any], config_path: Path) -> _Plan:
    """What to write, checked for shape (the config loader checks the values)."""
    try:
        device = {k: str(payload["device"][k]) for k in ("id", "site", "audience")}
        token = str(payload["token"])
        status = {"heartbeat_url": str(payload["status"]["heartbeat_url"]),
                  "heartbeat_interval": float(payload["status"]["heartbeat_interval"])}
        audit = {"upload_url": str(payload["audit"]["upload_url"]),
                 "upload_interval": float(payload["audit"]["upload_interval"])}
        feeds_in = list(payload["feeds"])
    except (KeyError, TypeError, ValueError) as e:
        raise EnrolError(f"the office's reply lacks {e}: update the office or this screen's software") from None
    if not token or "\n" in token:
        raise EnrolError("the office's reply carries no usable token")
    base = config_path.parent
    feeds, roots = [], {}
    for entry in feeds_in:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("name", "url", "root")):
            raise EnrolError("the office's reply lists a feed without name, url and root")
        name = entry["name"]
        root_path = base / ROOTS_DIR / f"{name}.root.json"
        data = entry["root"].encode("utf-8")
        _check_root(name, data)
        roots[root_path] = data
        feeds.append({"name": name, "url": entry["url"], "root": f"{ROOTS_DIR}/{name}.root.json"})
    return _Plan(device, token, base / TOKEN_NAME, status, audit, feeds, roots)


def _check_root(name: str, data: bytes) -> None:
    from tuf.api.metadata import Metadata, Root

    try:
        Metadata[Root].from_bytes(data)
    except Exception as e:  # noqa: BLE001 - tuf raises several kinds; any means "not a root"
        raise EnrolError(f"feed {name}: the office sent a trust anchor that is not a TUF root ({e})") from None


def _table(doc: tomlkit.TOMLDocument, name: str) -> Table:
    if name not in doc:
        doc.add(name, tomlkit.table())
    table = doc[name]
    if not isinstance(table, Table):
        raise EnrolError(f"[{name}] in the device config is not a table")
    return table


def _apply(doc: tomlkit.TOMLDocument, plan: _Plan) -> None:
    device = _table(doc, "device")
    for key in ("id", "site", "audience"):
        device[key] = plan.device[key]
    device["token_file"] = TOKEN_NAME
    for name, values in (("status", plan.status), ("audit", plan.audit)):
        table = _table(doc, name)
        for key, value in values.items():
            table[key] = value
    feeds = doc.get("feed")
    if feeds is None:
        feeds = tomlkit.aot()
        doc.append("feed", feeds)
    if not isinstance(feeds, AoT):
        raise EnrolError("feed in the device config must be [[feed]] tables")
    by_name = {t.get("name"): t for t in feeds}
    for entry in plan.feeds:
        found = by_name.get(entry["name"])
        table = found if found is not None else tomlkit.table()
        if found is None:
            feeds.append(table)
        for key in ("name", "url", "root"):
            table[key] = entry[key]


def _check(text: str, config_path: Path, plan: _Plan) -> Config:
    import tomllib

    try:
        return parse_config(tomllib.loads(text), config_path)
    except (ConfigError, tomllib.TOMLDecodeError) as e:
        raise EnrolError(f"the office's settings do not make a valid device config ({e}); nothing was written") \
            from None


def _write_token(path: Path, token: str, config_path: Path) -> None:
    """The token, readable only by the user the player runs as (the state directory's owner)."""
    fsutil.write_bytes(path, (token + "\n").encode("ascii"), mode=0o600)
    if os.geteuid() != 0:
        return
    owner = _player_user(config_path)
    if owner is not None:
        os.chown(path, owner[0], owner[1])


def _player_user(config_path: Path) -> tuple[int, int] | None:
    """(uid, gid) of the player: the owner of the configured state directory, else the ``kiosk`` user."""
    try:
        state = load_config(config_path).state_path()
        st = state.stat()
        if st.st_uid != 0:
            return st.st_uid, st.st_gid
    except (ConfigError, OSError):
        pass
    try:
        entry = pwd.getpwnam("kiosk")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid

