"""A feed the office publishes: its publisher, catalogue and where its signed tree lives."""

from __future__ import annotations

from pathlib import Path

from django.core.validators import RegexValidator
from django.db import models

from kiosk.office.paths import data_dir, public_url

# "s" and "request" are fixed routes of the residents' pages (/p/s/<code>/, /p/request/): a feed so
# named would be shadowed by them.
RESERVED_FEED_NAMES = ("s", "request")
FEED_NAME = RegexValidator(rf"^(?!(?:{'|'.join(RESERVED_FEED_NAMES)})$)[a-z0-9][a-z0-9_-]{{0,39}}$",
                           "只能使用小写字母、数字、- 和 _，以字母或数字开头，最多 40 个字符；"
                           "不能用保留名称 s、request")


class Label(models.TextChoices):
    PARTY = "党务公开", "党务公开"
    VILLAGE = "村务公开", "村务公开"
    GOVERNMENT = "政务公开", "政务公开"
    FACTORY = "厂务公开", "厂务公开"


class Feed(models.Model):
    name = models.CharField("名称（英文）", max_length=40, unique=True, validators=[FEED_NAME])
    publisher = models.CharField("发布机构", max_length=60)  # content.toml name: shown in the screens' header
    label = models.CharField("公开类别", max_length=10, choices=Label.choices, default=Label.PARTY)
    catalogue = models.TextField("公开目录（catalogue.toml）")
    logo = models.CharField("标志图片", max_length=120, blank=True)  # a path in the content: images/logo.png
    led = models.BooleanField("有 LED 屏", default=False)
    led_region = models.CharField("LED 区域", max_length=20, default="384x96")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.publisher} {self.label}"

    @property
    def tree(self) -> Path:
        """The signed feed tree (metadata/ and targets/)."""
        return data_dir().feed(self.name)

    @property
    def online_keys(self) -> Path:
        return data_dir().online_keys / self.name

    @property
    def root_json(self) -> Path:
        """What a screen's ``[[feed]] root`` needs: the first root of the chain."""
        return self.tree / "metadata" / "1.root.json"

    @property
    def url_path(self) -> str:
        return f"/feeds/{self.name}/"

    @property
    def url(self) -> str:
        return public_url() + self.url_path

    def content_toml(self) -> str:
        """The feed's ``content.toml``: publisher, label, logo and the residents' feedback pages."""
        lines = [f"name = {_toml(self.publisher)}", f"label = {_toml(self.label)}"]
        if self.logo:
            lines.append(f"logo = {_toml(self.logo)}")
        lines.append(f"feedback_url = {_toml(self.feedback_template())}")
        return "# Written by the kiosk office: edit the feed's settings in the console.\n" + "\n".join(lines) + "\n"

    def feedback_template(self) -> str:
        """The ``feedback_url`` every notice of this feed carries (placeholders see kiosk/qr.py)."""
        return feedback_template(public_url(), self.name)


def feedback_template(base: str, feed: str) -> str:
    """``<public_url>/p/<feed>/{item}/?d={device}``: the residents' page of a notice (issue 14)."""
    return f"{base.rstrip('/')}/p/{feed}/{{item}}/?d={{device}}"


def _toml(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string
