"""The development pipeline's figures (core.figures), read from the kept subtree counts
(recruitment.stats: `dev_phase:<phase>`, `dev_admitted:<YYYY-MM>`).

- recruitment.developed — people admitted (registered as probationary members by step 17)
  with their joining date (the branch resolution) in the period, month by month;
- recruitment.pipeline — open records now, by phase.

Each links to the development record list filtered to exactly the records counted.
"""

from __future__ import annotations

import calendar
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures
from jiceng.core.fields import prefix_range

from .models import DevelopmentRecord
from .stats import PHASE_KEYS, admitted_q, month_key


def record_list_url(scope: figures.Scope, **filters) -> str:
    return reverse("recruitment:record_list") + "?" + urlencode({"org": scope.org_id, **filters})


def _whole_months(start: date, end: date) -> bool:
    """Whether start..end covers whole months (a month running into the future counts as
    whole: no admission is dated after today)."""
    last = calendar.monthrange(end.year, end.month)[1]
    return start.day == 1 and (end.day == last or end >= timezone.localdate())


def developed(scope: figures.Scope) -> figures.Value:
    url = record_list_url(
        scope, admitted_from=scope.start.isoformat(), admitted_to=scope.end.isoformat()
    )
    months = figures.months(scope.start, scope.end)
    if _whole_months(scope.start, scope.end):
        counts = figures.subtree_counts(scope)
        trend = tuple((m, counts.get(month_key(m), 0)) for m in months)
        return figures.Value(sum(n for _m, n in trend), url=url, trend=trend)
    # A period that cuts a month: one indexed aggregate over the subtree's records.
    days = (
        DevelopmentRecord.objects.filter(
            admitted_q(scope.start, scope.end), **prefix_range("org__path", scope.path)
        )
        .order_by()
        .values_list("resolution_on", flat=True)
    )
    per_month = dict.fromkeys(months, 0)
    for day in days:
        per_month[day.replace(day=1)] += 1
    return figures.Value(sum(per_month.values()), url=url, trend=tuple(per_month.items()))


def pipeline(scope: figures.Scope) -> figures.Value:
    counts = figures.subtree_counts(scope)
    parts = {phase: counts.get(f"dev_phase:{phase}", 0) for phase in PHASE_KEYS}
    return figures.Value(sum(parts.values()), url=record_list_url(scope, state="open"), parts=parts)


FIGURES = (
    figures.Figure(
        key="recruitment.developed",
        system="members",
        label=_("new members admitted"),
        compute=developed,
        order=50,
        help=_(
            "People admitted as probationary members (development step 17) whose joining "
            "date, the branch resolution, falls in the period."
        ),
    ),
    figures.Figure(
        key="recruitment.pipeline",
        system="members",
        label=_("people in the development pipeline"),
        compute=pipeline,
        order=60,
        help=_(
            "Open development records now: applicants, activists, development targets and "
            "probationary members."
        ),
    ),
)


def register() -> None:
    for figure in FIGURES:
        figures.register(figure)
