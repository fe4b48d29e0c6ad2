"""Residents' pages under ``/p/``: the notice behind a QR code, the forms, status by receipt code.

No sign-in, no cookie, no script needed (a small counter script is the only one, optional).
Forms are protected by ``guard`` (signed form token + the browser's Origin/Sec-Fetch-Site), the
rate limits of ``throttle`` and a honeypot field; whatever is refused gets its form back with
the text kept and a plain reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from kiosk.content.model import Audience, Heading, ImageBlock, Item, Paragraph, Table
from kiosk.office.feedback import conf, guard, throttle
from kiosk.office.feedback.forms import HONEYPOT, CommentForm, LookupForm, RequestForm, clean_device
from kiosk.office.feedback.images import ImageUnusable, cache_dir, phone_copy
from kiosk.office.feedback.models import Answer, AnswerKind, Kind, Submission
from kiosk.office.feedback.notices import PublicNotice, current, find, image_source
from kiosk.office.feedback.service import Sender, receive_comment, receive_request
from kiosk.office.feedback.text import normalize_code, show_code
from kiosk.office.feeds.models import Feed
from kiosk.office.paths import data_dir, public_url
from kiosk.strings import chinese_day

MAX_POST_BYTES = 64 * 1024  # the largest honest form is ~25 KB (2,000 characters, percent-encoded)


def now() -> dt.datetime:
    return timezone.now()


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:  # noqa: ANN401
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-cache"
    return response


def _feed(name: str) -> Feed | None:
    return Feed.objects.filter(name=name).first()


def _notice(feed: Feed | None, item_id: str, when: dt.datetime) -> PublicNotice | None:
    if feed is None or not item_id:
        return None
    return find(feed.tree, item_id, when, conf.current().comments_after_days)


def blocks_for(feed: Feed, notice: PublicNotice) -> list[dict[str, Any]]:  # noqa: ANN401
    """The notice's parsed blocks (kiosk.content) as what the template draws."""
    out: list[dict[str, Any]] = []
    for block in [*notice.image_blocks(), *notice.item.body]:
        if isinstance(block, Paragraph):
            out.append({"kind": "p", "text": block.text})
        elif isinstance(block, Heading):
            out.append({"kind": "h", "text": block.text})
        elif isinstance(block, Table):
            out.append({"kind": "table", "header": block.header, "align": block.align,
                        "rows": [list(zip(row, block.align, strict=False)) for row in block.rows]})
        elif isinstance(block, ImageBlock):
            name = notice.images.get(block.path)
            if name:
                out.append({"kind": "img", "caption": block.caption,
                            "src": reverse("feedback-public:image", args=[feed.name, name])})
    return out


def period_text(item: Item) -> tuple[str, str] | None:
    """公示期 as a notice says it: ("2026年1月5日", "2026年1月11日") (an end at midnight is the day before)."""
    if item.show_until is None or item.show_until.year >= dt.MAXYEAR:
        return None

    def when(moment: dt.datetime, end: bool) -> str:
        if moment.time() == dt.time():
            return chinese_day((moment - dt.timedelta(days=1)).date() if end else moment.date())
        return f"{chinese_day(moment.date())} {moment:%H:%M}"

    return when(item.show_from, False), when(item.show_until, True)


def public_answers(feed: Feed, item_id: str) -> list[Answer]:
    return list(Answer.objects.filter(submission__feed=feed, submission__item_id=item_id, public=True,
                                      withdrawn_at__isnull=True, kind=AnswerKind.REPLY).order_by("-created"))


