"""LED boards in the office: a feed admin states the feed's boards, and every preview then also
shows the notice as those boards draw it, the same pixels a screen's LED board lights."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from approvalkit import Office, make_office, notice_text, screen_sync
from django.test import Client
from PIL import Image

from kiosk.config import LedSettings
from kiosk.office.approval.models import PubStatus
from kiosk.office.authoring.previews import Preview, preview_root, worker
from kiosk.office.feeds.models import Feed, LedPalette, parse_region
from kiosk.office.history.models import Event
from kiosk.render.led import PALETTES

pytestmark = pytest.mark.django_db
SHOT_AT = "2026-11-20T09:00"
FORM = {"title": "柳溪村道路硬化工程验收公示", "category": "decisions", "issuer": "中共青禾镇委员会",
        "date": "2026-11-16", "id": "road-2026", "priority": "normal", "audience": "public", "nblocks": "1",
        "b0-kind": "p", "b0-text": "经村民代表会议验收，柳溪村道路硬化工程已按设计完成，现将有关情况公示如下。"}


@pytest.fixture
def town() -> Office:
    return make_office()


def client_for(town: Office, who: str) -> Client:
    client = Client()
    client.force_login(town[who].user)
    return client


def with_boards(feed: Feed, region: str = "384x96", palette: str = LedPalette.RED_GREEN) -> Feed:
    feed.led, feed.led_region, feed.led_palette = True, region, palette
    feed.save()
    return feed


def colours(img: Image.Image) -> set[tuple[int, int, int]]:
    data = img.convert("RGB").tobytes()
    return {(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)}


def test_region_text_and_colours_are_the_players() -> None:
    assert parse_region("384x96") == parse_region(" 384 × 96 ") == parse_region("384*96") == (384, 96)
    for bad in ("384", "x96", "384x", "a x b", "384x96x2", "-384x96"):
        with pytest.raises(ValueError):
            parse_region(bad)
    spec = next(f for f in dataclasses.fields(LedSettings) if f.name == "palette").metadata["spec"]
    assert set(LedPalette.values) == set(PALETTES) == set(spec.choices)


def test_a_feed_admin_sets_the_led_boards(town: Office) -> None:
    admin = client_for(town, "admin")
    assert "没有 LED 屏" in admin.get("/f/township/").content.decode()
    html = admin.get("/f/township/led/").content.decode()
    assert 'name="region"' in html and 'value="384x96"' in html
    for region, message in (("384", "请按“宽x高”填写"), ("384x4", "高须在 8–16384 像素之间")):
        html = admin.post("/f/township/led/", {"led": "on", "region": region, "palette": "red"}).content.decode()
        assert message in html
    town.feed.refresh_from_db()
    assert not town.feed.led
    response = admin.post("/f/township/led/", {"led": "on", "region": "256 × 64", "palette": "red-green"})
    assert response.status_code == 302
    town.feed.refresh_from_db()
    assert (town.feed.led, town.feed.led_region, town.feed.led_palette) == (True, "256x64", "red-green")
    settings = town.feed.led_settings()
    assert settings is not None and (settings.width, settings.height, settings.palette) == (256, 64, "red-green")
    assert "256×64" in admin.get("/f/township/").content.decode()
    event = Event.objects.get(action="feed.settings")
    assert event.summary == "LED 屏设置：256×64，双色（红、绿、黄）" and event.feed == "township"
    for who in ("drafter", "reviewer", "supervisor"):  # only the feed's admins change it
        assert client_for(town, who).post("/f/township/led/", {"region": "8x8", "palette": "red"}).status_code == 404


def test_the_preview_shows_the_led_boards_of_the_feed(town: Office) -> None:
    drafter = client_for(town, "drafter")
    drafter.post("/f/township/notices/new/", {**FORM, "op": "save"})
    html = drafter.get("/f/township/notices/n/road-2026/preview/").content.decode()
    assert "LED 屏" not in html  # no boards: no board preview

    with_boards(town.feed)
    html = drafter.get("/f/township/notices/n/road-2026/preview/").content.decode()
    assert "LED 屏 384×96 · 双色（红、绿、黄）" in html and "走字" in html
    pages = re.findall(r'src="(/f/township/notices/previews/[0-9a-f]{32}/led-page-\d+\.png)"', html)
    ticker = re.search(r'src="(/f/township/notices/previews/[0-9a-f]{32}/led-ticker\.png)"', html)
    assert len(pages) >= 2 and ticker, html
    lit = PALETTES["red-green"]
    for url in pages:
        response = drafter.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        img = Image.open(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
        assert img.size == (384, 96)
        seen = colours(img)
        assert seen <= {(0, 0, 0), lit.title, lit.text} and len(seen) > 1  # hard-edged: no greys
    run = Image.open(io.BytesIO(b"".join(drafter.get(ticker[1]).streaming_content)))  # type: ignore[attr-defined]
    assert run.height == 96 and run.width > 384 and colours(run) == {(0, 0, 0), lit.title}

    with_boards(town.feed, "192x32", LedPalette.RED)  # other boards: drawn again (another cache key)
    html = drafter.get("/f/township/notices/n/road-2026/preview/").content.decode()
    assert "LED 屏 192×32" in html
    page = re.search(r'src="(/f/township/notices/previews/[0-9a-f]{32}/led-page-1\.png)"', html)
    assert page
    img = Image.open(io.BytesIO(b"".join(drafter.get(page[1]).streaming_content)))  # type: ignore[attr-defined]
    assert img.size == (192, 32) and colours(img) <= {(0, 0, 0), (255, 0, 0)}


def test_the_reviewer_sees_the_led_boards_too(town: Office) -> None:
    with_boards(town.feed)
    pub = town.submit_notice("road-2026", "柳溪村道路硬化工程验收公示")
    html = client_for(town, "reviewer").get(f"/f/township/approval/{pub.pk}/").content.decode()
    assert "LED 屏 384×96" in html and "led-ticker.png" in html


# ---------------------------------------------------------------------- the screen's own pixels


def play(config: Path, state: Path, frames: int, shot: Path) -> Image.Image:
    """A headless ``kiosk play`` of the synced feed, ``frames`` frames from SHOT_AT: its screenshot."""
    done = subprocess.run([sys.executable, "-m", "kiosk", "play", "--headless", "--config", str(config),
                           "--state-dir", str(state), "--at", SHOT_AT, "--frames", str(frames), "--screenshot",
                           str(shot)], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    assert done.returncode == 0, done.stderr
    return Image.open(shot).convert("RGB")


def ticker_view(run: Image.Image, offset: int, width: int) -> bytes:
    """What the board shows ``offset`` px into the ticker: the run's columns offset-width..offset."""
    view = Image.new("RGB", (width, run.height))
    view.paste(run, (width - offset, 0))
    return view.tobytes()


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_the_led_preview_is_what_a_screens_led_board_shows(tmp_path: Path) -> None:
    """A published notice, synced by a screen with an LED board (region at 32,16): the board's
    pages and its ticker are the office preview's PNGs pixel for pixel."""
    town = make_office()
    with_boards(town.feed, "384x96", LedPalette.RED_GREEN)
    body = "经村民代表会议验收，柳溪村道路硬化工程已按设计完成，现将有关情况公示如下，公示期间如有异议请向村委会反映。"
    pub = town.approve(town.submit_notice("road-2026", "柳溪村道路硬化工程验收公示", body=body))
    assert pub.status == PubStatus.PUBLISHED
    state = tmp_path / "state"
    assert screen_sync(town, state).changed

    text = notice_text("road-2026", "柳溪村道路硬化工程验收公示", body)
    preview: Preview = worker().preview(town.feed, "road-2026", text, {}).result(timeout=120)
    assert preview.led is not None and len(preview.led.pages) >= 2
    folder = preview_root() / preview.key
    region = (32, 16, 32 + 384, 16 + 96)
    feed = f'[[feed]]\nname = "township"\nurl = "{town.feed.tree.as_uri()}"\nroot = "{town.feed.root_json}"\n'
    led = '[led]\nenabled = true\nx = 32\ny = 16\nwidth = 384\nheight = 96\npalette = "red-green"\n'

    pages = tmp_path / "pages.toml"
    pages.write_text(f'[device]\nid = "board-1"\n\n{feed}\n{led}layout = "pages"\n', encoding="utf-8")
    for n, frames in ((1, 1), (2, 60 * 4 + 60)):  # page 2 is on the board from 4 s (page_seconds)
        screen = play(pages, state, frames, tmp_path / f"page-{n}.png").crop(region)
        expected = Image.open(folder / preview.led.pages[n - 1]).convert("RGB")
        assert screen.tobytes() == expected.tobytes(), f"LED page {n} differs from the preview"

    ticker = tmp_path / "ticker.toml"
    ticker.write_text(f'[device]\nid = "board-1"\n\n{feed}\n{led}layout = "ticker"\nspeed = 240\n', encoding="utf-8")
    screen = play(ticker, state, 150, tmp_path / "ticker.png").crop(region)  # 2.5 s at 240 px/s: ~600 px in
    run = Image.open(folder / preview.led.ticker).convert("RGB")
    assert len(colours(screen)) > 1, "nothing lit on the ticker"
    seen = [o for o in range(run.width + 384) if ticker_view(run, o, 384) == screen.tobytes()]
    assert seen and all(abs(o - 600) <= 12 for o in seen), (seen, "the ticker differs from the preview's run")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_led_boards_set_and_previewed_in_chromium(browser: Any) -> None:  # noqa: ANN401
    from selenium.webdriver.common.by import By

    town = make_office()
    b = browser
    b.login("admin", "login-pass-123")
    b.open("/f/township/")
    b.press("LED 屏设置")
    b.field("led").click()
    b.fill("region", "384x96")
    b.fill("palette", "red-green")
    b.shot("led-01-settings")
    b.press("保存")
    assert "公告预览将同时显示 LED 屏上的效果" in b.text() and "区域 384×96 像素" in b.text()
    b.shot("led-02-feed")
    b.press("退出")

    client_for(town, "drafter").post("/f/township/notices/new/", {**FORM, "op": "save"})
    b.login("drafter", "login-pass-123")
    b.open("/f/township/notices/n/road-2026/preview/")
    text = b.text()
    assert "LED 屏 384×96 · 双色（红、绿、黄）" in text and "走字" in text and "1920×1080" in text
    images = b.driver.find_elements(By.CSS_SELECTOR, "img.led")
    assert len(images) >= 3 and all(b.driver.execute_script("return arguments[0].naturalWidth", i) > 0
                                    for i in images)
    b.shot("led-03-preview")
