"""Every read of the service system: scoped (core.scope.restrict) and set-based.

The dashboard of an organisation's subtree reads the stored subtree counts (orgs.OrgStats,
see counts.py) of the organisation and its children — one indexed read whatever the size of
the subtree — and adds what cannot be stored: today's state (open requests past their
deadline, the current month's duty up to today, teams active today) and the small tables
(centres, teams, poverty records, courses), each with one GROUP BY over the subtree per
figure, split by child with the child's path prefix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from jiceng.core import ruleset, scope
from jiceng.core.fields import prefix_range
from jiceng.orgs.models import SEGMENT, Organization, OrgStats, OrgStatus

from . import counts, rules
from .models import (
    OPEN_STATUSES,
    DutyShift,
    HouseholdVisit,
    PovertyRecord,
    ResidentRequest,
    ServiceCentre,
    TeamMember,
    TrainingAttendance,
    TrainingCourse,
    WorkTeam,
)

WINDOW_MONTHS = 12
OWN = "own"


def window(as_of: date) -> tuple[date, date]:
    """The dashboard's period: the 12 months up to `as_of`, from the first of a month."""
    y, m = as_of.year, as_of.month - (WINDOW_MONTHS - 1)
    while m <= 0:
        y, m = y - 1, m + 12
    return date(y, m, 1), as_of


def places_q(prefix: str = "") -> Q:
    """Organisations that should have a service centre (rules.is_service_place)."""
    return Q(**{f"{prefix}kind": "township"}) | Q(
        **{f"{prefix}unit_type__in": ("village", "community"), f"{prefix}parent__kind": "township"}
    )


def _grouped(queryset, path_field: str, org: Organization, **aggregates) -> dict[str, dict]:
    """{child path prefix (or OWN): {aggregate: value}} of `queryset` over org's subtree."""
    n = len(org.path) + SEGMENT
    rows = (
        queryset.filter(**prefix_range(path_field, org.path))
        .annotate(_k=Substr(path_field, 1, n))
        .values("_k")
        .annotate(**aggregates)
        .order_by()
    )
    out: dict[str, dict] = {}
    for row in rows:
        key = row.pop("_k")
        key = OWN if len(key) < n else key
        bucket = out.setdefault(key, Counter())
        bucket.update({k: v or 0 for k, v in row.items()})
    return out


@dataclass
class Figures:
    """The service system's figures of one subtree."""

    org: Organization
    places: int = 0
    centres: int = 0
    centres_four: int = 0
    visits: int = 0
    duty: int = 0
    duty_in: int = 0
    requests: int = 0
    requests_done: int = 0
    requests_ontime: int = 0
    overdue: int = 0
    teams: int = 0
    stationed: int = 0
    first_secretaries: int = 0
    target: float = 95.0
    extra: dict = field(default_factory=dict)

    @property
    def coverage(self):
        return rules.rate(self.centres, self.places)

    @property
    def four_rate(self):
        return rules.rate(self.centres_four, self.centres)

    @property
    def attendance(self):
        return rules.rate(self.duty_in, self.duty)

    @property
    def meets_target(self):
        return rules.meets_target(self.duty_in, self.duty, self.target)

    @property
    def resolution(self):
        return rules.rate(self.requests_done, self.requests)

    @property
    def on_time(self):
        return rules.rate(self.requests_ontime, self.requests_done)

    @property
    def open(self):
        return self.requests - self.requests_done


