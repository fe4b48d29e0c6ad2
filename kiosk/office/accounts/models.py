"""Roles per feed and personal signing keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    DRAFTER = "drafter", "拟稿人"
    REVIEWER = "reviewer", "审核人"
    SUPERVISOR = "supervisor", "监督人"
    ADMIN = "admin", "管理员"


# who may hold a content-signing key (TUF targets role) and who a root key (key changes)
SIGNING_ROLES = (Role.DRAFTER, Role.REVIEWER)
ROOT_ROLES = (Role.ADMIN, Role.REVIEWER)


class Membership(models.Model):
    """``user`` holds ``role`` on ``feed``; one person may hold several roles on several feeds."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    feed = models.ForeignKey("feeds.Feed", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "feed", "role"], name="one_role_once")]
        ordering = ["feed__name", "role", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.feed.name}"


class SigningKey(models.Model):
    """A person's ed25519 key: the private half only sealed with their own signing passphrase.

    ``sealed`` is :func:`kiosk.feed.keys.seal_key`'s JSON (scrypt + AES-256-GCM); nothing on the
    server can open it without the passphrase, which is never stored.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signing_key")
    keyid = models.CharField(max_length=64, unique=True)
    public_key = models.JSONField()  # securesystemslib key dict (what goes into root.json)
    sealed = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} {self.keyid[:12]}"
