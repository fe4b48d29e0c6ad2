"""The screen's own ed25519 key: signs checkpoints of its proof-of-display log.

Created the first time it is needed (the player's first start, or ``kiosk device key`` at
enrolment) in the state directory:

- ``device-key.pem``: the private key (PKCS#8 PEM), mode 0600, owned by the state directory's owner
  (the kiosk user; when root creates it, e.g. ``sudo kiosk device key``, it is handed over);
- ``device-key.pub``: the public key as 64 hex digits (the raw 32 bytes), mode 0644.

The public key is what an office registers for the screen and what :mod:`kiosk.audit.signatures`
verifies checkpoints with.  A key that exists but cannot be read is never replaced silently: the
player logs the problem and writes unsigned checkpoints' absence shows in ``kiosk audit verify``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.audit.records import AuditError
from kiosk.fsutil import fsync_dir

PRIVATE_NAME = "device-key.pem"
PUBLIC_NAME = "device-key.pub"


class DeviceKeyError(AuditError):
    """The device key cannot be created or read (the message names the file and what to do)."""


@dataclass(frozen=True)
class DeviceKey:
    private: Ed25519PrivateKey
    public_hex: str  # 64 hex digits: the raw public key

    def sign(self, data: bytes) -> str:
        return self.private.sign(data).hex()


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key given as 64 hex digits (what ``kiosk device key`` prints).

    Raises:
        ValueError: not 64 hex digits of an ed25519 public key.
    """
    text = text.strip().lower()
    if len(text) != 64:
        raise ValueError(f"an ed25519 public key is 64 hex digits, got {len(text)} characters")
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
    except ValueError as e:
        raise ValueError(f"not an ed25519 public key: {e}") from None


def verify_hex(public: str, signature: str, data: bytes) -> bool:
    """True when ``signature`` (hex) is ``public``'s (hex) signature of ``data``."""
    try:
        parse_public_key(public).verify(bytes.fromhex(signature), data)
    except (ValueError, InvalidSignature):
        return False
    return True


def load_device_key(state_dir: Path, create: bool = True) -> DeviceKey:
    """The screen's key from ``state_dir``, created there first if absent (and ``create``).

    Raises:
        DeviceKeyError: the key file exists but cannot be read or is not an ed25519 key, or a new one
            cannot be written.
    """
    state_dir = Path(state_dir)
    path = state_dir / PRIVATE_NAME
    if not path.exists() and create:
        _create(state_dir)
    try:
        data = path.read_bytes()
        private = serialization.load_pem_private_key(data, password=None)
    except FileNotFoundError:
        raise DeviceKeyError(f"{path}: no device key (the player creates it at its first start)") from None
    except OSError as e:
        raise DeviceKeyError(f"{path}: cannot read the device key: {e.strerror or e} (run as the kiosk user, "
                             "or with sudo)") from None
    except (ValueError, TypeError) as e:
        raise DeviceKeyError(f"{path}: not a usable private key ({e}); it is not replaced automatically: "
                             "move it away and restart the player to make a new key, then register the new "
                             "public key with the office") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise DeviceKeyError(f"{path}: not an ed25519 key")
    key = DeviceKey(private, public_hex(private.public_key()))
    pub = state_dir / PUBLIC_NAME
    with contextlib.suppress(OSError):
        if not pub.exists() or pub.read_text(encoding="ascii").strip() != key.public_hex:
            _write(pub, (key.public_hex + "\n").encode(), 0o644, state_dir)  # recreated from the private key
    return key


def device_public_key(state_dir: Path) -> str:
    """The screen's public key (64 hex digits), creating the key pair first if there is none.

    For enrolment, which may run (as root) before the player ever started.
    """
    return load_device_key(state_dir).public_hex


def _create(state_dir: Path) -> None:
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        _write(state_dir / PRIVATE_NAME, pem, 0o600, state_dir, exclusive=True)
        _write(state_dir / PUBLIC_NAME, (public_hex(private.public_key()) + "\n").encode(), 0o644, state_dir)
    except FileExistsError:
        return  # another process created it at the same moment: use that one
    except OSError as e:
        raise DeviceKeyError(f"{state_dir}: cannot create the device key: {e.strerror or e}") from None


def _write(path: Path, data: bytes, mode: int, state_dir: Path, exclusive: bool = False) -> None:
    """Write ``path`` with ``mode`` from the start, owned like ``state_dir`` (root hands it over)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        try:
            os.write(fd, data)
            os.fsync(fd)
            os.fchmod(fd, mode)  # whatever the umask
            st = os.stat(state_dir)
            if os.geteuid() == 0 and (st.st_uid, st.st_gid) != (0, 0):
                os.fchown(fd, st.st_uid, st.st_gid)
        finally:
            os.close(fd)
        if exclusive:
            os.link(tmp, path)  # fails if a key appeared meanwhile: never overwrite a key
        else:
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(path.parent)
    if stat.S_IMODE(os.stat(path).st_mode) != mode:
        raise DeviceKeyError(f"{path}: could not set mode {oct(mode)}")
