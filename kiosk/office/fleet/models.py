"""Screens, what they report, the proof of display they upload, and what went wrong.

Storage is shaped for tens of thousands of screens (docs/fleet.md, "Scale"):

- :class:`Screen` holds the newest status on its own row (one UPDATE per heartbeat; no row per
  heartbeat), so the fleet page is one query however many heartbeats arrived.
- :class:`ProofBatch` keeps every accepted upload exactly as received (the records' canonical
  lines, zlib-compressed): the evidence, re-verifiable and exportable as the screen's own log.
- :class:`Span` is the compact timeline the coverage report reads: per screen, the time the player
  ran, the screen-off time and, per notice, the time it was in rotation — a few rows per screen
  and day instead of one row per slide.
- :class:`DeviceEvent` is what went wrong (refused requests, broken chains, replays), coalesced.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

DEVICE_ID = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                           "只能使用字母、数字、.、- 和 _，以字母或数字开头，最多 64 个字符")


class Audience(models.TextChoices):
    PUBLIC = "public", "公共场所（只显示对社会公开的内容）"
    MEMBERS = "members", "党员活动室（也显示党内公开的内容）"


class Screen(models.Model):
    """One screen: who it is, its credentials, its newest status and how far its proof has arrived."""

    device_id = models.CharField("编号", max_length=64, unique=True, validators=[DEVICE_ID])
    name = models.CharField("名称", max_length=80)
    place = models.CharField("所在村（社区）", max_length=60, blank=True, db_index=True)
    audience = models.CharField("公开范围", max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    feeds = models.ManyToManyField("feeds.Feed", related_name="screens", verbose_name="内容源")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    # enrolment: a one-time code (stored as two hashes) exchanged for a token (stored as a hash)
    code_lookup = models.CharField(max_length=64, null=True, blank=True, unique=True)
    code_mac_key = models.CharField(max_length=64, blank=True)
    code_expires = models.DateTimeField(null=True, blank=True)
    code_used = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    public_key = models.CharField(max_length=200, blank=True)  # the screen's own signing key, as it sent it
    enrolled = models.DateTimeField(null=True, blank=True)
    retired = models.DateTimeField(null=True, blank=True)

    # the newest heartbeat
    last_seen = models.DateTimeField(null=True, blank=True)  # no index: heartbeats update it in place (HOT)
    last_ip = models.GenericIPAddressField(null=True, blank=True)
    status_time = models.DateTimeField(null=True, blank=True)  # the screen's clock when it took the snapshot
    last_sent = models.DateTimeField(null=True, blank=True)  # the screen's clock when it sent the newest heartbeat
    versions = models.JSONField(default=dict, blank=True)  # feed -> version playing
    last_error = models.TextField(blank=True)
    showing = models.CharField(max_length=200, blank=True)
    uptime_s = models.FloatField(null=True, blank=True)
    disk_free = models.BigIntegerField(null=True, blank=True)
    last_sync = models.DateTimeField(null=True, blank=True)
    software = models.CharField(max_length=40, blank=True)
    clock_offset_s = models.FloatField(null=True, blank=True)  # screen clock minus office clock
    clock_sane = models.DateTimeField(null=True, blank=True)  # last heartbeat with a clock within tolerance
    shot_requested = models.DateTimeField(null=True, blank=True)

    # proof of display received: the head of the chain held, per chain (a new one after re-enrolment)
    chain = models.PositiveIntegerField(default=1)
    chain_seq = models.BigIntegerField(default=0)
    chain_hash = models.CharField(max_length=64, blank=True)
    chain_open = models.BooleanField(default=True)  # the next upload may start a new chain (after enrolment)
    proof_from = models.DateTimeField(null=True, blank=True)  # start of the oldest record received
    proof_until = models.DateTimeField(null=True, blank=True)  # end of the newest record received
    alerts = models.IntegerField(default=0)  # alerts not yet reviewed
    # the screen's signed checkpoints in the current chain (kiosk.audit.signatures, against public_key)
    signed_seq = models.BigIntegerField(null=True, blank=True)  # the newest checkpoint that verified
    signed_at = models.DateTimeField(null=True, blank=True)  # its time (the screen's clock)
    unsigned_from = models.DateTimeField(null=True, blank=True)  # start of the first record after it

    class Meta:
        ordering = ["place", "device_id"]

    def __str__(self) -> str:
        return f"{self.device_id} {self.name}"


class ProofBatch(models.Model):
    """One accepted upload: its records exactly as received (canonical lines, zlib)."""

    screen = models.ForeignKey(Screen, on_delete=models.PROTECT, related_name="batches")
    chain = models.PositiveIntegerField()
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    start = models.DateTimeField()
    end = models.DateTimeField()
    received = models.DateTimeField()
    nonce = models.CharField(max_length=64, blank=True)
    lines = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["screen", "chain", "first_seq"], name="one_batch_per_seq")]
        indexes = [models.Index(fields=["screen", "chain", "last_seq"], name="batch_screen_last")]


class SpanKind(models.TextChoices):
    RUNNING = "run", "播放器运行"
    SCREEN_OFF = "off", "按时段关屏"
    NOTICE = "show", "轮播中"


class Span(models.Model):
    """A stretch of a screen's timeline, merged as batches arrive (see kiosk.office.fleet.timeline)."""

    screen = models.ForeignKey(Screen, on_delete=models.PROTECT, related_name="spans")
    kind = models.CharField(max_length=4, choices=SpanKind.choices)
    feed = models.CharField(max_length=40, blank=True)
    item = models.CharField(max_length=80, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    seconds = models.FloatField(default=0.0)  # notices: the time actually on screen inside the span
    showings = models.IntegerField(default=0)
    versions = models.CharField(max_length=200, blank=True)  # feed versions seen, comma-separated

    class Meta:
        indexes = [
            models.Index(fields=["screen", "kind", "end"], name="span_screen_kind_end"),
            models.Index(fields=["feed", "item", "end"], name="span_notice_end"),
        ]


class EventKind(models.TextChoices):
    BAD_TOKEN = "bad-token", "凭据无效"
    RETIRED = "retired", "已停用的屏幕"
    WRONG_DEVICE = "wrong-device", "冒用其他屏幕的凭据"
    GARBAGE = "garbage", "无法识别的数据"
    BROKEN_CHAIN = "broken-chain", "证据链断裂"
    REWRITTEN = "rewritten", "已收到的记录被改写"
    REPLAY = "replay", "重放的上传"
    BAD_CODE = "bad-code", "开通码无效"
    RESENT = "resent", "重复发送（已忽略）"
    CHAIN_START = "chain-start", "开始新的证据链"
    BAD_TIME = "bad-time", "记录时间不可能"
    BAD_SIGNATURE = "bad-signature", "签名无效"
    UNSIGNED = "unsigned", "记录缺少签名"


ALERT_KINDS = frozenset({EventKind.WRONG_DEVICE, EventKind.BROKEN_CHAIN, EventKind.REWRITTEN, EventKind.REPLAY,
                         EventKind.RETIRED, EventKind.GARBAGE, EventKind.BAD_TIME, EventKind.BAD_SIGNATURE,
                         EventKind.UNSIGNED})


class DeviceEvent(models.Model):
    """Something a screen (or someone pretending to be one) did that was refused or is worth noting.

    Repeats of the same kind from the same place within a few minutes are counted on one row.
    """

    screen = models.ForeignKey(Screen, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    alert = models.BooleanField(default=False)
    first = models.DateTimeField(db_index=True)
    last = models.DateTimeField()
    count = models.IntegerField(default=1)
    remote = models.GenericIPAddressField(null=True, blank=True)
    claimed = models.CharField(max_length=64, blank=True)  # the device id the request named
    detail = models.TextField()
    evidence = models.BinaryField(null=True, blank=True)  # the refused body (zlib, capped)
    reviewed = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-last"]
        indexes = [models.Index(fields=["screen", "kind", "last"], name="event_screen_kind_last")]


class Screenshot(models.Model):
    """The newest screenshot a screen sent when asked (PNG, checked with Pillow)."""

    screen = models.OneToOneField(Screen, on_delete=models.CASCADE, related_name="screenshot")
    png = models.BinaryField()
    width = models.IntegerField()
    height = models.IntegerField()
    taken = models.DateTimeField()


class PublishedNotice(models.Model):
    """A notice as the feed's signed versions carried it (indexed from the tree, for coverage)."""

    feed = models.ForeignKey("feeds.Feed", on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=80)
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=48)
    audience = models.CharField(max_length=10)
    show_from = models.DateTimeField()
    show_until = models.DateTimeField(null=True, blank=True)
    first_version = models.IntegerField()
    first_published = models.DateTimeField()  # when the first version carrying it was signed
    last_version = models.IntegerField()
    gone_version = models.IntegerField(null=True, blank=True)  # the first version without it (withdrawn)
    gone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "item"], name="one_index_row_per_notice")]
        ordering = ["-show_from", "item"]

    def __str__(self) -> str:
        return f"{self.feed_id}/{self.item} {self.title}"


class NoticeIndex(models.Model):
    """How far a feed's versions have been indexed into :class:`PublishedNotice`."""

    feed = models.OneToOneField("feeds.Feed", on_delete=models.CASCADE, related_name="+")
    version = models.IntegerField(default=0)
