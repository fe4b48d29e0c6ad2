"""Half-width punctuation in Chinese text set full width at load (issue 12, point 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.content import Paragraph, Table, load_content
from kiosk.content.punct import full_width, half_width_in_cjk


@pytest.mark.parametrize(("raw", "fixed"), [
    ("之后,一直", "之后，一直"),
    ("之后 , 一直", "之后，一直"),
    ("共3人;其中", "共3人；其中"),
    ("电话:0000-6612301", "电话：0000-6612301"),
    ("是吗?是的!", "是吗？是的！"),
    ("柳溪村村规民约(2026年修订)", "柳溪村村规民约（2026年修订）"),
    ("安装App,请(App)下载", "安装App，请（App）下载"),
    ("(1)加强学习", "（1）加强学习"),
])
def test_marks_in_chinese_context_become_full_width(raw: str, fixed: str) -> None:
    assert full_width(raw).text == fixed
    assert half_width_in_cjk(fixed) == []


@pytest.mark.parametrize("text", ["1,920.00元", "10:30开始", "https://a.example/x?y=1", "Hello, world (test)!",
                                  "8:00—14:00", "第1,2条"])
def test_numbers_times_and_latin_text_keep_their_marks(text: str) -> None:
    assert full_width(text).text == text and full_width(text).marks == ""


def test_loader_normalises_every_text_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "items").mkdir()
    (tmp_path / "content.toml").write_text('name = "中共青禾镇委员会"\n', encoding="utf-8")
    (tmp_path / "catalogue.toml").write_text('[[category]]\nid = "decisions"\nname = "党内决策情况"\n',
                                             encoding="utf-8")
    (tmp_path / "items" / "a.md").write_text(
        '+++\nid = "a"\ncategory = "decisions"\ntitle = "关于(试行)办法的通知"\nissuer = "镇党委"\n'
        'date = 2026-01-05\n+++\n各支部:\n\n会议决定,一直坚持!\n\n'
        '| 姓名 | 备注 |\n|---|---|\n| 王一垚 | 党员(预备) |\n',
        encoding="utf-8")
    content = load_content(tmp_path)
    (item,) = content.items
    assert item.title == "关于（试行）办法的通知"
    addressee, para, table = item.body
    assert isinstance(addressee, Paragraph) and addressee.text == "各支部："
    assert isinstance(para, Paragraph) and para.text == "会议决定，一直坚持！"
    assert isinstance(table, Table) and table.rows[0][1] == "党员（预备）"
    (note,) = content.notes
    assert note.endswith("a.md: 7 half-width mark(s) in Chinese text set full width (( ) : , !)")
