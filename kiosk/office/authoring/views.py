"""Notices of a feed: list, write and edit, upload images, preview, submit, withdraw."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import re
import secrets

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kiosk.content.writer import ItemDraft, write_item
from kiosk.office.accounts.models import Role
from kiosk.office.accounts.roles import feed_view, person, roles_of
from kiosk.office.approval.building import Edits
from kiosk.office.approval.models import PubKind, Publication, PubStatus
from kiosk.office.approval.service import ApprovalError, submit
from kiosk.office.authoring import editor
from kiosk.office.authoring.drafts import from_json, to_json
from kiosk.office.authoring.models import Notice, NoticeState, UploadedImage
from kiosk.office.authoring.previews import PreviewError, images_for, preview_root, worker
from kiosk.office.authoring.uploads import UploadError, save_upload
from kiosk.office.feeds.models import Feed
from kiosk.office.history.api import record

PREVIEW_WAIT = 60.0

log = logging.getLogger(__name__)


@require_safe
@feed_view()
def notices(request: HttpRequest, feed: Feed) -> HttpResponse:
    rows = feed.notices.select_related("updated_by").order_by("-updated")
    state = request.GET.get("state", "")
    if state:
        rows = rows.filter(state=state)
    return render(request, "authoring/notices.html", {
        "feed": feed, "notices": rows, "can_write": Role.DRAFTER in roles_of(person(request), feed),
        "states": NoticeState.choices, "state": state})


def _categories(feed: Feed) -> list[tuple[str, str]]:
    import tomllib

    try:
        cats = tomllib.loads(feed.catalogue).get("category", [])
    except tomllib.TOMLDecodeError:
        return []
    return [(str(c.get("id", "")), str(c.get("name", ""))) for c in cats if isinstance(c, dict)]


def _new_draft(feed: Feed) -> ItemDraft:
    today = timezone.localdate()
    return ItemDraft(id=f"{today:%Y%m%d}-{secrets.token_hex(2)}", category="", title="", issuer=feed.publisher,
                     date=today, blocks=(editor.new_block("p"),))


def _editor_context(feed: Feed, state: editor.FormState, notice: Notice | None) -> dict[str, object]:
    d = state.draft
    errs = state.errors
    blocks = []
    for n, b in enumerate(d.blocks):
        header = [(c, v, (list(b.align) + ["l"] * len(b.header))[c], errs.get(f"b{n}-h{c}"))
                  for c, v in enumerate(b.header)]
        rows = [(r, [(c, v, errs.get(f"b{n}-c{r}-{c}")) for c, v in enumerate(row)]) for r, row in enumerate(b.rows)]
        blocks.append({"n": n, "b": b, "label": editor.BLOCK_LABELS.get(b.kind, b.kind), "header": header,
                       "rows": rows, "ncols": len(b.header), "nrows": len(b.rows),
                       "text_errors": errs.get(f"b{n}-text"), "path_errors": errs.get(f"b{n}-path"),
                       "first": n == 0, "last": n == len(d.blocks) - 1})

    def split(value: object) -> tuple[str, str]:
        if isinstance(value, dt.datetime):
            return value.date().isoformat(), value.strftime("%H:%M")
        if isinstance(value, dt.date):
            return value.isoformat(), ""
        return "", ""

    frm, until = split(d.show_from), split(d.show_until)
    return {"feed": feed, "notice": notice, "d": d, "blocks": blocks, "nblocks": len(d.blocks),
            "errors": state.errors, "categories": _categories(feed),
            "uploads": UploadedImage.objects.filter(feed=feed).order_by("-created")[:200],
            "from_date": frm[0], "from_time": frm[1], "until_date": until[0], "until_time": until[1],
            "date": d.date.isoformat() if d.date else "", "tags": "、".join(d.tags),
            "locked": notice is not None and notice.state == NoticeState.SUBMITTED}


def _handle_uploads(request: HttpRequest, feed: Feed, state: editor.FormState) -> None:
    """Each block's file field: check, keep and put the picture into that block."""
    blocks = list(state.draft.blocks)
    for n, b in enumerate(blocks):
        upload = request.FILES.get(f"b{n}-file")
        if upload is None or b.kind != "image":
            continue
        try:
            image = save_upload(feed, upload, person(request))
        except UploadError as e:
            state.error(f"b{n}-path", str(e))
            continue
        record("image.upload", f"上传图片 {image.name}（{image.width}×{image.height}）", request=request,
               feed=feed.name, subject=f"image:{image.name}")
        blocks[n] = editor.DraftBlock("image", text=b.text, path=image.name)
    upload = request.FILES.get("slide-file")
    images = list(state.draft.images)
    if upload is not None:
        try:
            image = save_upload(feed, upload, person(request))
            images.append(image.name)
            record("image.upload", f"上传图片 {image.name}（{image.width}×{image.height}）", request=request,
                   feed=feed.name, subject=f"image:{image.name}")
        except UploadError as e:
            state.error("images", str(e))
    import dataclasses

    state.draft = dataclasses.replace(state.draft, blocks=tuple(blocks), images=tuple(dict.fromkeys(images)))