def _too_big(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_POST_BYTES
    except ValueError:
        return True


def _refusal(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return _no_store(render(request, "feedback/refused.html", {"reason": reason}, status=status))


def _guard(request: HttpRequest, form: Any, purpose: str) -> str | None:  # noqa: ANN401
    """Why this post is refused before it is looked at (the form keeps the text), or None."""
    if guard.cross_site(request):
        return "cross_site"
    problem = guard.token_problem(request.POST.get("token", ""), purpose)
    if problem:
        return "expired" if problem == "expired" else "token"
    if form.honeypot_filled:
        return "honeypot"
    return None


GUARD_MESSAGES = {
    "cross_site": "这份表单不是从本网站的页面提交的，没有收下。请直接在本页填写后提交。",
    "expired": "页面打开的时间太久了。您写的内容还在下面，请再点一次“提交”。",
    "token": "表单已失效。您写的内容还在下面，请再点一次“提交”。",
    "honeypot": "“请勿填写此栏”一栏中有内容，所以没有提交。请清空那一栏后再提交。",
    "closed": "这条公告的意见征集已经结束，没有提交。您写的内容在下面，可以复制保存，"
              "通过“申请公开政府信息”或到办公室反映。",
    "address": "这个网络在一小时内提交的次数已达上限，请稍后再试。您写的内容还在下面。",
    "device": "通过这块屏幕的二维码提交的次数在一小时内已达上限，请稍后再试。您写的内容还在下面。",
}


def _status_url(code: str, sent: bool = False) -> str:
    """The status page; right after sending, with a signed ``sent`` mark: the thank-you header, and
    no lookup limit (a neighbour guessing codes on the same network cannot block the receipt)."""
    url = reverse("feedback-public:status", args=[code])
    return url + "?" + urlencode({"sent": guard.issue(f"sent:{code}")}) if sent else url


def _just_sent(request: HttpRequest, code: str) -> bool:
    return guard.token_problem(request.GET.get("sent", ""), f"sent:{code}") is None


Accept = Callable[[dict[str, Any], Sender], Submission]


def _submit(request: HttpRequest, form: Any, purpose: str, device: str, moment: dt.datetime,  # noqa: ANN401
            accept: Accept, closed: bool = False) -> HttpResponse | str | None:
    """A posted resident form: the redirect to its receipt, or why it was refused (None: invalid form)."""
    problem = _guard(request, form, purpose)
    if problem is None and closed:
        problem = "closed"
    if problem is None and form.is_valid():
        sender = Sender(throttle.client_key(request), device)
        problem = throttle.submission_refused(sender.client, device, moment, conf.current())
        if problem is None:
            sub = accept(form.cleaned_data, sender)
            return HttpResponseRedirect(_status_url(sub.code, sent=True), status=303)
    return problem


def _form_page(request: HttpRequest, template: str, context: dict[str, Any], problem: str | None) -> HttpResponse:  # noqa: ANN401
    """The page with its form: 200 when first shown; after a refused post 429 (limits) or 400, never stored."""
    context["problem"] = GUARD_MESSAGES.get(problem or "", "")
    if request.method != "POST":
        return _page(request, template, context)
    return _no_store(_page(request, template, context, status=429 if problem in ("address", "device") else 400))


@csrf_exempt  # guard: signed form token + Origin / Sec-Fetch-Site (see guard.py), no cookie needed
@require_http_methods(["GET", "HEAD", "POST"])
def notice(request: HttpRequest, feed: str, item: str) -> HttpResponse:
    moment = now()
    feed_obj = _feed(feed)
    found = _notice(feed_obj, item, moment)
    if feed_obj is None or found is None:
        return _page(request, "feedback/unknown.html", {"feed": feed_obj}, status=404)
    cfg = conf.current()
    purpose = f"comment:{feed_obj.name}/{found.item.id}"
    device = clean_device((request.POST if request.method == "POST" else request.GET).get("d"))
    form = CommentForm(max_chars=cfg.comment_max_chars)
    problem = None
    if request.method == "POST":
        if _too_big(request):
            return _refusal(request, "too_big", 413)
        form = CommentForm(request.POST, max_chars=cfg.comment_max_chars)
        result = _submit(request, form, purpose, device, moment,
                         lambda data, sender: receive_comment(feed_obj, found, data, sender, moment, cfg),
                         closed=not found.comments_open(moment))
        if isinstance(result, HttpResponse):
            return result
        problem = result
    return _form_page(request, "feedback/notice.html", {
        "feed": feed_obj, "notice": found, "item": found.item, "blocks": blocks_for(feed_obj, found),
        "day": chinese_day(found.item.date), "answers": public_answers(feed_obj, found.item.id),
        "form": form, "token": guard.issue(purpose), "device": device, "honeypot": HONEYPOT,
        "open": found.comments_open(moment), "max_chars": cfg.comment_max_chars,
        "request_url": _request_url(feed_obj, found.item.id, device), "period": period_text(found.item),
        "retention_days": cfg.contact_retention_days,
    }, problem)


def request_template(feed: Feed) -> str:
    """A screen's ``[qr] request_url`` for this feed: its second QR code opens the request form."""
    return f"{public_url()}/p/{feed.name}/request/?i={{item}}&d={{device}}"


def _request_url(feed: Feed, item_id: str, device: str) -> str:
    query = {k: v for k, v in (("i", item_id), ("d", device)) if v}
    base = reverse("feedback-public:request", args=[feed.name])
    return f"{base}?{urlencode(query)}" if query else base


@csrf_exempt  # guard: see notice()
@require_http_methods(["GET", "HEAD", "POST"])
def request_form(request: HttpRequest, feed: str) -> HttpResponse:
    moment = now()
    feed_obj = _feed(feed)
    if feed_obj is None:
        return choose_office(request, status=404)
    cfg = conf.current()
    source = request.POST if request.method == "POST" else request.GET
    device = clean_device(source.get("d"))
    about = _notice(feed_obj, (source.get("i") or "")[:80], moment)
    purpose = f"request:{feed_obj.name}"
    form = RequestForm()
    problem = None
    if request.method == "POST":
        if _too_big(request):
            return _refusal(request, "too_big", 413)
        form = RequestForm(request.POST)
        result = _submit(request, form, purpose, device, moment,
                         lambda data, sender: receive_request(feed_obj, about, data, sender, moment, cfg))
        if isinstance(result, HttpResponse):
            return result
        problem = result
    return _form_page(request, "feedback/request.html", {
        "feed": feed_obj, "about": about, "item_id": about.item.id if about else "", "form": form,
        "token": guard.issue(purpose), "device": device, "honeypot": HONEYPOT, "workdays": cfg.request_workdays,
        "extension": cfg.request_extension_workdays, "retention_days": cfg.contact_retention_days,
    }, problem)


@require_safe
def choose_office(request: HttpRequest, status: int = 200) -> HttpResponse:
    """``/p/request/``: which office to ask (a screen configured with an unknown feed name lands here)."""
    feeds = Feed.objects.order_by("publisher", "label")
    return _page(request, "feedback/choose.html", {"feeds": feeds}, status=status)


@require_safe
def status(request: HttpRequest, code: str) -> HttpResponse:
    cfg = conf.current()
    moment = now()
    client = throttle.client_key(request)
    normal = normalize_code(code)
    sent = normal is not None and _just_sent(request, normal)
    if not sent and throttle.lookups_refused(client, moment, cfg):
        return _refusal(request, "lookups", 429)
    sub = Submission.objects.select_related("feed").filter(code=normal).first() if normal else None
    if sub is None:
        if normal:  # well-formed but unknown: counts as a guess
            throttle.count_failed_lookup(client, moment)
        form = LookupForm(initial={"code": code})
        return _no_store(render(request, "feedback/lookup.html",
                                {"form": form, "not_found": True, "malformed": normal is None}, status=404))
    answers = [a for a in sub.answers.all().order_by("created") if a.withdrawn_at is None or not a.public]
    context = {"sub": sub, "code": show_code(sub.code), "answers": answers, "sent": sent,
               "workdays": cfg.request_workdays if sub.kind == Kind.REQUEST else cfg.answer_workdays,
               "is_request": sub.kind == Kind.REQUEST,
               "notice_url": reverse("feedback-public:notice", args=[sub.feed.name, sub.item_id])
               if sub.item_id else ""}
    return _no_store(render(request, "feedback/status.html", context))


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    """``/p/s/?code=…``: the lookup form; a code typed in goes to its status page."""
    typed = request.GET.get("code")
    if typed is not None:
        normal = normalize_code(typed)
        if normal:
            return HttpResponseRedirect(reverse("feedback-public:status", args=[normal]), status=303)
        form = LookupForm(initial={"code": typed[:40]})
        return _no_store(render(request, "feedback/lookup.html", {"form": form, "malformed": True}, status=400))
    return _page(request, "feedback/lookup.html", {"form": LookupForm()})


@require_safe
def image(request: HttpRequest, feed: str, name: str) -> HttpResponseBase:
    """A phone-sized copy of a notice's image (immutable: the name is its content hash)."""
    feed_obj = _feed(feed)
    source = image_source(feed_obj.tree, name) if feed_obj is not None else None
    if source is None:
        raise Http404("no such image")
    try:
        path = phone_copy(source, cache_dir(data_dir().root), name)
    except ImageUnusable:
        raise Http404("image unusable") from None
    response = FileResponse(open(path, "rb"), content_type="image/jpeg")  # noqa: SIM115 - FileResponse closes it
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_safe
def feed_home(request: HttpRequest, feed: str) -> HttpResponse:
    """``/p/<feed>/``: the feed's notices that screens show now, by category (public ones only)."""
    feed_obj = _feed(feed)
    version = current(feed_obj.tree) if feed_obj is not None else None
    if feed_obj is None or version is None:
        return _page(request, "feedback/unknown.html", {"feed": feed_obj}, status=404)
    local = timezone.localtime(now()).replace(tzinfo=None)
    groups = []
    for category in version.content.catalogue.ordered():
        items = [i for i in version.content.items if i.category == category.id and i.valid_at(local)
                 and i.audience is Audience.PUBLIC]
        if items:
            groups.append({"category": category, "items": sorted(items, key=lambda i: i.date, reverse=True)})
    return _page(request, "feedback/feed.html", {"feed": feed_obj, "publisher": version.content.publisher,
                                                 "groups": groups})
