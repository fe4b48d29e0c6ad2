"""Publisher keys: ed25519 private keys as PEM files in a key directory (never in the feed).

``feed init`` writes ``root.pem``, ``targets-1.pem`` … ``targets-N.pem`` (one per
required content signature: drafter, reviewer), ``snapshot.pem`` and
``timestamp.pem``; files 0o600 in a 0o700 directory.  Publishing loads every
``*.pem`` from one or more key directories and matches them to the roles of the
feed's root metadata by key id, so file names are only a convention: the
reviewer can bring ``targets-2.pem`` on their own stick (``--keys`` twice).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from securesystemslib.signer import CryptoSigner, Signer

from kiosk.feed.errors import FeedPublishError
from kiosk.fsutil import write_new_file

log = logging.getLogger(__name__)

KEY_SUFFIX = ".pem"


@dataclass(frozen=True)
class KeyFile:
    path: Path
    signer: Signer

    @property
    def keyid(self) -> str:
        return self.signer.public_key.keyid


def ensure_keydir(keydir: Path, feed_dir: Path | None = None) -> None:
    """Create ``keydir`` owner-only; refuse a key directory inside the feed tree."""
    keydir = Path(keydir)
    if feed_dir is not None and _inside(keydir, feed_dir):
        raise FeedPublishError(str(feed_dir), f"key directory {keydir} is inside the feed",
                               "private keys must never be published: choose a key directory outside FEED")
    keydir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(keydir, 0o700)


def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path == folder or folder in path.parents


def generate_key(keydir: Path, name: str) -> KeyFile:
    """Create a new ed25519 key ``keydir/name.pem`` (fails if it exists)."""
    signer = CryptoSigner.generate_ed25519()
    path = Path(keydir) / f"{name}{KEY_SUFFIX}"
    try:
        write_new_file(path, signer.private_bytes, 0o600)
    except FileExistsError:
        raise FeedPublishError(name, f"key file {path} already exists",
                               "use a new, empty key directory; never overwrite keys") from None
    return KeyFile(path, signer)


def load_key(path: Path) -> KeyFile:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("key file %s is readable by others (mode %o): chmod 600 it", path, mode)
    try:
        private = load_pem_private_key(path.read_bytes(), password=None)
        return KeyFile(path, CryptoSigner(private))
    except (ValueError, TypeError) as e:
        raise FeedPublishError(path.name, f"{path} is not a usable private key: {e}",
                               "pass the key directory made by `kiosk feed init`") from None


def load_keys(keydirs: Iterable[Path]) -> dict[str, KeyFile]:
    """Every key in the given directories (or single key files), by key id."""
    found: dict[str, KeyFile] = {}
    for entry in keydirs:
        entry = Path(entry)
        if entry.is_file():
            paths = [entry]
        elif entry.is_dir():
            paths = sorted(entry.glob(f"*{KEY_SUFFIX}"))
        else:
            raise FeedPublishError(entry.name, f"key directory {entry} not found",
                                   "pass --keys with the directory made by `kiosk feed init`")
        for path in paths:
            key = load_key(path)
            found.setdefault(key.keyid, key)
    return found


def describe(keys: Iterable[KeyFile]) -> str:
    names = sorted(k.path.name for k in keys)
    return ", ".join(names) if names else "none"


# ---------------------------------------------------------------- keys sealed with a passphrase

SEAL_FORMAT = "kiosk-sealed-key/1"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # ~0.1 s and 32 MiB per try: slows guessing a stolen key
MIN_PASSPHRASE = 10


class PassphraseError(FeedPublishError):
    """The signing passphrase does not open this key (wrong, or the sealed key was altered)."""


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def seal_key(signer: CryptoSigner, passphrase: str) -> str:
    """The private key encrypted with ``passphrase`` (scrypt + AES-256-GCM) as JSON text.

    The key id is bound into the encryption as associated data, so a sealed key cannot be
    swapped under another key's id without the open failing.
    """
    import base64
    import json

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(passphrase) < MIN_PASSPHRASE:
        raise PassphraseError("-", f"a signing passphrase needs at least {MIN_PASSPHRASE} characters",
                              "choose a longer one")
    salt, nonce = os.urandom(16), os.urandom(12)
    keyid = signer.public_key.keyid
    secret = AESGCM(_scrypt(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
        nonce, signer.private_bytes, keyid.encode("ascii"))

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return json.dumps({"format": SEAL_FORMAT, "keyid": keyid, "public": signer.public_key.to_dict(),
                       "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": b64(salt)},
                       "cipher": "aes-256-gcm", "nonce": b64(nonce), "data": b64(secret)}, sort_keys=True)


def open_key(sealed: str, passphrase: str) -> CryptoSigner:
    """The signer inside ``sealed``; ``PassphraseError`` for a wrong passphrase or an altered key."""
    import base64
    import json

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        doc = json.loads(sealed)
        if doc.get("format") != SEAL_FORMAT:
            raise ValueError(f"unknown format {doc.get('format')!r}")
        kdf = doc["kdf"]
        if kdf["name"] != "scrypt" or not (2**14 <= kdf["n"] <= 2**20):
            raise ValueError("unsupported key derivation")
        key = _scrypt(passphrase, base64.b64decode(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"])
        keyid = str(doc["keyid"])
        nonce, data = base64.b64decode(doc["nonce"]), base64.b64decode(doc["data"])
    except (ValueError, KeyError, TypeError) as e:
        raise FeedPublishError("-", f"sealed key is unreadable: {e}", "create a new signing key") from None
    try:
        private = AESGCM(key).decrypt(nonce, data, keyid.encode("ascii"))
    except InvalidTag:
        raise PassphraseError("-", "wrong signing passphrase (or the stored key was altered)",
                              "type your own signing passphrase, not the login password") from None
    signer = CryptoSigner(load_pem_private_key(private, password=None))
    if signer.public_key.keyid != keyid:
        raise PassphraseError("-", "the sealed key does not match its key id", "create a new signing key")
    return signer


def new_sealed_key(passphrase: str) -> tuple[CryptoSigner, str]:
    """A new ed25519 key and its sealed form (the caller stores only the sealed form)."""
    signer = CryptoSigner.generate_ed25519()
    return signer, seal_key(signer, passphrase)
