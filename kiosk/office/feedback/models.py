"""What residents send (comments on notices, 依申请公开 requests) and the office's answers.

One ``Submission`` per thing sent, found by its receipt code (查询码).  Contact details
(``name``, ``contact``) and the keyed hash of the sender's address (``client``, kept only for
rate limits) are erased by ``retention.purge``; the rest stays for the archive.  Every
change of state goes to the office's history (kiosk.office.history), never the resident's text
or contact details (the history is kept forever; those are not).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    COMMENT = "comment", "意见"
    REQUEST = "request", "信息公开申请"


class Status(models.TextChoices):
    NEW = "new", "新收到"
    IN_PROGRESS = "in_progress", "处理中"
    ANSWERED = "answered", "已答复"
    REJECTED = "rejected", "不予受理"


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.ANSWERED, Status.REJECTED)


class Delivery(models.TextChoices):
    """How a requester wants the information (政府信息公开条例 art. 29: 获取信息的方式)."""

    ONLINE = "online", "在本网站用查询码查看"
    PICKUP = "pickup", "到办公室当面领取"
    POST = "post", "邮寄纸质材料"
    EMAIL = "email", "电子邮件"


class Submission(models.Model):
    feed = models.ForeignKey("feeds.Feed", on_delete=models.PROTECT, related_name="submissions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField("查询码", max_length=10, unique=True)
    # the notice it is about, as the resident saw it (requests may name none)
    item_id = models.CharField(max_length=80, blank=True)
    item_title = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=48, blank=True)
    category_name = models.CharField(max_length=60, blank=True)
    device = models.CharField("屏幕", max_length=64, blank=True)
    body = models.TextField()  # the comment; for a request: the information asked for
    purpose = models.TextField(blank=True)  # requests: 用途
    delivery = models.CharField(max_length=10, choices=Delivery.choices, blank=True)  # requests
    anonymous = models.BooleanField(default=False)
    name = models.CharField(max_length=60, blank=True)
    contact = models.CharField(max_length=200, blank=True)
    contact_erased_at = models.DateTimeField(null=True, blank=True)
    client = models.CharField(max_length=32, blank=True)  # keyed hash of the address
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created = models.DateTimeField(db_index=True)
    received_on = models.DateField()  # local date the periods count from
    due_on = models.DateField()
    extended = models.BooleanField(default=False)
    first_answer_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["feed", "status", "created"], name="feedback_inbox"),
            models.Index(fields=["feed", "item_id"], name="feedback_by_notice"),
            models.Index(fields=["client", "created"], name="feedback_by_client"),
            models.Index(fields=["device", "created"], name="feedback_by_device"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due_on < today

    @property
    def assignee_name(self) -> str:
        if self.assignee is None:
            return ""
        return self.assignee.get_full_name().strip() or self.assignee.get_username()

    @property
    def has_contact(self) -> bool:
        return bool(self.name or self.contact)


class AnswerKind(models.TextChoices):
    REPLY = "reply", "答复"
    REJECTION = "rejection", "不予受理的理由"
    EXTENSION = "extension", "延期答复告知"


class Answer(models.Model):
    """What the office tells the resident: privately (with the receipt code) or publicly (under the notice)."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="answers")
    kind = models.CharField(max_length=10, choices=AnswerKind.choices, default=AnswerKind.REPLY)
    public = models.BooleanField(default=False)
    question = models.TextField(blank=True)  # public answers: the question as published (no personal data)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)  # a public answer taken down

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.submission.code}"


class Hit(models.Model):
    """One counted event for a rate limit (failed receipt-code lookups), pruned after a day."""

    scope = models.CharField(max_length=16)
    key = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"], name="feedback_hits")]
