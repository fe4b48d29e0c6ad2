"""A feed's page (where screens find it, the version they get, coverage), and the content
folder as a ZIP: export the newest signed content, import a folder (as one signed publication)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from kiosk.office.accounts.models import Role
from kiosk.office.accounts.roles import feed_view, person, roles_of
from kiosk.office.approval.models import PubKind
from kiosk.office.approval.service import ApprovalError, submit
from kiosk.office.authoring.importing import ImportError_, export_folder, notices_for, read_folder
from kiosk.office.feeds.coverage import current_gaps
from kiosk.office.feeds.models import Feed
from kiosk.office.feeds.service import load_repo
from kiosk.office.history.api import record

MAX_ZIP = 200 * 1024 * 1024
MAX_FILES = 5000


@require_safe
@feed_view()
def detail(request: HttpRequest, feed: Feed) -> HttpResponse:
    repo = load_repo(feed)
    version = expires = None
    if repo is not None and repo.published:
        version = repo.targets.signed.version
        expires = {"content": timezone.localtime(repo.targets.signed.expires),
                   "timestamp": timezone.localtime(repo.timestamp.signed.expires)}
    members = feed.memberships.select_related("user").order_by("role", "user__username")
    return render(request, "feeds/detail.html", {
        "feed": feed, "version": version, "expires": expires, "members": members,
        "root_version": repo.root.signed.version if repo else None, "gaps": current_gaps(feed) if version else [],
        "can_import": Role.DRAFTER in roles_of(person(request), feed),
        "can_manage": Role.ADMIN in roles_of(person(request), feed)})


@require_safe
@feed_view()
def export_zip(request: HttpRequest, feed: Feed) -> HttpResponse:
    """The newest signed content as a content folder in a ZIP (what ``kiosk feed publish`` signs)."""
    with tempfile.TemporaryDirectory(prefix="kiosk-export-") as tmp:
        folder = export_folder(feed, Path(tmp) / feed.name)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    z.write(path, f"{feed.name}/{path.relative_to(folder).as_posix()}")
    record("content.export", "导出内容文件夹", request=request, feed=feed.name)
    response = HttpResponse(buf.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{feed.name}-{timezone.localdate():%Y%m%d}.zip"'
    return response


def unpack(data: bytes, dest: Path) -> Path:
    """Extract a content-folder ZIP safely; returns the folder holding items/ (the root or one sub-folder)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportError_("这不是 ZIP 压缩文件") from None
    infos = archive.infolist()
    if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > 4 * MAX_ZIP:
        raise ImportError_("压缩文件里的文件太多或太大")
    for info in infos:
        name = PurePosixPath(info.filename)
        if info.is_dir():
            continue
        if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
            raise ImportError_(f"压缩文件中的路径不安全：{info.filename}")
        target = dest / Path(*name.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.read(info))
    candidates = [dest, *[p for p in dest.iterdir() if p.is_dir()]]
    for folder in candidates:
        if (folder / "items").is_dir():
            return folder
    raise ImportError_("压缩文件中没有 items 文件夹（内容文件夹的格式见说明）")


@require_http_methods(["GET", "POST"])
@feed_view(Role.DRAFTER)
def import_zip(request: HttpRequest, feed: Feed) -> HttpResponse:
    problems: tuple[str, ...] = ()
    if request.method == "POST":
        upload = request.FILES.get("folder")
        try:
            if upload is None:
                raise ImportError_("请选择一个 ZIP 文件")
            if upload.size is not None and upload.size > MAX_ZIP:
                raise ImportError_(f"文件太大（最大 {MAX_ZIP // 1_000_000} MB）")
            with tempfile.TemporaryDirectory(prefix="kiosk-import-") as tmp:
                folder = unpack(upload.read(), Path(tmp))
                # the feed's own settings and catalogue apply, whatever the folder carried
                (folder / "content.toml").write_text(feed.content_toml(), encoding="utf-8")
                (folder / "catalogue.toml").write_text(feed.catalogue, encoding="utf-8")
                imported = read_folder(folder, feed)
                notices_for(feed, imported, person(request))
                pub = submit(feed, person(request), request.POST.get("passphrase", ""), PubKind.IMPORT,
                             f"导入内容文件夹（{len(imported.content.items)} 条公告）", imported.edits)
            record("content.import", f"导入内容文件夹 {upload.name}（{len(imported.content.items)} 条公告）",
                   request=request, feed=feed.name, publication=pub.pk)
            messages.success(request, "已导入并签名提交，等待审核人签名。")
            return redirect("approval:detail", feed.name, pub.pk)
        except ImportError_ as e:
            messages.error(request, str(e))
            problems = e.problems
        except ApprovalError as e:
            messages.error(request, e.message)
            problems = e.problems
    return render(request, "feeds/import.html", {"feed": feed, "problems": problems})
