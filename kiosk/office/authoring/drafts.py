"""A notice's working copy (``Notice.draft``) as JSON: an ``ItemDraft`` of kiosk.content.writer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.content.writer import DateValue, DraftBlock, ItemDraft


def _date_out(value: DateValue | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_in(value: object) -> DateValue | None:
    if not isinstance(value, str) or not value:
        return None
    if "T" in value:
        return dt.datetime.fromisoformat(value)
    return dt.date.fromisoformat(value)


def to_json(d: ItemDraft) -> dict[str, Any]:
    return {
        "id": d.id, "category": d.category, "title": d.title, "issuer": d.issuer, "date": _date_out(d.date),
        "show_from": _date_out(d.show_from), "show_until": _date_out(d.show_until), "priority": d.priority,
        "audience": d.audience, "tags": list(d.tags), "images": list(d.images), "feedback_url": d.feedback_url,
        "blocks": [{"kind": b.kind, "text": b.text, "path": b.path, "header": list(b.header),
                    "align": list(b.align), "rows": [list(r) for r in b.rows]} for b in d.blocks],
    }


def from_json(data: dict[str, Any]) -> ItemDraft:
    day = _date_in(data.get("date"))
    return ItemDraft(
        id=str(data.get("id", "")), category=str(data.get("category", "")), title=str(data.get("title", "")),
        issuer=str(data.get("issuer", "")), date=day.date() if isinstance(day, dt.datetime) else day,
        show_from=_date_in(data.get("show_from")), show_until=_date_in(data.get("show_until")),
        priority=str(data.get("priority", "normal")), audience=str(data.get("audience", "public")),
        tags=tuple(str(t) for t in data.get("tags", [])), images=tuple(str(p) for p in data.get("images", [])),
        feedback_url=str(data.get("feedback_url", "")),
        blocks=tuple(DraftBlock(kind=str(b.get("kind", "p")), text=str(b.get("text", "")), path=str(b.get("path", "")),
                                header=tuple(str(c) for c in b.get("header", [])),
                                align=tuple(str(a) for a in b.get("align", [])),
                                rows=tuple(tuple(str(c) for c in r) for r in b.get("rows", [])))
                     for b in data.get("blocks", [])),
    )
