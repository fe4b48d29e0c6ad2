"""Receiving what residents send and every step the office takes on it (each one in the history).

The history gets the step, the receipt code and the notice; never the resident's text or
contact details (the history is kept forever, those are not), and no address for what
residents do.  Staff answers are recorded with their length and SHA-256, so the history proves
what was sent without keeping a second copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from kiosk.office.accounts.roles import person
from kiosk.office.feedback.conf import FeedbackSettings
from kiosk.office.feedback.models import Answer, AnswerKind, Kind, Status, Submission
from kiosk.office.feedback.notices import PublicNotice
from kiosk.office.feedback.text import new_code, show_code
from kiosk.office.feeds.models import Feed
from kiosk.office.history.api import record


class StepError(Exception):
    """A step the case's state does not allow (message for the person at the console)."""


@dataclass(frozen=True)
class Sender:
    client: str  # keyed hash of the address
    device: str  # the screen's id from the QR code, or ""


def _subject(sub: Submission) -> str:
    return f"feedback:{sub.pk}"


def _about(sub: Submission) -> str:
    return f"（《{sub.item_title}》）" if sub.item_title else ""


def _create(fields: dict[str, Any]) -> Submission:  # noqa: ANN401
    for _ in range(8):
        try:
            with transaction.atomic():
                return Submission.objects.create(code=new_code(), **fields)
        except IntegrityError:  # the receipt code was taken (one in 10^9): draw again
            continue
    raise RuntimeError("no free receipt code after 8 draws")


def receive_comment(feed: Feed, notice: PublicNotice, data: dict[str, Any], sender: Sender, now: dt.datetime,  # noqa: ANN401
                    cfg: FeedbackSettings) -> Submission:
    day = timezone.localdate(now)
    anonymous = bool(data.get("anonymous")) or not (data.get("name") or data.get("phone"))
    sub = _create({
        "feed": feed, "kind": Kind.COMMENT, "item_id": notice.item.id, "item_title": notice.item.title[:200],
        "category": notice.item.category, "category_name": (notice.category.name if notice.category else "")[:60],
        "device": sender.device, "body": data["body"], "anonymous": anonymous,
        "name": "" if anonymous else data.get("name", ""), "contact": "" if anonymous else data.get("phone", ""),
        "client": sender.client, "created": now, "received_on": day,
        "due_on": cfg.calendar.add(day, cfg.answer_workdays),
    })
    record("feedback.receive", f"收到意见 {show_code(sub.code)}{_about(sub)}", actor="群众", feed=feed.name,
           subject=_subject(sub), device=sender.device, item=notice.item.id)
    return sub


def receive_request(feed: Feed, notice: PublicNotice | None, data: dict[str, Any], sender: Sender,  # noqa: ANN401
                    now: dt.datetime, cfg: FeedbackSettings) -> Submission:
    day = timezone.localdate(now)
    sub = _create({
        "feed": feed, "kind": Kind.REQUEST, "item_id": notice.item.id if notice else "",
        "item_title": notice.item.title[:200] if notice else "", "category": notice.item.category if notice else "",
        "category_name": (notice.category.name if notice and notice.category else "")[:60],
        "device": sender.device, "body": data["body"], "purpose": data.get("purpose", ""),
        "delivery": data.get("delivery", ""), "name": data["name"], "contact": data["contact"],
        "client": sender.client, "created": now, "received_on": day,
        "due_on": cfg.calendar.add(day, cfg.request_workdays),
    })
    record("feedback.receive", f"收到信息公开申请 {show_code(sub.code)}{_about(sub)}，答复期限 {sub.due_on}",
           actor="群众", feed=feed.name, subject=_subject(sub), device=sender.device)
    return sub


def _locked(sub: Submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=sub.pk)


