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
from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Q, Value
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


BY_ORG_BELOW = 20_000  # organisations (a city has ~13,000): meetings found through each one


def meeting_counts(
    path: str, as_of: date, org_ids: list[int] | None = None
) -> dict[tuple[int, str], tuple[int, int]]:
    """{(org id, kind): (meetings this period, meetings in the last completed period)}, each
    kind counted over its own period (month, quarter or year): one GROUP BY.

    With `org_ids` (the organisations of the subtree, as required_orgs found them) the
    meetings are read through each organisation's (org, kind, date) index: a branch or a
    county then reads only its own, and a whole city half the rows of a scan of its window by
    kind and date (measured: bench/README.md). Without, or past BY_ORG_BELOW organisations,
    the window is scanned by kind and date and kept when in the subtree."""
    window = Q()
    current = Q()
    for period in PERIODS:
        kinds = _kinds_of(period)
        window |= Q(kind__in=kinds, held_on__gte=rules.previous_period_start(as_of, period))
        current |= Q(kind__in=kinds, held_on__gte=rules.period_start(as_of, period))
    if org_ids is not None and len(org_ids) < BY_ORG_BELOW:
        where = {"org_id__in": org_ids}
    else:
        where = prefix_range("org__path", path)
    rows = (
        Meeting.objects.filter(window, held_on__lte=as_of, **where)
        .exclude(kind=Kind.GENERAL, quorum_met=False)  # LIFE-01: only with its quorum
        .order_by()
        .values("org_id", "kind")
        .annotate(total=Count("id"), current=Count("id", filter=current))
        .values_list("org_id", "kind", "total", "current")
    )
    return {(org, kind): (cur, total - cur) for org, kind, total, cur in rows}


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
    for org_id, org_path, _name, kind, members, full in orgs:
        is_branch = kind in BRANCH_KINDS
        members, full = int(members or 0), int(full or 0)
        for req in rules.REQUIREMENTS:
            if not rules.applies(
                req.applies_to,
                is_branch=is_branch,
                kind=kind,
                members=members,
                full_members=full,
                params=params,
            ):
                continue
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
    if org_ids is not None and len(org_ids) < BY_ORG_BELOW:
        where = {"org_id__in": org_ids}
    else:
        where = prefix_range("org__path", path)
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
    paths = dict(Organization.objects.filter(pk__in={r[1] for r in rows}).values_list("pk", "path"))
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


DUES_CHUNK = 900  # ids per query (SQLite's bound-parameter limit as Django sees it)


def dues_last_paid_of(member_ids: list[int]) -> dict[int, date] | None:
    """The last month paid of these members only, or None without the dues app.

    Over a whole city `last_paid_months(path)` groups every payment of the year (millions of
    rows); only the members already absent from organisational life can be lost contact, so
    their payments alone are read, through the payments' (member, month) index."""
    if not apps.is_installed("jiceng.dues"):
        return None
    try:
        from jiceng.dues import selectors as dues
    except ImportError:
        return None
    of = getattr(dues, "last_paid_months_of", None)
    if of is not None:
        return of(member_ids)
    payment = apps.get_model("dues", "Payment")
    out: dict[int, date] = {}
    for i in range(0, len(member_ids), DUES_CHUNK):
        rows = (
            payment.objects.filter(member_id__in=member_ids[i : i + DUES_CHUNK])
            .order_by()
            .values("member_id")
            .annotate(last=Max("month"))
            .values_list("member_id", "last")
        )
        out.update(rows)
    return out


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
        sorted(
            r[0]
            for r in rows
            if not r[5] and rules.is_lost_contact(last_seen=r[4], as_of=as_of, months=lost_months)
        )
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
