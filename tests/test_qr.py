"""Feedback QR codes: URL templates, precedence, sizing, and decoding what was drawn."""

from __future__ import annotations

import datetime as dt
import os
from urllib.parse import parse_qs, urlsplit

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import PIL.Image  # noqa: E402
import pygame  # noqa: E402
import zxingcpp  # noqa: E402

from kiosk.content.feedback import (  # noqa: E402
    FeedbackUrlError,
    check_template,
    choose_template,
    feedback_url,
    feedback_url_for,
)
from kiosk.content.model import Item, Publisher  # noqa: E402
from kiosk.qr import (  # noqa: E402
    QrError,
    module_px_to_fit,
    qr_matrix,
    qr_module_px,
    reach_m,
)
from kiosk.render.geometry import compute_zones, slide_frame  # noqa: E402
from kiosk.render.qrdraw import LoopQr, QrCodes, draw_qr  # noqa: E402

TEMPLATE = "https://feedback.example.org/form?item={item}&cat={category}&feed={feed}&dev={device}"


def item(iid: str = "n1", feedback: str | None = None, category: str = "decisions", feed: str = "town") -> Item:
    return Item(id=iid, category=category, title="通知", issuer="青禾镇党委", date=dt.date(2026, 3, 2),
                show_from=dt.datetime(2026, 3, 2), show_until=None, feedback_url=feedback, feed=feed)


def decode(surface: pygame.Surface) -> list[str]:
    """Through PIL, without numpy: pygame bytes -> PIL image -> zxing-cpp."""
    image = PIL.Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
    return [r.text for r in zxingcpp.read_barcodes(image)]


# ------------------------------------------------------------------------------ URLs


def test_every_value_is_percent_encoded_whole() -> None:
    url = feedback_url(TEMPLATE, item("关于 召开&大会/通知", feed="柳溪村"), "设备 01/A")
    query = urlsplit(url).query
    assert parse_qs(query) == {"item": ["关于 召开&大会/通知"], "cat": ["decisions"], "feed": ["柳溪村"],
                               "dev": ["设备 01/A"]}
    assert "%E5%85%B3%E4%BA%8E%20%E5%8F%AC%E5%BC%80%26%E5%A4%A7%E4%BC%9A%2F" in url
    assert " " not in url and url.count("&") == 3 and url.count("/") == 3


def test_placeholders_in_the_path_and_literal_braces() -> None:
    url = feedback_url("https://x.example/{feed}/{item}?t={{json}}", item("a/b"), "d")
    assert url == "https://x.example/town/a%2Fb?t={json}"


@pytest.mark.parametrize("template", ["https://x/?u={user}", "https://x/{}", "https://x/{0}", "https://x/{item.id}",
                                      "https://x/{item:>9}", "https://x/{item!r}", "https://x/{item",
                                      "https://x/item}", "feedback.example.org/?i={item}", "  "])
def test_a_bad_template_is_a_clear_error_naming_it(template: str) -> None:
    with pytest.raises(FeedbackUrlError) as e:
        feedback_url(template, item(), "dev")
    if template.strip():
        assert repr(template) in str(e.value)


def test_unknown_placeholder_message_lists_the_known_ones() -> None:
    with pytest.raises(FeedbackUrlError, match=r"unknown placeholder \{user\}; known: \{item\}, \{category\}"):
        check_template("https://x/?u={user}")


def test_precedence_item_then_publisher_then_device() -> None:
    publisher = Publisher("中共青禾镇委员会", feedback_url="https://pub.example/{item}")
    device = "https://dev.example/{item}"
    assert choose_template(item(feedback="https://own.example/{item}"), publisher, device) == "https://own.example/{item}"
    assert choose_template(item(), publisher, device) == "https://pub.example/{item}"
    assert choose_template(item(), Publisher("x"), device) == device
    assert choose_template(item(feedback="  "), None, device) == device
    assert choose_template(item(), None, "") is None
    assert feedback_url_for(item(), None, "", "d") is None
    assert feedback_url_for(item("n 2"), publisher, device, "d") == "https://pub.example/n%202"


