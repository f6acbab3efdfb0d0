"""Compliance of organisational life as core.findings: set-based over a whole subtree.

Four queries whatever the size of the subtree (plus one of the dues app when installed):

1. the organisations that must hold meetings (branches, primary committees), with their
   member counts from the subtree rollups (OrgStats);
2. the meetings of the current and the last completed period of each required kind, counted
   per organisation and kind with conditional aggregates (a general meeting counts only with
   its quorum, LIFE-01);
3. meetings of the last completed month with low attendance (LIFE-05.low_attendance);
4. members on the rolls whose last organisational life (activities.MemberLife, or the day
   they joined) is older than the warning threshold (ST-03), and with dues (LOST-01/02).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.apps import apps
from django.db.models import Count, ExpressionWrapper, F, FloatField, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.core.fields import prefix_range
from jiceng.core.findings import Finding, Level
from jiceng.core.models import object_url
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind, OrgStatus

from . import rules
from .models import Kind, Meeting

PERIODS = (rules.MONTH, rules.QUARTER, rules.YEAR)
LEVEL = {"overdue": Level.OVERDUE, "due_soon": Level.DUE_SOON}


def _kinds_of(period: str) -> list[str]:
    return [r.kind for r in rules.REQUIREMENTS if r.period == period]


def required_orgs(path: str) -> list[tuple]:
    """(id, path, name, kind, members, full members) of the organisations that hold meetings."""
    return list(
        Organization.objects.filter(
            **prefix_range("path", path),
            status=OrgStatus.ACTIVE,
            kind__in=[*BRANCH_KINDS, OrgKind.PRIMARY],
        )
        .order_by()
        .values_list(
            "id", "path", "name", "kind", "stats__counts__members", "stats__counts__membership:full"
        )
    )


BY_ORG_BELOW = 5_000  # organisations: below, meetings are sought through each one's index


def subtree_ids(path: str):
    """The ids of the organisations in the subtree, as a subquery: the database reads them
    once and seeks each one's meetings (a list of ids costs Django a conversion per id)."""
    return Organization.objects.filter(**prefix_range("path", path)).values("id").order_by()


def meeting_counts(
    path: str, as_of: date, org_ids: list[int] | None = None
) -> dict[tuple[int, str], tuple[int, int]]:
    """{(org id, kind): (meetings this period, meetings in the last completed period)}, each
    kind counted over its own period (month, quarter or year).

    One query: a GROUP BY per required kind (UNION ALL), each over exactly its window of
    dates, so that the database reads index entries only, never the meetings' rows (but for general meetings,
    which count only with their quorum, LIFE-01): with `org_ids` (fewer than BY_ORG_BELOW,
    e.g. a county) through each organisation's (org, kind, date) index; for more (a city)
    the window of the (kind, date, org) index, keeping the organisations of the subtree. A
    single query with the windows OR-ed together made the database scan every meeting of
    every organisation (bench/README.md)."""
    wanted = set(org_ids) if org_ids is not None else None
    by_org = wanted is not None and len(wanted) < BY_ORG_BELOW
    parts = []
    for req in rules.REQUIREMENTS:
        current = rules.period_start(as_of, req.period)
        qs = Meeting.objects.filter(
            kind=req.kind,
            held_on__gte=rules.previous_period_start(as_of, req.period),
            held_on__lte=as_of,
        )
        if req.kind == Kind.GENERAL:
            qs = qs.filter(quorum_met=True)  # LIFE-01: only with its quorum
        if by_org or wanted is None:
            qs = qs.filter(org_id__in=subtree_ids(path))
        parts.append(
            qs.order_by()
            .values("org_id", "kind")
            .annotate(total=Count("id"), now=Count("id", filter=Q(held_on__gte=current)))
            .values_list("org_id", "kind", "total", "now")
        )
    out: dict[tuple[int, str], tuple[int, int]] = {}
    for org, kind, total, now in parts[0].union(*parts[1:], all=True):
        if wanted is None or org in wanted:
            out[(org, kind)] = (now, total - now)
    return out


