"""The notice form, uploads, preview, submit, withdraw, import and export through the console."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from approvalkit import Office, make_office
from django.test import Client
from PIL import Image

from kiosk.office.approval.models import PubKind, Publication, PubStatus
from kiosk.office.authoring.models import Notice, NoticeState, UploadedImage
from kiosk.office.history.models import Event

pytestmark = pytest.mark.django_db

FORM = {"title": "党费收缴情况公示", "category": "organisation", "issuer": "中共青禾镇委员会", "date": "2026-10-08",
        "id": "dues-q3", "priority": "normal", "audience": "public", "nblocks": "2",
        "b0-kind": "p", "b0-text": "现将第三季度党费收缴情况公示如下。",
        "b1-kind": "table", "b1-ncols": "2", "b1-nrows": "1", "b1-h0": "支部", "b1-h1": "金额（元）",
        "b1-a0": "l", "b1-a1": "r", "b1-c0-0": "第一支部", "b1-c0-1": "1,920.00"}


@pytest.fixture
def town() -> Office:
    return make_office()


def client_for(town: Office, who: str) -> Client:
    client = Client()
    client.force_login(town[who].user)
    return client


def errors_of(html: str) -> list[str]:
    return re.findall(r'<ul class="errorlist"[^>]*>\s*<li>([^<]+)</li>', html)


def test_a_drafter_saves_a_notice_with_a_table(town: Office) -> None:
    drafter = client_for(town, "drafter")
    response = drafter.post("/f/township/notices/new/", {**FORM, "op": "save"})
    assert response.status_code == 302
    notice = Notice.objects.get(item_id="dues-q3")
    assert notice.state == NoticeState.DRAFT and notice.draft["blocks"][1]["rows"] == [["第一支部", "1,920.00"]]
    assert Event.objects.filter(action="notice.write", subject="notice:dues-q3").exists()


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"title": ""}, "title", "不能为空"),
    ({"category": ""}, "category", "不能为空"),
    ({"id": "党费"}, "id", "编号只能由英文字母"),
    ({"from_date": "2026-10-10", "until_date": "2026-10-01"}, "until_date", "公示结束时间必须晚于开始时间"),
    ({"feedback_url": "https://x.org/{notice}"}, "feedback_url", "无法识别"),
    ({"b0-text": "| 这不是表格"}, "b0-text", "一行不能以竖线"),
    ({"b1-c0-1": "1|2"}, "b1-c0-1", "表格单元格里不能有竖线"),
    ({"date": "10/08/2026"}, "date", "请按“2026-10-08”的格式填写日期"),
])
def test_errors_come_back_in_chinese_next_to_their_field(town: Office, change: dict[str, str], field: str,
                                                        message: str) -> None:
    response = client_for(town, "drafter").post("/f/township/notices/new/", {**FORM, **change, "op": "save"})
    html = response.content.decode()
    assert response.status_code == 422
    after = html[html.index(f'name="{field}"'):]  # the field's control, then its errors
    nearest = errors_of(after[:after.find("<ul class=\"errorlist\"") + 400])
    assert nearest and message in nearest[0], after[:800]
    assert not Notice.objects.exists()


def test_table_and_block_buttons_work_without_javascript(town: Office) -> None:
    drafter = client_for(town, "drafter")
    html = drafter.post("/f/township/notices/new/", {**FORM, "op": "row-1"}).content.decode()
    assert 'name="b1-c1-0"' in html and 'value="第一支部"' in html
    html = drafter.post("/f/township/notices/new/", {**FORM, "op": "col-1"}).content.decode()
    assert 'name="b1-h2"' in html and 'name="b1-c0-2"' in html
    html = drafter.post("/f/township/notices/new/", {**FORM, "op": "add-image"}).content.decode()
    assert 'name="b2-file"' in html
    html = drafter.post("/f/township/notices/new/", {**FORM, "op": "up-1"}).content.decode()
    assert html.index('name="b0-kind" value="table"') < html.index('name="b1-kind" value="p"')


def photo(size: tuple[int, int] = (300, 200), orientation: int = 0, fmt: str = "JPEG") -> bytes:
    img = Image.new("RGB", size, (200, 40, 40))
    buf = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
        img.save(buf, fmt, exif=exif.tobytes())
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def upload(name: str, data: bytes) -> Any:  # noqa: ANN401
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_uploads_are_checked_rotated_and_served_only_as_images(town: Office) -> None:
    drafter = client_for(town, "drafter")
    post = {**FORM, "nblocks": "3", "b2-kind": "image", "b2-text": "现场", "op": "save",
            "b2-file": upload("side.jpg", photo((300, 200), orientation=8))}
    assert drafter.post("/f/township/notices/new/", post).status_code == 302
    image = UploadedImage.objects.get()
    assert (image.width, image.height) == (200, 300)
    with Image.open(image.path) as stored:
        assert stored.format == "JPEG" and not stored.getexif().get(0x0112)
    response = drafter.get(f"/f/township/notices/{image.name.replace('images/', 'images/', 1)}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "sandbox" in response["Content-Security-Policy"] and response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("data", "message"), [
    (b"<html><script>alert(1)</script></html>", "不是可以识别的图片"),
    (photo()[:200], "已损坏或不完整"),
])
def test_bad_uploads_are_refused_with_a_reason(town: Office, data: bytes, message: str) -> None:
    post = {**FORM, "nblocks": "3", "b2-kind": "image", "op": "save", "b2-file": upload("x.jpg", data)}
    response = client_for(town, "drafter").post("/f/township/notices/new/", post)
    assert response.status_code == 422 and message in response.content.decode()
    assert not UploadedImage.objects.exists()


def long_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG, all black: a few hundred KB even for 900 megapixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress((b"\0" * (1 + (width + 7) // 8)) * height, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("size", "shown"), [((30000, 30000), "900,000,000 像素"), ((20001, 10), "20001×10")])
def test_pictures_a_screen_would_refuse_are_refused_from_their_header(town: Office, size: tuple[int, int],
                                                                      shown: str) -> None:
    """The screen's own check (kiosk.content.images): too many pixels, or a side longer than a screen decodes."""
    post = {**FORM, "nblocks": "3", "b2-kind": "image", "op": "save", "b2-file": upload("x.png", long_png(*size))}
    response = client_for(town, "drafter").post("/f/township/notices/new/", post)
    html = response.content.decode()
    assert response.status_code == 422 and f"图片像素太多（{shown}）" in html and "每边不超过 20000 像素" in html
    assert not UploadedImage.objects.exists()


