"""Recording and reading the history.

``record(action, summary, *, request=None, actor=None, feed="", subject="", **details)`` appends one
event inside its own transaction (or the caller's: then it is kept or lost together with the
caller's change, never half).  ``action`` is a short English key (``"notice.submit"``); its Chinese
label comes from the ``history_actions`` of the app that owns it.  ``verify()`` walks the chain.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kiosk.office.history.models import GENESIS, Event, Head


def action_label(action: str) -> str:
    for config in apps.get_app_configs():
        labels: dict[str, str] = getattr(config, "history_actions", {})
        if action in labels:
            return labels[action]
    return action


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(action: str, summary: str, *, request: HttpRequest | None = None, actor: Any = None,  # noqa: ANN401
           feed: str = "", subject: str = "", **details: Any) -> Event:  # noqa: ANN401
    """Append one event; ``actor`` defaults to the request's signed-in user."""
    if actor is None and request is not None and getattr(request, "user", None) is not None \
            and request.user.is_authenticated:
        actor = request.user
    with transaction.atomic():
        head, _ = Head.objects.select_for_update().get_or_create(pk=1)
        event = Event(at=timezone.now(), actor=actor if getattr(actor, "pk", None) else None,
                      actor_name=_name(actor), action=action, feed=feed, subject=subject[:200],
                      summary=summary, details=_jsonable(details), ip=client_ip(request), prev_hash=head.last_hash)
        event.hash = event.compute_hash()
        event.save()
        Head.objects.filter(pk=1).update(last_hash=event.hash, count=head.count + 1)
    return event


def _name(actor: Any) -> str:  # noqa: ANN401
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor
    full = (actor.get_full_name() or "").strip()
    return f"{full}（{actor.get_username()}）" if full else actor.get_username()


def _jsonable(value: Any) -> Any:  # noqa: ANN401
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass(frozen=True)
class ChainReport:
    events: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(events: Iterable[Event] | None = None) -> ChainReport:
    """Recompute every hash and link; report each break (edited, removed or reordered rows)."""
    rows = list(Event.objects.order_by("id") if events is None else events)
    problems: list[str] = []
    prev = GENESIS
    for event in rows:
        if event.prev_hash != prev:
            problems.append(f"event {event.id}: does not follow the one before it (a record was removed "
                            "or reordered)")
        if event.compute_hash() != event.hash:
            problems.append(f"event {event.id}: its content was changed after it was written")
        prev = event.hash
    head = Head.objects.filter(pk=1).first()
    if head is not None and rows and (head.last_hash != prev or head.count != len(rows)):
        problems.append(f"the last {max(0, head.count - len(rows))} record(s) are missing")
    return ChainReport(len(rows), tuple(problems))


CSV_COLUMNS = ("序号", "时间", "操作人", "操作", "内容源", "对象", "说明", "地址", "校验值")


def to_csv(events: Iterable[Event]) -> str:
    """A CSV (UTF-8 with BOM, so spreadsheet programs show the Chinese) of the given events."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow([e.id, timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name,
                         action_label(e.action), e.feed, e.subject, safe_cell(e.summary), e.ip or "", e.hash])
    return out.getvalue()


def safe_cell(text: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ is shown as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
