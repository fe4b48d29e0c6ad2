"""End to end: a screen plays the office's feed; its QR code, decoded from the screenshot, opens the
notice on a phone (Chromium at 390x844, cookies refused); the resident comments and gets a receipt
code; a clerk answers publicly in the console; the phone sees the answer under the notice.

Screenshots of every page are kept under $KIOSK_SCREENSHOTS when set; the text of each phone page
is checked for size (>= 16 px) and contrast (>= 4.5:1, WCAG 2) as Chromium computes them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from browser import Browser
from feedbackkit import member, published_feed
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from kiosk.office.accounts.models import Role
from kiosk.office.datadir import DataDir
from kiosk.office.feedback.models import Answer, Status, Submission

pytestmark = [pytest.mark.browser, pytest.mark.servers, pytest.mark.django_db(transaction=True)]
SHOT_AT = "2026-11-20T09:00"
PHONE = (390, 844)
NO_COOKIES = {"profile.default_content_setting_values.cookies": 2}

# Every visible text node: its text, colour, the first opaque background behind it, size and weight.
TEXT_STYLES_JS = """
function rgba(s) { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; }
function behind(el) {
  for (; el; el = el.parentElement) { const c = rgba(getComputedStyle(el).backgroundColor); if (c[3] > 0.5) return c; }
  return [255, 255, 255, 1];
}
const out = [];
const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walk.nextNode()) {
  const node = walk.currentNode, el = node.parentElement, text = node.textContent.trim();
  if (!text || !el) continue;
  const box = el.getBoundingClientRect(), cs = getComputedStyle(el);
  if (box.width === 0 || box.right < 0 || cs.visibility === 'hidden' || el.closest('[aria-hidden=true]')) continue;
  out.push([text.slice(0, 40), rgba(cs.color), behind(el), parseFloat(cs.fontSize)]);
}
return out;
"""


def luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: list[float], bg: list[float]) -> float:
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def check_readable(b: Browser, page: str) -> None:
    styles = b.driver.execute_script(TEXT_STYLES_JS)
    assert styles, f"{page}: no text found"
    for text, fg, bg, size in styles:
        assert size >= 16, f"{page}: {text!r} is {size}px"
        assert contrast(fg, bg) >= 4.5, f"{page}: {text!r} contrast {contrast(fg, bg):.2f} ({fg} on {bg})"


def emulate_phone(b: Browser, height: int = PHONE[1]) -> None:
    """A phone's viewport (390 CSS px wide, touch, 2 device pixels per CSS pixel): headless Chromium's
    window cannot be narrower than 500 px."""
    b.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                             {"width": PHONE[0], "height": height, "deviceScaleFactor": 2, "mobile": True})


def phone_shot(b: Browser, name: str) -> Path:
    """The whole page as the phone lays it out (kept under $KIOSK_SCREENSHOTS when set)."""
    keep = os.environ.get("KIOSK_SCREENSHOTS")
    folder = Path(keep) if keep else b.workdir
    folder.mkdir(parents=True, exist_ok=True)
    emulate_phone(b, int(b.driver.execute_script("return document.documentElement.scrollHeight")))
    out = folder / f"{name}.png"
    b.driver.save_screenshot(str(out))
    emulate_phone(b)
    return out


def screen_shot(live_url: str, feed_root: Path, tmp: Path) -> Path:
    """A screen: ``kiosk sync --once`` against the office, then a headless ``kiosk play`` screenshot."""
    config = tmp / "device.toml"
    config.write_text(f'[device]\nid = "lobby-1"\n\n[[feed]]\nname = "township"\nurl = "{live_url}/feeds/township/"\n'
                      f'root = "{feed_root}"\n', encoding="utf-8")
    state = tmp / "state"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    done = subprocess.run([sys.executable, "-m", "kiosk", "sync", "--once", "--config", str(config), "--state-dir",
                           str(state)], capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    shot = tmp / "screen.png"
    done = subprocess.run([sys.executable, "-m", "kiosk", "play", "--headless", "--config", str(config), "--state-dir",
                           str(state), "--at", SHOT_AT, "--frames", "1", "--screenshot", str(shot)],
                          capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stderr
    keep = os.environ.get("KIOSK_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / "feedback-00-screen.png").write_bytes(shot.read_bytes())
    return shot


def test_qr_code_to_comment_to_public_answer(live_server: Any, office: DataDir, tmp_path: Path, settings: Any,  # noqa: ANN401
                                             make_user: Any) -> None:  # noqa: ANN401
    import zxingcpp
    from PIL import Image

    settings.KIOSK_PUBLIC_URL = live_server.url  # what the feed's QR codes lead to
    pub = published_feed(office, tmp_path)
    member(make_user, pub.feed, "clerk", Role.DRAFTER, full_name="王芳")

    shot = screen_shot(live_server.url, pub.feed.root_json, tmp_path)
    codes = [c.text for c in zxingcpp.read_barcodes(Image.open(shot))]
    assert len(codes) == 1, codes
    url = codes[0]
    found = re.fullmatch(re.escape(live_server.url) + r"/p/township/([\w-]+)/\?d=lobby-1", url)
    assert found, url
    item_id = found.group(1)
    title = {"dues-q3": "2026年第三季度党费收缴情况公示", "work-plan": "青禾镇党委2026年工作计划"}[item_id]

    phone = Browser(live_server.url, tmp_path / "phone", size=PHONE, prefs=NO_COOKIES)
    clerk = Browser(live_server.url, tmp_path / "clerk")
    try:
        emulate_phone(phone)
        phone.driver.get(url)  # the decoded URL itself, as a phone's camera would open it
        text = phone.text()
        assert title in text and "中共青禾镇委员会" in text and "对这条公告提意见" in text
        assert phone.driver.execute_script("return window.innerWidth") == PHONE[0]
        assert phone.driver.execute_script("return document.documentElement.scrollWidth") == PHONE[0]  # no sideways
        check_readable(phone, "notice")
        phone_shot(phone, "feedback-01-phone-notice")
        body = "建议把各支部党费使用明细也一并公示，方便党员监督。👍"
        phone.fill("body", body)
        counter = phone.driver.find_element(By.ID, "body-count").text
        assert counter == f"已输入 {len(body) + 1} / 1000 字"  # counter.js counts as the browser does (👍 = 2)
        phone.fill("name", "李大爷")
        phone.fill("phone", "13800001234")
        phone_shot(phone, "feedback-02-phone-form")
        phone.press("提交意见")
        assert phone.driver.get_cookies() == []  # nothing needed a cookie
        text = phone.text()
        assert "意见已收到" in text, text
        shown = re.search(r"\d{5} \d{5}", text)
        assert shown
        receipt = shown.group(0)
        check_readable(phone, "thanks")
        phone_shot(phone, "feedback-03-phone-thanks")
        sub = Submission.objects.get()
        assert sub.code == receipt.replace(" ", "") and sub.device == "lobby-1" and sub.item_id == item_id

        clerk.login("clerk", "login-pass-123")
        clerk.open("/f/township/feedback/")
        assert receipt in clerk.text() and "新收到" in clerk.text()
        clerk.shot("feedback-04-inbox")
        clerk.press(receipt)
        assert body in clerk.text()
        clerk.fill("text", "感谢您的建议。各支部党费使用明细将于每季度末在公开栏公示。")
        clerk.driver.find_element(By.CSS_SELECTOR, "input[name=public][value=public]").click()
        clerk.fill("question", "建议公示各支部党费使用明细。")
        clerk.press("发送答复")
        assert "已公开答复" in clerk.text()
        clerk.shot("feedback-05-case-answered")
        assert Submission.objects.get().status == Status.ANSWERED and Answer.objects.get().public
        clerk.open("/f/township/feedback/figures/")
        assert "首次答复用时" in clerk.text() and title in clerk.text()
        clerk.shot("feedback-09-figures")
        clerk.open("/f/township/feedback/print/?status=all")
        assert receipt in clerk.text() and "群众意见办理登记" in clerk.text()
        clerk.shot("feedback-10-print")

        phone.driver.get(url)
        text = phone.text()
        assert "公开答复（1 条）" in text and "各支部党费使用明细将于每季度末在公开栏公示" in text
        check_readable(phone, "notice with answer")
        phone_shot(phone, "feedback-06-phone-answer")
        phone.open("/p/township/dues-q3/?d=lobby-1")  # the notice with a table and a photo
        assert "3,150.00" in phone.text()
        photo = phone.driver.find_element(By.CSS_SELECTOR, "figure img")
        phone.driver.execute_script("arguments[0].scrollIntoView()", photo)  # it loads lazily
        WebDriverWait(phone.driver, 60).until(lambda d: d.execute_script("return arguments[0].complete", photo))
        assert phone.driver.execute_script("return arguments[0].naturalWidth", photo) == 800
        check_readable(phone, "notice with a table")
        phone_shot(phone, "feedback-08-phone-table")
        phone.open("/p/s/")
        phone.fill("code", receipt)
        phone.press("查看")
        assert "已答复" in phone.text() and "感谢您的建议" in phone.text()
        check_readable(phone, "status")
        phone_shot(phone, "feedback-07-phone-status")
    finally:
        phone.close()
        clerk.close()
