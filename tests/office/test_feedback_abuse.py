"""Hostile input on residents' forms, and the inbox staying correct and usable after it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from feedbackkit import Published, member, published_feed, token_for

from kiosk.office.accounts.models import Role
from kiosk.office.datadir import DataDir, OfficeSettings
from kiosk.office.feedback.models import Submission
from kiosk.office.feedback.text import damm

pytestmark = pytest.mark.django_db

NOTICE = "/p/township/dues-q3/"
INBOX = "/f/township/feedback/"
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(2)>\"'&amp;"


@pytest.fixture
def pub(office: DataDir, tmp_path: Path) -> Published:
    return published_feed(office, tmp_path)


@pytest.fixture
def reviewer(pub: Published, make_user: Any) -> Client:  # noqa: ANN401
    c = Client()
    c.force_login(member(make_user, pub.feed, "reviewer", Role.REVIEWER))
    return c


def feedback_settings(settings: Any, **values: Any) -> None:  # noqa: ANN401
    settings.OFFICE = OfficeSettings(sections={"feedback": values})


def test_script_tags_are_shown_as_text_everywhere(pub: Published, reviewer: Client) -> None:
    resident = Client()
    token = token_for(resident, NOTICE)
    response = resident.post(NOTICE, {"token": token, "body": HOSTILE, "name": HOSTILE[:40], "phone": "13800001234"})
    assert response.status_code == 303
    sub = Submission.objects.get()
    assert sub.body == HOSTILE  # kept exactly as typed; escaping is the page's job
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    pages = [resident.get(response["Location"]), reviewer.get(INBOX), reviewer.get(f"{INBOX}{sub.pk}/"),
             reviewer.get(f"{INBOX}print/", {"status": "all"})]
    reviewer.post(f"{INBOX}{sub.pk}/", {"action": "contact"})
    pages.append(reviewer.get(f"{INBOX}{sub.pk}/"))
    reviewer.post(f"{INBOX}{sub.pk}/", {"action": "answer", "text": HOSTILE, "public": "public", "question": HOSTILE})
    pages.append(resident.get(NOTICE))
    for page in pages:
        text = page.content.decode()
        assert "<script>alert" not in text and "<img src=x" not in text
    assert escaped in pages[2].content.decode() and escaped in pages[-1].content.decode()


def test_hostile_urls_get_plain_pages(pub: Published) -> None:
    c = Client()
    page = c.get(NOTICE, {"d": "<script>alert(1)</script>"}).content.decode()
    assert "alert(1)" not in page and 'name="d"' not in page  # an odd device id is dropped
    for path in ("/p/township/%3Cscript%3Ealert(1)%3C%2Fscript%3E/", "/p/%3Cb%3E/x/", "/p/township/x%00y/"):
        response = c.get(path)
        assert response.status_code == 404 and "<script>alert" not in response.content.decode()
    for code in ("//evil.example", "https://evil.example", "\r\nLocation: x"):
        response = c.get("/p/s/", {"code": code})
        assert response.status_code == 400 and "Location" not in response  # never a redirect elsewhere


def test_control_characters_removed_emoji_kept(pub: Published, reviewer: Client) -> None:
    c = Client()
    body = "支持\x00！\x1b[31m红字\u202e反向\u200b零宽\r\n\r\n\r\n\r\n第二段👍🏻👨\u200d👩\u200d👧\x07"
    response = c.post(NOTICE, {"token": token_for(c, NOTICE), "body": body, "name": "张\t三\n"})
    assert response.status_code == 303
    sub = Submission.objects.get()
    assert sub.body == "支持！[31m红字反向零宽\n\n第二段👍🏻👨\u200d👩\u200d👧"
    assert sub.name == "张 三"
    assert "第二段👍🏻👨\u200d👩\u200d👧" in reviewer.get(INBOX).content.decode()


def test_megabyte_bodies_are_refused_before_parsing(pub: Published) -> None:
    c = Client()
    token = token_for(c, NOTICE)
    response = c.post(NOTICE, {"token": token, "body": "很" * 350_000})  # ~1 MB of UTF-8
    assert response.status_code == 413 and "内容太长" in response.content.decode()
    response = c.post("/p/township/request/", {"token": token, "body": "x" * 1_048_576})
    assert response.status_code == 413
    response = c.post(NOTICE, {"token": token, "body": "长" * 5000})  # too long, but small enough to give back
    assert response.status_code == 400 and "最多 1000 字（现在 5000 字）" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_thousand_posts_a_minute_from_one_address(pub: Published, reviewer: Client, settings: Any) -> None:  # noqa: ANN401
    bot = Client(REMOTE_ADDR="203.0.113.9")
    token = token_for(bot, NOTICE)
    started = time.monotonic()
    codes = [bot.post(NOTICE, {"token": token, "body": f"刷屏 {n} 🤖"}).status_code for n in range(1000)]
    elapsed = time.monotonic() - started
    assert codes.count(303) == 20 and codes.count(429) == 980  # per_address_per_hour = 20
    assert Submission.objects.count() == 20
    refused = bot.post(NOTICE, {"token": token, "body": "我的意见还在"})
    assert "一小时内提交的次数已达上限" in refused.content.decode() and "我的意见还在" in refused.content.decode()
    # an honest neighbour on another address still gets through, and the inbox is exact and quick
    neighbour = Client(REMOTE_ADDR="198.51.100.7")
    assert neighbour.post(NOTICE, {"token": token_for(neighbour, NOTICE), "body": "正常意见"}).status_code == 303
    page = reviewer.get(INBOX).content.decode()
    assert page.count('class="snippet"') == 21 and "正常意见" in page and "待办 <span class=\"count\">21</span>" in page
    started = time.monotonic()
    assert reviewer.get(INBOX, {"status": "all"}).status_code == 200
    print(f"1000 posts in {elapsed:.1f} s; inbox page after the flood in {time.monotonic() - started:.3f} s")


def test_ipv6_addresses_are_limited_by_their_64(pub: Published, settings: Any) -> None:  # noqa: ANN401
    feedback_settings(settings, per_address_per_hour=2)
    for n, suffix in enumerate(("1", "2", "3")):
        c = Client(REMOTE_ADDR=f"2001:db8:1:2::{suffix}")
        status = c.post(NOTICE, {"token": token_for(c, NOTICE), "body": f"意见 {n}"}).status_code
        assert status == (303 if n < 2 else 429)
    other = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert other.post(NOTICE, {"token": token_for(other, NOTICE), "body": "另一户"}).status_code == 303


def test_per_device_limit(pub: Published, settings: Any) -> None:  # noqa: ANN401
    feedback_settings(settings, per_device_per_hour=3)
    statuses = []
    for n in range(5):
        c = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")  # many phones, one screen's QR code
        data = {"token": token_for(c, NOTICE), "body": f"意见 {n}", "d": "lobby-1"}
        statuses.append(c.post(NOTICE, data).status_code)
    assert statuses == [303, 303, 303, 429, 429]
    page = Client(REMOTE_ADDR="192.0.2.9").post(NOTICE, {"token": token_for(Client(), NOTICE), "body": "x",
                                                         "d": "lobby-1"}).content.decode()
    assert "这块屏幕的二维码" in page
    c = Client(REMOTE_ADDR="192.0.2.10")
    assert c.post(NOTICE, {"token": token_for(c, NOTICE), "body": "另一块屏", "d": "lobby-2"}).status_code == 303


def test_guessing_receipt_codes_is_limited(pub: Published, settings: Any) -> None:  # noqa: ANN401
    feedback_settings(settings, lookups_per_address_per_hour=5)
    guesser = Client(REMOTE_ADDR="203.0.113.50")
    codes = [f"{n:09d}" for n in range(100000001, 100000008)]
    statuses = [guesser.get(f"/p/s/{c}{damm(c)}/").status_code for c in codes]
    assert statuses == [404] * 5 + [429] * 2
    assert "请一小时后再试" in guesser.get(f"/p/s/{codes[0]}{damm(codes[0])}/").content.decode()
    assert Client(REMOTE_ADDR="203.0.113.51").get(f"/p/s/{codes[0]}{damm(codes[0])}/").status_code == 404
    # a resident behind the same address still gets the receipt of what they just sent
    sent = guesser.post(NOTICE, {"token": token_for(guesser, NOTICE), "body": "同一网络里的居民"})
    receipt = guesser.get(sent["Location"])
    assert receipt.status_code == 200 and "意见已收到" in receipt.content.decode()
