"""Residents' pages: the notice behind a QR code, the comment form, the receipt code."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from feedbackkit import Published, default_items, published_feed, token_for

from kiosk.office.datadir import DataDir
from kiosk.office.feedback.models import Answer, Kind, Status, Submission
from kiosk.office.history.models import Event

pytestmark = pytest.mark.django_db

NOTICE = "/p/township/dues-q3/"


@pytest.fixture
def pub(office: DataDir, tmp_path: Path) -> Published:
    return published_feed(office, tmp_path)


def comment(client: Client, path: str = NOTICE, **fields: str) -> Any:  # noqa: ANN401
    data = {"token": token_for(client, path), "body": "党费收缴明细很清楚，建议以后也公示各支部的使用情况。", **fields}
    return client.post(path.split("?")[0], data)


def test_notice_page_shows_the_signed_notice_from_the_screens_loader(client: Client, pub: Published) -> None:
    response = client.get(NOTICE + "?d=lobby-1")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>2026年第三季度党费收缴情况公示</h1>" in page
    assert "党的组织管理情况" in page  # the category's name from the feed's catalogue
    assert "中共青禾镇委员会　2026年10月8日" in page  # issuer and the screen's 落款 date
    assert '<h2 class="sub">收缴明细</h2>' in page
    assert '<td class="a-r">3,150.00</td>' in page and "<th>应缴（元）</th>" in page
    assert 'name="d" value="lobby-1"' in page  # the screen's id goes along with the comment
    assert "<script src=\"/static/feedback/counter.js\" defer></script>" in page
    assert "<script>" not in page and "style=" not in page  # CSP: nothing inline
    image = re.search(r'<img src="(/p/township/img/[0-9a-f]{64}\.jpg)" alt="第三季度党员大会"', page)
    assert image, "the body's image is shown"
    served = client.get(image.group(1))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert "immutable" in served["Cache-Control"]
    data = b"".join(served.streaming_content)
    original = (pub.content / "images" / "meeting.jpg").stat().st_size
    assert len(data) < original / 2  # a phone-sized copy, not the 1600-pixel original

    import io

    from PIL import Image

    assert Image.open(io.BytesIO(data)).width == 800


def test_unknown_notice_and_feed_get_a_clear_page(client: Client, pub: Published) -> None:
    for path in ("/p/township/no-such-notice/", "/p/nofeed/dues-q3/", "/p/township/%3Cscript%3E/"):
        response = client.get(path)
        assert response.status_code == 404
        page = response.content.decode()
        assert "没有找到这条公告" in page and "<script>" not in page
    assert client.get("/p/township/img/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/p/township/img/../../secret.key").status_code == 404


def test_comment_gives_a_receipt_code_and_lands_in_the_inbox(client: Client, pub: Published) -> None:
    response = comment(client, NOTICE + "?d=lobby-1", name="李大爷", phone="138 0000 1234", d="lobby-1")
    assert response.status_code == 303
    status_url = response["Location"]
    assert re.fullmatch(r"/p/s/\d{10}/\?sent=[\w%.-]+", status_url)
    page = client.get(status_url).content.decode()
    code = re.search(r'<p class="code">(\d{5} \d{5})</p>', page)
    assert code and "意见已收到" in page and "新收到" in page
    assert "138 0000 1234" not in page and "李大爷" not in page  # contact details never shown to the public
    sub = Submission.objects.get()
    assert sub.code == code.group(1).replace(" ", "") and sub.kind == Kind.COMMENT
    assert (sub.item_id, sub.item_title, sub.category_name) == ("dues-q3", "2026年第三季度党费收缴情况公示",
                                                                "党的组织管理情况")
    assert (sub.device, sub.name, sub.contact, sub.anonymous) == ("lobby-1", "李大爷", "138 0000 1234", False)
    assert sub.status == Status.NEW and sub.due_on > sub.received_on
    event = Event.objects.get(action="feedback.receive")
    assert event.subject == f"feedback:{sub.pk}" and event.ip is None  # no address of residents in the history
    assert "党费" not in str(event.details) and "138" not in str(event.details)


def test_anonymous_means_no_contact_kept(client: Client, pub: Published) -> None:
    response = comment(client, name="王五", phone="13900001111", anonymous="on")
    assert response.status_code == 303
    sub = Submission.objects.get()
    assert sub.anonymous and sub.name == "" and sub.contact == ""
    assert "您选择了匿名" in client.get(response["Location"]).content.decode()
    assert "您选择了匿名" not in client.get(f"/p/s/{sub.code}/?sent=1").content.decode()  # the mark is signed


def test_form_errors_keep_the_text_and_name_the_field(client: Client, pub: Published) -> None:
    token = token_for(client, NOTICE)
    response = client.post(NOTICE, {"token": token, "body": "   ", "phone": "abc"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请写下您的意见或建议。" in page and "电话号码只能包含数字" in page
    long = "很" * 1001
    response = client.post(NOTICE, {"token": token, "body": long, "name": "张三"})
    page = response.content.decode()
    assert "最多 1000 字（现在 1001 字）" in page and long in page and 'value="张三"' in page
    assert not Submission.objects.exists()


def test_the_form_needs_no_cookie(pub: Published) -> None:
    browser = Client()  # a client that never sends cookies back
    token = token_for(browser, NOTICE)
    browser.cookies.clear()
    response = browser.post(NOTICE, {"token": token, "body": "不用 Cookie 也能提交。"})
    assert response.status_code == 303 and not response.cookies


def test_cross_site_posts_are_refused_and_the_text_kept(client: Client, pub: Published) -> None:
    token = token_for(client, NOTICE)
    data = {"token": token, "body": "从别的网站提交的"}
    for headers in ({"HTTP_ORIGIN": "https://evil.example"}, {"HTTP_SEC_FETCH_SITE": "cross-site"},
                    {"HTTP_REFERER": "https://evil.example/form.html"}, {"HTTP_ORIGIN": "null"}):
        response = client.post(NOTICE, data, **headers)
        assert response.status_code == 400
        page = response.content.decode()
        assert "不是从本网站的页面提交的" in page and "从别的网站提交的" in page
    assert not Submission.objects.exists()
    same = client.post(NOTICE, data, HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin")
    assert same.status_code == 303


def test_missing_forged_or_old_token_gets_the_form_back(client: Client, pub: Published, monkeypatch: Any) -> None:  # noqa: ANN401
    response = client.post(NOTICE, {"body": "没有令牌"})
    assert response.status_code == 400 and "表单已失效" in response.content.decode()
    other = token_for(client, "/p/township/work-plan/")  # a token of another notice's form
    assert client.post(NOTICE, {"token": other, "body": "x"}).status_code == 400
    token = token_for(client, NOTICE)
    import time

    later = time.time() + 3 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(NOTICE, {"token": token, "body": "周末开着的页面"})
    page = response.content.decode()
    assert response.status_code == 400 and "页面打开的时间太久了" in page and "周末开着的页面" in page
    fresh = re.search(r'name="token" value="([^"]+)"', page)
    assert fresh and client.post(NOTICE, {"token": fresh.group(1), "body": "再点一次"}).status_code == 303


def test_honeypot_filled_is_not_stored(client: Client, pub: Published) -> None:
    response = comment(client, hp_note="http://spam.example")
    assert response.status_code == 400 and not Submission.objects.exists()


def test_status_page_by_code_and_the_lookup_form(client: Client, pub: Published) -> None:
    comment(client)
    sub = Submission.objects.get()
    spaced = f"{sub.code[:5]} {sub.code[5:]}"
    response = client.get("/p/s/", {"code": spaced})
    assert response.status_code == 303 and response["Location"] == f"/p/s/{sub.code}/"
    assert client.get("/p/s/", {"code": "１２３４"}).status_code == 400  # malformed: says check the digits
    wrong = sub.code[:-1] + str((int(sub.code[-1]) + 1) % 10)
    page = client.get(f"/p/s/{wrong}/").content.decode()
    assert "好像有一位写错了" in page
    assert client.get("/p/s/", {"next": "https://evil.example"}).status_code == 200  # no redirect parameter at all


def test_public_answer_is_listed_under_the_notice(client: Client, pub: Published, make_user: Any) -> None:  # noqa: ANN401
    comment(client)
    sub = Submission.objects.get()
    clerk = make_user("clerk")
    Answer.objects.create(submission=sub, public=True, question="能否公示党费使用情况？", text="将于年底公示。",
                          author=clerk, created=dt.datetime.now(dt.UTC))
    Answer.objects.create(submission=sub, public=False, text="私下的答复", author=clerk,
                          created=dt.datetime.now(dt.UTC))
    page = client.get(NOTICE).content.decode()
    assert "公开答复（1 条）" in page and "能否公示党费使用情况？" in page and "将于年底公示。" in page
    assert "私下的答复" not in page
    status = client.get(f"/p/s/{sub.code}/").content.decode()
    assert "私下的答复" in status and "将于年底公示。" in status


def test_withdrawn_notice_still_opens_and_takes_comments_for_a_while(client: Client, pub: Published,
                                                                     settings: Any) -> None:  # noqa: ANN401
    items = default_items()
    del items["dues"]
    pub.publish(items)
    page = client.get(NOTICE).content.decode()
    assert "撤回，不再在公开栏上显示" in page and "2026年第三季度党费收缴情况公示" in page and "3,150.00" in page
    assert comment(client).status_code == 303
    token = token_for(client, NOTICE)
    from kiosk.office.feedback import public

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    real = public.now
    public.now = lambda: later  # type: ignore[assignment]
    try:
        page = client.get(NOTICE).content.decode()
        assert "意见征集已于" in page and "提交意见" not in page
        response = client.post(NOTICE, {"token": token, "body": "过期后提交"})
        assert response.status_code == 400 and "意见征集已于" in response.content.decode()
    finally:
        public.now = real  # type: ignore[assignment]
    assert Submission.objects.count() == 1


def test_ended_period_says_so(client: Client, office: DataDir, tmp_path: Path) -> None:
    published_feed(office, tmp_path, items=default_items(until="2026-10-14"))
    page = client.get(NOTICE).content.decode()
    assert "公示期已结束" in page and "2026年10月8日</span> 至 <span class=\"nw\">2026年10月14日" in page


def test_feed_page_lists_current_notices(client: Client, pub: Published) -> None:
    page = client.get("/p/township/").content.decode()
    assert "2026年第三季度党费收缴情况公示" in page and 'href="/p/township/work-plan/"' in page
    assert client.get("/p/nofeed/").status_code == 404


def test_members_only_notice_shows_no_text(client: Client, pub: Published) -> None:
    items = default_items(plan_extra='audience = "members"')
    pub.publish(items)
    page = client.get("/p/township/work-plan/").content.decode()
    assert "党内公开内容" in page and "全面加强党的政治建设" not in page
    assert "提交意见" in page


def test_information_request_gets_a_due_date_of_20_working_days(client: Client, pub: Published) -> None:
    path = "/p/township/request/?i=dues-q3&d=lobby-1"
    page = client.get(path).content.decode()
    assert "关于公告" in page and "2026年第三季度党费收缴情况公示" in page
    token = token_for(client, path)
    response = client.post("/p/township/request/", {
        "token": token, "name": "赵六", "contact": "青禾镇柳溪村3组", "body": "2025年度村集体土地流转合同",
        "purpose": "了解本组土地收益", "delivery": "post", "i": "dues-q3", "d": "lobby-1"})
    assert response.status_code == 303
    sub = Submission.objects.get()
    assert sub.kind == Kind.REQUEST and sub.delivery == "post" and sub.item_id == "dues-q3"
    from kiosk.office.feedback.workdays import Calendar

    assert sub.due_on == Calendar().add(sub.received_on, 20)
    assert "20 个工作日内" in client.get(response["Location"]).content.decode()
    response = client.post("/p/township/request/", {"token": token, "name": "", "contact": "", "body": ""})
    page = response.content.decode()
    assert "请填写申请人姓名或单位名称。" in page and "请留下联系方式" in page and "请写明您想了解哪些信息。" in page


def test_request_for_an_unknown_office_offers_the_choice(client: Client, pub: Published) -> None:
    response = client.get("/p/other/request/?i=x&d=y")
    assert response.status_code == 404 and "/p/township/request/" in response.content.decode()
    assert "中共青禾镇委员会" in client.get("/p/request/").content.decode()


def test_request_qr_template_for_screens_leads_to_the_form(client: Client, pub: Published) -> None:
    from kiosk.content.feedback import check_template, feedback_url
    from kiosk.office.feedback.notices import current
    from kiosk.office.feedback.public import request_template

    template = request_template(pub.feed)
    check_template(template)  # what a screen's [qr] request_url accepts
    version = current(pub.feed.tree)
    assert version is not None
    item = version.content.item("dues-q3")
    assert item is not None
    url = feedback_url(template, item, "lobby 1")
    assert url == "http://127.0.0.1:8080/p/township/request/?i=dues-q3&d=lobby%201"
    page = client.get(url.removeprefix("http://127.0.0.1:8080")).content.decode()
    assert "2026年第三季度党费收缴情况公示" in page and 'name="i" value="dues-q3"' in page
    assert 'name="d"' not in page  # "lobby 1" is not a device id a screen can have: dropped
    assert 'request_url = "http://127.0.0.1:8080/p/township/request/?i={item}&amp;d={device}"' in _inbox_as_member(pub)


def _inbox_as_member(pub: Published) -> str:
    from django.contrib.auth import get_user_model

    from kiosk.office.accounts.models import Membership, Role

    user = get_user_model().objects.create_user("clerk", password="login-pass-123")
    Membership.objects.create(user=user, feed=pub.feed, role=Role.DRAFTER)
    staff = Client()
    staff.force_login(user)
    return staff.get("/f/township/feedback/").content.decode()
