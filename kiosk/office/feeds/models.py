"""A feed the office publishes: its publisher, catalogue and where its signed tree lives."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from django.core.validators import RegexValidator
from django.db import models

from kiosk.config import ConfigError, LedSettings, parse_config
from kiosk.office.paths import data_dir, public_url

log = logging.getLogger(__name__)

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


class LedPalette(models.TextChoices):
    """The colours an LED board can light (the device setting ``led.palette``)."""

    RED = "red", "单色（红）"
    RED_GREEN = "red-green", "双色（红、绿、黄）"
    FULL = "full", "全彩"


class Feed(models.Model):
    name = models.CharField("名称（英文）", max_length=40, unique=True, validators=[FEED_NAME])
    publisher = models.CharField("发布机构", max_length=60)  # content.toml name: shown in the screens' header
    label = models.CharField("公开类别", max_length=10, choices=Label.choices, default=Label.PARTY)
    catalogue = models.TextField("公开目录（catalogue.toml）")
    logo = models.CharField("标志图片", max_length=120, blank=True)  # a path in the content: images/logo.png
    # LED boards among the feed's screens: the region their controller cards sample (the device's
    # [led] width/height) and their colours; the preview then also draws what those boards show.
    led = models.BooleanField("有 LED 屏", default=False)
    led_region = models.CharField("LED 区域", max_length=20, default="384x96")
    led_palette = models.CharField("LED 颜色", max_length=10, choices=LedPalette.choices, default=LedPalette.RED)
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

    @property
    def led_region_label(self) -> str:
        return self.led_region.replace("x", "×")

    def led_settings(self) -> LedSettings | None:
        """The ``[led]`` settings of the feed's LED boards (the device defaults for the rest), or
        None when the feed has no LED screens."""
        if not self.led:
            return None
        try:
            width, height = parse_region(self.led_region)
            led = {"enabled": True, "width": width, "height": height, "palette": self.led_palette}
            return parse_config({"led": led}, Path(f"feed {self.name}")).led
        except (ValueError, ConfigError) as e:  # only the settings form writes these: say so, preview without
            log.error("feed %s: LED settings not usable (%s); previews leave the LED board out", self.name, e)
            return None

    def feedback_template(self) -> str:
        """The ``feedback_url`` every notice of this feed carries (placeholders see kiosk/qr.py)."""
        return feedback_template(public_url(), self.name)


def parse_region(text: str) -> tuple[int, int]:
    """``"384x96"`` (also ``384×96``, ``384*96``, spaces allowed) -> (384, 96); ValueError otherwise."""
    found = re.fullmatch(r"\s*(\d{1,5})\s*[xX×*]\s*(\d{1,5})\s*", text)
    if found is None:
        raise ValueError(f"not WIDTHxHEIGHT: {text!r}")
    return int(found[1]), int(found[2])


def feedback_template(base: str, feed: str) -> str:
    """``<public_url>/p/<feed>/{item}/?d={device}``: the residents' page of a notice (issue 14)."""
    return f"{base.rstrip('/')}/p/{feed}/{{item}}/?d={{device}}"


def _toml(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string
