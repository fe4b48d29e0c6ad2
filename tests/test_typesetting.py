"""Typesetting to the standard of a printed notice (issue 12), with a fake measure:
full-width characters are px wide, ASCII half of that."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from kiosk.content.model import Block, Heading, Item, Paragraph, Table
from kiosk.layout import Page, TextLine, TextStyle, layout_notice
from kiosk.layout.check import check_notice, count
from kiosk.layout.lines import Ctx, Memo, paragraph
from kiosk.layout.tables import cell_spans, keep_whole, table_units
from kiosk.layout.titles import balanced_lines
from kiosk.layout.words import word_ends

W, H = 1920, 1080
STYLE = TextStyle()
NAMES = ("王一垚", "苏雨珺", "何文赟", "陈思喆", "周子犇", "刘晓燊", "黄淼淼", "林垚鑫")


def fake(text: str, px: int, bold: bool = False) -> float:
    return sum(px / 2 if ord(c) < 128 else px for c in text)


def notice(*body: Block, title: str = "关于2026年第三季度党费收缴情况的公示") -> Item:
    when = dt.datetime(2026, 10, 8)
    return Item(id="n", category="organisation", title=title, issuer="中共青禾镇委员会",
                date=dt.date(2026, 10, 8), show_from=when, show_until=None, body=tuple(body))


def ctx(width: float, px: int = 10, style: TextStyle = STYLE) -> Ctx:
    return Ctx(style, Memo(fake), px, 0.0, width, 0.0, 10_000.0)


def lines_of(pages: list[Page], *roles: str) -> list[TextLine]:
    return [ln for p in pages for ln in p.lines(roles)]


def defects(pages: list[Page]) -> dict[str, int]:
    return {k: v for k, v in count(check_notice("n", pages, fake)).items() if v}


# ------------------------------------------------------------------ text sizes


def test_text_size_follows_the_viewing_distance() -> None:
    near, lobby, far = (TextStyle.for_screen(1920, 1080, d) for d in (2.0, 2.5, 3.0))
    assert (lobby.body_px, lobby.min_body_px) == (45, 36)  # 28 mm and 23 mm on a 55-inch 1080p panel
    assert near.body_px < lobby.body_px < far.body_px
    assert far.body_px == round(3000 / 88 / 0.63)
    # the panel's own pixel size (a 43-inch 1080p panel has 0.5 mm pixels): more pixels, same size
    small_panel = TextStyle.for_screen(1920, 1080, 2.5, mm_per_px=0.5)
    assert small_panel.body_px == round(2500 / 88 / 0.5)
    # the same physical page on a 4K panel: everything twice as many pixels
    k4 = TextStyle.for_screen(3840, 2160)
    assert (k4.body_px, k4.min_body_px, k4.margin_x) == (90, 72, 2 * lobby.margin_x)
    assert TextStyle.for_screen(1920, 1080, 2.5, body_px=50, min_body_px=40).body_px == 50
    assert TextStyle.for_screen(1080, 1920, 20.0).body_px == 1080 // 16  # a line keeps ~16 characters


def test_the_demo_config_documents_the_distance_key() -> None:
    from kiosk.config import load_config
    from kiosk.render.look import text_style

    config = load_config()
    assert config.text.viewing_distance_m == 2.5
    assert text_style(config, (1920, 1080)).body_px == 45
    far = replace(config, text=replace(config.text, viewing_distance_m=3.5))
    assert text_style(far, (1920, 1080)).body_px > 45


# ------------------------------------------------------------------ tables


def test_short_cells_dates_numbers_and_list_items_never_break() -> None:
    assert keep_whole("王一垚") and keep_whole("1996年12月") and keep_whole("2026年11月23日")
    assert keep_whole("36,624.00") and keep_whole("研究生") and not keep_whole("青禾镇淼源茶叶专业合作社负责人")
    text = "、".join(NAMES)
    pieces = [text[s:e] for s, e in cell_spans(text)]
    assert "".join(pieces) == text
    assert all(p.rstrip("、") in NAMES for p in pieces)  # a list of names breaks only after 、
    text = "收到村集体鱼塘承包费（淼塘组）"
    assert [text[s:e] for s, e in cell_spans(text)][-1] == "（淼塘组）"  # a short aside stays whole


def candidate_table(rows: int = 3) -> Table:
    header = ("姓名", "性别", "出生年月", "学历", "工作单位及职务", "申请入党时间", "所在党支部")
    body = tuple((NAMES[i % len(NAMES)], "男", "1996年12月", "研究生", "青禾镇淼源茶叶专业合作社负责人",
                  "2023年10月", "镇中心学校党支部") for i in range(rows))
    return Table(header, body, ("l", "c", "c", "c", "l", "c", "l"))


def cells(units: list) -> dict[tuple[int, int], list[TextLine]]:  # noqa: ANN001 - Unit
    out: dict[tuple[int, int], list[TextLine]] = {}
    for u in units:
        for e in u.elements:
            if isinstance(e, TextLine):
                out.setdefault(e.cell, []).append(e)
    return out


def grid_cells(width_em: float, style: TextStyle = STYLE) -> dict[tuple[int, int], list[TextLine]]:
    found = cells(table_units(ctx(width_em * 20, 20, style), candidate_table(), 10_000))
    assert not any(ln.role == "table_label" for ls in found.values() for ln in ls)  # a grid, not cards
    for (row, col), lines in found.items():
        text = "".join(ln.text for ln in lines)
        if len(text) <= 6 or col in (0, 2, 5):  # names, dates, short cells: whole
            assert len(lines) == 1, (row, col, [ln.text for ln in lines])
    return found


@pytest.mark.parametrize("width_em", [44, 38, 34])
def test_table_breaks_long_text_not_names(width_em: int) -> None:
    found = grid_cells(width_em)
    assert all(ln.px == 20 for ls in found.values() for ln in ls)  # it fitted at the body size


def test_table_set_smaller_before_it_becomes_cards_and_never_below_the_floor() -> None:
    style = replace(STYLE, body_px=20, min_body_px=20, table_min_scale=0.7)
    found = grid_cells(30, style)
    sizes = {ln.px for ls in found.values() for ln in ls}
    assert len(sizes) == 1 and 14 <= sizes.pop() < 20


def test_table_too_wide_for_the_screen_becomes_cards() -> None:
    units = table_units(ctx(20 * 20, 20), candidate_table(2), 10_000)
    assert len(units) == 2  # one card a row
    for unit in units:
        lines = [e for e in unit.elements if isinstance(e, TextLine)]
        labels = [ln.text for ln in lines if ln.role == "table_label"]
        assert labels == list(candidate_table().header) or "".join(labels) == "".join(candidate_table().header)
        values = [ln for ln in lines if ln.role == "table_cell"]
        assert values[0].bold and values[0].text in NAMES  # the first field heads the card
        for ln in values:
            if ln.count > 1:
                assert ln.cell[1] in (4, 6)


def test_repeated_header_keeps_two_rows_and_no_row_alone() -> None:
    table = Table(("支部", "金额（元）"), tuple((f"第{i}支部", "1,920.00") for i in range(40)), ("l", "r"))
    for n in range(1, 12):
        pages = layout_notice(notice(*[Paragraph("正文内容。" * 20)] * n, table), W, H, STYLE, fake)
        assert "table-header-rows" not in defects(pages), n
        for page in pages[1:]:
            if page.lines(("table_cell",)):
                assert page.lines(("table_header",)), "a table continued without its header"


# ------------------------------------------------------------------ titles


@pytest.mark.parametrize("title", [
    "青禾镇关于进一步规范“三重一大”事项集体决策的实施办法",
    "柳溪村2026年第四季度最低生活保障动态调整民主评议结果公示",
    "关于拟接收王一垚等3名同志为中共预备党员的公示",
    "青禾镇党委领导班子2025年度民主生活会查摆问题整改落实情况公示",
])
@pytest.mark.parametrize("width", [16, 20, 24])
def test_titles_balanced_and_broken_between_words(title: str, width: int) -> None:
    c = ctx(width * 10)
    para = paragraph(c, title, 10, True)
    lines = balanced_lines(para, width * 10)
    assert "".join(title[s:e] for s, e in lines) == title
    if len(lines) < 2:
        return
    widths = [para.natural(s, e) for s, e in lines]
    assert max(widths) <= width * 10 + 0.01
    assert min(widths) >= max(widths) / 2  # never a line of one or two characters
    ends = word_ends(title)
    for s, _ in lines[1:]:
        inside = s not in ends and title[s - 1] not in "”）》" and title[s] not in "“（《"
        assert not inside, f"{title!r} broken inside a word at {title[s - 3:s]}|{title[s:s + 3]}"
    assert greedy_count(para, width) == len(lines)  # as few lines as must be


def greedy_count(para, width: int) -> int:  # noqa: ANN001
    return len(para.greedy(width * 10, width * 10))


def test_balanced_title_prefers_the_longer_line_above() -> None:
    title = "关于调整青禾镇党建工作领导小组成员的通知"
    page = layout_notice(notice(title=title), 17 * 10 + 2 * STYLE.margin_x, 1000, replace(
        STYLE, body_px=10, min_body_px=10, title_scale=1.0), fake)[0]
    first, second = page.lines(("title",))
    assert first.right - first.xs[0] >= second.right - second.xs[0]


# ------------------------------------------------------------------ paragraphs


def test_adjacent_marks_take_one_and_a_half_em() -> None:
    c = ctx(400)
    for pair in ("”。", "，“", "：“", "）。", "》，", "（《"):
        text = f"他说{pair}好的"
        para = paragraph(c, text, 10, False)
        assert para.natural(0, len(text)) == pytest.approx(10 * (len(text) - 0.5)), pair


def test_punctuation_is_compressed_before_gaps_are_widened() -> None:
    # 20 characters of text with two commas in a line 19.5 em wide: pushed in, not broken
    text = "一二三四五六，七八九十一二三，四五六七八"
    c = ctx(195)
    para = paragraph(c, text, 10, False)
    ((s, e),) = para.lines(195, 195)
    xs, right = para.positions(s, e, 0.0, 195, True)
    assert right == pytest.approx(195)
    steps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    assert all(step <= 10 + 1e-6 for step in steps)  # nothing widened


@pytest.mark.parametrize("n", range(30, 90, 7))
def test_no_wide_gaps_and_no_last_line_of_one_or_two_characters(n: int) -> None:
    text = ("安装国家反诈中心App，举报电话0000-6612399。" * 3
            + "为进一步加强党员教育管理，现将有关情况公示如下。" * 4)[:n]
    pages = layout_notice(notice(Paragraph(text), Paragraph(text + "以下。")), W, H, STYLE, fake)
    found = defects(pages)
    assert "wide-gaps" not in found and "short-last-line" not in found, found


def test_addressee_line_stands_flush_left() -> None:
    pages = layout_notice(notice(Paragraph("各基层党支部："), Paragraph("现将有关事项通知如下。")), W, H, STYLE, fake)
    addressee, first = pages[0].lines(("body",))
    assert addressee.text == "各基层党支部：" and addressee.xs[0] == pytest.approx(STYLE.margin_x)
    assert first.xs[0] == pytest.approx(STYLE.margin_x + 2 * first.px)  # the text keeps its indent
    pages = layout_notice(notice(Paragraph("现将有关事项通知如下："), Paragraph("一、……")), W, H, STYLE, fake)
    assert pages[0].lines(("body",))[0].xs[0] > STYLE.margin_x  # "如下：" in a sentence is not one


# ------------------------------------------------------------------ pages


def long_notice(n: int) -> Item:
    blocks: list[Block] = []
    for k in range(n):
        blocks.append(Heading(f"{'一二三四五六七八九十'[k % 10]}、第{k + 1}部分"))
        blocks += [Paragraph("为进一步加强党员教育管理，按照有关规定，现将相关情况公示如下。" * (1 + k % 4))] * 2
    return notice(*blocks)


@pytest.mark.parametrize("n", range(1, 14))
def test_pages_keep_headings_with_text_and_no_lonely_lines(n: int) -> None:
    pages = layout_notice(long_notice(n), W, H, STYLE, fake)
    found = defects(pages)
    for kind in ("widow-orphan", "heading-separated", "page-underfilled", "outside-page"):
        assert kind not in found, (kind, found)


def test_pages_are_balanced_not_full_then_nearly_empty() -> None:
    for n in range(3, 14):
        pages = layout_notice(long_notice(n), W, H, STYLE, fake)
        if len(pages) < 2:
            continue
        used = [max(ln.baseline for ln in p.lines(("body", "heading", "signature"))) for p in pages]
        assert min(used) > 0.5 * max(used), (n, used)
