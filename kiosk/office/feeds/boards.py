"""The feed's LED boards: whether its screens include LED boards, their region and colours.

An LED board's controller card samples a rectangle of the HDMI picture; the device config says
which (``[led] width``/``height``/``palette``).  The office cannot read its screens' configs, so
a feed administrator states here what the feed's boards are, and every preview of the feed's
notices then also shows them as those boards draw them (``kiosk.render.led``).  Ranges and colours
are the player's own (``kiosk.config.LedSettings``).
"""

from __future__ import annotations

import dataclasses

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kiosk.config import LedSettings, Spec
from kiosk.office.accounts.models import Role
from kiosk.office.accounts.roles import feed_view
from kiosk.office.feeds.models import Feed, LedPalette, parse_region
from kiosk.office.history.api import record


def _limits(name: str) -> tuple[int, int]:
    """The player's accepted range of ``[led] name``."""
    spec = next(f for f in dataclasses.fields(LedSettings) if f.name == name).metadata["spec"]
    assert isinstance(spec, Spec) and spec.lo is not None and spec.hi is not None
    return int(spec.lo), int(spec.hi)


class LedForm(forms.Form):
    led = forms.BooleanField(label="这个内容源的屏幕中有 LED 屏（走字屏、条屏）", required=False)
    region = forms.CharField(label="LED 区域（宽×高，像素）", max_length=20, initial="384x96",
                             help_text="LED 控制卡从画面截取的区域大小，"
                                       "即屏幕设置 [led] 的 width × height，例如 384x96。")
    palette = forms.ChoiceField(label="LED 颜色", choices=LedPalette.choices, initial=LedPalette.RED)

    def clean_region(self) -> str:
        text = str(self.cleaned_data["region"])
        try:
            width, height = parse_region(text)
        except ValueError:
            raise forms.ValidationError("请按“宽x高”填写，例如 384x96") from None
        (wlo, whi), (hlo, hhi) = _limits("width"), _limits("height")
        if not (wlo <= width <= whi and hlo <= height <= hhi):
            raise forms.ValidationError(f"宽须在 {wlo}–{whi} 像素之间，高须在 {hlo}–{hhi} 像素之间")
        return f"{width}x{height}"


@require_http_methods(["GET", "POST"])
@feed_view(Role.ADMIN)
def led_boards(request: HttpRequest, feed: Feed) -> HttpResponse:
    form = LedForm(request.POST or None, initial={"led": feed.led, "region": feed.led_region,
                                                  "palette": feed.led_palette})
    if request.method == "POST" and form.is_valid():
        feed.led = form.cleaned_data["led"]
        feed.led_region = form.cleaned_data["region"]
        feed.led_palette = form.cleaned_data["palette"]
        feed.save(update_fields=["led", "led_region", "led_palette"])
        what = f"{feed.led_region_label}，{feed.get_led_palette_display()}" if feed.led else "无"
        record("feed.settings", f"LED 屏设置：{what}", request=request, feed=feed.name, led=feed.led,
               led_region=feed.led_region, led_palette=feed.led_palette)
        messages.success(request, "已保存。公告预览将同时显示 LED 屏上的效果。" if feed.led
                         else "已保存：没有 LED 屏。")
        return redirect("feeds:detail", feed.name)
    return render(request, "feeds/led.html", {"feed": feed, "form": form})
