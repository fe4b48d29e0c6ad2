"""The fleet page, a screen's page and the coverage report in a real headless Chromium."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fleetkit import beat_body, build_fortnight, post

from kiosk.office.datadir import DataDir
from kiosk.office.fleet.models import Screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screen_png() -> bytes:
    """A small stand-in for a screen's frame: red header band, paper page."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 270), (251, 247, 238))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 480, 40), fill=(168, 18, 28))
    draw.rectangle((40, 70, 440, 90), fill=(60, 60, 60))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_fleet_page_screen_page_and_coverage_report(browser: Any, make_user: Any, office: DataDir,  # noqa: ANN401
                                                    tmp_path: Path) -> None:
    client = Client()
    fleet = build_fortnight(client, office, tmp_path)
    tokens = fleet["tokens"]
    now = timezone.now()
    for name in ("a", "c"):
        assert post(client, "/device/v1/heartbeat", beat_body(name, versions={"township": "2"}),
                    tokens[name]).status_code == 200
    post(client, "/device/v1/heartbeat", beat_body("b", versions={"township": "1"},
                                                   last_error="feed township: 连接超时（10 秒）"), tokens["b"])
    Screen.objects.filter(device_id="b").update(last_seen=now - dt.timedelta(days=2))
    Screen.objects.filter(device_id="c").update(versions={"township": "1"})  # behind the latest (2)
    make_user("boss", password="login-pass-123", full_name="赵主任", is_superuser=True)

    browser.login("boss", "login-pass-123")
    browser.open("/fleet/")
    text = browser.text()
    assert "屏幕总览" in text and "在线" in text and "离线过久" in text
    browser.shot("fleet-list")
    browser.fill("state", "attention")
    browser.press("筛选")
    assert "需要关注" in browser.text()
    rows = browser.driver.find_elements("css selector", "table.fleet tbody tr")
    assert len(rows) == 2  # b offline too long, c behind

    browser.open("/fleet/s/a/")
    assert "在线" in browser.text() and "还没有截图" in browser.text()
    browser.press("请求新的截图")
    assert "已请求截图" in browser.text()
    reply = post(client, "/device/v1/heartbeat", beat_body("a"), tokens["a"]).json()
    assert reply["screenshot"] is True
    sent = client.post("/device/v1/screenshot", screen_png(), content_type="image/png",
                       HTTP_AUTHORIZATION=f"Bearer {tokens['a']}", HTTP_X_KIOSK_DEVICE="a")
    assert sent.status_code == 200
    browser.open("/fleet/s/a/")
    size = browser.driver.execute_script("const i = document.querySelector('img.shot'); "
                                         "return i && i.complete ? [i.naturalWidth, i.naturalHeight] : null")
    assert size == [480, 270]
    browser.shot("fleet-screen")

    browser.open("/fleet/")
    browser.press("公示覆盖报告")
    browser.press("青禾镇党委·党务公开（township）")
    browser.press("关于张三同志任前公示")
    text = browser.text()
    assert "有屏幕未全程显示" in text and "第 2 天（11月3日）缺 3 小时（播放器未运行）" in text
    browser.shot("fleet-coverage")
    browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not browser.driver.find_element("css selector", "header.top").is_displayed()
    browser.shot("fleet-coverage-print")
