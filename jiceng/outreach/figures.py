"""The service system's figures (core.figures), each with the filtered list of exactly the
records it counts.

Cheap at city scope: the month-keyed counts come from the subtree's kept counts
(orgs.OrgStats, one indexed read; counts.py), with the records read only for a period's
partial months (duty also for today's month, rosters running ahead); the small tables
(centres' places, teams, stationed cadres, poverty records, training attendance) take one
aggregate each. A figure whose records do not exist in the subtree at all is `Value(None)`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import ruleset
from jiceng.core.figures import Figure, Scope, Value, percent, register, within
from jiceng.orgs.models import Organization, OrgStatus

from . import counts, rules, selectors
from .filters import active_q
from .models import (
    DONE_STATUSES,
    DutyShift,
    HouseholdVisit,
    ResidentRequest,
    TeamMember,
    TrainingAttendance,
    WorkTeam,
)

SYSTEM = "services"


def _url(name: str, scope: Scope, **params) -> str:
    query = {"org": scope.org_id, **{k: v for k, v in params.items() if v not in (None, "")}}
    return f"{reverse(f'outreach:{name}')}?{urlencode(query)}"


def _stored(scope: Scope) -> dict:
    return selectors.stored_counts([scope.org_id]).get(scope.org_id, {})


def _any(stored: dict, prefix: str) -> bool:
    head = prefix + ":"
    return any(k.startswith(head) for k in stored)


def _monthly(scope: Scope, stored: dict, prefixes, *, future: bool, edge) -> dict[date, Counter]:
    """{first of month: Counter(prefix: n)} over the scope's period: whole months from the
    kept counts, partial ones from `edge(first, last)` (a read of the records)."""
    today = timezone.localdate()
    months, edges = counts.split_period(scope.start, scope.end, today, future=future)
    out = {}
    for m in months:
        out[date(int(m[:4]), int(m[5:]), 1)] = Counter(
            {p: stored.get(f"{p}:{m}", 0) for p in prefixes}
        )
    for lo, hi, sign in edges:
        month = out.setdefault(lo.replace(day=1), Counter())
        month.update({k: sign * v for k, v in edge(lo, hi).items()})
    return dict(sorted(out.items()))


def _total(monthly: dict, prefix: str) -> int:
    return sum(c[prefix] for c in monthly.values())


def _last_day(scope: Scope) -> date:
    return min(scope.end, timezone.localdate())


# --- service centres ---------------------------------------------------------------------------


def centres(scope: Scope) -> Value:
    stored = _stored(scope)
    towns = stored.get(f"{counts.CENTRE}:township", 0)
    villages = stored.get(f"{counts.CENTRE}:village", 0)
    four = stored.get(counts.CENTRE_FOUR, 0)
    places = Organization.objects.filter(
        selectors.places_q(), status=OrgStatus.ACTIVE, **within(scope)
    ).count()
    if not places and not towns + villages:
        return Value(None)
    rag = "green" if four >= places else ("red" if towns + villages < places else "amber")
    return Value(
        towns + villages,
        url=_url("centre_list", scope),
        rag=rag,
        parts={
            "townships": towns,
            "villages": villages,
            "four": four,
            "places": places,
            "gaps": max(0, places - four),
        },
    )


# --- on-site duty --------------------------------------------------------------------------------


def duty_attendance(scope: Scope) -> Value:
    stored = _stored(scope)
    if not _any(stored, counts.DUTY):
        return Value(None)

    def edge(lo, hi):
        row = DutyShift.objects.filter(**within(scope, "org__"), on__gte=lo, on__lte=hi).aggregate(
            n=Count("id"), came=Count("checked_in_at")
        )
        return Counter({counts.DUTY: row["n"], counts.DUTY_IN: row["came"]})

    monthly = _monthly(scope, stored, (counts.DUTY, counts.DUTY_IN), future=True, edge=edge)
    scheduled, attended = _total(monthly, counts.DUTY), _total(monthly, counts.DUTY_IN)
    if not scheduled:
        return Value(None)
    target = float(ruleset.snapshot(_last_day(scope))["SRV-02.attendance_target"])
    return Value(
        percent(attended, scheduled),
        unit="%",
        url=_url("shift_list", scope, date_from=scope.start, date_to=_last_day(scope)),
        rag="green" if rules.meets_target(attended, scheduled, target) else "red",
        parts={"scheduled": scheduled, "attended": attended, "target": target},
        trend=tuple(
            (m, percent(c[counts.DUTY_IN], c[counts.DUTY]))
            for m, c in monthly.items()
            if c[counts.DUTY]
        ),
    )


# --- household visits and residents' requests ----------------------------------------------------


def visits(scope: Scope) -> Value:
    stored = _stored(scope)
    if not _any(stored, counts.VISITS):
        return Value(None)

    def edge(lo, hi):
        n = HouseholdVisit.objects.filter(
            **within(scope, "village__"), visited_on__gte=lo, visited_on__lte=hi
        ).count()
        return Counter({counts.VISITS: n})

    monthly = _monthly(scope, stored, (counts.VISITS,), future=False, edge=edge)
    return Value(
        _total(monthly, counts.VISITS),
        url=_url("visit_list", scope, date_from=scope.start, date_to=scope.end),
        trend=tuple((m, c[counts.VISITS]) for m, c in monthly.items()),
    )


def resolved(scope: Scope) -> Value:
    stored = _stored(scope)
    keys = (counts.REQ, counts.REQ_DONE, counts.REQ_ONTIME)

    def edge(lo, hi):
        done = Q(status__in=DONE_STATUSES)
        row = ResidentRequest.objects.filter(
            **within(scope, "origin__"),
            registered_on__gte=lo,
            registered_on__lte=hi,
        ).aggregate(
            n=Count("id"),
            done=Count("id", filter=done),
            ontime=Count("id", filter=done & Q(resolved_on__lte=F("deadline"))),
        )
        return Counter(dict(zip(keys, (row["n"], row["done"], row["ontime"]), strict=True)))

    monthly = _monthly(scope, stored, keys, future=False, edge=edge)
    raised, done = _total(monthly, counts.REQ), _total(monthly, counts.REQ_DONE)
    if not raised:
        return Value(None)
    return Value(
        percent(done, raised),
        unit="%",
        url=_url("request_list", scope, date_from=scope.start, date_to=scope.end, state="done"),
        parts={
            "requests": raised,
            "resolved": done,
            "on_time": _total(monthly, counts.REQ_ONTIME),
        },
        trend=tuple(
            (m, percent(c[counts.REQ_DONE], c[counts.REQ]))
            for m, c in monthly.items()
            if c[counts.REQ]
        ),
    )


# --- village work teams -----------------------------------------------------------------------


def teams(scope: Scope) -> Value:
    day = _last_day(scope)
    row = WorkTeam.objects.filter(**within(scope, "village__")).aggregate(
        all=Count("id"), active=Count("id", filter=active_q(day))
    )
    if not row["all"]:
        return Value(None)
    return Value(row["active"], url=_url("team_list", scope, active_on=day))


def stationed_cadres(scope: Scope) -> Value:
    day = _last_day(scope)
    active = active_q(day)
    row = TeamMember.objects.filter(**within(scope, "team__village__")).aggregate(
        all=Count("id"),
        active=Count("id", filter=active),
        first=Count("id", filter=active & Q(is_first_secretary=True)),
        registry=Count("id", filter=active & Q(member__isnull=False)),
    )
    if not row["all"]:
        return Value(None)
    return Value(
        row["active"],
        url=_url("stationed_list", scope, active_on=day),
        parts={"first_secretaries": row["first"], "from_registry": row["registry"]},
    )


# --- poverty alleviation ----------------------------------------------------------------------


def _poverty(scope: Scope) -> dict:
    """One read for both poverty figures of a Scope."""
    if "outreach.poverty" not in scope.memo:
        scope.memo["outreach.poverty"] = selectors.poverty_totals(
            scope, until_year=scope.end.year, subtree=within(scope, "village__")
        )
    return scope.memo["outreach.poverty"]


def lifted(scope: Scope) -> Value:
    p = _poverty(scope)
    if p["year"] is None:
        return Value(None)
    return Value(
        p["lifted"],
        url=_url("poverty_list", scope, year=p["year"], latest="true"),
        parts={
            "share": percent(p["lifted"], p["poor"]),
            "poor": p["poor"],
            "households": p["households"],
            "villages": p["villages"],
            "year": p["year"],
        },
    )


def funds(scope: Scope) -> Value:
    p = _poverty(scope)
    if p["year"] is None:
        return Value(None)
    return Value(
        p["funds"],
        unit="yuan",
        url=_url("poverty_list", scope, year=p["year"], latest="true"),
        parts={
            "government": p["gov"],
            "enterprise": p["ent"],
            "social": p["soc"],
            "year": p["year"],
        },
    )


# --- training -----------------------------------------------------------------------------------


def cadres_trained(scope: Scope) -> Value:
    row = TrainingAttendance.objects.filter(
        **within(scope, "course__org__"),
        course__starts_on__gte=scope.start,
        course__starts_on__lte=scope.end,
        completed=True,
    ).aggregate(
        cadres=Count("member_id", distinct=True),
        rows=Count("id"),
        courses=Count("course_id", distinct=True),
    )
    if not row["rows"]:
        return Value(None)
    return Value(
        row["cadres"],
        url=_url(
            "attendance_list",
            scope,
            date_from=scope.start,
            date_to=scope.end,
            completed="true",
            first="true",
        ),
        parts={"attendances": row["rows"], "courses": row["courses"]},
    )


FIGURES = (
    (
        "centres",
        centres,
        _("service centres"),
        _(
            "Service centres of townships/streets and villages/communities in the subtree; parts: "
            "places that should have one, centres meeting the 四有 standard (SRV-01), gaps."
        ),
    ),
    (
        "duty_attendance",
        duty_attendance,
        _("on-site duty attendance"),
        _("Duty shifts checked in over the shifts scheduled up to today (SRV-02, target 95 %)."),
    ),
    (
        "visits",
        visits,
        _("households visited"),
        _("Household visits recorded in the period, by the village visited."),
    ),
    (
        "resolved",
        resolved,
        _("requests resolved"),
        _("Residents' requests registered in the period that are resolved or closed (办结率)."),
    ),
    (
        "teams",
        teams,
        _("village work teams"),
        _("Village work teams at work on the period's last day (or today)."),
    ),
    (
        "stationed_cadres",
        stationed_cadres,
        _("stationed cadres"),
        _("Cadres stationed with a village work team on the period's last day (or today)."),
    ),
    (
        "lifted",
        lifted,
        _("people lifted out of poverty"),
        _(
            "People lifted out of poverty in the latest year with records up to the period's "
            "end (each village's last record of the year); share of the people registered as poor."
        ),
    ),
    (
        "funds",
        funds,
        _("poverty-alleviation funds"),
        _("Funds raised for poverty alleviation in the same year, by source (yuan)."),
    ),
    (
        "cadres_trained",
        cadres_trained,
        _("village cadres trained"),
        _("Cadres who completed a training course starting in the period (each counted once)."),
    ),
)


def register_all() -> None:
    for order, (name, compute, label, help_text) in enumerate(FIGURES, start=1):
        register(
            Figure(
                key=f"outreach.{name}",
                system=SYSTEM,
                label=label,
                compute=compute,
                order=order * 10,
                help=help_text,
            )
        )