def test_only_drafters_write(town: Office) -> None:
    for who in ("reviewer", "supervisor"):
        assert client_for(town, who).post("/f/township/notices/new/", {**FORM, "op": "save"}).status_code == 404


def test_preview_submit_approve_withdraw_through_the_console(town: Office) -> None:
    drafter, reviewer = client_for(town, "drafter"), client_for(town, "reviewer")
    drafter.post("/f/township/notices/new/", {**FORM, "op": "save"})
    html = drafter.get("/f/township/notices/n/dues-q3/preview/").content.decode()
    assert "1920×1080" in html and "每轮显示" in html and "签名并提交审核" in html
    png = re.search(r'src="(/f/township/notices/previews/[0-9a-f]{32}/1920x1080-1\.png)"', html)
    assert png and drafter.get(png[1]).status_code == 200
    response = drafter.post("/f/township/notices/n/dues-q3/submit/", {"what": "publish", "passphrase": "wrong!"})
    assert response.status_code == 302 and not Publication.objects.exists()
    response = drafter.post("/f/township/notices/n/dues-q3/submit/",
                            {"what": "publish", "passphrase": town["drafter"].passphrase})
    pub = Publication.objects.get()
    assert response["Location"] == f"/f/township/approval/{pub.pk}/"
    html = reviewer.get(f"/f/township/approval/{pub.pk}/").content.decode()
    assert "批准并签名" in html and "退回" in html and "第一支部" in html
    reviewer.post(f"/f/township/approval/{pub.pk}/sign/", {"passphrase": town["reviewer"].passphrase})
    pub.refresh_from_db()
    assert pub.status == PubStatus.PUBLISHED

    drafter.post("/f/township/notices/n/dues-q3/submit/", {"what": "withdraw",
                                                          "passphrase": town["drafter"].passphrase})
    withdraw = Publication.objects.get(kind=PubKind.WITHDRAW)
    reviewer.post(f"/f/township/approval/{withdraw.pk}/sign/", {"passphrase": town["reviewer"].passphrase})
    notice = Notice.objects.get(item_id="dues-q3")
    assert notice.state == NoticeState.WITHDRAWN and notice.published_text == ""
    from kiosk.office.feeds.service import load_repo

    manifest = load_repo(town.feed).manifest()  # type: ignore[union-attr]
    assert manifest is not None and "items/dues-q3.md" not in manifest.files
    actions = list(Event.objects.filter(subject="notice:dues-q3").values_list("action", flat=True))
    assert "notice.withdraw" in actions and actions.count("notice.publish") == 2  # the history keeps both


def test_export_and_import_a_content_folder(town: Office, tmp_path: Path) -> None:
    town.approve(town.submit_notice("first", "第一条公告"))
    drafter = client_for(town, "drafter")
    response = drafter.get("/f/township/export.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "township/items/first.md" in names and "township/content.toml" in names
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name.replace("first", "again"),
                       zipfile.ZipFile(io.BytesIO(response.content)).read(name).decode().replace("first", "again"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = drafter.post("/f/township/import/", {"folder": SimpleUploadedFile("x.zip", buf.getvalue()),
                                                    "passphrase": town["drafter"].passphrase})
    pub = Publication.objects.get(kind=PubKind.IMPORT)
    assert response["Location"] == f"/f/township/approval/{pub.pk}/" and pub.changes["added"] == ["items/again.md"]


def test_import_refuses_unsafe_or_broken_zips(town: Office) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    drafter = client_for(town, "drafter")
    cases = (({"../evil/items/x.md": "x"}, "路径不安全"), ({"items/x.md": "+++\nid = \n+++\n"}, "有错误"),
             ({"readme.txt": "x"}, "没有 items 文件夹"))
    for entries, message in cases:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, text in entries.items():
                z.writestr(name, text)
        response = drafter.post("/f/township/import/", {"folder": SimpleUploadedFile("x.zip", buf.getvalue()),
                                                        "passphrase": town["drafter"].passphrase}, follow=True)
        assert message in response.content.decode()
    assert not Publication.objects.exists()
