"""Issue 12 on screen: the layout checker on the demo, reference pages, contrast in every theme,
urgent notices, the header naming a notice's own publisher, the fade through the paper."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pygame
import pytest
from snapshots import Snapshot

from kiosk.config import load_config
from kiosk.content import Content, Heading, Item, Paragraph, Table, load_content, masthead
from kiosk.layout import ImageBox, Page, TextLine
from kiosk.layout.check import KINDS, check_notice, count
from kiosk.render.checkpages import check_content, lobby_slides
from kiosk.render.contrast import check_contrast, ratio, theme_pairs
from kiosk.render.fonts import FontSet
from kiosk.render.slides import URGENT_RED
from kiosk.render.transition import Transition
from kiosk.resources import DEMO_CONTENT

SIZES = [(1920, 1080), (1080, 1920), (1366, 768), (3840, 2160)]
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo() -> Content:
    return load_content(DEMO_CONTENT)


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    pygame.display.init()
    pygame.freetype.init()
    return FontSet.default()


# ------------------------------------------------------------------ the checker


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_has_no_typesetting_defect_at_any_size(demo: Content, fonts: FontSet, size: tuple[int, int]) -> None:
    report = check_content(demo, load_config(), size, fonts)
    assert report.notices == len(demo.items) and report.pages >= report.notices
    assert report.defects == [], "\n".join(str(d) for d in report.defects)


def bad_page() -> list[Page]:
    """Two hand-made pages with one defect of each kind the pages can show."""
    def line(text: str, y: float, role: str = "body", gap: float = 0.0, **where: object) -> TextLine:
        xs = tuple(100 + i * (40 + gap) for i in range(len(text)))
        return TextLine(text, xs, y, 40, False, role, xs[-1] + 40, **where)  # type: ignore[arg-type]

    first = (line("关于严防电信网络诈骗的紧急提", 60, "title", index=0, count=2),
             line("醒", 120, "title", index=1, count=2),
             line("一二三四五六七八" * 4, 200, index=0, count=3, block=0),
             line("王一", 300, "table_cell", block=1, cell=(1, 0), index=0, count=2),
             line("垚", 350, "table_cell", block=1, cell=(1, 0), index=1, count=2),
             line("安 装 国 家", 420, gap=20, index=0, count=1, block=2),
             line("之后,一直", 500, index=0, count=1, block=3),
             line("，开头", 560, index=0, count=1, block=4),
             line("本", 700, index=0, count=2, block=7),
             line("办法自公开之日起施行", 760, index=1, count=2, block=7),
             line("说明", 900, "heading", block=5))
    second = (line("一二三四五六七八" * 4, 100, index=1, count=3, block=0),  # not alone: the last one is
              line("下。", 150, index=2, count=3, block=0),)
    area = (100.0, 40.0, 1600.0, 1000.0)
    return [Page(1800, 1080, 1, 3, 40, first, area), Page(1800, 1080, 2, 3, 40, second, area),
            Page(1800, 1080, 3, 3, 40, (line("最后一行在此", 80, index=1, count=2, block=6),), area)]


def test_checker_counts_every_kind_of_defect() -> None:
    def fake(text: str, px: int, bold: bool = False) -> float:
        return float(px) * len(text)

    found = count(check_notice("x", bad_page(), fake))
    expected = {"table-cell-broken": 1, "title-unbalanced": 1, "page-underfilled": 2, "widow-orphan": 1,
                "heading-separated": 1, "short-last-line": 1, "short-line": 1, "wide-gaps": 1, "half-width-punct": 1,
                "line-break-rule": 1}
    for kind, n in expected.items():
        assert found[kind] == n, (kind, found)
    assert set(found) == set(KINDS)


def test_check_layout_command_exits_by_its_counts(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "kiosk", "check-layout", str(DEMO_CONTENT), "--size", "1366x768"]
    done = subprocess.run(run, capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1366x768: 33 notices" in done.stdout and "total                   0" in done.stdout
    bad = tmp_path / "content"
    (bad / "items").mkdir(parents=True)
    (bad / "content.toml").write_text('name = "镇党委"\n', encoding="utf-8")
    (bad / "catalogue.toml").write_text('[[category]]\nid = "d"\nname = "决策"\ncolour = "#FFE9A0"\n',
                                        encoding="utf-8")  # a pale chip colour
    (bad / "items" / "a.md").write_text('+++\nid = "a"\ncategory = "d"\ntitle = "通知"\nissuer = "镇党委"\n'
                                        'date = 2026-01-05\n+++\n正文。\n', encoding="utf-8")
    done = subprocess.run([*run[:4], str(bad), "--size", "800x600", "--list"], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stdout  # a pale chip gets dark letters and a darker rule: still 0
    done = subprocess.run([*run[:4], str(bad), "--size", "banana"], capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.returncode == 2 and "--size must look like 1920x1080" in done.stdout


def test_short_table_before_a_tall_photo_stays_whole(tmp_path: Path, fonts: FontSet) -> None:
    """The office's preview case: a paragraph, a two-row table and a portrait photo once showed
    the table's first row alone on page 1 (half the page empty) and the second row on page 2."""
    from PIL import Image

    root = tmp_path / "content"
    (root / "items").mkdir(parents=True)
    (root / "images").mkdir()
    Image.new("RGB", (200, 400), (30, 110, 60)).save(root / "images" / "p.jpg")
    (root / "content.toml").write_text('name = "中共青禾镇委员会"\nlabel = "党务公开"\n', encoding="utf-8")
    (root / "catalogue.toml").write_text('[[category]]\nid = "d"\nname = "党内决策情况"\n', encoding="utf-8")
    (root / "items" / "road.md").write_text(
        '+++\nid = "road"\ncategory = "d"\ntitle = "柳溪村道路硬化工程验收公示"\nissuer = "中共青禾镇委员会"\n'
        'date = 2026-11-16\n+++\n经村民代表会议验收，柳溪村道路硬化工程已按设计完成，现将有关情况公示如下。\n\n'
        '| 项目 | 金额（元） |\n|:---|---:|\n| 水泥路面 | 182,400.00 |\n| 排水沟 | 36,250.00 |\n\n'
        '![验收现场](images/p.jpg)\n', encoding="utf-8")
    content = load_content(root)
    for size in [(1920, 1080), (1366, 768)]:
        pages = lobby_slides(content, load_config(), size, fonts).layout(content.items[0])
        with_rows = [i for i, p in enumerate(pages) if p.lines(("table_cell",))]
        assert with_rows == [0], (size, with_rows)  # every row on the first page, with its header
        assert {ln.text for ln in pages[0].lines(("table_cell",))} >= {"排水沟", "36,250.00"}
        assert any(isinstance(e, ImageBox) for p in pages for e in p.elements)
        assert check_content(content, load_config(), size, fonts).defects == []


