"""Helpers for the fleet tests: a published feed, enrolled screens, hash-chained display records."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.test import Client

from kiosk.audit.records import GENESIS, IDLE, NOTICE, PLAYER_START, SCREEN_OFF, Record
from kiosk.device.credentials import code_lookup
from kiosk.feed.publish import publish
from kiosk.feed.repo import init_feed
from kiosk.office.datadir import DataDir

sys.path.insert(0, str(Path(__file__).parent.parent / "feed"))
from feedkit import CATALOGUE, make_content  # noqa: E402

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def make_feed(office: DataDir, tmp_path: Path, name: str = "township", items: dict[str, str] | None = None,
              when: dt.datetime = NOW) -> Any:  # noqa: ANN401
    """A Feed row with a tree published at ``when`` (threshold 1, keys in tmp_path/keys-NAME)."""
    from kiosk.office.feeds.models import Feed

    tree = office.feed(name)
    keys = tmp_path / f"keys-{name}"
    init_feed(tree, keys, when, threshold=1)
    publish(make_content(tmp_path / f"content-{name}", items), tree, [keys], when)
    return Feed.objects.create(name=name, publisher="青禾镇党委", catalogue=CATALOGUE)


def republish(office: DataDir, tmp_path: Path, name: str, items: dict[str, str]) -> None:
    tree = office.feed(name)
    publish(make_content(tmp_path / f"content-{name}-{len(items)}-{dt.datetime.now().timestamp()}", items), tree,
            [tmp_path / f"keys-{name}"], dt.datetime.now(dt.UTC))


def enrol(client: Client, code: str, public_key: str | None = None) -> dict[str, Any]:
    response = client.post("/device/v1/enrol", {"code": code_lookup(code), "public_key": public_key},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return dict(response.json()["reply"])


def add_enrolled(client: Client, device_id: str, feeds: Sequence[Any], place: str = "柳溪村",  # noqa: ANN401
                 audience: str = "public") -> tuple[Any, str]:  # noqa: ANN401
    """(Screen, token) of a screen added and enrolled through the API."""
    from kiosk.office.fleet.enrolment import add_screen

    screen, code = add_screen(device_id, f"{place}{device_id}", place, audience, feeds, actor="测试")
    token = enrol(client, code)["token"]
    screen.refresh_from_db()
    return screen, token


def beat_body(device: str, **extra: Any) -> dict[str, Any]:  # noqa: ANN401
    """A heartbeat as kiosk.device.heartbeat sends it, taken now."""
    from django.utils import timezone

    now = timezone.localtime().replace(tzinfo=None).isoformat(timespec="seconds")
    return {"device": device, "time": now, "sent": now, "uptime_s": 3600.5, "disk_free_bytes": 12_000_000_000,
            "versions": {"township": "1"}, "last_sync": now, "last_error": None, "showing": "township/plan",
            "audit_head": None, "dropped": 0, "software": "0.1.0", **extra}


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client: Client, path: str, body: Any, token: str | None = None) -> Any:  # noqa: ANN401
    extra = auth(token) if token else {}
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(path, data, content_type="application/json", **extra)


@dataclass
class Chain:
    """A screen's display log being written: records sealed and linked like kiosk.audit.log does."""

    records: list[Record] = field(default_factory=list)

    @property
    def head(self) -> tuple[int, str]:
        return (self.records[-1].seq, self.records[-1].hash) if self.records else (0, GENESIS)

    def add(self, kind: str, start: dt.datetime, end: dt.datetime, item: str | None = None, feed: str | None = None,
            version: str | None = "2", window: tuple[dt.datetime, dt.datetime | None] | None = None) -> Record:
        seq, prev = self.head
        rec = Record(seq=seq + 1, kind=kind, start=start, end=end, item=item, feed=feed if item else None,
                     version=version if item else None, page=0 if item else None, region=(0, 0, 1920, 1080),
                     frame="ab" * 32, window=window, prev=prev)
        sealed, _ = rec.sealed()
        self.records.append(sealed)
        return sealed

    def play(self, start: dt.datetime, end: dt.datetime, items: Sequence[str], feed: str = "township",
             slide: dt.timedelta = dt.timedelta(seconds=20), idle_every: int = 0, start_mark: bool = True,
             windows: dict[str, tuple[dt.datetime, dt.datetime | None]] | None = None) -> None:
        """Rotate ``items`` (slides of ``slide``) from ``start`` to ``end``, after a player-start mark."""
        if start_mark:
            self.add(PLAYER_START, start, start)
        t, n = start, 0
        while t < end:
            stop = min(end, t + slide)
            if idle_every and n % idle_every == idle_every - 1:
                self.add(IDLE, t, stop)
            else:
                item = items[n % len(items)]
                self.add(NOTICE, t, stop, item, feed, window=(windows or {}).get(item))
            t, n = stop, n + 1

    def dark(self, start: dt.datetime, end: dt.datetime, piece: dt.timedelta = dt.timedelta(minutes=10)) -> None:
        t = start
        while t < end:
            stop = min(end, t + piece)
            self.add(SCREEN_OFF, t, stop)
            t = stop


