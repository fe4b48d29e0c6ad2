"""The office's side: a feed's inbox, one case, the export and the figures (``/f/<feed>/feedback/``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from kiosk.office.accounts.roles import feed_view, feeds_of
from kiosk.office.feedback import access, conf, service
from kiosk.office.feedback.export import to_csv
from kiosk.office.feedback.figures import figures as compute_figures
from kiosk.office.feedback.forms import AnswerForm, AssignForm, ReasonForm
from kiosk.office.feedback.models import OPEN_STATUSES, Answer, Kind, Status, Submission
from kiosk.office.feedback.public import request_template
from kiosk.office.feedback.text import show_code
from kiosk.office.feeds.models import Feed
from kiosk.office.history.api import record
from kiosk.office.history.models import Event

PER_PAGE = 50
TABS = (("open", "待办"), (Status.NEW.value, Status.NEW.label), (Status.IN_PROGRESS.value, Status.IN_PROGRESS.label),
        (Status.ANSWERED.value, Status.ANSWERED.label), (Status.REJECTED.value, Status.REJECTED.label),
        ("overdue", "已逾期"), ("all", "全部"))
_SESSION_CONTACTS = "feedback_contacts_seen"


def _today() -> dt.date:
    return timezone.localdate()


def _narrowed(feed: Feed, chosen: dict[str, str], user: Any) -> QuerySet[Submission]:  # noqa: ANN401
    """The feed's submissions of the chosen kind and notice (and "mine"), whatever their status."""
    qs = feed.submissions.select_related("assignee")
    if chosen["kind"] in Kind.values:
        qs = qs.filter(kind=chosen["kind"])
    if chosen["item"]:
        qs = qs.filter(item_id=chosen["item"])
    if chosen["mine"]:
        qs = qs.filter(assignee=user)
    return qs


def filtered(feed: Feed, params: Any, user: Any) -> tuple[QuerySet[Submission], dict[str, str]]:  # noqa: ANN401
    """The feed's submissions narrowed by the inbox's query parameters (also used by the export)."""
    chosen = {"status": params.get("status") or "open", "kind": params.get("kind") or "",
              "item": params.get("item") or "", "mine": params.get("mine") or ""}
    qs = _narrowed(feed, chosen, user)
    tab = chosen["status"]
    if tab == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif tab == "overdue":
        qs = qs.filter(status__in=OPEN_STATUSES, due_on__lt=_today())
    elif tab in Status.values:
        qs = qs.filter(status=tab)
    else:
        chosen["status"] = "all"
    if chosen["status"] in ("open", "overdue"):
        return qs.order_by("due_on", "created", "id"), chosen
    return qs.order_by("-created", "-id"), chosen


@require_safe
@feed_view()
def inbox(request: HttpRequest, feed: Feed) -> HttpResponse:
    qs, chosen = filtered(feed, request.GET, request.user)
    today = _today()
    counts = _narrowed(feed, chosen, request.user).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)), all=Count("id"),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)),
        **{s.value: Count("id", filter=Q(status=s.value)) for s in Status})
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    notices = (feed.submissions.exclude(item_id="").values("item_id").annotate(title=Max("item_title"), n=Count("id"))
               .order_by("-n", "item_id")[:200])
    keep = {k: v for k, v in chosen.items() if v}
    tabs = [{"key": k, "label": label, "count": counts.get(k, 0),
             "url": "?" + urlencode({**keep, "status": k}), "current": chosen["status"] == k} for k, label in TABS]
    rows = [{"sub": s, "age": (today - timezone.localdate(s.created)).days, "overdue": s.overdue(today),
             "code": show_code(s.code)} for s in page.object_list]
    return render(request, "feedback/inbox.html", {
        "feed": feed, "page": page, "rows": rows, "tabs": tabs, "chosen": chosen, "notices": notices,
        "query": urlencode(keep), "can_handle": access.can_handle(request.user, feed),
        "qr_templates": (feed.feedback_template(), request_template(feed)),
    })


def _history_of(sub: Submission) -> QuerySet[Event]:
    return Event.objects.filter(subject=f"feedback:{sub.pk}").order_by("id")


def _seen_contacts(request: HttpRequest) -> list[int]:
    return list(request.session.get(_SESSION_CONTACTS, []))


@require_http_methods(["GET", "HEAD", "POST"])
@feed_view()
def detail(request: HttpRequest, feed: Feed, pk: int) -> HttpResponse:
    sub = get_object_or_404(Submission.objects.select_related("assignee", "feed"), pk=pk, feed=feed)
    handler = access.can_handle(request.user, feed)
    contact_ok = access.can_see_contact(request.user, feed, sub)
    forms: dict[str, Any] = {}
    if request.method == "POST":
        if not handler and request.POST.get("action") != "contact":
            raise Http404("only drafters, reviewers and admins handle feedback")
        result = _act(request, feed, sub, contact_ok)
        if isinstance(result, HttpResponse):
            return result
        forms = result
        sub.refresh_from_db()
    people = access.handlers(feed)
    today = _today()
    context = {
        "feed": feed, "sub": sub, "code": show_code(sub.code), "handler": handler, "contact_ok": contact_ok,
        "contact_shown": contact_ok and sub.pk in _seen_contacts(request),
        "answers": list(sub.answers.select_related("author").order_by("created", "id")),
        "events": list(_history_of(sub)), "age": (today - timezone.localdate(sub.created)).days,
        "overdue": sub.overdue(today), "is_request": sub.kind == Kind.REQUEST,
        "can_extend": sub.kind == Kind.REQUEST and not sub.extended and sub.is_open
        and conf.current().request_extension_workdays > 0,
        "extension_days": conf.current().request_extension_workdays,
        "contact_roles_text": "、".join(r.label for r in access.contact_roles()),
        "assign_form": forms.get("assign") or AssignForm(people=people, initial={"assignee": sub.assignee_id}),
        "answer_form": forms.get("answer") or AnswerForm(allow_public=sub.kind == Kind.COMMENT,
                                                         initial={"question": sub.body[:300]}),
        "reject_form": forms.get("reject") or ReasonForm(prefix="reject"),
        "extend_form": forms.get("extend") or ReasonForm(prefix="extend"),
        "public_url": reverse("feedback-public:notice", args=[feed.name, sub.item_id]) if sub.item_id else "",
    }
    status = 400 if forms else 200
    return render(request, "feedback/detail.html", context, status=status)