def dashboard(user, org: Organization, as_of: date | None = None) -> dict:
    """The service dashboard of `org`'s subtree (the caller has checked `org` is visible):
    {"total": Figures, "children": [Figures], "window": (from, to), ...}."""
    as_of = as_of or timezone.localdate()
    first, last = window(as_of)
    month_start = as_of.replace(day=1)
    past_months = counts.months_between(first, month_start - timedelta(days=1))
    params = ruleset.snapshot(as_of)
    target = float(params["SRV-02.attendance_target"])
    children = list(
        Organization.objects.restrict(user)
        .filter(parent=org, status=OrgStatus.ACTIVE)
        .order_by("path")
        .only("id", "name", "path", "kind", "parent_id")
    )
    stats = dict(
        OrgStats.objects.filter(org_id__in=[org.pk, *(c.pk for c in children)]).values_list(
            "org_id", "counts"
        )
    )
    rows = {c.path: Figures(org=c, target=target) for c in children}
    total = Figures(org=org, target=target)

    def from_stats(fig: Figures, c: dict) -> None:
        fig.visits = counts.summed(c, counts.VISITS, [*past_months, month_start.strftime("%Y-%m")])
        fig.duty = counts.summed(c, counts.DUTY, past_months)
        fig.duty_in = counts.summed(c, counts.DUTY_IN, past_months)
        fig.requests = c.get(counts.REQ, 0)
        fig.requests_done = c.get(counts.REQ_DONE, 0)
        fig.requests_ontime = c.get(counts.REQ_ONTIME, 0)

    from_stats(total, stats.get(org.pk, {}))
    for c in children:
        from_stats(rows[c.path], stats.get(c.pk, {}))

    def spread(grouped: dict, **names) -> None:
        for key, values in grouped.items():
            targets = [total] + ([rows[key]] if key in rows else [])
            for fig in targets:
                for attr, agg in names.items():
                    setattr(fig, attr, getattr(fig, attr) + values.get(agg, 0))

    # This month's duty up to today (the stored counts hold whole months, rosters run ahead).
    spread(
        _grouped(
            DutyShift.objects.filter(on__gte=month_start, on__lte=as_of),
            "org__path",
            org,
            n=Count("id"),
            came=Count("checked_in_at"),
        ),
        duty="n",
        duty_in="came",
    )
    spread(
        _grouped(
            ResidentRequest.objects.filter(status__in=OPEN_STATUSES, deadline__lt=as_of),
            "origin__path",
            org,
            n=Count("id"),
        ),
        overdue="n",
    )
    spread(
        _grouped(
            Organization.objects.filter(places_q(), status=OrgStatus.ACTIVE),
            "path",
            org,
            n=Count("id"),
        ),
        places="n",
    )
    spread(
        _grouped(
            ServiceCentre.objects.all(),
            "org__path",
            org,
            n=Count("id"),
            four=Count(
                "id", filter=Q(has_place=True, has_sign=True, has_system=True, has_funds=True)
            ),
        ),
        centres="n",
        centres_four="four",
    )
    active = Q(started_on__lte=as_of) & (Q(ended_on__isnull=True) | Q(ended_on__gte=as_of))
    spread(
        _grouped(WorkTeam.objects.filter(active), "village__path", org, n=Count("id")), teams="n"
    )
    spread(
        _grouped(
            TeamMember.objects.filter(active),
            "team__village__path",
            org,
            n=Count("id"),
            first=Count("id", filter=Q(is_first_secretary=True)),
        ),
        stationed="n",
        first_secretaries="first",
    )
    return {
        "total": total,
        "children": [rows[c.path] for c in children],
        "window": (first, last),
        "as_of": as_of,
        "target": target,
        "poverty": poverty_totals(org),
        "training": training_totals(org),
    }


def poverty_totals(org: Organization, year: int | None = None) -> dict:
    """Poverty-alleviation figures of the subtree for one year (default: the latest with
    records): the last record of each village that year."""
    records = PovertyRecord.objects.filter(**prefix_range("village__path", org.path))
    if year is None:
        year = records.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return {"year": None}
    # The latest record of each village that year: the highest id per village.
    sums = PovertyRecord.objects.filter(
        pk__in=records.filter(year=year)
        .values("village_id")
        .annotate(last=Max("id"))
        .values("last")
    ).aggregate(
        villages=Count("id"),
        households=Sum("poor_households"),
        poor=Sum("poor_people"),
        lifted=Sum("lifted_people"),
        gov=Sum("funds_government"),
        ent=Sum("funds_enterprise"),
        soc=Sum("funds_social"),
    )
    sums = {k: v or 0 for k, v in sums.items()}
    funds = sums["gov"] + sums["ent"] + sums["soc"]
    return {**sums, "year": year, "funds": funds, "share": rules.rate(sums["lifted"], sums["poor"])}


def training_totals(org: Organization) -> dict:
    courses = TrainingCourse.objects.filter(**prefix_range("org__path", org.path))
    attendance = TrainingAttendance.objects.filter(**prefix_range("course__org__path", org.path))
    return {
        "courses": courses.count(),
        "attendances": attendance.count(),
        "trained": attendance.filter(completed=True).values("member_id").distinct().count(),
    }


def cadre_attendance(user, org: Organization, first: date, last: date):
    """Attendance per cadre over the subtree in [first, last], lowest rate first."""
    return (
        DutyShift.objects.restrict(user)
        .filter(**prefix_range("org__path", org.path), on__gte=first, on__lte=last)
        .values("cadre_id", "cadre__name", "org__name")
        .annotate(scheduled=Count("id"), attended=Count("checked_in_at"))
        .order_by("cadre__name", "cadre_id")
    )


def member_contributions(user, member) -> dict:
    """A member's own service contributions (no points, no ranking): visits made, requests
    handled, duty shifts attended, stationings — counts of records the user may see."""
    visits = HouseholdVisit.objects.restrict(user).filter(visitor=member)
    handled = ResidentRequest.objects.restrict(user).filter(assignee=member)
    row = handled.aggregate(
        handled=Count("id"), done=Count("id", filter=~Q(status__in=OPEN_STATUSES))
    )
    return {
        "visits": visits.count(),
        "handled": row["handled"],
        "handled_done": row["done"],
        "shifts": DutyShift.objects.restrict(user)
        .filter(cadre=member, checked_in_at__isnull=False)
        .count(),
    }


def visible_orgs(user, action: str = scope.VIEW):
    return Organization.objects.restrict(user, action).filter(status=OrgStatus.ACTIVE)
