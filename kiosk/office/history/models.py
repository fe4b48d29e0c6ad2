"""One row per action; rows are never changed or deleted (model, queryset and database refuse)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from django.conf import settings
from django.db import models

GENESIS = "0" * 64


class AppendOnlyError(Exception):
    """History rows are never changed or deleted."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:  # noqa: ANN401
        raise AppendOnlyError("history events are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("history events are never deleted")


class Event(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)  # kept as written, whatever happens to the account
    action = models.CharField(max_length=40, db_index=True)
    feed = models.CharField(max_length=40, blank=True, db_index=True)  # a name: history outlives feeds
    subject = models.CharField(max_length=200, blank=True, db_index=True)  # e.g. "notice:2026-dues-q3"
    summary = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects: ClassVar[EventQuerySet] = EventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        if self.pk is not None:
            raise AppendOnlyError("history events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:  # noqa: ANN401
        raise AppendOnlyError("history events are never deleted")

    def payload(self) -> dict[str, Any]:
        """What the hash covers (everything but the id and the hash itself)."""
        return {"at": self.at.isoformat(), "actor": self.actor_id, "actor_name": self.actor_name,
                "action": self.action, "feed": self.feed, "subject": self.subject, "summary": self.summary,
                "details": self.details, "ip": self.ip, "prev": self.prev_hash}

    def compute_hash(self) -> str:
        text = json.dumps(self.payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Head(models.Model):
    """A single row locked while appending, so concurrent writers form one chain."""

    last_hash = models.CharField(max_length=64, default=GENESIS)
    count = models.BigIntegerField(default=0)
