"""Content loading and validation: every error names file, field and reason; one bad item is skipped."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from kiosk.config import DEMO_CONTENT
from kiosk.content import (
    Audience,
    ContentError,
    Heading,
    ImageBlock,
    Paragraph,
    Priority,
    Table,
    load_content,
)

CATALOGUE = """
[[category]]
id = "decisions"
name = "党内决策情况"
order = 1
colour = "#C8102E"

[[category]]
id = "village-finance"
name = "村级财务公开"
order = 9
group = "村务公开"
"""

GOOD = """+++
id = "n1"
category = "decisions"
title = "关于召开党员大会的通知"
issuer = "中共青禾镇委员会"
date = 2026-10-08
show_until = 2026-10-15
+++
第一段第一行
接着第一行。

## 小标题

| 支部 | 金额（元） |
|:---|---:|
| 第一支部 | 1,920.00 |
"""


def make_folder(tmp_path: Path, items: dict[str, str], catalogue: str = CATALOGUE) -> Path:
    root = tmp_path / "content"
    (root / "items").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "content.toml").write_text('name = "中共青禾镇委员会"\nlabel = "党务公开"\n', encoding="utf-8")
    (root / "catalogue.toml").write_text(catalogue, encoding="utf-8")
    for name, text in items.items():
        (root / "items" / name).write_text(text, encoding="utf-8")
    return root


def with_field(line_old: str, line_new: str) -> str:
    assert line_old in GOOD
    return GOOD.replace(line_old, line_new)


def test_good_item_parses_every_block(tmp_path: Path) -> None:
    content = load_content(make_folder(tmp_path, {"a.md": GOOD}))
    assert content.errors == ()
    item = content.items[0]
    assert item.title == "关于召开党员大会的通知"
    assert item.show_from == dt.datetime(2026, 10, 8)
    assert item.show_until == dt.datetime(2026, 10, 16)  # a date end means through that whole day
    assert item.priority is Priority.NORMAL and item.audience is Audience.PUBLIC
    assert item.body[0] == Paragraph("第一段第一行接着第一行。")
    assert item.body[1] == Heading("小标题")
    table = item.body[2]
    assert isinstance(table, Table)
    assert table.header == ("支部", "金额（元）") and table.align == ("l", "r")
    assert table.rows == (("第一支部", "1,920.00"),)
    assert content.catalogue.get("village-finance").group == "村务公开"
    assert content.catalogue.get("decisions").group == "党务公开"


def test_latin_lines_joined_with_space(tmp_path: Path) -> None:
    text = GOOD.split("+++\n", 2)
    body = "Free public\nWiFi 覆盖\n全镇。\n"
    content = load_content(make_folder(tmp_path, {"a.md": "+++\n" + text[1] + "+++\n" + body}))
    assert content.items[0].body == (Paragraph("Free public WiFi 覆盖全镇。"),)


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ('category = "decisions"', 'category = "nosuch"', "category", "unknown category 'nosuch'"),
        ("date = 2026-10-08", 'date = "2026-10-08"', "date", "write a TOML date without quotes"),
        ("date = 2026-10-08", "date = 2026-13-08", "front matter",
         "invalid TOML: Expected newline or end of document after a statement (at line 6"),
        ("date = 2026-10-08\n", "", "date", "missing"),
        ('title = "关于召开党员大会的通知"', 'title = ""', "title", "must not be empty"),
        ('id = "n1"', 'id = "bad id!"', "id", "may hold only"),
        ("show_until = 2026-10-15", "show_until = 2026-10-01", "show_until", "before it starts"),
        ("show_until = 2026-10-15", 'show_until = 2026-10-15\npriority = "high"', "priority", "'normal' or 'urgent'"),
        ("show_until = 2026-10-15", 'show_until = 2026-10-15\naudience = "all"', "audience", "'public' or 'members'"),
        ("show_until = 2026-10-15", 'show_until = 2026-10-15\nimages = ["images/none.jpg"]', "images", "not found"),
        ("show_until = 2026-10-15", 'show_until = 2026-10-15\nimages = ["../../etc/passwd"]', "images",
         "inside the content folder"),
        ("show_until = 2026-10-15", "show_until = 2026-10-15\ncolour = 1", "colour", "unknown field"),
        ("show_until = 2026-10-15", 'show_until = 2026-10-15\nfeedback_url = "https://x.org/{id}"', "feedback_url",
         "{id}"),
        ("| 第一支部 | 1,920.00 |", "| 第一支部 | 1,920.00 | 多余 |", "body", "line 16: table row has 3 cells"),
        ("|:---|---:|", "", "body", "alignment row"),
    ],
)
def test_item_errors_name_file_field_reason(tmp_path: Path, old: str, new: str, field: str, reason: str) -> None:
    root = make_folder(tmp_path, {"bad.md": with_field(old, new), "good.md": GOOD.replace('"n1"', '"n2"')})
    content = load_content(root)
    assert [it.id for it in content.items] == ["n2"]  # the bad one is skipped, the rest still load
    assert len(content.errors) == 1
    message = content.errors[0]
    assert str(root / "items" / "bad.md") in message
    assert f": {field}:" in message
    assert reason in message


def test_not_utf8_reports_encoding_with_hint(tmp_path: Path) -> None:
    root = make_folder(tmp_path, {})
    (root / "items" / "gbk.md").write_bytes(GOOD.encode("gb18030"))
    content = load_content(root)
    assert content.items == ()
    assert "gbk.md: encoding: not valid UTF-8" in content.errors[0]
    assert "GBK/GB18030" in content.errors[0]


def test_bom_is_tolerated(tmp_path: Path) -> None:
    root = make_folder(tmp_path, {})
    (root / "items" / "bom.md").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert [it.id for it in load_content(root).items] == ["n1"]


def test_missing_front_matter_and_unclosed(tmp_path: Path) -> None:
    root = make_folder(tmp_path, {"a.md": "没有前言\n", "b.md": "+++\nid = \"x\"\n"})
    errors = load_content(root).errors
    assert any("a.md: front matter: the file must start" in e for e in errors)
    assert any("b.md: front matter: no closing" in e for e in errors)


def test_duplicate_ids_keep_first(tmp_path: Path) -> None:
    content = load_content(make_folder(tmp_path, {"a.md": GOOD, "b.md": GOOD}))
    assert len(content.items) == 1
    assert "b.md: id: duplicate id 'n1'" in content.errors[0]


def test_unusable_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="content folder not found"):
        load_content(tmp_path / "nope")
    root = make_folder(tmp_path, {"a.md": GOOD})
    (root / "catalogue.toml").write_text("[[category]]\nid = \"Bad Id\"\nname = \"x\"\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"catalogue.toml: category 1.id: id 'Bad Id'"):
        load_content(root)
    (root / "catalogue.toml").write_text("[[category]\n", encoding="utf-8")
    with pytest.raises(ContentError, match="catalogue.toml: invalid TOML"):
        load_content(root)
    (root / "catalogue.toml").unlink()
    with pytest.raises(ContentError, match="catalogue.toml: missing"):
        load_content(root)
    (root / "content.toml").unlink()
    with pytest.raises(ContentError, match="content.toml: missing"):
        load_content(root)


def test_catalogue_colour_and_duplicate(tmp_path: Path) -> None:
    root = make_folder(tmp_path, {}, CATALOGUE + '\n[[category]]\nid = "x"\nname = "X"\ncolour = "red"\n')
    with pytest.raises(ContentError, match=r"category 3.colour: colour must look like"):
        load_content(root)
    root2 = make_folder(tmp_path / "2", {}, CATALOGUE + '\n[[category]]\nid = "decisions"\nname = "again"\n')
    with pytest.raises(ContentError, match="duplicate category id 'decisions'"):
        load_content(root2)


def test_inline_image_and_escape(tmp_path: Path) -> None:
    root = make_folder(tmp_path, {})
    (root / "images" / "p.png").write_bytes(b"not really a png")
    (root / "items" / "a.md").write_text(GOOD + "\n![会场](images/p.png)\n", encoding="utf-8")
    (root / "items" / "b.md").write_text(GOOD.replace('"n1"', '"n2"') + "\n![x](/etc/passwd)\n", encoding="utf-8")
    content = load_content(root)
    assert content.items[0].body[-1] == ImageBlock(path=(root / "images" / "p.png").resolve(), caption="会场")
    assert "b.md: body line" in content.errors[0]


def test_symlink_escape_refused(tmp_path: Path) -> None:
    root = make_folder(tmp_path, {})
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"x")
    (root / "images" / "link.jpg").symlink_to(outside)
    (root / "items" / "a.md").write_text(with_field("show_until = 2026-10-15",
                                                    'show_until = 2026-10-15\nimages = ["images/link.jpg"]'),
                                         encoding="utf-8")
    assert "leads outside the content folder" in load_content(root).errors[0]


def test_demo_content_is_complete() -> None:
    content = load_content(DEMO_CONTENT)
    assert content.errors == ()
    items = content.items
    assert len(items) >= 24
    cats = {c.id for c in content.catalogue.categories}
    assert {"decisions", "ideology", "organisation", "leadership", "cadres", "service", "integrity",
            "major"} <= cats
    assert {it.category for it in items} == cats  # every category has notices
    assert any(c.group == "村务公开" for c in content.catalogue.categories)
    now = dt.datetime(2026, 11, 27, 10, 0)
    assert any(it.urgent and it.valid_at(now) for it in items)
    assert any(it.audience is Audience.MEMBERS for it in items)
    assert any(it.show_until is not None and it.show_until < now for it in items)  # expired
    assert any(it.show_from > now for it in items)  # not yet valid
    assert any(isinstance(b, Table) for it in items for b in it.body)
    assert any(it.images for it in items)
    assert max(it.text_length for it in items) > 2000  # a long notice that needs several pages


def test_copy_of_demo_loads_as_feed(tmp_path: Path) -> None:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_CONTENT, copy)
    content = load_content(copy, feed="township")
    assert content.feed == "township" and all(it.feed == "township" for it in content.items)


def test_replacing_a_body_image_changes_the_digest(tmp_path: Path) -> None:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_CONTENT, copy)
    before = {it.id: it.digest() for it in load_content(copy).items}
    inline = copy / "images" / "service-centre.jpg"  # used only as an image inside a notice's text
    inline.write_bytes(inline.read_bytes() + b"\0")
    after = {it.id: it.digest() for it in load_content(copy).items}
    assert [k for k in before if before[k] != after[k]] == ["dangqun-zhongxin-jungong"]