# ------------------------------------------------------------------ contrast


@pytest.mark.parametrize("theme", ["paper", "dark"])
def test_every_text_and_mark_reads_in_every_theme(demo: Content, theme: str) -> None:
    assert check_contrast([theme], demo.catalogue) == []
    pairs = theme_pairs(theme, demo.catalogue)
    assert len(pairs) > 40
    for p in pairs:
        assert ratio(p.fg, p.bg) >= p.minimum, p


def test_pale_and_mid_category_colours_still_read() -> None:
    from kiosk.content.model import Catalogue, Category

    cats = Catalogue(tuple(Category(f"c{i}", f"类{i}", i, colour, "党务公开")
                           for i, colour in enumerate([(255, 233, 160), (118, 118, 118), (217, 142, 4), (0, 0, 0)])))
    assert check_contrast(["paper", "dark"], cats) == []


def pixels(surface: pygame.Surface, rect: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    x, y, w, h = rect
    return {tuple(surface.get_at((i, j)))[:3] for i in range(x, x + w, 3) for j in range(y, y + h, 3)}


def test_dark_theme_has_no_box_round_the_page(demo: Content, fonts: FontSet) -> None:
    config = load_config()
    config = dataclasses.replace(config, screen=dataclasses.replace(config.screen, theme="dark"))
    slides = lobby_slides(demo, config, (1920, 1080), fonts)
    item = next(it for it in demo.items if it.id == "2026-dues-q3")
    surface = slides.slide(item, 0)
    px, py, pw, ph = slides.frame.page
    edge = pixels(surface, (px - 20, py + ph // 2, 40, 6))  # across the page's left edge
    assert edge == {slides.palette.paper}


# ------------------------------------------------------------------ urgent, header, fade


def test_urgent_notice_has_a_red_frame_and_bar(demo: Content, fonts: FontSet) -> None:
    slides = lobby_slides(demo, load_config(), (1920, 1080), fonts)
    urgent = next(it for it in demo.items if it.urgent)
    normal = next(it for it in demo.items if not it.urgent)
    a, b = slides.slide(urgent, 0), slides.slide(normal, 0)
    x, y, w, h = slides.frame.band
    assert URGENT_RED in pixels(a, (0, 0, a.get_width(), 3)) and URGENT_RED not in pixels(b, (0, 0, b.get_width(), 3))
    bar = pixels(a, (x + w // 2, y + 2, 40, h - 4))
    assert bar == {URGENT_RED}  # the bar spans the slide, not a small grey label


def test_header_names_the_notices_own_publisher(demo: Content) -> None:
    township = next(it for it in demo.items if it.category == "decisions")
    village = next(it for it in demo.items if it.category == "village-finance")
    assert masthead(demo, township) == ("中共青禾镇委员会", "党务公开", demo.publisher.logo)
    assert masthead(demo, village) == (village.issuer, "村务公开", None)
    assert masthead(demo) == ("中共青禾镇委员会", "党务公开", demo.publisher.logo)


def test_fade_goes_through_the_paper() -> None:
    old, new = pygame.Surface((40, 20)), pygame.Surface((40, 20))
    paper = (0, 255, 0)
    old.fill((200, 0, 0))
    new.fill((0, 0, 200))
    screen = pygame.Surface((40, 20))
    fade = Transition(old, new, "fade", 1.0, paper=paper)
    seen = []
    for step in range(11):
        fade.elapsed = step / 10
        fade.draw(screen, (0, 0))
        seen.append(tuple(screen.get_at((5, 5)))[:3])
    assert seen[0] == (200, 0, 0) and seen[-1] == (0, 0, 200)
    assert seen[5] == paper  # half way: the blank paper
    assert all(c[0] == 0 or c[2] == 0 for c in seen)  # never both pages at once


# ------------------------------------------------------------------ reference pages


def notice(body: tuple[object, ...], title: str, urgent: bool = False) -> Item:
    from kiosk.content.model import Priority

    when = dt.datetime(2026, 10, 8)
    return Item(id="ref", category="organisation", title=title, issuer="中共青禾镇委员会",
                date=dt.date(2026, 10, 8), show_from=when, show_until=None, body=body,  # type: ignore[arg-type]
                priority=Priority.URGENT if urgent else Priority.NORMAL)


@pytest.mark.parametrize("name", ["table", "last-page", "urgent", "title"])
def test_reference_pages(demo: Content, fonts: FontSet, snapshot: Snapshot, name: str) -> None:
    """A candidate table, the last page of a long notice, an urgent notice and a balanced title,
    kept exactly as drawn (1920x1080 lobby slide)."""
    slides = lobby_slides(demo, load_config(), (1920, 1080), fonts)
    by_id = {it.id: it for it in demo.items}
    if name == "table":
        item, page = by_id["2026-fzdy-gongshi-4"], 0
    elif name == "last-page":
        item = by_id["2026-dangjian-yaodian"]
        page = slides.page_count(item) - 1
    elif name == "urgent":
        item, page = by_id["2026-hanchao-tingdian"], 0
    else:
        item = notice((Paragraph("根据《中国共产党地方委员会工作条例》等有关规定，经镇党委研究，现予公开。"),
                       Heading("一、适用范围"), Paragraph("本办法适用于镇党委、政府的重大决策事项。"),
                       Table(("事项", "时间"), (("集体研究", "2026年9月"),), ("l", "c"))),
                      "青禾镇关于进一步规范“三重一大”事项集体决策和监督管理的实施办法")
        page = 0
    snapshot(f"typeset-{name}", slides.slide(item, page))
