"""Neither the server alone nor one person alone can put a notice on a screen.

The attacker holds a copy of everything the office keeps — the database (every sealed key),
the settings and secret key, the whole data folder with the server's online keys — and ONE
person's signing passphrase (the admin's, the drafter's or the reviewer's).  Every way to
make a screen accept new content or a new root with that is tried; the screen refuses each,
and keeps playing what was approved.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from approvalkit import Office, make_office, notice_text, screen_sync
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, Root

from kiosk.content import load_content
from kiosk.feed.bundle import build_manifest
from kiosk.feed.errors import FeedError, FeedRefusedError
from kiosk.feed.keys import PassphraseError, load_keys, open_key
from kiosk.feed.repo import FeedRepo, RoleSigners, write_version
from kiosk.feed.roots import RootPlan, propose_root, sign_root
from kiosk.feed.store import Store
from kiosk.fsutil import write_bytes
from kiosk.office.accounts.models import SigningKey

pytestmark = pytest.mark.django_db
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def town(tmp_path: Path) -> Office:
    town = make_office()
    town.approve(town.submit_notice("approved", "经过审批的公告"))
    screen_sync(town, tmp_path / "screen")
    return town


def stolen_keys(town: Office, passphrase: str | None) -> list[CryptoSigner]:
    """Every sealed key in the database that this passphrase opens (the attacker tries them all)."""
    opened = []
    for key in SigningKey.objects.all():
        if passphrase is None:
            continue
        try:
            opened.append(open_key(key.sealed, passphrase))
        except PassphraseError:
            continue
    return opened


def evil_content(tmp_path: Path, town: Office) -> Path:
    folder = tmp_path / "evil"
    (folder / "items").mkdir(parents=True)
    (folder / "content.toml").write_text(town.feed.content_toml(), encoding="utf-8")
    (folder / "catalogue.toml").write_text(town.feed.catalogue, encoding="utf-8")
    (folder / "items" / "evil.md").write_text(notice_text("evil", "伪造的公告"), encoding="utf-8")
    return folder


def assert_screen_refuses(town: Office, tmp_path: Path) -> None:
    with pytest.raises(FeedRefusedError):
        screen_sync(town, tmp_path / "screen")
    current = Store(tmp_path / "screen").current("township")
    assert current is not None and {p.name for p in (current / "items").iterdir()} == {"approved.md"}


ATTACKERS = ["admin", "drafter", "reviewer", None]  # None: the server alone, no passphrase at all


@pytest.mark.parametrize("who", ATTACKERS)
def test_one_passphrase_opens_only_its_own_key(town: Office, who: str | None) -> None:
    keys = stolen_keys(town, town[who].passphrase if who else None)
    assert len(keys) == (1 if who else 0)


@pytest.mark.parametrize("who", ATTACKERS)
def test_content_signed_by_one_person_and_the_server_is_refused(town: Office, who: str | None,
                                                                tmp_path: Path) -> None:
    repo = FeedRepo.load(town.feed.tree)
    online = load_keys([town.feed.online_keys])  # the server's keys, in the data folder
    signers = RoleSigners(targets=[k for k in stolen_keys(town, town[who].passphrase if who else None)],
                          snapshot=repo.signers("snapshot", online), timestamp=repo.signers("timestamp", online))
    content = load_content(evil_content(tmp_path, town), feed="township")
    manifest, images = build_manifest(content, "township", NOW)
    write_version(repo, manifest, images, signers, NOW + dt.timedelta(days=30))
    assert_screen_refuses(town, tmp_path)


@pytest.mark.parametrize("who", ATTACKERS)
def test_a_root_changed_by_one_person_is_refused(town: Office, who: str | None, tmp_path: Path) -> None:
    """Make the attacker's own keys the signers: the new root lacks a second old key holder."""
    repo = FeedRepo.load(town.feed.tree)
    mine = stolen_keys(town, town[who].passphrase if who else None)
    fresh = [CryptoSigner.generate_ed25519() for _ in range(2)]
    online = load_keys([town.feed.online_keys])
    by_name = {k.path.stem: k.signer for k in online.values()}
    evil_signers = mine + fresh
    plan = RootPlan(tuple(s.public_key for s in evil_signers), tuple(s.public_key for s in evil_signers),
                    by_name["snapshot"].public_key, by_name["timestamp"].public_key)
    data = propose_root("township", repo.root.signed, plan, NOW).to_bytes()
    for signer in evil_signers:
        data = sign_root(data, signer)
    version = Metadata[Root].from_bytes(data).signed.version
    write_bytes(town.feed.tree / "metadata" / f"{version}.root.json", data)  # past write_root's own checks
    repo = FeedRepo.load(town.feed.tree)
    content = load_content(evil_content(tmp_path, town), feed="township")
    manifest, images = build_manifest(content, "township", NOW)
    write_version(repo, manifest, images, RoleSigners(evil_signers, [by_name["snapshot"]], [by_name["timestamp"]]),
                  NOW + dt.timedelta(days=30))
    assert_screen_refuses(town, tmp_path)


def test_the_same_attack_with_two_passphrases_would_work(town: Office, tmp_path: Path) -> None:
    """The control: with two people's keys the forged version is accepted, so the tests above
    fail for the right reason (one signature missing), not because the forgery is malformed."""
    repo = FeedRepo.load(town.feed.tree)
    online = load_keys([town.feed.online_keys])
    two = stolen_keys(town, town["drafter"].passphrase) + stolen_keys(town, town["reviewer"].passphrase)
    signers = RoleSigners(two, repo.signers("snapshot", online), repo.signers("timestamp", online))
    content = load_content(evil_content(tmp_path, town), feed="township")
    manifest, images = build_manifest(content, "township", NOW)
    write_version(repo, manifest, images, signers, NOW + dt.timedelta(days=30))
    try:
        screen_sync(town, tmp_path / "screen")
    except FeedError as e:  # pragma: no cover - would mean the attack tests prove nothing
        pytest.fail(f"a correctly two-signed version was refused: {e}")
