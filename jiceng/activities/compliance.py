"""Compliance of organisational life as core.findings: set-based over a whole subtree.

Three queries whatever the size of the subtree (after the rule parameters):

1. the organisations that must hold meetings (branches, primary committees), with their
   member counts from the subtree rollups (OrgStats) and their kept state of required
   meetings (activities.OrgLife: the two latest periods each kind was held, life.py) — for a
   date before today, when later meetings may be on record, the meetings of the current and
   the last completed period are counted in one more query instead (`meeting_counts`);
2. meetings of the last completed month with low attendance (LIFE-05.low_attendance);
3. members on the rolls whose last organisational life (activities.MemberLife, or the day
   they joined) is older than the warning threshold (ST-03), with their last month of dues
   from the dues app's kept accounts (LOST-01/02): for a large subtree from the range of the
   `last_present_on` index (life.cover gives every member a row).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

from django.apps import apps
from django.db import connection
from django.db.models import (
    Count,
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.core.fields import prefix_range
from jiceng.core.findings import Finding, Level
from jiceng.core.models import object_url
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind, OrgStatus

from . import life, rules
from .models import Kind, Meeting, MemberLife

PERIODS = (rules.MONTH, rules.QUARTER, rules.YEAR)


def _rows(queryset) -> list[tuple]:
    """The rows of a values_list queryset as the database driver returns them, without
    Django's converters (tens of thousands of rows for a city: SQLite's dates come back as
    ISO text, see `_day`)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _day(value, days: dict) -> date | None:
    """A date from the driver's value (ISO text on SQLite), converted once per distinct day."""
    if value is None or isinstance(value, date):
        return value
    found = days.get(value)
    if found is None:
        found = days[value] = date.fromisoformat(value)
    return found


LEVEL = {"overdue": Level.OVERDUE, "due_soon": Level.DUE_SOON}


def _kinds_of(period: str) -> list[str]:
    return [r.kind for r in rules.REQUIREMENTS if r.period == period]


class _MemberCounts(Func):
    """The subtree's members and full members from OrgStats.counts as one JSON array
    ("[12, 5]"): one parse of the counts on SQLite, where each key extracted the way Django
    does it parses the whole document three times."""

    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"""json_extract({sql}, '$.members', '$."membership:full"')""", params

    def as_postgresql(self, compiler, connection, **extra):
        # one decompression of the (TOASTed) counts for both keys
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            '(SELECT jsonb_build_array(x.members, x."membership:full")::text'
            f' FROM jsonb_to_record({sql}) AS x(members int, "membership:full" int))',
            params,
        )


def required_orgs(path: str) -> list[tuple]:
    """(id, path, name, kind, members, full members, kept state…) of the organisations that
    hold meetings: the state is one value per `life.FIELDS` (NULL: never held)."""
    rows = (
        Organization.objects.filter(
            **prefix_range("path", path),
            status=OrgStatus.ACTIVE,
            kind__in=[*BRANCH_KINDS, OrgKind.PRIMARY],
        )
        .order_by()
        .annotate(sizes=_MemberCounts(F("stats__counts")))
        .values_list("id", "path", "name", "kind", "sizes", *(f"life__{f}" for f in life.FIELDS))
    )
    out = []
    loads = json.loads
    for row in _rows(rows):
        members, full = loads(row[4]) if row[4] else (None, None)
        out.append((*row[:4], members, full, *row[5:]))
    return out


BY_ORG_BELOW = 5_000  # organisations: below, meetings are sought through each one's index
# Required organisations from which absent members are sought from the absences of the
# whole city (~3 % of its members) rather than from every member of the subtree (a county:
# 45,000): on SQLite only for a city (its members are found per organisation through a
# covering index, cheaper for a county than reading 10,000 absent members' rows); on
# PostgreSQL, which reads a member's row either way, from a county.
ABSENCES_FIRST_FROM = {"sqlite": 5_000, "postgresql": 500}


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


def _counted_states(path, as_of, orgs) -> dict[int, tuple]:
    """The state of each organisation as `life.FIELDS` from the meetings held up to `as_of`
    (counted in its current and last completed periods): for a date before today."""
    counts = meeting_counts(path, as_of, [row[0] for row in orgs])
    numbers = [
        (
            kind,
            life.period_number(as_of, period),
            life.period_number(rules.previous_period_start(as_of, period), period),
        )
        for kind, period in life.PERIOD.items()
    ]
    out = {}
    for row in orgs:
        state = []
        for kind, cur, prev in numbers:
            now, before = counts.get((row[0], kind), (0, 0))
            state += [cur if now else prev if before else None, prev if now and before else None]
        out[row[0]] = tuple(state)
    return out


