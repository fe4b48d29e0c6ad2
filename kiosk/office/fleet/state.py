"""What the fleet page shows of each screen: online or not, versions against the latest, what stands out.

Everything is computed from one query over the screens (their newest status lives on their row)
plus one over their feeds; the latest published version of each feed is read from its signed tree
(cached until the feed's ``timestamp.json`` changes).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from kiosk.feed.errors import FeedError
from kiosk.office.accounts.models import Membership, Role
from kiosk.office.accounts.roles import is_office_admin
from kiosk.office.feeds.models import Feed
from kiosk.office.fleet.conf import FleetSettings
from kiosk.office.fleet.models import Screen

log = logging.getLogger(__name__)


class State(enum.Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    NEVER = "never"  # added, never heard from (not enrolled yet, or enrolled and silent)
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"online": "在线", "offline": "离线", "never": "未上线", "retired": "已停用"}[self.value]


@dataclass(frozen=True)
class Latest:
    version: int
    published: dt.datetime  # aware: when it was signed


@dataclass(frozen=True)
class FeedVersion:
    feed: str
    playing: str | None
    latest: int | None
    behind: bool  # on an older version (or none) longer than the grace period after a publication
    updating: bool  # older, but the publication is recent: screens are still fetching it

    @property
    def label(self) -> str:
        have = self.playing if self.playing is not None else "无"
        return f"{self.feed} {have}" + (f" / {self.latest}" if self.latest is not None else "")


@dataclass
class ScreenRow:
    screen: Screen
    state: State
    long_offline: bool
    clock_ok: bool | None = None  # the newest heartbeat's clock within tolerance (None: no heartbeat yet)
    versions: list[FeedVersion] = field(default_factory=list)

    @property
    def behind(self) -> bool:
        return any(v.behind for v in self.versions)

    @property
    def stands_out(self) -> bool:
        return self.long_offline or self.behind or self.screen.alerts > 0


_latest_lock = threading.Lock()
_latest: dict[str, tuple[tuple[int, int, int], Latest | None]] = {}


def latest_of(feed: Feed) -> Latest | None:
    """The version of ``feed`` screens get now and when it was signed (None before the first)."""
    stamp = feed.tree / "metadata" / "timestamp.json"
    try:
        st = stamp.stat()
    except OSError:
        return None
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    with _latest_lock:
        known = _latest.get(feed.name)
    if known is not None and known[0] == key:
        return known[1]
    from kiosk.feed.repo import FeedRepo

    value: Latest | None = None
    try:
        repo = FeedRepo.load(feed.tree)
        manifest = repo.manifest() if repo.published else None
        if manifest is not None:
            value = Latest(repo.version, manifest.published)
    except (FeedError, OSError, ValueError) as e:
        log.warning("feed %s: cannot read its newest version: %s", feed.name, e)
    with _latest_lock:
        _latest[feed.name] = (key, value)
    return value


def visible_screens(user: Any) -> QuerySet[Screen]:  # noqa: ANN401
    """Screens the person may see: all for office admins, else those following one of their feeds."""
    if is_office_admin(user):
        return Screen.objects.all()
    feeds = Membership.objects.filter(user=user).values("feed")
    return Screen.objects.filter(feeds__in=feeds).distinct()


def manageable(user: Any, screen: Screen, *roles: Role) -> bool:  # noqa: ANN401
    """Office admins, or a holder of one of ``roles`` (default: admin) on one of the screen's feeds."""
    if is_office_admin(user):
        return True
    wanted = [r.value for r in (roles or (Role.ADMIN,))]
    return Membership.objects.filter(user=user, role__in=wanted, feed__in=screen.feeds.all()).exists()


def state_of(retired: dt.datetime | None, last_seen: dt.datetime | None, now: dt.datetime,
             conf: FleetSettings) -> tuple[State, bool]:
    """(state, offline longer than the alert threshold)."""
    if retired is not None:
        return State.RETIRED, False
    if last_seen is None:
        return State.NEVER, False
    silent = (now - last_seen).total_seconds()
    if silent <= conf.offline_after_s:
        return State.ONLINE, False
    return State.OFFLINE, silent > conf.alert_offline_h * 3600


def feeds_by_screen(screens: QuerySet[Screen]) -> dict[int, list[Feed]]:
    """Each screen's feeds, in two queries however many screens (no model per link)."""
    feeds = {f.pk: f for f in Feed.objects.all()}
    out: dict[int, list[Feed]] = defaultdict(list)
    links = Screen.feeds.through.objects.filter(screen__in=screens.order_by().values("pk"))
    for screen_id, feed_id in links.order_by("feed__name").values_list("screen_id", "feed_id"):
        out[screen_id].append(feeds[feed_id])
    return out


class _Versions:
    """Compares what a screen plays with the latest of each feed (the latest read once per feed)."""

    def __init__(self, now: dt.datetime, conf: FleetSettings) -> None:
        self.now, self.grace = now, dt.timedelta(minutes=conf.behind_grace_min)
        self.latest: dict[int, Latest | None] = {}

    def of(self, feeds: list[Feed], versions: dict[str, Any], state: State) -> list[FeedVersion]:
        out = []
        for feed in feeds:
            if feed.pk not in self.latest:
                self.latest[feed.pk] = latest_of(feed)
            out.append(_compare(feed.name, versions.get(feed.name), self.latest[feed.pk], self.now, self.grace,
                                state in (State.ONLINE, State.OFFLINE)))
        return out


@dataclass(frozen=True)
class Brief:
    """What the fleet page filters and counts by, for every screen (read as plain tuples: fast for 10,000)."""

    id: int
    state: State
    long_offline: bool
    behind: bool
    alerts: int

    @property
    def stands_out(self) -> bool:
        return self.long_offline or self.behind or self.alerts > 0


def briefs(screens: QuerySet[Screen], now: dt.datetime, conf: FleetSettings) -> list[Brief]:
    """A :class:`Brief` per screen, in the fleet page's order (village, id)."""
    feeds = feeds_by_screen(screens)
    versions = _Versions(now, conf)
    out = []
    values = screens.order_by("place", "device_id").values_list("id", "retired", "last_seen", "versions", "alerts")
    for pk, retired, last_seen, playing, alerts in values:
        state, long_offline = state_of(retired, last_seen, now, conf)
        behind = any(v.behind for v in versions.of(feeds.get(pk, []), playing or {}, state))
        out.append(Brief(pk, state, long_offline, behind, alerts))
    return out


def rows(screens: QuerySet[Screen], now: dt.datetime, conf: FleetSettings) -> list[ScreenRow]:
    """A full row per screen of ``screens`` (a page of them, or all for the command line)."""
    feeds = feeds_by_screen(screens)
    versions = _Versions(now, conf)
    out = []
    for screen in screens:
        state, long_offline = state_of(screen.retired, screen.last_seen, now, conf)
        offset = screen.clock_offset_s
        row = ScreenRow(screen, state, long_offline, None if offset is None else abs(offset) <= conf.clock_tolerance_s)
        row.versions = versions.of(feeds.get(screen.pk, []), screen.versions, state)
        out.append(row)
    return out


def _compare(feed: str, playing: object, latest: Latest | None, now: dt.datetime, grace: dt.timedelta,
             judged: bool) -> FeedVersion:
    text = None if playing is None else str(playing)
    if latest is None:
        return FeedVersion(feed, text, None, False, False)
    try:
        older = text is None or int(text) < latest.version
    except ValueError:
        older = True  # not a version of this feed (a local folder)
    late = now - latest.published > grace
    return FeedVersion(feed, text, latest.version, judged and older and late, judged and older and not late)
