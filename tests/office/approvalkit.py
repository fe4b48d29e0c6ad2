"""A feed with its people, keys and first root, for approval and attack tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from kiosk.content.writer import DraftBlock, ItemDraft, write_item
from kiosk.feed.keys import new_sealed_key
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import SyncResult, sync_feed
from kiosk.office.accounts.models import Membership, Role, SigningKey
from kiosk.office.approval import keychanges
from kiosk.office.approval.building import Edits
from kiosk.office.approval.models import PubKind, Publication
from kiosk.office.approval.service import sign, submit
from kiosk.office.authoring.models import Notice
from kiosk.office.feeds.models import Feed

CATALOGUE = """\
[[category]]
id = "decisions"
name = "党内决策情况"

[[category]]
id = "organisation"
name = "党的组织管理情况"
"""


@dataclass
class Person:
    user: Any
    passphrase: str
    password: str = "login-pass-123"


@dataclass
class Office:
    feed: Feed
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Person:
        return self.people[name]

    def add_person(self, username: str, *roles: Role, key: bool = True) -> Person:
        user = get_user_model().objects.create_user(username=username, password="login-pass-123",
                                                    first_name=username)
        phrase = f"{username}-passphrase"
        if key:
            signer, sealed = new_sealed_key(phrase)
            SigningKey.objects.create(user=user, keyid=signer.public_key.keyid,
                                      public_key=signer.public_key.to_dict(), sealed=sealed)
        for role in roles:
            Membership.objects.create(user=user, feed=self.feed, role=role)
        self.people[username] = Person(user, phrase)
        return self.people[username]

    def submit_notice(self, item_id: str, title: str = "", by: str = "drafter", kind: PubKind = PubKind.NEW,
                      body: str = "第一段正文。") -> Publication:
        text = notice_text(item_id, title or f"{item_id} 公示", body)
        notice, _ = Notice.objects.get_or_create(feed=self.feed, item_id=item_id, defaults={
            "title": title or item_id, "created_by": self[by].user, "updated_by": self[by].user})
        return submit(self.feed, self[by].user, self[by].passphrase, kind, f"新增：{title or item_id}",
                      Edits({f"items/{item_id}.md": text}, {}), notice)

    def approve(self, pub: Publication, by: str = "reviewer") -> Publication:
        sign(pub, self[by].user, self[by].passphrase)
        pub.refresh_from_db()
        return pub

    def source(self) -> FeedSource:
        return FeedSource(name=self.feed.name, url=self.feed.tree.as_uri(), root_path=self.feed.root_json)


def notice_text(item_id: str, title: str, body: str = "第一段正文。") -> str:
    return write_item(ItemDraft(id=item_id, category="decisions", title=title, issuer="中共青禾镇委员会",
                                date=dt.date(2026, 11, 2), blocks=(DraftBlock("p", body),)))


def make_office(name: str = "township") -> Office:
    """Feed ``name`` with admin, drafter, reviewer (key holders), supervisor, and its first root."""
    feed = Feed.objects.create(name=name, publisher="中共青禾镇委员会", catalogue=CATALOGUE)
    office = Office(feed)
    office.add_person("admin", Role.ADMIN)
    office.add_person("drafter", Role.DRAFTER)
    office.add_person("reviewer", Role.REVIEWER)
    office.add_person("supervisor", Role.SUPERVISOR, key=False)
    change = keychanges.propose(feed, office["admin"].user)
    keychanges.sign(change, office["admin"].user, office["admin"].passphrase)
    keychanges.sign(change, office["reviewer"].user, office["reviewer"].passphrase)
    return office


def screen_sync(office: Office, state: Path) -> SyncResult:
    """What a screen does: verify and import the feed (file:// URL, same code as HTTP)."""
    return sync_feed(office.source(), Store(state))