def _states(as_of: date, params) -> dict[tuple[str, bool, bool], tuple]:
    """(level, due, message) of every requirement for each (held now, held before): the same
    for every organisation, so worked out once per call."""
    kind_labels = dict(Kind.choices)
    overdue = _("No %(kind)s held in %(period)s")
    due_soon = _("No %(kind)s held yet in %(period)s: due by %(due)s")
    out = {}
    for req in rules.REQUIREMENTS:
        for cur in (False, True):
            for prev in (False, True):
                state = rules.requirement_state(
                    held_current=cur,
                    held_previous=prev,
                    as_of=as_of,
                    period=req.period,
                    warn_days=int(params[f"{req.rule}.warn_days"]),
                )
                if state is None:
                    continue
                level, due = state
                values = {
                    "kind": kind_labels[req.kind],
                    "period": rules.period_label(rules.period_start(due, req.period), req.period),
                    "due": due.isoformat(),
                }
                text = (overdue if level == "overdue" else due_soon) % values
                out[(req.rule, cur, prev)] = (LEVEL[level], due, text, kind_labels[req.kind])
    return out


def meeting_findings(path: str, as_of: date, params, orgs=None) -> Iterator[Finding]:
    orgs = required_orgs(path) if orgs is None else orgs
    counts = meeting_counts(path, as_of, [row[0] for row in orgs])
    states = _states(as_of, params)
    record = reverse("activities:meeting_create")
    committee_min = params["LIFE-02.committee_min_full_members"]
    groups_min = params["LIFE-03.groups_min_members"]
    applicable: dict[tuple, list] = {}  # the requirements of each shape of organisation
    for org_id, org_path, _name, kind, members, full in orgs:
        is_branch = kind in BRANCH_KINDS
        members, full = int(members or 0), int(full or 0)
        shape = (kind, is_branch, members > 0, full >= committee_min, members >= groups_min)
        reqs = applicable.get(shape)
        if reqs is None:
            reqs = applicable[shape] = [
                req
                for req in rules.REQUIREMENTS
                if rules.applies(
                    req.applies_to,
                    is_branch=is_branch,
                    kind=kind,
                    members=members,
                    full_members=full,
                    params=params,
                )
            ]
        for req in reqs:
            cur, prev = counts.get((org_id, req.kind), (0, 0))
            state = states.get((req.rule, cur > 0, prev > 0))
            if state is None:
                continue
            level, due, message, label = state
            yield Finding(
                rule=req.rule,
                level=level,
                org_id=org_id,
                org_path=org_path,
                message=message,
                due=due,
                url=f"{record}?org={org_id}&kind={req.kind}",
                subject=label,
            )


def attendance_findings(
    path: str, as_of: date, params, org_ids: list[int] | None = None
) -> Iterator[Finding]:
    """Meetings of the whole branch since the start of the last completed month whose
    attendance was below the share set in LIFE-05.low_attendance."""
    share = float(params["LIFE-05.low_attendance"])
    since = rules.previous_period_start(as_of, rules.MONTH)
    if org_ids is not None and len(org_ids) >= BY_ORG_BELOW:
        where = {}  # a city: its whole window, then keep the subtree's
    else:
        where = {"org_id__in": subtree_ids(path)}
    rows = (
        Meeting.objects.filter(
            **where,
            held_on__gte=since,
            held_on__lte=as_of,
            kind__in=list(rules.WHOLE_BRANCH_KINDS),
            expected__gt=0,
            present__lt=ExpressionWrapper(F("expected") * Value(share), output_field=FloatField()),
        )
        .order_by()
        .values_list("id", "org_id", "kind", "held_on", "present", "expected")
    )
    rows = list(rows)
    paths = dict(Organization.objects.filter(pk__in={r[1] for r in rows}).values_list("pk", "path"))
    if not where:
        rows = [r for r in rows if paths[r[1]].startswith(path)]
    labels = dict(Kind.choices)
    for pk, org_id, kind, held_on, present, expected in rows:
        org_path = paths[org_id]
        yield Finding(
            rule=rules.RULE_OF_KIND.get(kind, "LIFE-05"),
            level=Level.DUE_SOON,
            org_id=org_id,
            org_path=org_path,
            message=_("Low attendance at the %(kind)s of %(date)s: %(present)d of %(expected)d")
            % {
                "kind": labels[kind],
                "date": held_on.isoformat(),
                "present": present,
                "expected": expected,
            },
            due=rules.period_end(as_of, rules.MONTH),
            url=object_url("activities:meeting_detail", pk),
            subject=labels[kind],
        )


def dues_last_paid(path: str) -> dict[int, date] | None:
    """Each member's last month of dues paid in the subtree (the dues app's
    `last_paid_months`), or None without the dues app. For a branch or a member's page."""
    if not apps.is_installed("jiceng.dues"):
        return None
    try:
        from jiceng.dues.selectors import last_paid_months
    except ImportError:
        return None
    return last_paid_months(path)