def lines(records: Iterable[Record]) -> list[bytes]:
    return [r.line().rstrip(b"\n") for r in records]


def batch(device: str, records: Sequence[Record], nonce: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"device": device, "records": [json.loads(r.line()) for r in records],
                            "first_seq": records[0].seq, "last_seq": records[-1].seq,
                            "head": {"seq": records[-1].seq, "hash": records[-1].hash}}
    if nonce is not None:
        body["nonce"] = nonce
    return body


def upload(client: Client, token: str, device: str, records: Sequence[Record], size: int = 500,
           nonce: str | None = None) -> list[Any]:  # noqa: ANN401
    out = []
    for i in range(0, len(records), size):
        out.append(post(client, "/device/v1/audit", batch(device, records[i:i + size], nonce), token))
    return out



# ---------------------------------------------------------------- a fortnight of a 任前公示

START = dt.datetime(2026, 11, 2, 9, 0)  # Monday 09:00
UNTIL = dt.datetime(2026, 11, 16, 9, 0)  # two weeks later
WINDOW = (START, UNTIL)
ON, OFF = dt.time(7, 30), dt.time(19, 0)  # display hours, every day
ROTATION = ["plan", "gs-07", "dues"]
MINUTE = dt.timedelta(minutes=1)


def notice(item_id: str, title: str, window: bool = False, audience: str = "public") -> str:
    dates = f"show_from = {START.isoformat()}\nshow_until = {UNTIL.isoformat()}\n" if window else ""
    return (f'+++\nid = "{item_id}"\ncategory = "organisation"\ntitle = "{title}"\nissuer = "中共青禾镇委员会"\n'
            f'date = 2026-11-02\n{dates}audience = "{audience}"\n+++\n拟任人选公示。\n')


ITEMS = {"gs-07": notice("gs-07", "关于张三同志任前公示", window=True), "plan": notice("plan", "年度工作计划"),
         "dues": notice("dues", "党费收缴情况")}


def at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time)


def fortnight(chain: Chain, *, outage: tuple[dt.datetime, dt.datetime] | None = None,
              other: tuple[dt.datetime, dt.datetime] | None = None) -> None:
    """From 2026-11-01 to 2026-11-16 noon: dark at night, the rotation by day (one-minute slides)."""
    day = dt.date(2026, 11, 1)
    stops = [(t, "outage") for t in outage or ()] + [(t, "other") for t in other or ()]
    while day <= dt.date(2026, 11, 16):
        chain.dark(at(day, dt.time()), at(day, ON))
        cuts = sorted([at(day, ON), at(day, OFF), *[t for t, _ in stops if t.date() == day]])
        for a, b in zip(cuts, cuts[1:], strict=False):
            if outage and outage[0] <= a < outage[1]:
                continue  # no records at all: the player was not running
            items = ["plan", "dues"] if other and other[0] <= a < other[1] else ROTATION
            chain.play(a, b, items, slide=MINUTE, start_mark=a != at(day, ON) or day.day == 1,
                       windows={"gs-07": WINDOW})
        chain.dark(at(day, OFF), at(day + dt.timedelta(days=1), dt.time()))
        day += dt.timedelta(days=1)


def build_fortnight(client: Client, office: DataDir, tmp_path: Path) -> dict[str, Any]:
    """Feeds township (with gs-07) and liuxi; screens a, b (outage), c (members; a break, then silent), d (liuxi)."""
    from django.utils import timezone

    from kiosk.office.fleet import notices
    from kiosk.office.fleet.models import Screen

    township = make_feed(office, tmp_path, items=ITEMS, when=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    village = make_feed(office, tmp_path, "liuxi", items={"v1": notice("v1", "村务")},
                        when=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    screens = {name: add_enrolled(client, name, [township], audience=aud)
               for name, aud in (("a", "public"), ("b", "public"), ("c", "members"))}
    add_enrolled(client, "d", [village])
    Screen.objects.update(created=timezone.make_aware(dt.datetime(2026, 10, 1)))
    chains = {name: Chain() for name in screens}
    fortnight(chains["a"])
    fortnight(chains["b"], outage=(dt.datetime(2026, 11, 3, 10), dt.datetime(2026, 11, 3, 13)))
    fortnight(chains["c"], other=(dt.datetime(2026, 11, 6, 14), dt.datetime(2026, 11, 6, 15, 30)))
    silent = dt.datetime(2026, 11, 14, 12)  # c stopped reporting: nothing after this reached the office
    chains["c"].records = [r for r in chains["c"].records if r.end <= silent]
    for name, (_, token) in screens.items():
        upload(client, token, name, chains[name].records)
    notices.refresh(township)
    return {"feed": township, "chains": chains, "tokens": {n: t for n, (_, t) in screens.items()}}