# ------------------------------------------------------------------------------ matrix and size


def test_matrix_is_square_booleans_without_border() -> None:
    m = qr_matrix("https://feedback.example.org/x")
    assert len(m) >= 21 and all(len(row) == len(m) for row in m)
    assert all(m[r][c] for r in range(7) for c in (0, 6))  # finder pattern starts at the edge
    with pytest.raises(QrError, match="too long"):
        qr_matrix("https://x/" + "y" * 5000)


def test_module_size_follows_the_viewing_distance_within_the_cap() -> None:
    assert qr_module_px(41, 1.0, 1080) == 4  # 10 cm / 0.63 mm = 159 px / 41 -> 4
    assert qr_module_px(41, 2.5, 1080) == 6  # wants 10 px, capped at 30 % of 1080
    assert qr_module_px(41, 2.5, 2160) == 13  # 4K 55": twice the pixels
    assert qr_module_px(41, 0.3, 1080) == 2  # never below 2 px
    assert qr_module_px(41, 0.5, 1080, dpi=80) == 4 and qr_module_px(41, 0.5, 1080) == 2
    assert 1.4 < reach_m(41, 6, 1080) < 1.6
    assert module_px_to_fit(41, 300) == 6


# ------------------------------------------------------------------------------ drawing and decoding


def test_drawn_code_is_crisp_with_a_white_quiet_zone() -> None:
    m = qr_matrix("https://feedback.example.org/x")
    s = draw_qr(m, 3)
    assert s.get_size() == ((len(m) + 8) * 3,) * 2
    assert {s.get_at((x, y))[:3] for x in range(s.get_width()) for y in range(s.get_height())} == {
        (0, 0, 0), (255, 255, 255)}
    assert all(s.get_at((x, 11))[:3] == (255, 255, 255) for x in range(s.get_width()))  # quiet rows
    assert s.get_at((12, 12))[:3] == (0, 0, 0) and s.get_at((14, 14))[:3] == (0, 0, 0)
    with pytest.raises(QrError):
        draw_qr([[True, False]], 2)


@pytest.mark.parametrize("module_px", [1, 2, 3, 5, 8])
def test_decoded_code_gives_back_the_url(module_px: int) -> None:
    url = feedback_url(TEMPLATE, item("关于 召开&大会/通知"), "demo-0001")
    assert decode(draw_qr(qr_matrix(url), module_px)) == [url]


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_code_on_a_loop_slide_decodes_from_the_full_screenshot(size: tuple[int, int]) -> None:
    zones = compute_zones(*size)
    _, _, w, h = zones.main
    frame = slide_frame(w, h, zones.short)
    screen = pygame.Surface(size)
    screen.fill((250, 245, 235))
    slide = pygame.Surface((w, h))
    slide.fill((250, 245, 235))
    publisher = Publisher("中共青禾镇委员会", feedback_url=TEMPLATE)
    hook = LoopQr(lambda it: feedback_url_for(it, publisher, "", "demo-0001"), zones.short, 2.5,
                  render_text=lambda text, px, colour: pygame.Surface((px * len(text), px)), codes=QrCodes())
    hook(slide, item("2026-03 党费"), frame)
    screen.blit(slide, zones.main[:2])
    expected = feedback_url(TEMPLATE, item("2026-03 党费"), "demo-0001")
    assert decode(screen) == [expected]
    cw, ch = hook.corner(expected)
    assert cw <= 0.3 * zones.short and ch > cw


def test_loop_hook_skips_items_without_a_code_and_bad_templates(caplog: pytest.LogCaptureFixture) -> None:
    slide = pygame.Surface((800, 600))
    slide.fill((1, 2, 3))
    frame = slide_frame(800, 600, 600)
    LoopQr(lambda it: None, 600, 2.5)(slide, item(), frame)
    LoopQr(lambda it: feedback_url("https://x/{oops}", it, "d"), 600, 2.5)(slide, item(), frame)
    assert pygame.transform.average_color(slide)[:3] == (1, 2, 3)
    assert "oops" in caplog.text