def dues_last_paid_of(path: str, member_ids: list[int]) -> dict[int, date] | None:
    """The last month paid of these members of the subtree only (the dues app's
    `last_paid_months`, a read of its kept accounts), or None without the dues app. Only
    the members already absent from organisational life can be lost contact."""
    if not apps.is_installed("jiceng.dues"):
        return None
    try:
        from jiceng.dues.selectors import last_paid_months
    except ImportError:
        return None
    return last_paid_months(path, member_ids=member_ids)


def absent_members(path: str, since: date):
    """Members on the rolls of the subtree whose last organisational life (or joining, if
    they never attended) is before `since`: (id, name, org id, org path, last life, lost
    contact, lost since)."""
    return (
        Member.objects.filter(**prefix_range("org__path", path), leave_status=LeaveStatus.ON_ROLLS)
        .annotate(last=Coalesce("life__last_present_on", "join_date"))
        .filter(last__lt=since)
        .order_by()
        .values_list(
            "id",
            "name",
            "org_id",
            "org__path",
            "last",
            "is_lost_contact",
            "lost_contact_since",
        )
    )


def member_findings(path: str, as_of: date, params) -> Iterator[Finding]:
    overdue_months = int(params["ST-03.months"])
    warn_months = int(params["ST-03.warn_months"])
    lost_months = int(params["LOST-01.months"])
    since = add_months(as_of, -min(warn_months, overdue_months, lost_months))
    rows = list(absent_members(path, since))
    if not rows:
        return
    dues = dues_last_paid_of(
        path,
        sorted(
            r[0]
            for r in rows
            if not r[5] and rules.is_lost_contact(last_seen=r[4], as_of=as_of, months=lost_months)
        ),
    )
    search_url = reverse("activities:lost_contact_record", args=[0]).removesuffix("0/")
    absent_since = _("No organisational life since %(date)s")
    status_url = reverse("members:member_status", args=[0]).removesuffix("0/status/")
    for pk, name, org_id, org_path, life, lost, lost_since in rows:
        if lost:
            if lost_since and add_months(lost_since, lost_months) <= as_of:
                yield Finding(
                    rule="LOST-01",
                    level=Level.EXCEPTION,
                    org_id=org_id,
                    org_path=org_path,
                    message=_(
                        "Lost contact since %(date)s: the branch may decide to suspend "
                        "membership (停止党籍)"
                    )
                    % {"date": lost_since.isoformat()},
                    due=add_months(lost_since, lost_months),
                    url=f"{status_url}{pk}/status/",
                    subject=name,
                )
            continue
        paid = dues.get(pk) if dues is not None else None
        seen = rules.last_seen(life, paid)
        if dues is not None and rules.is_lost_contact(
            last_seen=seen, as_of=as_of, months=lost_months
        ):
            yield Finding(
                rule="LOST-01",
                level=Level.OVERDUE,
                org_id=org_id,
                org_path=org_path,
                message=_(
                    "Neither organisational life nor dues since %(date)s: search for the "
                    "member and record the reason"
                )
                % {"date": seen.isoformat()},
                due=add_months(seen, lost_months),
                url=f"{search_url}{pk}/",
                subject=name,
            )
            continue
        state = rules.absence_state(
            last_seen=life, as_of=as_of, overdue_months=overdue_months, warn_months=warn_months
        )
        if state is None:
            continue
        level, due = state
        yield Finding(
            rule="ST-03",
            level=LEVEL[level],
            org_id=org_id,
            org_path=org_path,
            message=absent_since % {"date": life.isoformat()},
            due=due,
            url=f"{search_url}{pk}/",
            subject=name,
        )


def provide(path: str, as_of: date) -> Iterator[Finding]:
    """The core.findings provider: every finding of organisational life in the subtree."""
    params = ruleset.snapshot(on=as_of)
    orgs = required_orgs(path)
    yield from meeting_findings(path, as_of, params, orgs)
    yield from attendance_findings(path, as_of, params, [row[0] for row in orgs])
    yield from member_findings(path, as_of, params)


def branch_loop(path: str, as_of: date) -> list[Finding]:
    """The naive baseline of the benchmark: the same findings, one branch at a time."""
    out = []
    for org_path in (row[1] for row in required_orgs(path)):
        for f in provide(org_path, as_of):
            if f.org_path == org_path:
                out.append(f)
    return out
