"""Every read of the service system: scoped (core.scope.restrict) and set-based.

The dashboard of an organisation's subtree reads the kept subtree counts (orgs.OrgStats, see
counts.py) of the organisation and its children — one indexed read whatever the size of the
subtree: visits, requests, duty by month, open requests by deadline month, centres — and
adds what cannot be kept: the current month's duty up to today (rosters run ahead), the
requests that passed their deadline this month, the places that should have a centre and the
teams active today (small tables), each with one aggregate over the subtree, split by child
with the child's path prefix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from jiceng.core import ruleset, scope
from jiceng.core.fields import prefix_range
from jiceng.orgs.models import SEGMENT, Organization, OrgStats, OrgStatus

from . import counts, rules
from .models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    DutyShift,
    HouseholdVisit,
    PovertyRecord,
    ResidentRequest,
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
    def gaps(self) -> int:
        """Places without a centre, or whose centre misses 四有 items."""
        return max(0, self.places - self.centres_four)

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


def stored_counts(org_ids) -> dict[int, dict]:
    """The kept subtree counts (orgs.OrgStats) of some organisations: one indexed read."""
    return dict(OrgStats.objects.filter(org_id__in=list(org_ids)).values_list("org_id", "counts"))


def _split(queryset, path_field: str, org: Organization, children: dict, **aggregates):
    """`_grouped`, but a subtree without children needs no split (a plain aggregate)."""
    if not children:
        row = queryset.filter(**prefix_range(path_field, org.path)).aggregate(**aggregates)
        return {OWN: {k: v or 0 for k, v in row.items()}}
    return _grouped(queryset, path_field, org, **aggregates)


def subtree_figures(
    org: Organization,
    children: list[Organization],
    first: date,
    last: date,
    as_of: date,
    target: float,
) -> tuple[Figures, list[Figures]]:
    """The service figures of `org`'s subtree and of each child's over [first, last]
    (requests, visits, duty) and as of `as_of` (centres, overdue requests, active teams).

    Whole months come from the kept subtree counts (one read for all of them); what they
    cannot hold is read from the records with one aggregate each, split by child: the part
    of a month up to today for duty (rosters run ahead), the requests past their deadline in
    this month, the places that should have a centre, and the teams active today."""
    rows = {c.path: Figures(org=c, target=target) for c in children}
    total = Figures(org=org, target=target)
    stats = stored_counts([org.pk, *(c.pk for c in children)])
    visit_months, visit_edges = counts.split_period(first, last, as_of, future=False)
    duty_months, duty_edges = counts.split_period(first, last, as_of, future=True)
    month_start = as_of.replace(day=1)
    this_month = f"{counts.OPEN_DUE}:{month_start:%Y-%m}"

    def from_stats(fig: Figures, c: dict) -> None:
        fig.visits = counts.summed(c, counts.VISITS, visit_months)
        fig.duty = counts.summed(c, counts.DUTY, duty_months)
        fig.duty_in = counts.summed(c, counts.DUTY_IN, duty_months)
        fig.requests = counts.summed(c, counts.REQ, visit_months)
        fig.requests_done = counts.summed(c, counts.REQ_DONE, visit_months)
        fig.requests_ontime = counts.summed(c, counts.REQ_ONTIME, visit_months)
        fig.overdue = counts.before(c, counts.OPEN_DUE, this_month)
        fig.centres = c.get(f"{counts.CENTRE}:township", 0) + c.get(f"{counts.CENTRE}:village", 0)
        fig.centres_four = c.get(counts.CENTRE_FOUR, 0)

    from_stats(total, stats.get(org.pk, {}))
    for c in children:
        from_stats(rows[c.path], stats.get(c.pk, {}))

    def spread(grouped: dict, sign: int = 1, **names) -> None:
        for key, values in grouped.items():
            targets = [total] + ([rows[key]] if key in rows else [])
            for fig in targets:
                for attr, agg in names.items():
                    setattr(fig, attr, getattr(fig, attr) + sign * values.get(agg, 0))

    by_child = {c.path: c for c in children}
    for lo, hi, sign in duty_edges:
        spread(
            _split(
                DutyShift.objects.filter(on__gte=lo, on__lte=hi),
                "org__path",
                org,
                by_child,
                n=Count("id"),
                came=Count("checked_in_at"),
            ),
            sign,
            duty="n",
            duty_in="came",
        )
    for lo, hi, sign in visit_edges:
        spread(
            _split(
                HouseholdVisit.objects.filter(visited_on__gte=lo, visited_on__lte=hi),
                "village__path",
                org,
                by_child,
                n=Count("id"),
            ),
            sign,
            visits="n",
        )
        spread(
            _split(
                ResidentRequest.objects.filter(registered_on__gte=lo, registered_on__lte=hi),
                "origin__path",
                org,
                by_child,
                n=Count("id"),
                done=Count("id", filter=Q(status__in=DONE_STATUSES)),
                ontime=Count(
                    "id", filter=Q(status__in=DONE_STATUSES, resolved_on__lte=F("deadline"))
                ),
            ),
            sign,
            requests="n",
            requests_done="done",
            requests_ontime="ontime",
        )
    if as_of > month_start:
        spread(
            _split(
                ResidentRequest.objects.filter(
                    status__in=OPEN_STATUSES, deadline__gte=month_start, deadline__lt=as_of
                ),
                "origin__path",
                org,
                by_child,
                n=Count("id"),
            ),
            overdue="n",
        )
    spread(
        _split(
            Organization.objects.filter(places_q(), status=OrgStatus.ACTIVE),
            "path",
            org,
            by_child,
            n=Count("id"),
        ),
        places="n",
    )
    active = Q(started_on__lte=as_of) & (Q(ended_on__isnull=True) | Q(ended_on__gte=as_of))
    spread(
        _split(WorkTeam.objects.filter(active), "village__path", org, by_child, n=Count("id")),
        teams="n",
    )
    spread(
        _split(
            TeamMember.objects.filter(active),
            "team__village__path",
            org,
            by_child,
            n=Count("id"),
            first=Count("id", filter=Q(is_first_secretary=True)),
        ),
        stationed="n",
        first_secretaries="first",
    )
    return total, [rows[c.path] for c in children]


def dashboard(user, org: Organization, as_of: date | None = None) -> dict:
    """The service dashboard of `org`'s subtree (the caller has checked `org` is visible):
    {"total": Figures, "children": [Figures], "window": (from, to), ...}."""
    as_of = as_of or timezone.localdate()
    first, last = window(as_of)
    target = float(ruleset.snapshot(as_of)["SRV-02.attendance_target"])
    children = list(
        Organization.objects.restrict(user)
        .filter(parent=org, status=OrgStatus.ACTIVE)
        .order_by("path")
        .only("id", "name", "path", "kind", "parent_id")
    )
    total, rows = subtree_figures(org, children, first, last, as_of, target)
    return {
        "total": total,
        "children": rows,
        "window": (first, last),
        "as_of": as_of,
        "target": target,
        "poverty": poverty_totals(org),
        "training": training_totals(org),
    }


def poverty_totals(
    org, year: int | None = None, until_year: int | None = None, subtree: dict | None = None
) -> dict:
    """Poverty-alleviation figures of the subtree at `org.path` for one year (default: the
    latest with records, up to `until_year`): the last record of each village that year.
    `subtree`: the filter keeping the subtree's records, if not the village's path range
    (core.figures.within)."""
    if subtree is None:
        subtree = prefix_range("village__path", org.path)
    records = PovertyRecord.objects.filter(**subtree)
    if year is None:
        upto = records.filter(year__lte=until_year) if until_year else records
        year = upto.order_by("-year").values_list("year", flat=True).first()
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
        .annotate(
            share=ExpressionWrapper(F("attended") * 1.0 / F("scheduled"), output_field=FloatField())
        )
        .order_by("share", "cadre__name", "cadre_id")
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
