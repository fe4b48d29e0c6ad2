"""Export for the office's archive: a CSV (UTF-8 with BOM, spreadsheet-safe cells) and a printable page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone

from kiosk.office.feedback.models import Submission
from kiosk.office.feedback.text import show_code

COLUMNS = ("查询码", "类型", "公告编号", "公告标题", "类别", "屏幕", "收到时间", "答复期限", "是否延期", "状态",
           "处理人", "首次答复时间", "内容", "用途", "获取方式")
CONTACT_COLUMNS = ("姓名", "联系方式")


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: no formula (= + - @) or control start (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _when(moment: object) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""  # type: ignore[arg-type]


def answers_text(sub: Submission) -> str:
    parts = []
    for a in sub.answers.all():
        how = "公开" if a.public else "私下"
        gone = "（已撤下）" if a.withdrawn_at else ""
        parts.append(f"[{_when(a.created)} {a.get_kind_display()} {how}{gone}] {a.text}")
    return "\n".join(parts)


def to_csv(subs: Iterable[Submission], with_contact: bool) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, *(CONTACT_COLUMNS if with_contact else ()), "答复"])
    for s in subs:
        row = [show_code(s.code), s.get_kind_display(), s.item_id, s.item_title, s.category_name, s.device,
               _when(s.created), s.due_on.isoformat(), "是" if s.extended else "", s.get_status_display(),
               s.assignee_name,
               _when(s.first_answer_at), s.body, s.purpose, s.get_delivery_display() if s.delivery else ""]
        if with_contact:
            erased = "（已按期删除）" if s.contact_erased_at else ""
            row += [s.name or erased, s.contact or erased]
        row.append(answers_text(s))
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
    return out.getvalue()
