"""End to end in real Chromium: a drafter writes a notice with a table and an image, previews,
submits and signs; a reviewer approves and signs; a screen process syncs and shows it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from approvalkit import make_office
from PIL import Image

from kiosk.office.approval.models import Publication, PubStatus
from kiosk.office.authoring.models import Notice, NoticeState, UploadedImage

pytestmark = [pytest.mark.browser, pytest.mark.servers, pytest.mark.django_db(transaction=True)]
SHOT_AT = "2026-11-20T09:00"


def sideways_photo(path: Path) -> Path:
    """A 400x200 JPEG whose EXIF says "rotate 90° clockwise" (orientation 6): upright it is 200x400."""
    img = Image.new("RGB", (400, 200), (30, 110, 60))
    img.paste((240, 200, 40), (0, 0, 200, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    path.write_bytes(buf.getvalue())
    return path


def screen(live_url: str, feed_root: Path, tmp: Path) -> Path:
    """A screen process: ``kiosk sync --once`` against the office, then a headless ``kiosk play`` screenshot."""
    config = tmp / "device.toml"
    config.write_text(f'[device]\nid = "lobby-1"\n\n[[feed]]\nname = "township"\nurl = "{live_url}/feeds/township/"\n'
                      f'root = "{feed_root}"\n', encoding="utf-8")
    state = tmp / "state"
    done = subprocess.run([sys.executable, "-m", "kiosk", "sync", "--once", "--config", str(config), "--state-dir",
                           str(state)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "township: updated to version 1" in done.stdout
    shot = tmp / "screen.png"
    done = subprocess.run([sys.executable, "-m", "kiosk", "play", "--headless", "--config", str(config), "--state-dir",
                           str(state), "--at", SHOT_AT, "--frames", "1", "--screenshot", str(shot)],
                          capture_output=True, text=True, timeout=180,
                          env={**__import__("os").environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    assert done.returncode == 0, done.stderr
    return shot


def test_write_preview_sign_approve_and_a_screen_shows_it(browser: Any, live_server: Any, tmp_path: Path) -> None:  # noqa: ANN401
    town = make_office()
    photo = sideways_photo(tmp_path / "site.jpg")
    b = browser
    b.login("drafter", "login-pass-123")
    b.open("/f/township/notices/")
    b.press("新建公告")
    b.fill("title", "柳溪村道路硬化工程验收公示")
    b.fill("category", "decisions")
    b.fill("id", "road-2026")
    b.fill("from_date", "2026-11-16")
    b.fill("until_date", "2026-11-30")
    b.fill("b0-text", "经村民代表会议验收，柳溪村道路硬化工程已按设计完成，现将有关情况公示如下。")
    b.press("表格")
    b.fill("b1-h0", "项目")
    b.fill("b1-h1", "金额（元）")
    b.fill("b1-a1", "r")
    b.fill("b1-c0-0", "水泥路面")
    b.fill("b1-c0-1", "182,400.00")
    b.press("加一行")
    b.fill("b1-c1-0", "排水沟")
    b.fill("b1-c1-1", "36,250.00")
    b.press("图片")
    b.upload("b2-file", photo)
    b.fill("b2-text", "验收现场")
    b.shot("01-editor")
    b.press("保存并预览")
    assert "/preview/" in b.path, b.text()
    text = b.text()
    assert "每轮显示" in text and "1920×1080" in text and "1080×1920" in text
    b.shot("02-preview")
    image = UploadedImage.objects.get(feed=town.feed)
    assert (image.width, image.height) == (200, 400)  # turned upright by its EXIF orientation
    b.fill("passphrase", town["drafter"].passphrase)
    b.press("签名并提交审核")
    assert "已签名并提交审核" in b.text()
    b.shot("03-submitted")
    b.press("退出")

    b.login("reviewer", "login-pass-123")
    b.open("/f/township/approval/")
    b.press("查看并审批")
    b.shot("04-review")
    b.fill("passphrase", town["reviewer"].passphrase)
    b.press("批准并签名")
    assert "已签名并发布第 1 版" in b.text(), b.text()
    b.shot("05-published")
    assert Publication.objects.get().status == PubStatus.PUBLISHED
    assert Notice.objects.get(item_id="road-2026").state == NoticeState.PUBLISHED

    shot = screen(live_server.url, town.feed.root_json, tmp_path)
    assert_screen_shows_the_preview(shot, town.feed)


def assert_screen_shows_the_preview(shot: Path, feed: Any) -> None:  # noqa: ANN401
    """The screen's text column is the office preview's, pixel for pixel (header clock and the
    QR code, which carries the device id, excluded), and the QR code leads to this notice."""
    import zxingcpp

    from kiosk.office.authoring.previews import preview_root

    previews = sorted(preview_root().glob("*/1920x1080-1.png"))
    assert previews, "no preview was drawn"
    screen_img = Image.open(shot).convert("RGB")
    assert screen_img.size == (1920, 1080)
    box = (0, 100, 1150, 960)  # below the header, above the ticker, left of the QR column
    same = [p for p in previews if Image.open(p).convert("RGB").crop(box).tobytes() == screen_img.crop(box).tobytes()]
    assert same, f"the screen does not show what the preview showed ({shot} vs {previews})"
    codes = zxingcpp.read_barcodes(screen_img)
    assert [c.text for c in codes] == [f"http://127.0.0.1:8080/p/{feed.name}/road-2026/?d=lobby-1"]
