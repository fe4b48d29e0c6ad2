"""Real fonts, headless: the SC face, fallbacks, coverage, rendering and page drawing."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # before pygame is imported
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import datetime as dt
import logging
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pygame
import pytest
from fontTools.ttLib import TTCollection

from kiosk.content.model import ImageBlock, Item, Paragraph, Table
from kiosk.layout import Box, ImageBox, TextStyle, layout_notice
from kiosk.render.fonts import Face, FontSet, sc_face_index
from kiosk.render.text import Theme, draw_page
from kiosk.resources import FONTS

REGULAR = str(FONTS / "NotoSansCJK-Regular.ttc")
FREESANS = str(Path(pygame.__file__).parent / "freesansbold.ttf")  # ships with pygame: has Ą
SAMPLE = ("关于2026年第三季度党费收缴情况的公示：根据《中国共产党章程》和中央组织部有关规定，"
          "现将第一支部应缴人数32人、实缴金额1,920.00元（占98.5%）等情况予以公示。"
          "公示期间如有意见，请向镇纪委反映——联系电话：0571-88888888……骨、直、角、写、黄、录、青禾镇。")
RARE = "Ą"  # U+0104: not in Noto Sans CJK, in FreeSans / DejaVu / WenQuanYi
NOWHERE = "\U00020000"  # 𠀀 CJK Extension B: in no installed font here


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return FontSet.default()


def ink(surface: pygame.Surface) -> pygame.Rect:
    """Bounding box of the pixels with some alpha."""
    return surface.get_bounding_rect(min_alpha=32)


def test_default_chooses_the_simplified_chinese_face(fonts: FontSet) -> None:
    assert "CJK SC" in fonts.face_name() and "Mono" not in fonts.face_name()
    assert "SC" in fonts.face_name(bold=True)
    assert "SC" in fonts.font(40).name and fonts.font(40).size == 40


def test_face_index_is_found_by_scanning_when_the_guess_is_wrong() -> None:
    assert sc_face_index(REGULAR) == 2
    assert sc_face_index(REGULAR, likely=0) == 2
    assert sc_face_index(FREESANS) is None


def test_sc_forms_differ_from_the_japanese_face(fonts: FontSet) -> None:
    japanese = FontSet(Face(REGULAR, 0), fallbacks=[], use_fontconfig=False)
    assert "JP" in japanese.face_name()
    sc = fonts.render("骨", 96, (0, 0, 0))
    jp = japanese.render("骨", 96, (0, 0, 0))
    assert sc.get_size() == jp.get_size()
    assert pygame.image.tobytes(sc, "RGBA") != pygame.image.tobytes(jp, "RGBA")


def test_sample_text_is_covered_by_the_primary_face(fonts: FontSet) -> None:
    cmap = TTCollection(REGULAR, lazy=True).fonts[2].getBestCmap()
    assert [c for c in SAMPLE if ord(c) not in cmap] == []
    assert fonts.missing(SAMPLE) == "" and fonts.missing(SAMPLE, bold=True) == ""
    primary = fonts.face_for("中")
    assert all(fonts.face_for(c) == primary for c in SAMPLE)


def test_rare_character_falls_back_to_another_font() -> None:
    fs = FontSet.default(fallbacks=[FREESANS], use_fontconfig=False)
    face = fs.face_for(RARE)
    assert face is not None and face.path == FREESANS
    bold = fs.face_for(RARE, bold=True)
    assert bold is not None and bold.strong
    assert fs.missing("张" + RARE + "三") == ""
    boxed = FontSet.default(fallbacks=[], use_fontconfig=False)
    line = fs.render("张" + RARE + "三", 48, (0, 0, 0))
    box = boxed.render("张" + RARE + "三", 48, (0, 0, 0))
    assert pygame.image.tobytes(line, "RGBA") != pygame.image.tobytes(box, "RGBA")


def test_system_fallbacks_are_searched(fonts: FontSet) -> None:
    face = fonts.face_for(RARE)
    if face == fonts.face_for("中"):
        pytest.skip("no installed font has U+0104")
    assert fonts.missing(RARE) == ""


def test_fontconfig_is_asked_last() -> None:
    if shutil.which("fc-list") is None:
        pytest.skip("no fc-list")
    fs = FontSet.default(fallbacks=[], use_fontconfig=True)
    face = fs.face_for(RARE)
    if face == fs.face_for("中"):
        pytest.skip("fontconfig knows no font with U+0104")
    assert face is not None and Path(face.path).is_file()


def test_character_no_font_has_is_a_box_and_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    fs = FontSet.default(fallbacks=[], use_fontconfig=False)
    with caplog.at_level(logging.WARNING, logger="kiosk.render.fonts"):
        assert fs.missing("名" + NOWHERE) == NOWHERE
        assert fs.advance(NOWHERE, 40) == 40
        fs.render("王" + NOWHERE + NOWHERE, 40, (0, 0, 0))
    warnings = [r.getMessage() for r in caplog.records if "U+20000" in r.getMessage()]
    assert len(warnings) == 1


def test_advances_are_cached_sums(fonts: FontSet) -> None:
    assert fonts.advance("中", 44) == 44
    assert fonts.advance("中文", 44) == 88
    assert fonts.advance("1,920.00", 40) == sum(fonts.advance(c, 40) for c in "1,920.00")
    assert 0 < fonts.advance("a", 40) < 40
    assert fonts.advance("\n\u200b", 40) == 0
    assert fonts.advance("中", 44, bold=True) == pytest.approx(44, abs=1)


def test_line_metrics(fonts: FontSet) -> None:
    ascent, descent, height = fonts.line_metrics(40)
    assert 30 < ascent < 60 and 0 < descent < 20 and height >= ascent


def test_render_is_per_pixel_alpha_and_one_line_high(fonts: FontSet) -> None:
    surface = fonts.render("党务公开", 40, (180, 20, 30))
    ascent, descent, _ = fonts.line_metrics(40)
    assert surface.get_flags() & pygame.SRCALPHA
    assert surface.get_size() == (math.ceil(fonts.advance("党务公开", 40)), ascent + descent)
    assert surface.get_at((0, 0)).a == 0
    r = ink(surface)
    assert r.w > 120 and r.h > 20
    opaque = [surface.get_at((x, y)) for x in range(r.left, r.right) for y in range(r.top, r.bottom)]
    assert {c[:3] for c in opaque if c.a == 255} == {(180, 20, 30)}


def test_render_to_positions_the_baseline(fonts: FontSet) -> None:
    surface = pygame.Surface((200, 200), pygame.SRCALPHA)
    width = fonts.render_to(surface, (20, 120), "一二", 60, (0, 0, 0))
    assert width == 120
    r = ink(surface)
    assert 120 - 60 < r.top and r.bottom <= 120 and 20 <= r.left < 40


def test_glyphs_are_drawn_at_their_positions(fonts: FontSet) -> None:
    surface = pygame.Surface((400, 100), pygame.SRCALPHA)
    fonts.draw_glyphs(surface, "一一", [10, 300], 70, 40, (0, 0, 0))
    columns = [x for x in range(400) if any(surface.get_at((x, y)).a > 128 for y in range(100))]
    assert min(columns) < 20 and max(columns) > 300 and not any(60 < x < 290 for x in columns)


def test_survives_pygame_quit() -> None:
    fs = FontSet.default()
    before = pygame.image.tobytes(fs.render("公开", 30, (0, 0, 0)), "RGBA")
    pygame.quit()  # what the app does on exit; closes every freetype font
    assert pygame.image.tobytes(fs.render("公开", 30, (0, 0, 0)), "RGBA") == before
    assert fs.font(30).size == 30


def test_no_display_is_opened() -> None:
    code = ("import pygame, kiosk.render.fonts as f; fs = f.FontSet.default(); "
            "fs.render('骨', 30, (0, 0, 0)); assert not pygame.display.get_init()")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


# ------------------------------------------------------------------ drawing pages


def luminance(rgb: tuple[int, int, int]) -> float:
    def lin(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", [Theme(), Theme.dark(), Theme.high_contrast()])
def test_theme_text_contrast(theme: Theme) -> None:
    for role in ("title", "body", "heading", "table_cell", "caption", "signature", "continued"):
        assert contrast(theme.colour(role), theme.paper) >= 4.5, role
    assert contrast(theme.colour("table_header"), theme.table_header_fill) >= 4.5
    assert theme.colour("no-such-role") == theme.body


def notice() -> Item:
    when = dt.datetime(2026, 10, 8)
    table = Table(("支部", "金额（元）"), (("第一支部", "1,920.00"),), ("l", "r"))
    body = (Paragraph(SAMPLE), table, ImageBlock(Path("/nonexistent/meeting.jpg"), "会议现场"))
    return Item(id="n", category="organisation", title="党费收缴情况公示", issuer="中共青禾镇委员会",
                date=dt.date(2026, 10, 8), show_from=when, show_until=None, body=body)


@pytest.mark.parametrize("theme", [Theme(), Theme.dark()])
def test_draw_page(fonts: FontSet, theme: Theme) -> None:
    (page,) = layout_notice(notice(), 1280, 1600, TextStyle.for_screen(1280, 900), fonts.advance)
    surface = pygame.Surface((1400, 1700))
    surface.fill((1, 2, 3))
    seen: list[ImageBox] = []
    draw_page(surface, page, fonts, theme, origin=(60, 50), draw_image=lambda s, b: seen.append(b))
    assert surface.get_at((60, 50))[:3] == theme.paper and surface.get_at((59, 49))[:3] == (1, 2, 3)
    (box,) = seen
    laid = next(e for e in page.elements if isinstance(e, ImageBox))
    assert (box.x, box.y, box.path) == (laid.x + 60, laid.y + 50, laid.path)
    (title,) = page.lines(("title",))
    row = round(title.baseline - title.px * 0.3) + 50
    colours = {tuple(surface.get_at((x, row)))[:3] for x in range(1400)}
    assert theme.title in colours
    fill = next(e for e in page.elements if isinstance(e, Box) and e.role == "table_header_fill")
    assert surface.get_at((round(fill.x) + 63, round(fill.y) + 53))[:3] == theme.table_header_fill


def test_draw_page_placeholder_without_image_callback(fonts: FontSet) -> None:
    (page,) = layout_notice(notice(), 1280, 1600, TextStyle.for_screen(1280, 900), fonts.advance)
    surface = pygame.Surface((1280, 1600))
    draw_page(surface, page, fonts, Theme())
    box = next(e for e in page.elements if isinstance(e, ImageBox))
    assert surface.get_at((round(box.x) + 20, round(box.y) + 20))[:3] == Theme().placeholder
    inside = surface.subsurface(pygame.Rect(round(box.x) + 10, round(box.y) + 10, round(box.w) - 20,
                                            round(box.h) - 20))
    assert Theme().caption in {tuple(inside.get_at((x, y)))[:3] for x in range(0, inside.get_width(), 2)
                               for y in range(0, inside.get_height(), 2)}