@require_http_methods(["GET", "POST"])
@feed_view(Role.DRAFTER)
def edit(request: HttpRequest, feed: Feed, item_id: str | None = None) -> HttpResponse:
    notice = get_object_or_404(Notice, feed=feed, item_id=item_id) if item_id else None
    if request.method == "GET":
        draft = from_json(notice.draft) if notice is not None and notice.draft else _new_draft(feed)
        return render(request, "authoring/edit.html", _editor_context(feed, editor.FormState(draft), notice))
    if notice is not None and notice.state == NoticeState.SUBMITTED:
        messages.error(request, "这条公告正在等待审核，不能修改。如需修改，请先在审批页面取消提交。")
        return redirect("authoring:edit", feed.name, notice.item_id)
    state = editor.read_post(request.POST, request.POST.getlist("images"))
    _handle_uploads(request, feed, state)
    if state.op not in ("save", "preview", "submit"):
        state.draft = editor.apply_op(state.draft, state.op)
        return render(request, "authoring/edit.html", _editor_context(feed, state, notice))
    others = feed.notices.exclude(pk=notice.pk) if notice is not None else feed.notices.all()
    taken = set(others.values_list("item_id", flat=True))
    text = editor.check(feed, state, images_for(feed, editor.image_rels(state.draft)), taken)
    if notice is not None and state.draft.id != notice.item_id and notice.published_text:
        state.error("id", "已发布的公告不能修改编号")
        text = None
    if text is None:
        return render(request, "authoring/edit.html", _editor_context(feed, state, notice), status=422)
    with transaction.atomic():
        if notice is None:
            notice = Notice(feed=feed, created_by=person(request))
        notice.item_id, notice.draft, notice.title = state.draft.id, to_json(state.draft), state.draft.title
        notice.category, notice.updated_by = state.draft.category, person(request)
        if notice.state in (NoticeState.REJECTED, NoticeState.WITHDRAWN) or notice.pk is None:
            notice.state = NoticeState.DRAFT if not notice.published_text else NoticeState.PUBLISHED
        notice.save()
        record("notice.write", f"编写公告“{notice.title}”", request=request, feed=feed.name,
               subject=f"notice:{notice.item_id}")
    if state.op in ("preview", "submit"):
        return redirect("authoring:preview", feed.name, notice.item_id)
    messages.success(request, "已保存。")
    return redirect("authoring:edit", feed.name, notice.item_id)


def _draft_text(notice: Notice) -> tuple[ItemDraft, str]:
    draft = from_json(notice.draft)
    return draft, write_item(draft)


