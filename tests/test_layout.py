"""Pure layout tests with a fake measure: full-width characters = px, ASCII = px / 2."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.content.model import Block, Heading, ImageBlock, Item, Paragraph, Table
from kiosk.layout import (
    NO_END,
    NO_START,
    Box,
    ImageBox,
    Page,
    TextLine,
    TextStyle,
    layout_notice,
    wrap_plain,
)
from kiosk.layout.pages import candidate_sizes

CLOSING = "，。、；：？！）》」』】〕〉”’％,.;:?!)%]"
OPENING = "（《「『【〔〈“‘(["
TEN = "一二三四五六七八九十"
W, H = 1920, 1080
STYLE = TextStyle()


def fake(text: str, px: int, bold: bool = False) -> float:
    return sum(px / 2 if ord(c) < 128 else px for c in text)


def wrap(text: str, chars: float = 10) -> list[str]:
    lines = wrap_plain(text, chars * 10, 10, fake)
    assert "".join(lines) == text
    for line in lines:
        assert fake(line, 10) <= chars * 10 + 1e-6 or len(line) == 1
    return lines


def notice(*body: Block, title: str = "关于2026年第三季度党费收缴情况的公示") -> Item:
    when = dt.datetime(2026, 10, 8)
    return Item(id="n", category="organisation", title=title, issuer="中共青禾镇委员会",
                date=dt.date(2026, 10, 8), show_from=when, show_until=None, body=tuple(body))


def paragraphs(n: int, chars: int = 180) -> list[Paragraph]:
    base = "为进一步加强党员教育管理，按照《中国共产党章程》规定，现将1,920.00元、98.5%等情况公示如下。"
    return [Paragraph((base * 20)[i:i + chars]) for i in range(n)]


def x0_w(style: TextStyle = STYLE) -> tuple[float, float]:
    return style.margin_x, W - 2 * style.margin_x


# ------------------------------------------------------------------ 禁则


@pytest.mark.parametrize("ch", CLOSING)
def test_closing_punctuation_never_starts_a_line(ch: str) -> None:
    lines = wrap(TEN + ch + "甲乙丙")
    assert all(line[0] not in NO_START for line in lines)
    assert lines[1].startswith("十" + ch)  # pushed in together with the preceding character


@pytest.mark.parametrize("ch", OPENING)
def test_opening_punctuation_never_ends_a_line(ch: str) -> None:
    text = TEN[:9] + ch + "甲乙丙" if ord(ch) > 127 else TEN[:9] + "x" + ch + "甲乙"
    lines = wrap(text)
    assert len(lines) == 2
    assert all(line[-1] not in NO_END for line in lines)
    assert ch + "甲" in lines[1]


@pytest.mark.parametrize("pair", ["……", "——"])
@pytest.mark.parametrize("at", [8, 9, 10])
def test_ellipsis_and_dash_are_never_split(pair: str, at: int) -> None:
    lines = wrap(TEN[:at] + pair + "甲乙丙丁")
    assert any(pair in line for line in lines)
    assert all(line[0] not in "…—" for line in lines)


@pytest.mark.parametrize("word", ["1,920.00", "98.5%", "2026", "kiosk", "10:30", "2026-10-08"])
def test_numbers_and_latin_words_stay_whole(word: str) -> None:
    for k in range(1, 10):
        lines = wrap(TEN[:k] + word + "年度报告内容")
        assert any(word in line for line in lines), (k, lines)


@pytest.mark.parametrize("aside", ["（社区）", "（7天）", "（应用程序）", "(App)"])
def test_short_aside_in_brackets_stays_whole(aside: str) -> None:
    for k in range(1, 12):
        text = TEN[:k] + "各村" + aside + "。党组织书记是第一责任人"
        assert any(aside in line for line in wrap(text)), k
        inside = {m + i for m in range(len(text * 3)) if (text * 3).startswith(aside, m) for i in range(1, len(aside))}
        pages = layout_notice(notice(Paragraph(text * 3)), 22 * STYLE.body_px + 2 * STYLE.margin_x, H, STYLE, fake)
        cuts, at = [], 0
        for line in [ln.text for p in pages for ln in p.lines()]:
            at += len(line)
            cuts.append(at)
        assert at == len(text * 3) and not inside & set(cuts), (k, cuts)


def test_spaces_break_latin_words_and_are_trimmed() -> None:
    lines = wrap_plain("open source kiosk player", 50, 10, fake)
    assert lines == ["open", "source", "kiosk", "player"]


def test_overlong_run_breaks_without_overflow() -> None:
    text = "a" * 95 + "。"
    lines = wrap(text)
    assert "".join(lines) == text
    assert all(fake(line, 10) <= 100 for line in lines)
    assert lines[-1][0] != "。"


def test_single_character_wider_than_line_still_progresses() -> None:
    assert wrap_plain("中文", 3, 10, fake) == ["中", "文"]


def test_wrap_plain_empty() -> None:
    assert wrap_plain("   ", 100, 10, fake) == []


# ------------------------------------------------------------------ paragraphs


def body_lines(pages: list[Page], role: str = "body") -> list[TextLine]:
    return [ln for p in pages for ln in p.lines((role,))]


def test_justified_lines_fill_the_width_and_last_line_is_ragged() -> None:
    pages = layout_notice(notice(*paragraphs(3, 300)), W, H, STYLE, fake)
    x0, w = x0_w()
    per_paragraph: list[list[TextLine]] = [[]]
    for line in body_lines(pages):
        if line.xs[0] > x0 + 1 and per_paragraph[-1]:  # an indented line opens a paragraph
            per_paragraph.append([])
        per_paragraph[-1].append(line)
    assert len(per_paragraph) == 3
    for lines in per_paragraph:
        for line in lines[:-1]:
            assert line.right == pytest.approx(x0 + w, abs=0.5)
        last = lines[-1]
        steps = [b - a for a, b in zip(last.xs, last.xs[1:], strict=False)]
        assert all(step <= fake(c, last.px) + 1e-6 for step, c in zip(steps, last.text, strict=False))
        assert last.right < x0 + w


def test_numbers_are_not_letter_spaced_when_justified() -> None:
    pages = layout_notice(notice(*paragraphs(2, 300)), W, H, STYLE, fake)
    for line in body_lines(pages):
        i = line.text.find("1,920.00")
        if i >= 0:
            steps = [line.xs[j + 1] - line.xs[j] for j in range(i, i + 7)]
            assert steps == pytest.approx([line.px / 2] * 7)


def test_paragraph_indent_is_two_full_width_characters() -> None:
    pages = layout_notice(notice(Paragraph("第一段。" * 30), Paragraph("短段。")), W, H, STYLE, fake)
    lines = body_lines(pages)
    px = pages[0].body_px
    starts = [ln.xs[0] for ln in lines]
    assert starts[0] == pytest.approx(STYLE.margin_x + 2 * px)
    assert starts[1] == pytest.approx(STYLE.margin_x)
    assert starts[-1] == pytest.approx(STYLE.margin_x + 2 * px)


def test_title_centred_bold_larger_and_heading_not_indented() -> None:
    pages = layout_notice(notice(Heading("一、基本情况"), Paragraph("正文。")), W, H, STYLE, fake)
    x0, w = x0_w()
    (title,) = pages[0].lines(("title",))
    assert title.bold and title.px > pages[0].body_px
    left, right = title.xs[0] - x0, x0 + w - title.right
    assert left == pytest.approx(right, abs=0.5)
    (heading,) = pages[0].lines(("heading",))
    assert heading.bold and pages[0].body_px < heading.px < title.px
    assert heading.xs[0] == pytest.approx(x0)


# ------------------------------------------------------------------ sizes and pages


def test_short_notice_uses_the_largest_size() -> None:
    pages = layout_notice(notice(Paragraph("短。")), W, H, STYLE, fake)
    assert len(pages) == 1 and pages[0].body_px == STYLE.body_px


def test_notice_shrinks_only_to_save_pages_and_then_as_little_as_it_can() -> None:
    sizes = candidate_sizes(STYLE)
    seen = set()
    for n in range(2, 40, 3):
        item = notice(*paragraphs(n, 60))
        pages = layout_notice(item, W, H, STYLE, fake)
        px = pages[0].body_px
        seen.add(px)
        assert all(p.body_px == px for p in pages) and px in sizes
        at_size = {s: len(layout_notice(item, W, H, replace(STYLE, body_px=s, min_body_px=s), fake)) for s in sizes}
        if px != STYLE.body_px:  # shrunk: it saves pages, and a size larger would not
            assert len(pages) < at_size[STYLE.body_px]
            assert at_size[sizes[sizes.index(px) - 1]] > len(pages)
        else:  # kept: no smaller size puts it on fewer pages
            assert min(at_size.values()) == len(pages)
    assert len(seen) > 2


def element_bottom(e: TextLine | Box | ImageBox, style: TextStyle) -> tuple[float, float]:
    if isinstance(e, TextLine):
        return e.baseline - style.ascent * e.px, e.baseline + (1 - style.ascent) * e.px
    return e.y, e.y + e.h


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (800, 600)])
def test_pagination_never_overflows_and_keeps_all_text(size: tuple[int, int]) -> None:
    w, h = size
    style = TextStyle.for_screen(w, h)
    body = paragraphs(14, 230)
    table = Table(("支部", "金额（元）"), tuple((f"第{i}支部", "1,920.00") for i in range(30)),
                  ("l", "r"))
    items = [*body[:7], Heading("二、收缴明细"), table, ImageBlock(Path("/x.jpg"), "现场"),
             *body[7:]]
    pages = layout_notice(notice(*items), w, h, style, fake)
    assert len(pages) > 2
    for page in pages:
        assert (page.number, page.count) == (pages.index(page) + 1, len(pages))
        assert style.min_body_px <= page.body_px <= style.body_px
        for e in page.elements:
            top, bottom = element_bottom(e, style)
            assert 0 <= top and bottom <= h - style.margin_bottom + 1e-6, e
            if isinstance(e, TextLine):
                assert e.xs[0] >= style.margin_x - 1e-6 and e.right <= w - style.margin_x + 1e-6
    source = "".join("".join(p.text.split()) for p in body)
    assert "".join(p.text().replace(" ", "") for p in pages) == source


def test_continuation_pages_repeat_a_small_title() -> None:
    pages = layout_notice(notice(*paragraphs(20, 200), title="短标题"), W, H, STYLE, fake)
    assert len(pages) > 1 and not pages[0].lines(("continued",))
    for page in pages[1:]:
        (cont,) = page.lines(("continued",))
        assert cont.text == "短标题（续）" and cont.px < page.body_px
        assert not page.lines(("title",))


def test_table_continues_with_repeated_header() -> None:
    rows = tuple((f"第{i}支部", str(30 + i), f"{1920 + i:,}.00") for i in range(80))
    table = Table(("支部", "应缴人数", "实缴金额（元）"), rows, ("l", "c", "r"))
    pages = layout_notice(notice(Paragraph("现将收缴情况公示如下。"), table), W, H, STYLE, fake)
    assert len(pages) > 2
    cells: list[str] = []
    for page in pages:
        header = [ln.text for ln in page.lines(("table_header",))]
        assert header == ["支部", "应缴人数", "实缴金额（元）"]
        fills = [e for e in page.elements if isinstance(e, Box) and e.role == "table_header_fill"]
        assert len(fills) == 1
        body = page.lines(("table_cell",))
        assert min(ln.baseline for ln in body) > max(ln.baseline for ln in page.lines(("table_header",)))
        cells += [ln.text for ln in body]
    assert cells == [c for row in rows for c in row]


def test_table_alignment_and_wrapping() -> None:
    long = "这是一个非常长的单元格内容需要在单元格内换行显示" * 4
    table = Table(("项目", "说明", "金额"), (("甲", long, "12.50"),), ("c", "l", "r"))
    pages = layout_notice(notice(table), W, H, STYLE, fake)
    cells = pages[0].lines(("table_cell",))
    amount = next(ln for ln in cells if ln.text == "12.50")
    rules = sorted({e.x for e in pages[0].elements if isinstance(e, Box) and e.w == STYLE.rule_px})
    pad = STYLE.table_pad * amount.px
    assert amount.right == pytest.approx(rules[-1] + STYLE.rule_px - pad)
    wrapped = [ln for ln in cells if ln.text not in ("甲", "12.50")]
    assert len(wrapped) > 1 and "".join(ln.text for ln in wrapped) == long


def test_image_box_reserved_with_caption() -> None:
    pages = layout_notice(notice(Paragraph("正文。"), ImageBlock(Path("/a.jpg"), "会议现场")),
                          W, H, STYLE, fake)
    (box,) = [e for e in pages[0].elements if isinstance(e, ImageBox)]
    content_h = H - STYLE.margin_top - STYLE.margin_bottom
    assert box.h == pytest.approx(0.55 * content_h) and box.caption == "会议现场"
    assert box.w == pytest.approx(box.h * 4 / 3)  # no size known: a 4:3 box
    (caption,) = pages[0].lines(("caption",))
    assert caption.baseline > box.y + box.h


@pytest.mark.parametrize(("natural", "expect"), [
    ((1600, 1000), (0.55 * (H - 48) * 1.6, 0.55 * (H - 48))),  # a wide photo: as tall as allowed
    ((4000, 1000), (0.8 * (W - 80), 0.8 * (W - 80) / 4)),  # a panorama: 80 % of the text width
    ((300, 200), (600, 400)),  # a small picture: never more than twice its own pixels
])
def test_inline_photo_keeps_its_shape_at_a_sensible_size(natural: tuple[int, int],
                                                        expect: tuple[float, float]) -> None:
    item = notice(Paragraph("正文。"), ImageBlock(Path("/a.jpg"), ""))
    pages = layout_notice(item, W, H, STYLE, fake, image_size=lambda path: natural)
    (box,) = [e for e in pages[0].elements if isinstance(e, ImageBox)]
    assert (box.w, box.h) == pytest.approx(expect)
    assert box.x - STYLE.margin_x == pytest.approx(W - STYLE.margin_x - box.x - box.w)  # centred


def test_signature_follows_the_text_on_the_last_page_gbt9704() -> None:
    pages = layout_notice(notice(*paragraphs(12, 200)), W, H, STYLE, fake)
    x0, w = x0_w()
    assert all(not p.lines(("signature",)) for p in pages[:-1])
    issuer, date = pages[-1].lines(("signature",))
    assert (issuer.text, date.text) == ("中共青禾镇委员会", "2026年10月8日")
    em = date.px
    assert date.right == pytest.approx(x0 + w - 4 * em)  # the date four characters from the edge
    date_mid, issuer_mid = (date.xs[0] + date.right) / 2, (issuer.xs[0] + issuer.right) / 2
    assert issuer_mid == pytest.approx(date_mid)  # the issuer centred over it
    pitch = date.px * STYLE.line_spacing
    assert date.baseline - issuer.baseline == pytest.approx(pitch)
    last = pages[-1].lines(("body",))[-1]
    # one blank line under the text, not pushed down to the foot of the page
    assert issuer.baseline - last.baseline == pytest.approx(pitch + STYLE.signature_gap * pitch
                                                          + STYLE.paragraph_spacing * 0, abs=1)


def test_short_notice_signature_on_the_only_page() -> None:
    (page,) = layout_notice(notice(Paragraph("通知正文。")), W, H, STYLE, fake)
    assert [ln.text for ln in page.lines(("signature",))] == ["中共青禾镇委员会", "2026年10月8日"]


def test_signature_never_stands_alone_on_a_page() -> None:
    for n in range(10, 60):
        pages = layout_notice(notice(Paragraph("正文内容。" * n * 6)), W, H, STYLE, fake)
        last = pages[-1]
        assert last.lines(("signature",)) and last.lines(("body",)), n
