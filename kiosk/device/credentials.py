"""What a screen and the office share about enrolment codes and device tokens (pure, no network).

An admin gets a one-time **enrolment code** (``K7QM-3XD9-PL2W``: 12 characters of an alphabet
without 0/O/1/I/L, about 59 bits).  The screen never sends the code itself: it sends
:func:`code_lookup` (a hash the office finds the screen by) and checks the office's reply with an
HMAC keyed by :func:`code_mac_key` — a different hash of the same code, which therefore never
travels.  So on a plain-http network someone on the path sees neither the code nor the key and
cannot swap the trust anchors (``root.json``) in the reply without being detected.

The reply carries the screen's **token**: a random bearer credential sent as
``Authorization: Bearer <token>`` on every heartbeat, screenshot and upload.  The office stores only
:func:`token_hash` (sha256: a 256-bit random token needs no slow hash).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from typing import Any

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 12
TOKEN_PREFIX = "kst1."
PROTOCOL = "kiosk-enrol/1"
_CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


class CodeError(ValueError):
    """The text typed is not an enrolment code (wrong length or characters)."""


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str:
    """The code without dashes or spaces, upper case; :class:`CodeError` when it cannot be one."""
    code = re.sub(r"[\s-]+", "", text).upper()
    if not _CODE_RE.match(code):
        raise CodeError(f"{text!r} is not an enrolment code: expected {CODE_LENGTH} letters and digits like "
                        "K7QM-3XD9-PL2W (the office shows it when the screen is added)")
    return code


def code_lookup(code: str) -> str:
    """What the screen sends so the office can find the code (sha256, hex)."""
    return hashlib.sha256(f"{PROTOCOL} lookup:{normalize_code(code)}".encode()).hexdigest()


def code_mac_key(code: str) -> str:
    """The key of the reply's HMAC (sha256, hex); never sent by either side."""
    return hashlib.sha256(f"{PROTOCOL} reply:{normalize_code(code)}".encode()).hexdigest()


def canonical(value: Any) -> bytes:  # noqa: ANN401 - any JSON value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def reply_mac(mac_key: str, payload: dict[str, Any]) -> str:
    return hmac.new(bytes.fromhex(mac_key), canonical(payload), hashlib.sha256).hexdigest()


def mac_ok(mac_key: str, payload: dict[str, Any], mac: object) -> bool:
    return isinstance(mac, str) and hmac.compare_digest(reply_mac(mac_key, payload), mac)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
