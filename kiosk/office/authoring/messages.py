"""The loader's reasons in Chinese, for the field they belong to.

The rules stay in ``kiosk.content`` (the loader finds every problem, with file, field and an
English reason for logs); this table only says the same thing to a clerk.  A reason without an
entry is shown as the loader wrote it, after the field's Chinese name, so nothing is hidden.
"""

from __future__ import annotations

import re

FIELD_NAMES = {
    "id": "编号", "category": "类别", "title": "标题", "issuer": "落款（发布机构）", "date": "日期",
    "show_from": "公示开始", "show_until": "公示结束", "priority": "优先级", "audience": "公开范围",
    "tags": "标签", "images": "附图", "feedback_url": "意见反馈链接", "body": "正文", "front matter": "公告信息",
}

_REASONS: tuple[tuple[str, str], ...] = (
    # kiosk.content.writer: text the format cannot carry
    (r"^a line may not start with '\|'.*", "一行不能以竖线“|”开头（会被当成表格）"),
    (r"^a line may not start with '#'.*", "一行不能以“#”开头（会被当成小标题）"),
    (r"^a line may not be an image mark.*", "一行不能写成图片标记 ![…](…)：请用“图片”块"),
    (r"^a line may not be just '\+\+\+'$", "一行不能只有“+++”"),
    (r"^a sub-heading may not be empty$", "小标题不能为空"),
    (r"^a table cell may not contain '\|'$", "表格单元格里不能有竖线“|”"),
    (r"^a table needs at least one column$", "表格至少要有一列"),
    (r"^an image caption may not contain '\]'$", "图片说明里不能有“]”"),
    (r"^no image chosen$", "请选择一张图片"),
    # kiosk.content.loader
    (r"^missing \(required\)$", "必须填写"),
    (r"^must not be empty$", "不能为空"),
    (r"^id .* may hold only letters, digits, '-' and '_'$", "编号只能由英文字母、数字、“-”和“_”组成"),
    (r"^unknown category .*", "公开目录中没有这个类别"),
    (r"^ends \(.*\) before it starts \(.*\)$", "公示结束时间必须晚于开始时间"),
    (r"^must be 'normal' or 'urgent'.*", "请选择“普通”或“紧急”"),
    (r"^must be 'public' or 'members'.*", "请选择“对社会公开”或“党内公开”"),
    (r"^must be text.*", "必须是文字"),
    (r"^must be a date like .*", "请填写日期，例如 2026-10-08"),
    (r"^.* is text: write a TOML date.*", "请填写日期，例如 2026-10-08"),
    (r"^(\d+) characters: too long for a QR code.*",
     r"链接有 \1 个字符，太长了：二维码在远处无法扫描（最多 300 个字符，请用短链接）"),
    (r"^feedback URL template .*unknown placeholder (\{[^}]*\}).*",
     r"链接中的 \1 无法识别（可用 {item} {category} {feed} {device}）"),
    (r"^feedback URL template .*must start with a scheme.*", "链接必须以 https:// 或 http:// 开头"),
    (r"^feedback URL template .*", "链接格式不正确（大括号必须成对）"),
    (r"^image .* not found.*", "找不到这张图片，请重新上传"),
    (r"^image path .* must be relative.*", "图片路径不正确，请重新选择图片"),
    (r"^image path .* leads outside.*", "图片路径不正确，请重新选择图片"),
    (r"^cannot read image .*", "图片无法读取，请重新上传"),
    (r"^line \d+: table row has (\d+) cells, header has (\d+)$", r"表格有一行 \1 个单元格，表头有 \2 个"),
    (r"^line \d+: a table needs an alignment row.*", "表格格式不正确"),
    (r"^line \d+: alignment row has .*", "表格的列数不一致"),
    (r"^unknown field\(s\) .*", "公告中有无法识别的项目"),
    (r"^invalid TOML: .*", "公告信息中有无法识别的写法（例如多余的引号）"),
    (r"^not valid UTF-8.*", "文字编码不是 UTF-8"),
)


def chinese(reason: str) -> str:
    """The loader's ``reason`` in Chinese (or as written, when the table has no entry for it)."""
    for pattern, text in _REASONS:
        if re.match(pattern, reason):
            return re.sub(pattern, text, reason, count=1)
    return reason


def field_message(field: str | None, reason: str) -> str:
    """``标题：不能为空``-style text for a message not shown next to its own field."""
    name = FIELD_NAMES.get(field or "", field or "")
    text = chinese(reason)
    return f"{name}：{text}" if name else text
