"""One catalogue of on-screen text: Chinese the screen shows of its own is written in kiosk/strings.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kiosk import strings

REPO_ROOT = Path(__file__).resolve().parents[1]


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")


def _chinese_text(value: str) -> bool:
    """Mostly Chinese: on-screen wording (an English log or help line naming 审批 is not)."""
    return len(CJK.findall(value)) >= max(1, len(LATIN.findall(value)))
# Chinese in code that is not text the screen shows of its own: line-breaking rules, the width of
# one ideograph, separators for table cells on an LED board, content defaults of the data model
NOT_UI = {
    ("kiosk/layout/lines.py", "，。、；：？！）》」』】〕〉〗］｝”’…—％‰℃°,.;:?!)%]}"),
    ("kiosk/layout/lines.py", "（《「『【〔〈〖［｛“‘([{"),
    ("kiosk/layout/lines.py", "中"),
    ("kiosk/render/led.py", "；"),
    ("kiosk/render/led.py", "，"),
    ("kiosk/content/model.py", "党务公开"),
    ("kiosk/content/loader.py", "党务公开"),
}
SKIP = ("kiosk/strings.py", "kiosk/config.py", "kiosk/office/",  # config: setting docs (English + examples)
        # character classes and phrases that typesetting and the loader's punctuation rules look for
        "kiosk/layout/chars.py", "kiosk/content/punct.py")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def test_no_on_screen_chinese_outside_the_catalogue() -> None:
    found = []
    for path in sorted((REPO_ROOT / "kiosk").rglob("*.py")):
        rel = path.relative_to(REPO_ROOT).as_posix()
        if rel.startswith(SKIP):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                    and _chinese_text(node.value) and (rel, node.value) not in NOT_UI:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert found == [], "on-screen text belongs in kiosk/strings.py:\n" + "\n".join(found)


def test_every_outcome_of_a_stick_has_words() -> None:
    from kiosk.usb.events import Outcome

    assert {o.value for o in Outcome} == set(strings.USB_REASONS)


def test_texts_with_fields_name_them() -> None:
    assert strings.PAGE_OF.format(page=2, pages=5) == "第 2 / 5 页"
    assert strings.USB_UPDATED.format(version=3, items=12) == "更新成功：版本 3，共 12 条公开内容"
    assert strings.chinese_date_with_weekday(__import__("datetime").date(2026, 10, 8)) == "2026年10月8日 星期四"
    assert Path(strings.__file__).name == "strings.py"
