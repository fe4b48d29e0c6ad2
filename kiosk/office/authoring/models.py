"""Notices being written and the images uploaded for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models

from kiosk.office.paths import data_dir


class NoticeState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    REJECTED = "rejected", "已退回"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class Notice(models.Model):
    """One notice of a feed (the ``id`` of its item file), its working copy and what screens show."""

    feed = models.ForeignKey("feeds.Feed", on_delete=models.PROTECT, related_name="notices")
    item_id = models.CharField("编号", max_length=80)
    state = models.CharField(max_length=20, choices=NoticeState.choices, default=NoticeState.DRAFT)
    draft = models.JSONField(default=dict)  # the form's fields and body blocks (see authoring.itemform)
    title = models.CharField(max_length=200, blank=True)  # of the working copy, for lists
    category = models.CharField(max_length=48, blank=True)
    published_text = models.TextField(blank=True)  # the item file screens have now ("" = not on screens)
    published_version = models.IntegerField(null=True, blank=True)
    reject_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "item_id"], name="one_notice_per_id")]
        ordering = ["-updated"]

    def __str__(self) -> str:
        return f"{self.feed.name}/{self.item_id} {self.title}"

    @property
    def on_screens(self) -> bool:
        return bool(self.published_text)

    def draft_fields(self) -> dict[str, Any]:
        return dict(self.draft.get("fields", {}))


class UploadedImage(models.Model):
    """An image checked like the screen checks it, EXIF-rotated and re-encoded (metadata dropped)."""

    feed = models.ForeignKey("feeds.Feed", on_delete=models.PROTECT, related_name="images")
    sha256 = models.CharField(max_length=64)
    name = models.CharField(max_length=120)  # the path in the content folder: images/<name>
    width = models.IntegerField()
    height = models.IntegerField()
    size = models.IntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "name"], name="one_image_per_name")]
        ordering = ["-created"]

    @property
    def path(self) -> Path:
        return data_dir().uploads / f"{self.sha256}{Path(self.name).suffix.lower()}"
