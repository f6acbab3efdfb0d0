"""Kept state of organisational life, so that a city's compliance is a read of one row per
organisation and a range of one index, not a GROUP BY over the meetings or the members:

- `OrgLife`: per organisation and required kind of meeting (LIFE-01…09), the two latest
  periods in which it held a qualifying meeting — written by `meeting_held` in the meeting
  service's transaction, rebuilt set-based by `rebuild` (the demo build, the migration) and
  compared with a recomputation from the meetings by `check`;
- `MemberLife`: each member's last organisational life (NULL: never) — moved forward by the
  meeting service; `cover` gives every member a row and records the highest id covered
  (`LifeCoverage`), `check_members` compares it with the attendance records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Max

from . import rules
from .models import Attendance, Kind, LifeCoverage, Meeting, MemberLife, OrgLife, Presence

PERIOD = {req.kind: req.period for req in rules.REQUIREMENTS}  # the required kinds
FIELDS = tuple(f"{kind}_{end}" for kind in PERIOD for end in ("last", "before"))
State = tuple  # one value per FIELDS: period numbers or None
CHUNK = 900  # ids per query (SQLite's bound-parameter limit as Django sees it)


def month_number(d: date) -> int:
    """Months since year 0: the number a period is kept as (that of its first month)."""
    return d.year * 12 + d.month - 1


def period_number(d: date, period: str) -> int:
    return month_number(rules.period_start(d, period))


def qualifies(kind: str, quorum_met: bool) -> bool:
    """Whether a meeting counts for its requirement: a general meeting only with its quorum
    (LIFE-01)."""
    return kind in PERIOD and (kind != Kind.GENERAL or quorum_met)


def states(meetings: Iterable[tuple[int, str, date, bool]]) -> dict[int, State]:
    """{org id: state} from (org id, kind, held on, quorum met) of meetings, in any order."""
    top: dict[int, dict[str, list]] = {}
    numbers: dict[tuple[date, str], int] = {}
    for org_id, kind, held_on, quorum in meetings:
        if not qualifies(kind, quorum):
            continue
        key = (held_on, kind)
        p = numbers.get(key)
        if p is None:
            p = numbers[key] = period_number(held_on, PERIOD[kind])
        pair = top.setdefault(org_id, {}).setdefault(kind, [None, None])
        last, before = pair
        if last is None or p > last:
            pair[0], pair[1] = p, last
        elif p < last and (before is None or p > before):
            pair[1] = p
    out = {}
    for org_id, kinds in top.items():
        row = []
        for kind in PERIOD:
            row.extend(kinds.get(kind, (None, None)))
        out[org_id] = tuple(row)
    return out


def recompute(org_ids: Iterable[int] | None = None) -> dict[int, State]:
    """{org id: state} from the meetings (every organisation that held a required one)."""
    qs = Meeting.objects.filter(kind__in=list(PERIOD)).order_by()
    cols = ("org_id", "kind", "held_on", "quorum_met")
    if org_ids is None:
        return states(qs.values_list(*cols).iterator(20_000))
    ids = sorted(set(org_ids))
    out = {}
    for i in range(0, len(ids), CHUNK):
        out.update(states(qs.filter(org_id__in=ids[i : i + CHUNK]).values_list(*cols)))
    return out


def meeting_held(meeting: Meeting) -> None:
    """Bring the organisation's state for the meeting's kind in line with its meetings
    (inside the caller's transaction): the row is locked first, so two meetings recorded at
    once for the same organisation are counted one after the other."""
    if not qualifies(meeting.kind, meeting.quorum_met):
        return
    OrgLife.objects.bulk_create([OrgLife(org_id=meeting.org_id)], ignore_conflicts=True)
    row = OrgLife.objects.select_for_update().get(org_id=meeting.org_id)
    period = PERIOD[meeting.kind]
    held = Meeting.objects.filter(org_id=meeting.org_id, kind=meeting.kind).order_by()
    if meeting.kind == Kind.GENERAL:
        held = held.filter(quorum_met=True)
    last = held.aggregate(m=Max("held_on"))["m"]
    before = None
    if last is not None:
        start = rules.period_start(last, period)
        before = held.filter(held_on__lt=start).aggregate(m=Max("held_on"))["m"]
    setattr(row, f"{meeting.kind}_last", None if last is None else period_number(last, period))
    setattr(
        row, f"{meeting.kind}_before", None if before is None else period_number(before, period)
    )
    row.save(update_fields=[f"{meeting.kind}_last", f"{meeting.kind}_before"])


def rebuild() -> int:
    """Every organisation's state recomputed from the meetings (one read of the required
    kinds' meetings, one bulk write). Returns the number of rows."""
    from jiceng.core.bulk import Inserter

    computed = recompute()
    OrgLife.objects.all().delete()
    inserter = Inserter(OrgLife, ("org", *FIELDS))
    inserter.write([(org_id, *state) for org_id, state in sorted(computed.items())])
    return inserter.rows


def stored() -> dict[int, State]:
    return {
        row[0]: tuple(row[1:])
        for row in OrgLife.objects.order_by().values_list("org_id", *FIELDS).iterator(20_000)
    }


def check() -> list[tuple[int, State | None, State | None]]:
    """Differences (org id, stored, recomputed) between the kept state and the meetings; a
    stored row without any meeting counts as none."""
    have, want = stored(), recompute()
    empty = (None,) * len(FIELDS)
    diffs = []
    for org_id in set(have) | set(want):
        a, b = have.get(org_id, empty), want.get(org_id, empty)
        if a != b:
            diffs.append((org_id, have.get(org_id), want.get(org_id)))
    return sorted(diffs, key=lambda d: d[0])


# --- members ---------------------------------------------------------------------------------


COVER_SQL = """
INSERT INTO {life} (member_id, last_present_on)
SELECT m.id, NULL FROM {member} m
WHERE m.id <= %s AND NOT EXISTS (SELECT 1 FROM {life} l WHERE l.member_id = m.id)
"""


def cover() -> int:
    """Give every member without a MemberLife row one (never attended: NULL), set-based, and
    record the highest member id covered. Returns that id."""
    from jiceng.members.models import Member

    through = Member.objects.aggregate(m=Max("id"))["m"] or 0
    qn = connection.ops.quote_name
    sql = COVER_SQL.format(life=qn(MemberLife._meta.db_table), member=qn(Member._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [through])
    LifeCoverage.objects.all().delete()
    LifeCoverage.objects.create(members_through=through)
    return through


def covered_through():
    """The highest member id known to have a MemberLife row, as a subquery (0 if none)."""
    return LifeCoverage.objects.order_by("-members_through").values("members_through")[:1]


def rebuild_members() -> int:
    """Every member's last organisational life recomputed from the attendance records (one
    GROUP BY, one bulk write), then a row for every member (`cover`). Returns the rows."""
    from jiceng.core.bulk import Inserter

    last = (
        Attendance.objects.filter(presence=Presence.PRESENT)
        .order_by()
        .values("member_id")
        .annotate(last=Max("meeting__held_on"))
        .values_list("member_id", "last")
    )
    MemberLife.objects.all().delete()
    Inserter(MemberLife, ("member", "last_present_on")).write(sorted(last))
    cover()
    return MemberLife.objects.count()


def check_members() -> list[tuple[int, date | None, date | None]]:
    """Differences (member id, stored, recomputed) between each member's last organisational
    life and the attendance records, and members up to the coverage without a row."""
    from jiceng.members.models import Member

    want = dict(
        Attendance.objects.filter(presence=Presence.PRESENT)
        .order_by()
        .values("member_id")
        .annotate(last=Max("meeting__held_on"))
        .values_list("member_id", "last")
        .iterator(20_000)
    )
    have = dict(MemberLife.objects.values_list("member_id", "last_present_on").iterator(20_000))
    diffs = [
        (mid, have.get(mid), want.get(mid))
        for mid in set(have) | set(want)
        if have.get(mid) != want.get(mid)
    ]
    through = LifeCoverage.objects.aggregate(m=Max("members_through"))["m"] or 0
    uncovered = Member.objects.filter(pk__lte=through, life__isnull=True).values_list(
        "pk", flat=True
    )
    diffs.extend((mid, "no row", None) for mid in uncovered)
    return sorted(diffs, key=lambda d: d[0])