def meeting_findings(
    path: str, as_of: date, params, orgs=None, from_meetings: bool | None = None
) -> Iterator[Finding]:
    """Missing meetings (LIFE-01…09): per organisation and requirement, whether it held the
    meeting in the current and in the last completed period, from the kept state (as of
    today or later: meetings are never recorded ahead) or, before today or when asked
    (`from_meetings`), counted from the meetings."""
    orgs = required_orgs(path) if orgs is None else orgs
    if from_meetings is None:
        from_meetings = as_of < timezone.localdate()
    counted = _counted_states(path, as_of, orgs) if from_meetings else None
    states = _states(as_of, params)
    record = reverse("activities:meeting_create")
    committee_min = params["LIFE-02.committee_min_full_members"]
    groups_min = params["LIFE-03.groups_min_members"]
    at = {kind: 2 * i for i, kind in enumerate(life.PERIOD)}  # the kind's place in the state
    numbers = {
        req.rule: (
            life.period_number(as_of, req.period),
            life.period_number(rules.previous_period_start(as_of, req.period), req.period),
        )
        for req in rules.REQUIREMENTS
    }
    applicable: dict[tuple, list] = {}  # the requirements of each shape of organisation
    get = states.get
    for row in orgs:
        org_id, org_path, _name, kind, members, full = row[:6]
        state = row[6:] if counted is None else counted[org_id]
        is_branch = kind in BRANCH_KINDS
        members, full = int(members or 0), int(full or 0)
        shape = (kind, is_branch, members > 0, full >= committee_min, members >= groups_min)
        reqs = applicable.get(shape)
        if reqs is None:
            reqs = applicable[shape] = [
                (req.rule, req.kind, at[req.kind], *numbers[req.rule])
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
        for rule, req_kind, i, cur, prev in reqs:
            last, before = state[i], state[i + 1]
            found = get((rule, last == cur, last == prev or before == prev))
            if found is not None:
                level, due, message, label = found
                # positional (rule, level, org_id, org_path, message, due, url, subject):
                # ~20,000 findings for a city
                yield Finding(
                    rule,
                    level,
                    org_id,
                    org_path,
                    message,
                    due,
                    f"{record}?org={org_id}&kind={req_kind}",
                    label,
                )


def attendance_findings(
    path: str,
    as_of: date,
    params,
    org_ids: list[int] | None = None,
    paths: dict[int, str] | None = None,
) -> Iterator[Finding]:
    """Meetings of the whole branch since the start of the last completed month whose
    attendance was below the share set in LIFE-05.low_attendance (`paths`: the paths of
    organisations already read, e.g. the required ones)."""
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
    days: dict = {}
    rows = [(*r[:3], _day(r[3], days), *r[4:]) for r in _rows(rows)]
    paths = dict(paths or {})
    unknown = {r[1] for r in rows} - set(paths)
    if unknown:
        paths.update(Organization.objects.filter(pk__in=unknown).values_list("pk", "path"))
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


def dues_installed() -> bool:
    return apps.is_installed("jiceng.dues")


def _paid(member: str = ""):
    """The last month of dues paid of the member (the dues app's `last_paid_of`: a column
    joined by the member's id), NULL without the app."""
    if not dues_installed():
        return Value(None, output_field=DateField())
    from jiceng.dues.selectors import last_paid_of

    return last_paid_of(member)


def absent_members(path: str, since: date, large: bool = False) -> list[tuple]:
    """Members on the rolls of the subtree whose last organisational life (or joining, if
    they never attended) is before `since`: (id, name, org id, org path, last life, lost
    contact, lost since, last month of dues paid).

    A small subtree (a township, a branch) is read organisation by organisation through the
    members' (org, leave status) index. A `large` one (from ABSENCES_FIRST_FROM
    organisations: the city; on PostgreSQL a county too) starts from the absences instead: the range of `MemberLife.last_present_on` before `since`, the members who never
    attended (NULL), and the members above `life.cover`'s coverage without a row, whatever
    their organisation (the absences of a whole city are about 3 % of its members)."""
    columns = ("id", "name", "org_id", "org__path", "last", "is_lost_contact")
    days: dict = {}
    if not large:
        rows = _rows(
            Member.objects.filter(
                **prefix_range("org__path", path), leave_status=LeaveStatus.ON_ROLLS
            )
            .annotate(last=Coalesce("life__last_present_on", "join_date"), paid=_paid())
            .filter(last__lt=since)
            .order_by()
            .values_list(*columns, "lost_contact_since", "paid")
        )
        return [
            (pk, name, org, org_path, _day(last, days), bool(lost), _day(d, days), _day(p, days))
            for pk, name, org, org_path, last, lost, d, p in rows
        ]
    member = tuple(f"member__{c}" if c != "last" else c for c in columns[1:])
    lives = MemberLife.objects.order_by().filter(member__leave_status=LeaveStatus.ON_ROLLS)
    members = Member.objects.order_by()
    if connection.vendor == "postgresql":
        # PostgreSQL keeps the subtree's organisations in a hash, after the absences
        lives = lives.filter(member__org_id__in=subtree_ids(path))
        members = members.filter(org_id__in=subtree_ids(path))
    absent = (
        lives.filter(last_present_on__lt=since)
        .annotate(last=F("last_present_on"), paid=_paid("member__"))
        .values_list("member_id", *member, "member__lost_contact_since", "paid")
    )
    never = (
        lives.filter(last_present_on__isnull=True)
        .annotate(last=F("member__join_date"), paid=_paid("member__"))
        .values_list("member_id", *member, "member__lost_contact_since", "paid")
    )
    uncovered = (
        members.annotate(covered=Coalesce(Subquery(life.covered_through()), Value(0)))
        .filter(pk__gt=F("covered"), life__isnull=True, leave_status=LeaveStatus.ON_ROLLS)
        .annotate(last=F("join_date"), paid=_paid())
        .values_list(*columns, "lost_contact_since", "paid")
    )
    # The subtree and the join dates are compared here: in the query, their indexes would
    # drive it through every member.
    out = []
    for pk, name, org, org_path, last, lost, d, p in _rows(
        absent.union(never, uncovered, all=True)
    ):
        last = _day(last, days)
        if last is not None and last < since and org_path.startswith(path):
            out.append((pk, name, org, org_path, last, bool(lost), _day(d, days), _day(p, days)))
    return out


def member_findings(path: str, as_of: date, params, large: bool = False) -> Iterator[Finding]:
    overdue_months = int(params["ST-03.months"])
    warn_months = int(params["ST-03.warn_months"])
    lost_months = int(params["LOST-01.months"])
    since = add_months(as_of, -min(warn_months, overdue_months, lost_months))
    rows = absent_members(path, since, large)
    if not rows:
        return
    lost_on: dict[date, bool] = {}  # the rules per date seen (a few hundred distinct days)

    def is_lost(seen: date | None) -> bool:
        found = lost_on.get(seen)
        if found is None:
            found = lost_on[seen] = rules.is_lost_contact(
                last_seen=seen, as_of=as_of, months=lost_months
            )
        return found

    absence: dict[date, tuple | None] = {}
    with_dues = dues_installed()
    search_url = reverse("activities:lost_contact_record", args=[0]).removesuffix("0/")
    absent_since = _("No organisational life since %(date)s")
    lost_since_text = _(
        "Lost contact since %(date)s: the branch may decide to suspend membership (停止党籍)"
    )
    neither = _(
        "Neither organisational life nor dues since %(date)s: search for the member and "
        "record the reason"
    )
    status_url = reverse("members:member_status", args=[0]).removesuffix("0/status/")
    for pk, name, org_id, org_path, last, lost, lost_since, paid in rows:
        if lost:
            if lost_since and add_months(lost_since, lost_months) <= as_of:
                yield Finding(
                    rule="LOST-01",
                    level=Level.EXCEPTION,
                    org_id=org_id,
                    org_path=org_path,
                    message=lost_since_text % {"date": lost_since.isoformat()},
                    due=add_months(lost_since, lost_months),
                    url=f"{status_url}{pk}/status/",
                    subject=name,
                )
            continue
        seen = last if paid is None or paid < last else paid  # rules.last_seen
        if with_dues and is_lost(seen):
            yield Finding(
                rule="LOST-01",
                level=Level.OVERDUE,
                org_id=org_id,
                org_path=org_path,
                message=neither % {"date": seen.isoformat()},
                due=add_months(seen, lost_months),
                url=f"{search_url}{pk}/",
                subject=name,
            )
            continue
        if last in absence:
            state = absence[last]
        else:
            state = rules.absence_state(
                last_seen=last,
                as_of=as_of,
                overdue_months=overdue_months,
                warn_months=warn_months,
            )
            if state is not None:
                state = (LEVEL[state[0]], state[1], absent_since % {"date": last.isoformat()})
            absence[last] = state
        if state is None:
            continue
        level, due, message = state
        # positional (rule, level, org_id, org_path, message, due, url, subject): ~10,000
        yield Finding("ST-03", level, org_id, org_path, message, due, f"{search_url}{pk}/", name)


def provide(path: str, as_of: date) -> Iterator[Finding]:
    """The core.findings provider: every finding of organisational life in the subtree."""
    params = ruleset.snapshot(on=as_of)
    orgs = required_orgs(path)
    large = len(orgs) >= ABSENCES_FIRST_FROM.get(connection.vendor, BY_ORG_BELOW)
    yield from meeting_findings(path, as_of, params, orgs)
    yield from attendance_findings(
        path, as_of, params, [row[0] for row in orgs], {row[0]: row[1] for row in orgs}
    )
    yield from member_findings(path, as_of, params, large)


def branch_loop(path: str, as_of: date) -> list[Finding]:
    """The naive baseline of the benchmark: the same findings, one branch at a time."""
    out = []
    for org_path in (row[1] for row in required_orgs(path)):
        for f in provide(org_path, as_of):
            if f.org_path == org_path:
                out.append(f)
    return out
