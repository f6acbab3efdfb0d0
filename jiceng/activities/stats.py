"""Organisational life's subtree counts (orgs.rollups): what each meeting adds to the counts of
the organisation that held it, and the set-based recomputation of all of them.

    life_meetings:YYYY-MM    meetings held in a month
    life_party_day:YYYY-MM   1 for an organisation that held a themed Party day in a month
                             (branch-months with a Party day, LIFE-05)
    life_complete:YYYYQn     1 for a branch that held every monthly and quarterly meeting
                             required of it (LIFE-01…05) in that quarter: each month's
                             committee, group meeting and Party day, the quarter's general
                             meeting (with its quorum) and Party lecture

The requirements a branch must meet depend on its members (ORG-03: a committee from 7 full
members; Party groups from the parameter's size): `meeting_added` judges with the branch's
counts when the meeting is recorded, a rebuild with the counts of the day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from django.db.models import Count
from django.db.models.functions import TruncMonth

from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.orgs import rollups
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgStats, OrgStatus

from . import rules
from .models import Kind, Meeting

MEETINGS, PARTY_DAY, COMPLETE = "life_meetings", "life_party_day", "life_complete"
# The requirements judged per quarter (the yearly ones are judged by the year).
QUARTERLY = [r for r in rules.REQUIREMENTS if r.period in (rules.MONTH, rules.QUARTER)]


def quarter_key(on: date) -> str:
    return f"{COMPLETE}:{on.year:04d}Q{(on.month - 1) // 3 + 1}"


def quarter_start(on: date) -> date:
    return rules.period_start(on, rules.QUARTER)


def required_in_quarter(kind: str, members: int, full: int, params) -> list:
    return [
        req
        for req in QUARTERLY
        if rules.applies(
            req.applies_to,
            is_branch=kind in BRANCH_KINDS,
            kind=kind,
            members=members,
            full_members=full,
            params=params,
        )
    ]


def complete(required: list, held: set[tuple[str, date]], quarter: date) -> bool:
    """Whether a branch held, in the quarter starting `quarter`, every requirement of
    `required`; `held` holds (kind, first day of month) of its qualifying meetings."""
    if not required:
        return False
    months = [add_months(quarter, i) for i in range(3)]
    for req in required:
        if req.period == rules.MONTH:
            if any((req.kind, m) not in held for m in months):
                return False
        elif not any((req.kind, m) in held for m in months):
            return False
    return True


def qualifies(kind: str, quorum_met: bool) -> bool:
    return kind != Kind.GENERAL or quorum_met  # LIFE-01: a general meeting with its quorum


def month_key(prefix: str, on: date) -> str:
    return f"{prefix}:{on.year:04d}-{on.month:02d}"


def meeting_added(meeting: Meeting) -> None:
    """Count a new meeting for its organisation and every ancestor (inside the caller's
    transaction): one more meeting in its month, and one more branch-month with a Party day
    when it is the first of its month."""
    delta = Counter({month_key(MEETINGS, meeting.held_on): 1})
    if meeting.kind == Kind.PARTY_DAY:
        month = meeting.held_on.replace(day=1)
        others = (
            Meeting.objects.filter(
                org_id=meeting.org_id,
                kind=Kind.PARTY_DAY,
                held_on__gte=month,
                held_on__lt=add_months(month, 1),
            )
            .exclude(pk=meeting.pk)
            .exists()
        )
        if not others:
            delta[month_key(PARTY_DAY, month)] = 1
    if qualifies(meeting.kind, meeting.quorum_met) and any(
        r.kind == meeting.kind for r in QUARTERLY
    ):
        delta.update(_completion_change(meeting))
    rollups.apply_deltas({meeting.org_id: delta})


def _completion_change(meeting: Meeting) -> Counter:
    """+1 on the quarter's `life_complete` key when this meeting completes its branch's
    quarter (judged with the branch's member counts now)."""
    org = Organization.objects.filter(pk=meeting.org_id).values_list("kind", flat=True).first()
    if org not in BRANCH_KINDS:
        return Counter()
    counts = OrgStats.objects.filter(org_id=meeting.org_id).values_list("counts", flat=True)
    counts = counts.first() or {}
    quarter = quarter_start(meeting.held_on)
    required = required_in_quarter(
        org,
        int(counts.get("members", 0)),
        int(counts.get("membership:full", 0)),
        ruleset.snapshot(on=quarter),
    )
    held = set()
    for kind, held_on, quorum in (
        Meeting.objects.filter(
            org_id=meeting.org_id, held_on__gte=quarter, held_on__lt=add_months(quarter, 3)
        )
        .exclude(pk=meeting.pk)
        .values_list("kind", "held_on", "quorum_met")
    ):
        if qualifies(kind, quorum):
            held.add((kind, held_on.replace(day=1)))
    before = complete(required, held, quarter)
    held.add((meeting.kind, meeting.held_on.replace(day=1)))
    if complete(required, held, quarter) and not before:
        return Counter({quarter_key(quarter): 1})
    return Counter()


def contributions() -> dict[int, Counter]:
    """Every organisation's own counts from the meetings: two GROUP BYs."""
    out: dict[int, Counter] = defaultdict(Counter)
    months = Meeting.objects.order_by().annotate(m=TruncMonth("held_on"))
    for org_id, month, n in (
        months.values("org_id", "m").annotate(n=Count("id")).values_list("org_id", "m", "n")
    ):
        out[org_id][month_key(MEETINGS, month)] += n
    for org_id, month in months.filter(kind=Kind.PARTY_DAY).values_list("org_id", "m").distinct():
        out[org_id][month_key(PARTY_DAY, month)] = 1
    for org_id, quarter in _complete_quarters():
        out[org_id][quarter_key(quarter)] = 1
    return dict(out)


def _complete_quarters():
    """(branch id, quarter) of every quarter a branch held all its required meetings: one
    GROUP BY of the qualifying meetings by branch, kind and month, and one of the members."""
    from django.db.models import Q

    from jiceng.members.models import Member

    branches = dict(
        Organization.objects.filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE).values_list(
            "id", "kind"
        )
    )
    sizes = {
        org_id: (n, full)
        for org_id, n, full in Member.objects.on_rolls()
        .order_by()
        .values("org_id")
        .annotate(n=Count("id"), full=Count("id", filter=Q(membership="full")))
        .values_list("org_id", "n", "full")
    }
    held: dict[int, dict[date, set]] = defaultdict(lambda: defaultdict(set))
    rows = (
        Meeting.objects.filter(kind__in=[r.kind for r in QUARTERLY])
        .exclude(kind=Kind.GENERAL, quorum_met=False)
        .order_by()
        .annotate(m=TruncMonth("held_on"))
        .values_list("org_id", "kind", "m")
        .distinct()
    )
    for org_id, kind, month in rows.iterator(20_000):
        if org_id in branches:
            held[org_id][quarter_start(month)].add((kind, month))
    params: dict[date, dict] = {}
    for org_id, quarters in held.items():
        n, full = sizes.get(org_id, (0, 0))
        for quarter, kinds in quarters.items():
            if quarter not in params:
                params[quarter] = ruleset.snapshot(on=quarter)
            if complete(
                required_in_quarter(branches[org_id], n, full, params[quarter]), kinds, quarter
            ):
                yield org_id, quarter
