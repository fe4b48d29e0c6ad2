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
        return KeyFile(path, CryptoSigner(private))  # type: ignore[arg-type]
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
