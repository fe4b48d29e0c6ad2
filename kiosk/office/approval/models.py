"""Publications (a proposed feed version and its signatures) and key changes (a proposed root)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PubKind(models.TextChoices):
    NEW = "new", "新增"
    CORRECT = "correct", "更正"
    WITHDRAW = "withdraw", "撤回"
    IMPORT = "import", "导入"
    RESIGN = "resign", "续签"


class PubStatus(models.TextChoices):
    SIGNING = "signing", "待审核签名"
    PUBLISHED = "published", "已发布"
    REJECTED = "rejected", "已退回"
    STALE = "stale", "需重新签名"
    CANCELLED = "cancelled", "已取消"


class Publication(models.Model):
    """A new version of a feed waiting for (or past) its two signatures."""

    feed = models.ForeignKey("feeds.Feed", on_delete=models.PROTECT, related_name="publications")
    notice = models.ForeignKey("authoring.Notice", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="publications")
    kind = models.CharField(max_length=20, choices=PubKind.choices)
    status = models.CharField(max_length=20, choices=PubStatus.choices, default=PubStatus.SIGNING, db_index=True)
    summary = models.CharField(max_length=300)
    # {"files": {rel: text or None}, "images": {rel: sha256}}: replayed when it must be built again
    edits = models.JSONField(default=dict)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    base_version = models.IntegerField()  # the feed version it was built on
    version = models.IntegerField()  # the version it becomes
    targets = models.BinaryField()  # TUF targets metadata JSON with the signatures so far
    manifest_sha256 = models.CharField(max_length=64)
    changes = models.JSONField(default=dict)  # {"added": [...], "changed": [...], "removed": [...]}
    warnings = models.JSONField(default=list)  # e.g. catalogue categories without a current notice
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)  # why rejected / why it must be signed again

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.feed.name} v{self.version} {self.summary}"


class Signature(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    keyid = models.CharField(max_length=64)
    role = models.CharField(max_length=20)  # "drafter" or "reviewer": in what capacity it was given
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "user"], name="one_signature_per_person")]
        ordering = ["at"]


class KeyStatus(models.TextChoices):
    PENDING = "pending", "待签名"
    APPLIED = "applied", "已生效"
    CANCELLED = "cancelled", "已取消"


class KeyChange(models.Model):
    """A proposed root (who may sign what) waiting for two key holders' signatures."""

    feed = models.ForeignKey("feeds.Feed", on_delete=models.PROTECT, related_name="key_changes")
    version = models.IntegerField()  # the root version it becomes (1 = the feed's first root)
    status = models.CharField(max_length=20, choices=KeyStatus.choices, default=KeyStatus.PENDING, db_index=True)
    summary = models.TextField()
    proposal = models.BinaryField()  # TUF root metadata JSON with the signatures so far
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    applied = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]


class KeyChangeSignature(models.Model):
    key_change = models.ForeignKey(KeyChange, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    keyid = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_change", "user"], name="one_root_signature_per_person")]
