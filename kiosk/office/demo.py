"""``kiosk office init --demo``: the demo township's office, published and ready to try.

The built-in demo content (the fictional 青禾镇, ``assets/demo``) is split into two feeds, as a
real township would publish them: ``township`` (中共青禾镇委员会, 党务公开: the eight standard
categories) and ``liuxi`` (青禾镇柳溪村民委员会, 村务公开: the village's two categories).  Demo
accounts get random login passwords and signing passphrases, printed once; then each feed's
first root is signed by two key holders and its content imported, signed by the drafter and
approved (second signature) by the reviewer — the same path as every later publication.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from kiosk.content.loader import read_text
from kiosk.feed.keys import new_sealed_key
from kiosk.office.accounts.models import Membership, Role, SigningKey
from kiosk.office.approval import keychanges
from kiosk.office.approval.models import PubKind
from kiosk.office.approval.service import sign, submit
from kiosk.office.authoring.importing import notices_for, read_folder
from kiosk.office.feeds.models import Feed, Label, LedPalette
from kiosk.office.history.api import record
from kiosk.office.setup import random_secret


def demo_content() -> Path:
    from kiosk.resources import DEMO_CONTENT

    return Path(DEMO_CONTENT)


@dataclass(frozen=True)
class DemoPerson:
    username: str
    name: str
    role: Role
    password: str
    passphrase: str


@dataclass
class DemoReport:
    people: list[DemoPerson] = field(default_factory=list)
    feeds: list[tuple[Feed, int]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = ["", "Demo township 青禾镇: accounts (shown only now; nothing is stored in clear):"]
        for p in self.people:
            login = f"account: {p.username:<9} password: {p.password}" if p.password else f"account: {p.username:<9}"
            phrase = f"   signing passphrase: {p.passphrase}" if p.passphrase else ""
            out.append(f"  {login}{phrase}   ({p.name}, {p.role.label})")
        out.append("Feeds (for a screen's [[feed]]: url = <public_url><path>, root = the file):")
        for feed, version in self.feeds:
            out.append(f"  {feed.name}: {feed.publisher} {feed.label}, version {version}, {feed.url_path}, "
                       f"{feed.root_json}")
        return out


PEOPLE = (("wangfang", "王芳", Role.DRAFTER), ("liqiang", "李强", Role.REVIEWER), ("zhaomin", "赵敏", Role.SUPERVISOR))
VILLAGE_GROUP = "村务公开"


def split_demo(source: Path, dest: Path) -> dict[str, Path]:
    """The demo folder as two content folders: 党务 (township) and 村务 (liuxi)."""
    catalogue = tomllib.loads(read_text(source / "catalogue.toml"))["category"]
    village = {c["id"] for c in catalogue if c.get("group") == VILLAGE_GROUP}
    folders = {"township": dest / "township", "liuxi": dest / "liuxi"}
    for folder in folders.values():
        (folder / "items").mkdir(parents=True)
    for item in sorted((source / "items").glob("*.md")):
        text = read_text(item)
        category = re.search(r'^category\s*=\s*"([^"]+)"', text, re.M)
        target = folders["liuxi" if category and category[1] in village else "township"]
        (target / "items" / item.name).write_text(text, encoding="utf-8")
        for rel in re.findall(r'"(images/[^"]+)"|\((images/[^)]+)\)', text):
            _copy(source, target, rel[0] or rel[1])
    _copy(source, folders["township"], "images/logo.png")
    return folders


def _copy(source: Path, target: Path, rel: str) -> None:
    (target / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / rel, target / rel)


def _catalogue(source: Path, village: bool) -> str:
    """The demo catalogue's 党务 or 村务 categories, as catalogue.toml text."""
    text = read_text(source / "catalogue.toml")
    blocks = re.split(r"(?m)^(?=\[\[category\]\])", text)
    keep = [b.strip() for b in blocks[1:] if (f'group = "{VILLAGE_GROUP}"' in b) == village]
    keep = [re.sub(rf'(?m)^group = "{VILLAGE_GROUP}"\n?', "", b).strip() for b in keep]
    return "\n\n".join(keep) + "\n"


def _person(username: str, name: str, role: Role) -> tuple[User, DemoPerson]:
    password, passphrase = random_secret(), random_secret(16) if role is not Role.SUPERVISOR else ""
    user = get_user_model().objects.create_user(username=username, password=password, first_name=name)
    if passphrase:  # a supervisor reads; they sign nothing
        signer, sealed = new_sealed_key(passphrase)
        SigningKey.objects.create(user=user, keyid=signer.public_key.keyid, public_key=signer.public_key.to_dict(),
                                  sealed=sealed)
    record("account.create", f"新建演示账号 {username}（{name}）", actor="系统", subject=f"user:{user.pk}")
    return user, DemoPerson(username, name, role, password, passphrase)


def load_demo(admin_username: str = "admin") -> DemoReport:
    """Create the demo people and feeds and publish the demo content (needs an empty office)."""
    report = DemoReport()
    source = demo_content()
    user_model = get_user_model()
    admin = user_model.objects.get(username=admin_username)
    admin_phrase = random_secret(16)
    signer, sealed = new_sealed_key(admin_phrase)
    SigningKey.objects.create(user=admin, keyid=signer.public_key.keyid, public_key=signer.public_key.to_dict(),
                              sealed=sealed)
    report.people.append(DemoPerson(admin_username, "管理员", Role.ADMIN, "", admin_phrase))
    people: dict[Role, tuple[User, DemoPerson]] = {}
    with transaction.atomic():
        for username, name, role in PEOPLE:
            people[role] = _person(username, name, role)
            report.people.append(people[role][1])
    feeds = {"township": Feed.objects.create(name="township", publisher="中共青禾镇委员会", label=Label.PARTY,
                                             catalogue=_catalogue(source, village=False), logo="images/logo.png"),
             # the village's service centre has a red LED board over its door besides its lobby screen
             "liuxi": Feed.objects.create(name="liuxi", publisher="青禾镇柳溪村民委员会", label=Label.VILLAGE,
                                          catalogue=_catalogue(source, village=True), led=True,
                                          led_region="384x96", led_palette=LedPalette.RED)}
    drafter, reviewer = people[Role.DRAFTER], people[Role.REVIEWER]
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        folders = split_demo(source, Path(tmp))
        for name, feed in feeds.items():
            record("feed.create", f"新建内容源 {feed.publisher}（{feed.label}）", actor=admin, feed=feed.name)
            Membership.objects.create(user=admin, feed=feed, role=Role.ADMIN)
            for role, (user, _) in people.items():
                Membership.objects.create(user=user, feed=feed, role=role)
            change = keychanges.propose(feed, admin)
            keychanges.sign(change, admin, admin_phrase)
            keychanges.sign(change, reviewer[0], reviewer[1].passphrase)
            (folders[name] / "content.toml").write_text(feed.content_toml(), encoding="utf-8")
            (folders[name] / "catalogue.toml").write_text(feed.catalogue, encoding="utf-8")
            imported = read_folder(folders[name], feed)
            notices_for(feed, imported, drafter[0])
            pub = submit(feed, drafter[0], drafter[1].passphrase, PubKind.IMPORT,
                         f"导入演示内容（{len(imported.content.items)} 条公告）", imported.edits)
            sign(pub, reviewer[0], reviewer[1].passphrase)
            pub.refresh_from_db()
            report.feeds.append((feed, pub.version))
    return report