@require_safe
@feed_view()
def preview(request: HttpRequest, feed: Feed, item_id: str) -> HttpResponse:
    notice = get_object_or_404(Notice, feed=feed, item_id=item_id)
    draft, text = _draft_text(notice)
    future = worker().preview(feed, notice.item_id, text, images_for(feed, editor.image_rels(draft)))
    try:
        result = future.result(timeout=PREVIEW_WAIT)
        problem = None
    except (PreviewError, concurrent.futures.TimeoutError) as e:
        result, problem = None, str(e) or "预览生成超时，请稍后刷新"
    except Exception:  # a drawing bug must not take the page down: say so, log it
        log.exception("preview of %s/%s failed", feed.name, item_id)
        result, problem = None, "预览生成失败（已记录错误，请联系管理员）"
    pending = notice.publications.filter(status=PubStatus.SIGNING).first()
    return render(request, "authoring/preview.html", {
        "feed": feed, "notice": notice, "preview": result, "problem": problem, "pending": pending,
        "can_submit": Role.DRAFTER in roles_of(person(request), feed) and pending is None
        and notice.state != NoticeState.SUBMITTED and text != notice.published_text,
        "can_withdraw": Role.DRAFTER in roles_of(person(request), feed) and pending is None
        and bool(notice.published_text), "coverage": _coverage(feed, notice, draft, text)})


def _coverage(feed: Feed, notice: Notice, draft: ItemDraft, text: str) -> list[str]:
    """Categories that would have nothing current once this notice is published (catalogue coverage)."""
    from kiosk.office.feeds.coverage import empty_after

    uploads = UploadedImage.objects.filter(feed=feed, name__in=editor.image_rels(draft))
    return empty_after(feed, {f"items/{notice.item_id}.md": text}, {u.name: u.sha256 for u in uploads})


@require_POST
@feed_view(Role.DRAFTER)
def submit_notice(request: HttpRequest, feed: Feed, item_id: str) -> HttpResponse:
    notice = get_object_or_404(Notice, feed=feed, item_id=item_id)
    withdraw = request.POST.get("what") == "withdraw"
    draft, text = _draft_text(notice)
    if withdraw:
        kind, summary, edits = PubKind.WITHDRAW, f"撤回：{notice.title}", Edits({f"items/{item_id}.md": None}, {})
    else:
        kind = PubKind.CORRECT if notice.published_text else PubKind.NEW
        summary = f"{'更正' if notice.published_text else '新增'}：{draft.title}"
        images = {}
        for rel in editor.image_rels(draft):
            upload = UploadedImage.objects.filter(feed=feed, name=rel).first()
            if upload is not None:
                images[rel] = upload.sha256
        edits = Edits({f"items/{item_id}.md": text}, images)
    try:
        pub = submit(feed, person(request), request.POST.get("passphrase", ""), kind, summary, edits, notice)
    except ApprovalError as e:
        messages.error(request, e.message + ("：" + "；".join(e.problems) if e.problems else ""))
        return redirect("authoring:preview", feed.name, item_id)
    if withdraw:
        record("notice.withdraw", f"申请撤回“{notice.title}”", request=request, feed=feed.name,
               subject=f"notice:{item_id}", publication=pub.pk)
    messages.success(request, "已签名并提交审核。审核人签名后，屏幕将在下次同步时显示。")
    return redirect("approval:detail", feed.name, pub.pk)


@require_safe
@feed_view()
def preview_png(request: HttpRequest, feed: Feed, key: str, name: str) -> FileResponse:
    if not re.fullmatch(r"[0-9a-f]{32}", key) or \
            not re.fullmatch(r"(\d{3,4}x\d{3,4}-\d{1,3}|led-page-\d{1,3}|led-ticker)\.png", name):
        raise Http404
    path = preview_root() / key / name
    if not path.is_file():
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="image/png")  # noqa: SIM115 - closed by Django
    response["Cache-Control"] = "private, max-age=31536000, immutable"  # named by content hash
    return response


@require_safe
@feed_view()
def image(request: HttpRequest, feed: Feed, name: str) -> FileResponse:
    """An uploaded picture, only ever as the image it was checked to be (never HTML, never a download
    the browser might run): image content type, nosniff, and a sandbox CSP of its own."""
    found = get_object_or_404(UploadedImage, feed=feed, name=f"images/{name}")
    kind = "image/png" if found.name.endswith(".png") else "image/jpeg"
    response = FileResponse(open(found.path, "rb"), content_type=kind)  # noqa: SIM115 - closed by Django
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, max-age=86400"
    return response


def pending_for(notice: Notice) -> Publication | None:
    return notice.publications.filter(status=PubStatus.SIGNING).first()
