"""Organisational life's figures (core.figures), cheap at city scope:

- activities.meetings — meetings held in the period, month by month (the kept subtree counts
  `life_meetings:YYYY-MM`, activities.stats);
- activities.compliance — % of the branches that held every monthly and quarterly meeting
  required of them (LIFE-01…05) in the last quarter completed by the period's end (kept
  counts `life_complete:YYYYQn`), red / amber / green, with parts by child organisation (the
  counties of a city: their kept counts, one read);
- activities.party_days — % of branch-months with a themed Party day (LIFE-05), from the kept
  counts `life_party_day:YYYY-MM` over the branches × months of the period;
- activities.base_visits — education-base visits in the period, parts units (organisations
  that visited) and members (present): one aggregate through the (kind, date, org) index;
- activities.training — training courses (distinct titles) taken in the period, parts
  participants (records) and hours.

Each links to the filtered list of exactly the records it counts.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures
from jiceng.orgs.models import BRANCH_KINDS, OrgStats, OrgStatus

from . import rules
from .models import Kind, Meeting, Training
from .stats import MEETINGS, PARTY_DAY, month_key, quarter_key

GREEN_FROM, AMBER_FROM = Decimal(95), Decimal(85)  # % compliant organisations


def meeting_list_url(scope: figures.Scope, **filters) -> str:
    query = {
        "org": scope.org_id,
        "held_from": scope.start.isoformat(),
        "held_to": scope.end.isoformat(),
        **filters,
    }
    return reverse("activities:meeting_list") + "?" + urlencode(query)


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def meetings(scope: figures.Scope) -> figures.Value:
    """Month by month: a month the period covers whole (or up to today) from the kept counts,
    a month it cuts by one indexed count of the meetings in the part it covers."""
    today = timezone.localdate()
    counts = figures.subtree_counts(scope)
    trend = []
    for month in figures.months(scope.start, scope.end):
        first, last = max(scope.start, month), min(scope.end, _month_end(month))
        if first == month and (last == _month_end(month) or last >= today):
            trend.append((month, counts.get(month_key(MEETINGS, month), 0)))
            continue
        held = Meeting.objects.filter(
            held_on__gte=first, held_on__lte=last, **figures.within(scope, "org__")
        )
        trend.append((month, held.order_by().count()))
    return figures.Value(sum(n for _m, n in trend), url=meeting_list_url(scope), trend=tuple(trend))


def _rag(share: Decimal | None) -> str:
    if share is None:
        return ""
    return "green" if share >= GREEN_FROM else "amber" if share >= AMBER_FROM else "red"


def _branches(counts) -> int:
    return sum(counts.get(f"org_kind:{kind}", 0) for kind in BRANCH_KINDS)


def compliance_share(scope: figures.Scope) -> figures.Value:
    """The branches that held every monthly and quarterly meeting required of them in the
    last quarter completed by the period's end, as a share of the branches: two reads of
    the kept subtree counts (the scope's, and its children's for the parts)."""
    as_of = min(scope.end, timezone.localdate())
    key = quarter_key(rules.previous_period_start(as_of, rules.QUARTER))
    counts = figures.subtree_counts(scope)
    share = figures.percent(counts.get(key, 0), _branches(counts))
    parts = {}
    for name, child in (
        OrgStats.objects.filter(org__parent_id=scope.org_id, org__status=OrgStatus.ACTIVE)
        .order_by("org__path")
        .values_list("org__name", "counts")
    ):
        value = figures.percent(child.get(key, 0), _branches(child))
        if value is not None:
            parts[name] = value
    url = (
        reverse("web:findings")
        + "?"
        + urlencode(
            {"org": scope.org_id, "provider": "activities", "level": "overdue", "rule": "LIFE"}
        )
    )
    return figures.Value(share, unit="%", url=url, rag=_rag(share), parts=parts)


def party_days(scope: figures.Scope) -> figures.Value:
    counts = figures.subtree_counts(scope)
    branches = _branches(counts)
    months = [m for m in figures.months(scope.start, scope.end) if m <= timezone.localdate()]
    trend = tuple(
        (m, figures.percent(counts.get(month_key(PARTY_DAY, m), 0), branches)) for m in months
    )
    held = sum(counts.get(month_key(PARTY_DAY, m), 0) for m in months)
    share = figures.percent(held, branches * len(months))
    return figures.Value(
        share,
        unit="%",
        url=meeting_list_url(scope, kind=Kind.PARTY_DAY),
        rag=_rag(share),
        parts={"branch_months": held, "of": branches * len(months)},
        trend=tuple((m, v) for m, v in trend if v is not None),
    )


def base_visits(scope: figures.Scope) -> figures.Value:
    agg = Meeting.objects.filter(
        kind=Kind.BASE_VISIT,
        held_on__gte=scope.start,
        held_on__lte=scope.end,
        **figures.within(scope, "org__"),
    ).aggregate(n=Count("id"), units=Count("org_id", distinct=True), members=Sum("present"))
    return figures.Value(
        agg["n"],
        url=meeting_list_url(scope, kind=Kind.BASE_VISIT),
        parts={"units": agg["units"], "members": agg["members"] or 0},
    )


def training(scope: figures.Scope) -> figures.Value:
    agg = Training.objects.filter(
        held_on__gte=scope.start, held_on__lte=scope.end, **figures.within(scope, "member__org__")
    ).aggregate(courses=Count("title", distinct=True), records=Count("id"), hours=Sum("hours"))
    url = (
        reverse("activities:training", args=[scope.org_id])
        + "?"
        + urlencode({"year": scope.end.year})
    )
    return figures.Value(
        agg["courses"],
        url=url,
        parts={"participants": agg["records"], "hours": agg["hours"] or Decimal(0)},
    )


FIGURES = (
    figures.Figure(
        key="activities.meetings",
        system="activities",
        label=_("meetings held"),
        compute=meetings,
        order=10,
        help=_("Meetings of every kind recorded as held in the period, month by month."),
    ),
    figures.Figure(
        key="activities.compliance",
        system="activities",
        label=_("organisations with no required meeting missing"),
        compute=compliance_share,
        order=20,
        help=_(
            "Share of the branches that held every monthly and quarterly meeting required "
            "of them (LIFE-01…05) in the last quarter completed by the end of the period; "
            "green from 95 %, amber from 85 %."
        ),
    ),
    figures.Figure(
        key="activities.party_days",
        system="activities",
        label=_("branch-months with a themed Party day"),
        compute=party_days,
        order=30,
        help=_(
            "Share of the months of the period (up to now) in which each branch held a "
            "themed Party day (LIFE-05)."
        ),
    ),
    figures.Figure(
        key="activities.base_visits",
        system="activities",
        label=_("education-base visits"),
        compute=base_visits,
        order=40,
        help=_(
            "Visits to Party education bases in the period; units: organisations that "
            "visited; members: members present."
        ),
    ),
    figures.Figure(
        key="activities.training",
        system="activities",
        label=_("training courses"),
        compute=training,
        order=50,
        help=_("Distinct training courses taken by members in the period (LIFE-10)."),
    ),
)


def register() -> None:
    for figure in FIGURES:
        figures.register(figure)
