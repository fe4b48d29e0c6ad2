"""The office's side: the inbox per feed, assigning, answering, contact details, export, figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from feedbackkit import Published, member, published_feed, token_for

from kiosk.office.accounts.models import Role
from kiosk.office.datadir import DataDir
from kiosk.office.feedback.models import Answer, Status, Submission
from kiosk.office.history.api import verify
from kiosk.office.history.models import Event

pytestmark = pytest.mark.django_db

NOTICE = "/p/township/dues-q3/"
INBOX = "/f/township/feedback/"


@pytest.fixture
def pub(office: DataDir, tmp_path: Path) -> Published:
    return published_feed(office, tmp_path)


@pytest.fixture
def people(pub: Published, make_user: Any) -> dict[str, Any]:  # noqa: ANN401
    feed = pub.feed
    return {"clerk": member(make_user, feed, "clerk", Role.DRAFTER, full_name="王芳"),
            "reviewer": member(make_user, feed, "reviewer", Role.REVIEWER, full_name="李明"),
            "supervisor": member(make_user, feed, "supervisor", Role.SUPERVISOR, full_name="赵监督"),
            "outsider": make_user("outsider")}


def send(client: Client, body: str = "建议公示党费使用情况。", path: str = NOTICE, **fields: str) -> Submission:
    response = client.post(path.split("?")[0], {"token": token_for(client, path), "body": body, **fields})
    assert response.status_code == 303, response.content.decode()[:2000]
    code = re.search(r"/p/s/(\d{10})/", response["Location"])
    assert code
    return Submission.objects.get(code=code.group(1))


def as_user(user: Any) -> Client:  # noqa: ANN401
    c = Client()
    c.force_login(user)
    return c


def test_inbox_lists_by_status_notice_age_and_due_date(people: dict[str, Any]) -> None:
    resident = Client()
    first = send(resident, "第一条意见", name="李大爷", phone="13800001234", d="lobby-1")
    send(resident, "第二条意见", path="/p/township/work-plan/")
    staff = as_user(people["clerk"])
    page = staff.get(INBOX).content.decode()
    assert "第一条意见" in page and "第二条意见" in page and "今天" in page
    assert "2026年第三季度党费收缴情况公示" in page and "新收到" in page
    assert first.due_on.strftime("%-m月%-d日") in page
    assert "13800001234" not in page and "李大爷" not in page  # never in the list
    by_notice = staff.get(INBOX, {"item": "work-plan", "status": "all"}).content.decode()
    assert "第二条意见" in by_notice and "第一条意见" not in by_notice
    assert staff.get(INBOX, {"status": "answered"}).content.decode().count("这里没有事项") == 1


def test_only_members_see_the_inbox(people: dict[str, Any]) -> None:
    assert as_user(people["outsider"]).get(INBOX).status_code == 404
    assert as_user(people["supervisor"]).get(INBOX).status_code == 200
    assert Client().get(INBOX).status_code == 302  # to the sign-in page


def test_public_answer_shows_under_the_notice_and_every_step_is_in_the_history(people: dict[str, Any]) -> None:
    resident = Client()
    sub = send(resident)
    clerk = as_user(people["clerk"])
    url = f"{INBOX}{sub.pk}/"
    assert clerk.post(url, {"action": "assign", "assignee": people["clerk"].pk}).status_code == 302
    sub.refresh_from_db()
    assert sub.assignee == people["clerk"] and sub.status == Status.IN_PROGRESS
    response = clerk.post(url, {"action": "answer", "text": "党费使用情况将于年底公示。", "public": "public",
                                "question": "能否公示党费使用情况？"})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.status == Status.ANSWERED and sub.first_answer_at and sub.closed_at
    page = resident.get(NOTICE).content.decode()
    assert "公开答复（1 条）" in page and "能否公示党费使用情况？" in page and "党费使用情况将于年底公示。" in page
    actions = list(Event.objects.filter(subject=f"feedback:{sub.pk}").values_list("action", flat=True))
    assert actions == ["feedback.receive", "feedback.assign", "feedback.reply"]
    reply = Event.objects.get(action="feedback.reply")
    assert reply.actor == people["clerk"] and reply.details["public"] is True and len(reply.details["sha256"]) == 64
    assert verify().ok
    detail = clerk.get(url).content.decode()
    assert "公开答复" in detail and "王芳" in detail  # the case page shows the steps and who took them
    answer = Answer.objects.get()
    clerk.post(url, {"action": "unpublish", "answer": answer.pk})
    assert "党费使用情况将于年底公示。" not in resident.get(NOTICE).content.decode()


def test_public_answer_needs_a_question_without_personal_data(people: dict[str, Any]) -> None:
    sub = send(Client())
    data = {"action": "answer", "text": "答复", "public": "public", "question": ""}
    response = as_user(people["clerk"]).post(f"{INBOX}{sub.pk}/", data)
    assert response.status_code == 400 and "公开答复需要写明问题摘要" in response.content.decode()
    assert not Answer.objects.exists()


def test_private_answer_only_with_the_receipt_code(people: dict[str, Any]) -> None:
    resident = Client()
    sub = send(resident)
    as_user(people["clerk"]).post(f"{INBOX}{sub.pk}/", {"action": "answer", "text": "已转交村委会办理。",
                                                       "public": "private"})
    assert "已转交村委会办理。" not in resident.get(NOTICE).content.decode()
    assert "已转交村委会办理。" in resident.get(f"/p/s/{sub.code}/").content.decode()


def test_supervisors_read_but_do_not_act(people: dict[str, Any]) -> None:
    sub = send(Client())
    supervisor = as_user(people["supervisor"])
    page = supervisor.get(f"{INBOX}{sub.pk}/").content.decode()
    assert "建议公示党费使用情况。" in page and "发送答复" not in page
    response = supervisor.post(f"{INBOX}{sub.pk}/", {"action": "answer", "text": "x", "public": "private"})
    assert response.status_code == 404 and not Answer.objects.exists()


def test_contact_details_only_for_allowed_roles_and_each_look_recorded(people: dict[str, Any]) -> None:
    sub = send(Client(), name="李大爷", phone="13800001234")
    url = f"{INBOX}{sub.pk}/"
    for who in ("clerk", "supervisor"):
        page = as_user(people[who]).get(url).content.decode()
        assert "13800001234" not in page and "查看联系方式" not in page and "已留联系方式" in page
        as_user(people[who]).post(url, {"action": "contact"})
    assert not Event.objects.filter(action="feedback.contact").exists()
    reviewer = as_user(people["reviewer"])
    assert "13800001234" not in reviewer.get(url).content.decode()  # hidden until asked for
    assert reviewer.post(url, {"action": "contact"}).status_code == 302
    page = reviewer.get(url).content.decode()
    assert "李大爷" in page and "13800001234" in page
    look = Event.objects.get(action="feedback.contact")
    assert look.actor == people["reviewer"] and "13800001234" not in look.summary
    # the person a case is assigned to may see it too
    reviewer.post(url, {"action": "assign", "assignee": people["clerk"].pk})
    clerk = as_user(people["clerk"])
    clerk.post(url, {"action": "contact"})
    assert "13800001234" in clerk.get(url).content.decode()


def test_reject_with_a_reason_the_resident_sees(people: dict[str, Any]) -> None:
    resident = Client()
    sub = send(resident)
    url = f"{INBOX}{sub.pk}/"
    clerk = as_user(people["clerk"])
    assert clerk.post(url, {"action": "reject", "reject-reason": ""}).status_code == 400
    clerk.post(url, {"action": "reject", "reject-reason": "与本公告无关，请向县民政局反映。"})
    sub.refresh_from_db()
    assert sub.status == Status.REJECTED
    status = resident.get(f"/p/s/{sub.code}/").content.decode()
    assert "不予受理" in status and "请向县民政局反映" in status
    clerk.post(url, {"action": "reopen"})
    sub.refresh_from_db()
    assert sub.status == Status.IN_PROGRESS and sub.closed_at is None


def request_from(client: Client) -> Submission:
    path = "/p/township/request/?i=dues-q3"
    response = client.post("/p/township/request/", {"token": token_for(client, path), "name": "赵六",
                                                     "contact": "13900002222", "body": "村集体土地流转合同",
                                                     "delivery": "online", "i": "dues-q3"})
    assert response.status_code == 303
    return Submission.objects.get(kind="request")


def test_request_extended_once_by_20_working_days(people: dict[str, Any]) -> None:
    resident = Client()
    sub = request_from(resident)
    from kiosk.office.feedback.workdays import Calendar

    url = f"{INBOX}{sub.pk}/"
    clerk = as_user(people["clerk"])
    first_due = sub.due_on
    assert clerk.post(url, {"action": "extend", "extend-reason": "需要向村委会调取档案。"}).status_code == 302
    sub.refresh_from_db()
    assert sub.extended and sub.due_on == Calendar().add(first_due, 20)
    status = resident.get(f"/p/s/{sub.code}/").content.decode()
    assert "需要向村委会调取档案" in status and "已延期" in status
    clerk.post(url, {"action": "extend", "extend-reason": "再延一次"})
    sub.refresh_from_db()
    assert sub.due_on == Calendar().add(first_due, 20)  # only once
    assert "答复期限只能延长一次" in clerk.get(url).content.decode()
    response = clerk.post(url, {"action": "answer", "text": "x", "public": "public", "question": "q"})
    assert not Answer.objects.filter(public=True).exists()  # requests are answered privately
    assert response.status_code == 302


def test_export_csv_and_print_page(people: dict[str, Any]) -> None:
    send(Client(), "=HYPERLINK(\"http://evil\")", name="李大爷", phone="13800001234")
    send(Client(), "<script>alert(1)</script>第二条")
    for who, with_contact in (("reviewer", True), ("clerk", False), ("supervisor", False)):
        response = as_user(people[who]).get(f"{INBOX}export.csv", {"status": "all"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:])))
        assert len(rows) == 3 and ("联系方式" in rows[0]) == with_contact
        bodies = [r[rows[0].index("内容")] for r in rows[1:]]
        assert "'=HYPERLINK(\"http://evil\")" in bodies  # shown as text by spreadsheets, never run
        assert ("13800001234" in text) == with_contact
    page = as_user(people["reviewer"]).get(f"{INBOX}print/", {"status": "all"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;第二条" in page and "<script>alert" not in page
    assert "13800001234" in page and "群众意见办理登记" in page
    assert Event.objects.filter(action="feedback.export").count() == 4


def test_figures_per_notice_category_answer_time_and_overdue(people: dict[str, Any]) -> None:
    resident = Client()
    a = send(resident, "一")
    send(resident, "二")
    send(resident, "三", path="/p/township/work-plan/")
    late = request_from(resident)
    Submission.objects.filter(pk=late.pk).update(due_on=dt.date.today() - dt.timedelta(days=3))
    Submission.objects.filter(pk=a.pk).update(created=a.created - dt.timedelta(days=2))
    as_user(people["clerk"]).post(f"{INBOX}{a.pk}/", {"action": "answer", "text": "好", "public": "private"})
    page = as_user(people["supervisor"]).get(f"{INBOX}figures/").content.decode()
    assert "2026年第三季度党费收缴情况公示" in page and "党的组织管理情况" in page and "党内决策情况" in page
    assert re.search(r"<td class=\"nowrap\">意见</td><td>1 件</td>\s*<td>2\.0 天</td>", page)
    assert "逾期未办结" in page and "3 天" in page and late.get_kind_display() in page
    overview = as_user(people["supervisor"]).get("/feedback/").content.decode()
    assert "中共青禾镇委员会" in overview and "收件箱" in overview