def _digest(text: str) -> dict[str, Any]:  # noqa: ANN401
    return {"chars": len(text), "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def assign(sub: Submission, assignee: Any, request: HttpRequest) -> Submission:  # noqa: ANN401
    with transaction.atomic():
        sub = _locked(sub)
        sub.assignee = assignee
        if assignee is not None and sub.status == Status.NEW:
            sub.status = Status.IN_PROGRESS
        sub.save(update_fields=["assignee", "status"])
        who = (assignee.get_full_name() or assignee.get_username()) if assignee is not None else "无人"
        record("feedback.assign", f"{show_code(sub.code)} 分配给 {who}", request=request, feed=sub.feed.name,
               subject=_subject(sub), assignee=getattr(assignee, "pk", None))
    return sub


def reply(sub: Submission, text: str, public: bool, question: str, request: HttpRequest,
          now: dt.datetime) -> Answer:
    if public and sub.kind != Kind.COMMENT:
        raise StepError("信息公开申请只能私下答复（凭查询码查看）。")
    with transaction.atomic():
        sub = _locked(sub)
        answer = Answer.objects.create(submission=sub, kind=AnswerKind.REPLY, public=public,
                                       question=question if public else "", text=text, author=person(request),
                                       created=now)
        _close(sub, Status.ANSWERED, now)
        how = "公开答复" if public else "私下答复"
        record("feedback.reply", f"{how} {show_code(sub.code)}{_about(sub)}", request=request, feed=sub.feed.name,
               subject=_subject(sub), public=public, answer=answer.pk, **_digest(text))
    return answer


def reject(sub: Submission, reason: str, request: HttpRequest, now: dt.datetime) -> Answer:
    with transaction.atomic():
        sub = _locked(sub)
        if not sub.is_open:
            raise StepError("已办结的事项不能再标为不予受理；如需更正，请先“重新办理”。")
        answer = Answer.objects.create(submission=sub, kind=AnswerKind.REJECTION, text=reason, author=person(request),
                                       created=now)
        _close(sub, Status.REJECTED, now)
        record("feedback.reject", f"不予受理 {show_code(sub.code)}{_about(sub)}", request=request,
               feed=sub.feed.name, subject=_subject(sub), answer=answer.pk, **_digest(reason))
    return answer


def _close(sub: Submission, status: Status, now: dt.datetime) -> None:
    sub.status = status
    sub.first_answer_at = sub.first_answer_at or now
    sub.closed_at = sub.closed_at or now
    sub.save(update_fields=["status", "first_answer_at", "closed_at"])


def extend(sub: Submission, reason: str, request: HttpRequest, now: dt.datetime, cfg: FeedbackSettings) -> Answer:
    """Extend a request's period once (the requester is told why, with the new date)."""
    with transaction.atomic():
        sub = _locked(sub)
        if sub.kind != Kind.REQUEST:
            raise StepError("只有信息公开申请可以延期答复。")
        if sub.extended:
            raise StepError("答复期限只能延长一次。")
        if not sub.is_open:
            raise StepError("已办结的申请不需要延期。")
        if cfg.request_extension_workdays == 0:
            raise StepError("本办公室的设置不允许延期（request_extension_workdays = 0）。")
        old = sub.due_on
        sub.due_on = cfg.calendar.add(old, cfg.request_extension_workdays)
        sub.extended = True
        if sub.status == Status.NEW:
            sub.status = Status.IN_PROGRESS
        sub.save(update_fields=["due_on", "extended", "status"])
        text = f"{reason}\n答复期限由 {old:%Y年%m月%d日} 延长至 {sub.due_on:%Y年%m月%d日}。"
        answer = Answer.objects.create(submission=sub, kind=AnswerKind.EXTENSION, text=text, author=person(request),
                                       created=now)
        record("feedback.extend", f"延期答复 {show_code(sub.code)}：{old} → {sub.due_on}", request=request,
               feed=sub.feed.name, subject=_subject(sub), due_before=old, due_after=sub.due_on, **_digest(reason))
    return answer


def reopen(sub: Submission, request: HttpRequest) -> Submission:
    with transaction.atomic():
        sub = _locked(sub)
        if sub.is_open:
            raise StepError("这件事项仍在办理中。")
        before = sub.get_status_display()
        sub.status, sub.closed_at = Status.IN_PROGRESS, None
        sub.save(update_fields=["status", "closed_at"])
        record("feedback.status", f"{show_code(sub.code)} 由“{before}”改为“处理中”（重新办理）", request=request,
               feed=sub.feed.name, subject=_subject(sub))
    return sub


def start(sub: Submission, request: HttpRequest) -> Submission:
    with transaction.atomic():
        sub = _locked(sub)
        if sub.status != Status.NEW:
            return sub
        sub.status = Status.IN_PROGRESS
        sub.save(update_fields=["status"])
        record("feedback.status", f"{show_code(sub.code)} 由“新收到”改为“处理中”", request=request,
               feed=sub.feed.name, subject=_subject(sub))
    return sub


def unpublish(answer: Answer, request: HttpRequest, now: dt.datetime) -> Answer:
    with transaction.atomic():
        answer = Answer.objects.select_for_update().select_related("submission__feed").get(pk=answer.pk)
        if not answer.public or answer.withdrawn_at is not None:
            raise StepError("这条答复不在公开答复中。")
        answer.withdrawn_at = now
        answer.save(update_fields=["withdrawn_at"])
        sub = answer.submission
        record("feedback.unpublish", f"撤下 {show_code(sub.code)} 的公开答复{_about(sub)}", request=request,
               feed=sub.feed.name, subject=_subject(sub), answer=answer.pk)
    return answer


def contact_viewed(sub: Submission, request: HttpRequest) -> None:
    record("feedback.contact", f"查看 {show_code(sub.code)} 的联系方式", request=request, feed=sub.feed.name,
           subject=_subject(sub))
