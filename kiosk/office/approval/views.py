"""Approval pages: the queue, one publication (see what you sign, sign, reject), key changes."""

from __future__ import annotations

import concurrent.futures
import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from kiosk.office.accounts.models import Role, SigningKey
from kiosk.office.accounts.roles import feed_view, person, roles_of
from kiosk.office.approval import keychanges, service
from kiosk.office.approval.building import Edits, upload_path
from kiosk.office.approval.models import KeyChange, KeyStatus, Publication, PubStatus
from kiosk.office.authoring.previews import Preview, PreviewError, images_for, worker
from kiosk.office.console.secondfactor import reviewer_must_verify
from kiosk.office.feeds.models import Feed

log = logging.getLogger(__name__)


@require_safe
@feed_view()
def queue(request: HttpRequest, feed: Feed) -> HttpResponse:
    pubs = feed.publications.select_related("created_by", "notice").prefetch_related("signatures__user")
    return render(request, "approval/queue.html", {
        "feed": feed, "pending": pubs.filter(status=PubStatus.SIGNING),
        "done": pubs.exclude(status=PubStatus.SIGNING)[:50],
        "keychanges": feed.key_changes.filter(status=KeyStatus.PENDING)})


def _preview(pub: Publication) -> tuple[Preview | None, str | None]:
    """The notice exactly as this publication would put it on screens."""
    edits = Edits.from_json(pub.edits)
    items = [(rel, text) for rel, text in edits.files.items() if rel.startswith("items/") and text]
    if pub.notice is None or len(items) != 1:
        return None, None
    rel, text = items[0]
    images = images_for(pub.feed, list(edits.images))
    images.update({r: upload_path(sha, r) for r, sha in edits.images.items()})
    try:
        return worker().preview(pub.feed, rel.removeprefix("items/").removesuffix(".md"), text,
                                images).result(timeout=60), None
    except (PreviewError, concurrent.futures.TimeoutError) as e:
        return None, str(e) or "预览生成超时"
    except Exception:  # a drawing bug must not take the page down: say so, log it
        log.exception("preview of publication %s failed", pub.pk)
        return None, "预览生成失败（已记录错误，请联系管理员）"


@require_safe
@feed_view()
def detail(request: HttpRequest, feed: Feed, pk: int) -> HttpResponse:
    pub = get_object_or_404(Publication.objects.select_related("notice", "created_by", "decided_by"), feed=feed, pk=pk)
    preview, problem = _preview(pub) if pub.status == PubStatus.SIGNING else (None, None)
    try:
        capacity = service.needed_capacity(pub, person(request))
        why_not = None
    except service.ApprovalError as e:
        capacity, why_not = None, e.message
    successor = Publication.objects.filter(replaces=pub).first()
    edits = Edits.from_json(pub.edits)
    texts = [(rel, text) for rel, text in edits.files.items() if text and len(edits.files) <= 3]
    return render(request, "approval/detail.html", {
        "feed": feed, "pub": pub, "preview": preview, "problem": problem, "capacity": capacity,
        "why_not": why_not, "successor": successor, "signatures": pub.signatures.select_related("user"),
        "can_reject": pub.status == PubStatus.SIGNING and Role.REVIEWER in roles_of(person(request), feed)
        and not pub.signatures.filter(user=person(request)).exists(),
        "can_cancel": pub.status == PubStatus.SIGNING and pub.created_by_id == person(request).pk, "texts": texts})


@require_POST
@feed_view(Role.DRAFTER, Role.REVIEWER)
def sign(request: HttpRequest, feed: Feed, pk: int) -> HttpResponse:
    pub = get_object_or_404(Publication, feed=feed, pk=pk)
    if pub.signatures.exists() and (why := reviewer_must_verify(person(request))):
        messages.error(request, why)
        return redirect("approval:detail", feed.name, pub.pk)
    try:
        pub = service.sign(pub, person(request), request.POST.get("passphrase", ""))
    except service.ApprovalError as e:
        messages.error(request, e.message)
        successor = Publication.objects.filter(replaces=pub).first()
        return redirect("approval:detail", feed.name, successor.pk if successor else pub.pk)
    pub.refresh_from_db()
    if pub.status == PubStatus.PUBLISHED:
        messages.success(request, f"已签名并发布第 {pub.version} 版。屏幕会在下次同步时显示。")
    else:
        messages.success(request, "已签名，等待审核人签名。")
    return redirect("approval:detail", feed.name, pub.pk)


@require_POST
@feed_view(Role.REVIEWER)
def reject(request: HttpRequest, feed: Feed, pk: int) -> HttpResponse:
    pub = get_object_or_404(Publication, feed=feed, pk=pk)
    try:
        service.reject(pub, person(request), request.POST.get("reason", ""))
        messages.success(request, "已退回，拟稿人会看到您写的理由。")
    except service.ApprovalError as e:
        messages.error(request, e.message)
    return redirect("approval:detail", feed.name, pub.pk)


@require_POST
@feed_view(Role.DRAFTER)
def cancel(request: HttpRequest, feed: Feed, pk: int) -> HttpResponse:
    pub = get_object_or_404(Publication, feed=feed, pk=pk)
    try:
        service.cancel(pub, person(request))
        messages.success(request, "已取消提交，可以继续修改。")
    except service.ApprovalError as e:
        messages.error(request, e.message)
    return redirect("approval:detail", feed.name, pub.pk)


@require_safe
@feed_view()
def keys(request: HttpRequest, feed: Feed) -> HttpResponse:
    changes = feed.key_changes.prefetch_related("signatures__user")[:20]
    rows = []
    my_key = SigningKey.objects.filter(user=person(request)).first()
    for change in changes:
        allowed: frozenset[str] = frozenset()
        if change.status == KeyStatus.PENDING:
            _, _, allowed = keychanges.status(change)
        rows.append({"change": change, "can_sign": change.status == KeyStatus.PENDING and my_key is not None
                     and my_key.keyid in allowed and not change.signatures.filter(user=person(request)).exists()})
    return render(request, "approval/keys.html", {
        "feed": feed, "rows": rows, "can_propose": Role.ADMIN in roles_of(person(request), feed)})


@require_POST
@feed_view(Role.ADMIN)
def propose_keys(request: HttpRequest, feed: Feed) -> HttpResponse:
    try:
        keychanges.propose(feed, person(request))
        messages.success(request, "已提出密钥变更，需要两名密钥保管人（管理员、审核人）输入签名口令确认。")
    except service.ApprovalError as e:
        messages.error(request, e.message)
    return redirect("approval:keys", feed.name)


@require_POST
@feed_view()
def sign_keys(request: HttpRequest, feed: Feed, pk: int) -> HttpResponse:
    change = get_object_or_404(KeyChange, feed=feed, pk=pk)
    try:
        keychanges.sign(change, person(request), request.POST.get("passphrase", ""))
        change.refresh_from_db()
        done = change.status == KeyStatus.APPLIED
        messages.success(request, "密钥变更已生效。" if done else "已确认，等待另一位保管人确认。")
    except service.ApprovalError as e:
        messages.error(request, e.message)
    return redirect("approval:keys", feed.name)