def _act(request: HttpRequest, feed: Feed, sub: Submission, contact_ok: bool) -> HttpResponse | dict[str, Any]:  # noqa: ANN401
    """One step from the case page; a redirect when done, or the forms with their errors."""
    action = request.POST.get("action", "")
    here = reverse("feedback:detail", args=[feed.name, sub.pk])
    moment = timezone.now()
    try:
        if action == "contact":
            if not contact_ok:
                raise Http404("not allowed to see contact details")
            service.contact_viewed(sub, request)
            request.session[_SESSION_CONTACTS] = [*_seen_contacts(request), sub.pk][-200:]
            return HttpResponseRedirect(here + "#contact")
        if action == "start":
            service.start(sub, request)
            messages.success(request, "已标为处理中")
            return HttpResponseRedirect(here)
        if action == "assign":
            form = AssignForm(request.POST, people=access.handlers(feed))
            if not form.is_valid():
                return {"assign": form}
            pk = form.cleaned_data["assignee"]
            assignee = get_user_model().objects.get(pk=pk) if pk else None
            service.assign(sub, assignee, request)
            messages.success(request, "已分配处理人")
            return HttpResponseRedirect(here)
        if action == "answer":
            answer_form = AnswerForm(request.POST, allow_public=sub.kind == Kind.COMMENT)
            if not answer_form.is_valid():
                return {"answer": answer_form}
            data = answer_form.cleaned_data
            service.reply(sub, data["text"], bool(data.get("public")), data.get("question", ""), request, moment)
            messages.success(request, "已公开答复，公告页面上可以看到" if data.get("public") else
                             "已答复，群众凭查询码可以看到")
            return HttpResponseRedirect(here)
        if action in ("reject", "extend"):
            reason = ReasonForm(request.POST, prefix=action)
            if not reason.is_valid():
                return {action: reason}
            if action == "reject":
                service.reject(sub, reason.cleaned_data["reason"], request, moment)
                messages.success(request, "已标为不予受理，理由群众凭查询码可以看到")
            else:
                service.extend(sub, reason.cleaned_data["reason"], request, moment, conf.current())
                messages.success(request, "已延期，群众凭查询码可以看到新的答复期限")
            return HttpResponseRedirect(here)
        if action == "reopen":
            service.reopen(sub, request)
            messages.success(request, "已重新办理")
            return HttpResponseRedirect(here)
        if action == "unpublish":
            answer = get_object_or_404(Answer, pk=request.POST.get("answer") or 0, submission=sub)
            service.unpublish(answer, request, moment)
            messages.success(request, "已从公告页面撤下这条公开答复")
            return HttpResponseRedirect(here)
    except service.StepError as e:
        messages.error(request, str(e))
        return HttpResponseRedirect(here)
    messages.error(request, "未知的操作")
    return HttpResponseRedirect(here)


@require_safe
@feed_view()
def export_csv(request: HttpRequest, feed: Feed) -> HttpResponse:
    qs, chosen = filtered(feed, request.GET, request.user)
    with_contact = access.sees_all_contacts(request.user, feed)
    qs = qs.prefetch_related("answers")
    body = to_csv(qs, with_contact)
    record("feedback.export", f"导出群众意见 CSV（{'含' if with_contact else '不含'}联系方式，{qs.count()} 件）",
           request=request, feed=feed.name, filters=chosen)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    day = _today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="feedback-{feed.name}-{day}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@feed_view()
def export_print(request: HttpRequest, feed: Feed) -> HttpResponse:
    qs, chosen = filtered(feed, request.GET, request.user)
    with_contact = access.sees_all_contacts(request.user, feed)
    subs = list(qs.prefetch_related("answers__author")[:2000])
    record("feedback.export", f"打印群众意见（{'含' if with_contact else '不含'}联系方式，{len(subs)} 件）",
           request=request, feed=feed.name, filters=chosen)
    tab = dict(TABS).get(chosen["status"], "全部")
    response = render(request, "feedback/print.html", {
        "feed": feed, "subs": [{"sub": s, "code": show_code(s.code)} for s in subs], "with_contact": with_contact,
        "tab": tab, "now": timezone.localtime(), "truncated": qs.count() > len(subs)})
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@feed_view()
def figures(request: HttpRequest, feed: Feed) -> HttpResponse:
    result = compute_figures(feed.submissions.all(), _today())
    return render(request, "feedback/figures.html", {
        "feed": feed, "f": result, "today": _today(),
        "times": [("意见", result.comment_times), ("信息公开申请", result.request_times)],
        "overdue": [{"sub": s, "code": show_code(s.code), "late": (_today() - s.due_on).days}
                    for s in result.overdue]})


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """``/feedback/``: every feed of the signed-in person with its open and overdue counts."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    today = _today()
    rows = []
    for feed in feeds_of(request.user):
        counts = feed.submissions.aggregate(
            new=Count("id", filter=Q(status=Status.NEW)), open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)), all=Count("id"))
        rows.append({"feed": feed, **counts})
    return render(request, "feedback/overview.html", {"rows": rows})
