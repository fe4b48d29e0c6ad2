"""Figures for supervisors: how much residents said, about what, and how fast the office answered."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from kiosk.office.feedback.models import CLOSED_STATUSES, OPEN_STATUSES, AnswerKind, Kind, Submission


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    total: int
    open: int
    answered: int
    public_answers: int


@dataclass(frozen=True)
class AnswerTimes:
    count: int  # cases with a first answer
    median_days: float | None
    p90_days: float | None
    on_time: int  # first answer on or before the due date

    @property
    def on_time_percent(self) -> float | None:
        return 100 * self.on_time / self.count if self.count else None


@dataclass(frozen=True)
class Figures:
    total: int
    comments: int
    requests: int
    open: int
    overdue: list[Submission] = field(default_factory=list)
    by_notice: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    comment_times: AnswerTimes | None = None
    request_times: AnswerTimes | None = None


def _rows(qs: QuerySet[Submission], key: str, label: str) -> list[Row]:
    rows = (qs.values(key)
            .annotate(name=Max(label), total=Count("id", distinct=True),
                      open=Count("id", filter=Q(status__in=OPEN_STATUSES), distinct=True),
                      answered=Count("id", filter=Q(status__in=CLOSED_STATUSES), distinct=True),
                      public=Count("answers", filter=Q(answers__public=True, answers__withdrawn_at__isnull=True,
                                                       answers__kind=AnswerKind.REPLY), distinct=True))
            .order_by("-total", key))
    return [Row(r[key] or "", r["name"] or "（未指明）", r["total"], r["open"], r["answered"], r["public"])
            for r in rows]


def answer_times(qs: QuerySet[Submission]) -> AnswerTimes:
    days: list[float] = []
    on_time = 0
    for created, first, due in qs.filter(first_answer_at__isnull=False).values_list("created", "first_answer_at",
                                                                                    "due_on"):
        if first is None:  # excluded by the filter; for the type checker
            continue
        days.append((first - created).total_seconds() / 86400)
        on_time += timezone.localdate(first) <= due
    if not days:
        return AnswerTimes(0, None, None, 0)
    p90 = statistics.quantiles(days, n=10, method="inclusive")[-1] if len(days) > 1 else days[0]
    return AnswerTimes(len(days), statistics.median(days), p90, on_time)


def figures(qs: QuerySet[Submission], today: dt.date) -> Figures:
    comments = qs.filter(kind=Kind.COMMENT)
    requests = qs.filter(kind=Kind.REQUEST)
    overdue = list(qs.filter(status__in=OPEN_STATUSES, due_on__lt=today).select_related("assignee")
                   .order_by("due_on", "created"))
    return Figures(
        total=qs.count(), comments=comments.count(), requests=requests.count(),
        open=qs.filter(status__in=OPEN_STATUSES).count(), overdue=overdue,
        by_notice=_rows(comments, "item_id", "item_title"),
        by_category=_rows(comments, "category", "category_name"),
        comment_times=answer_times(comments), request_times=answer_times(requests),
    )
