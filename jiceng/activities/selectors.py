"""Every read of organisational life, scoped through restrict()."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from jiceng.core import findings, ruleset, scope
from jiceng.core.fields import prefix_range
from jiceng.members.models import LeaveStatus, Member

from . import compliance, rules
from .models import Attendance, Meeting, MemberLife, PlanItem, Training


def meetings_visible_to(user, action: str = scope.VIEW):
    return Meeting.objects.restrict(user, action).select_related("org")


def attendance_of(user, meeting: Meeting):
    return (
        scope.restrict(Attendance.objects.filter(meeting=meeting), user)
        .select_related("member")
        .order_by("presence", "member__name", "member_id")
    )


def roster_of(org) -> list[Member]:
    """The members on the rolls of a branch: whom a meeting's attendance is taken from."""
    return list(
        Member.objects.filter(org=org, leave_status=LeaveStatus.ON_ROLLS)
        .only("pk", "name", "membership", "standing")
        .order_by("name", "pk")
    )


def last_seen_of(member: Member) -> date | None:
    """LOST-02: the later of the last organisational life and the last dues paid."""
    life = MemberLife.objects.filter(member=member).values_list("last_present_on", flat=True)
    paid = None
    dues = compliance.dues_last_paid(member.org.path)
    if dues is not None:
        paid = dues.get(member.pk)
    return rules.last_seen(life.first(), paid, member.join_date)


def compliance_for(user, org, as_of: date | None = None, rule: str = "", level: str = ""):
    """The organisational-life findings of an org's subtree (404 outside the user's scope),
    optionally one rule (prefix) and level."""
    every = findings.collect(user=user, org=org, as_of=as_of, keys=["activities"])
    if rule:
        every = [f for f in every if f.rule.startswith(rule)]
    if level:
        every = [f for f in every if f.level == level]
    return every


def lost_contact_candidates(user, org, as_of: date):
    """Members flagged or to be flagged as lost contact (LOST-01), with the day last seen."""
    every = compliance_for(user, org, as_of, rule="LOST-01")
    return every


def plan_of(user, org, year: int):
    items = list(
        PlanItem.objects.restrict(user).filter(org=org, year=year).order_by("planned_on", "kind")
    )
    held = set(
        Meeting.objects.restrict(user)
        .filter(org=org, held_on__year=year)
        .values_list("kind", "held_on")
    )
    out = []
    for item in items:
        period = next(r.period for r in rules.REQUIREMENTS if r.kind == item.kind)
        start = rules.period_start(item.due_by, period)
        done = any(k == item.kind and start <= d <= item.due_by for k, d in held)
        out.append((item, done))
    return out


def training_hours(user, org, year: int) -> list[tuple[Member, Decimal, Decimal, bool]]:
    """LIFE-10 per member of a branch for a year: (member, hours, required, cadre)."""
    params = ruleset.snapshot(on=date(year, 12, 31))
    members = list(
        Member.objects.restrict(user)
        .filter(**prefix_range("org__path", org.path), leave_status=LeaveStatus.ON_ROLLS)
        .select_related("org")
        .order_by("org__path", "name")[:500]
    )
    hours = dict(
        Training.objects.filter(member__in=[m.pk for m in members], held_on__year=year)
        .values("member_id")
        .annotate(h=Sum("hours"))
        .values_list("member_id", "h")
    )
    out = []
    for m in members:
        cadre = m.org.secretary_id == m.pk
        required = rules.training_required(cadre=cadre, params=params)
        out.append((m, hours.get(m.pk) or Decimal(0), required, cadre))
    return out
