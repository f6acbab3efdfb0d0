"""The service system's subtree counts (orgs.rollups): what each record adds to the counts of
the organisation it belongs to, and the set-based recomputation of all of them.

    srv_visits:YYYY-MM     household visits in a month (by the village visited)
    srv_duty:YYYY-MM       duty shifts scheduled in a month (by the township/village)
    srv_duty_in:YYYY-MM    of those, attended (checked in)
    srv_req                requests raised (by the organisation they were raised in)
    srv_req_done           of those, resolved or closed
    srv_req_ontime         of those, resolved on or before their deadline
    srv_req:YYYY-MM        requests registered in a month (srv_req_done:…, srv_req_ontime:…
                           of those, as above)
    srv_open_due:YYYY-MM   open requests whose deadline falls in a month (overdue = the months
                           before today's, plus today's month up to yesterday, read live)
    srv_centre:township    service centres of townships/streets (by the centre's organisation)
    srv_centre:village     service centres of villages/communities
    srv_centre_four        of those, meeting the 四有 standard
"""

from collections import Counter
from datetime import date, timedelta

from django.db import connection
from django.db.models import BooleanField, CharField, Count, ExpressionWrapper, F, Q
from django.db.models.functions import Substr, TruncMonth

from jiceng.orgs import rollups

from .models import DONE_STATUSES, DutyShift, HouseholdVisit, ResidentRequest, ServiceCentre

VISITS, DUTY, DUTY_IN = "srv_visits", "srv_duty", "srv_duty_in"
REQ, REQ_DONE, REQ_ONTIME = "srv_req", "srv_req_done", "srv_req_ontime"
OPEN_DUE = "srv_open_due"
CENTRE, CENTRE_FOUR = "srv_centre", "srv_centre_four"


def month_key(prefix: str, on: date | str) -> str:
    if isinstance(on, str):  # "YYYY-MM…" (see _month)
        return f"{prefix}:{on[:7]}"
    return f"{prefix}:{on.year:04d}-{on.month:02d}"


def _month(field: str):
    """The month of a date column, for a GROUP BY over all the records: on SQLite, where dates
    are "YYYY-MM-DD" text, its first seven characters (TruncMonth calls a Python function for
    every row there: 1.3 million calls for a year of visits)."""
    if connection.vendor == "sqlite":
        return Substr(field, 1, 7, output_field=CharField())
    return TruncMonth(field)


def visit_keys(visited_on: date) -> Counter:
    return Counter({month_key(VISITS, visited_on): 1})


def shift_keys(on: date, attended: bool) -> Counter:
    return Counter({month_key(DUTY, on): 1, month_key(DUTY_IN, on): int(attended)})


def request_keys(registered_on: date, deadline: date, done: bool, on_time: bool) -> Counter:
    """What one request adds: counted where it was raised, by its registration month; while
    open, by its deadline's month."""
    done_n, ontime_n = int(done), int(done and on_time)
    return Counter(
        {
            REQ: 1,
            REQ_DONE: done_n,
            REQ_ONTIME: ontime_n,
            month_key(REQ, registered_on): 1,
            month_key(REQ_DONE, registered_on): done_n,
            month_key(REQ_ONTIME, registered_on): ontime_n,
            month_key(OPEN_DUE, deadline): 1 - done_n,
        }
    )


def centre_keys(org_kind: str, four: bool) -> Counter:
    level = "township" if org_kind == "township" else "village"
    return Counter({f"{CENTRE}:{level}": 1, CENTRE_FOUR: int(four)})


def change(after: Counter, before: Counter) -> Counter:
    """after - before, key by key, keeping negative differences (Counter's `-` drops them)."""
    out = Counter(after)
    out.subtract(before)
    return out


def bump(org_id: int, delta: Counter, sign: int = 1) -> None:
    """Apply a record's keys (sign -1: take them away) to its organisation and ancestors."""
    rollups.apply_deltas({org_id: Counter({k: sign * v for k, v in delta.items()})})


def contributions() -> dict[int, Counter]:
    out: dict[int, Counter] = {}

    def add(org_id, key, n):
        if n:
            out.setdefault(org_id, Counter())[key] += n

    visits = (
        HouseholdVisit.objects.annotate(m=_month("visited_on"))
        .values_list("village_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    for org_id, m, n in visits:
        add(org_id, month_key(VISITS, m), n)
    shifts = (
        DutyShift.objects.annotate(m=_month("on"))
        .values_list("org_id", "m")
        .annotate(n=Count("id"), came=Count("checked_in_at"))
        .order_by()
    )
    for org_id, m, n, came in shifts:
        add(org_id, month_key(DUTY, m), n)
        add(org_id, month_key(DUTY_IN, m), came)
    requests = (
        ResidentRequest.objects.annotate(
            m=_month("registered_on"),
            due=_month("deadline"),
            done=ExpressionWrapper(Q(status__in=DONE_STATUSES), output_field=BooleanField()),
            ontime=ExpressionWrapper(
                Q(status__in=DONE_STATUSES, resolved_on__lte=F("deadline")),
                output_field=BooleanField(),
            ),
        )
        .values_list("origin_id", "m", "due", "done", "ontime")
        .annotate(n=Count("id"))
        .order_by()
    )
    for org_id, m, due, done, ontime, n in requests:
        for key, count in request_keys(m, due, bool(done), bool(ontime)).items():
            add(org_id, key, count * n)
    centres = (
        ServiceCentre.objects.annotate(
            four=ExpressionWrapper(
                Q(has_place=True, has_sign=True, has_system=True, has_funds=True),
                output_field=BooleanField(),
            )
        )
        .values_list("org_id", "org__kind", "four")
        .annotate(n=Count("id"))
        .order_by()
    )
    for org_id, kind, four, n in centres:
        for key, count in centre_keys(kind, bool(four)).items():
            add(org_id, key, count * n)
    return out


def months_between(first: date, last: date) -> list[str]:
    """'YYYY-MM' of every month from `first`'s to `last`'s, inclusive."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def summed(counts: dict, prefix: str, months: list[str]) -> int:
    return sum(counts.get(f"{prefix}:{m}", 0) for m in months)


def month_starts(first: date, last: date) -> list[date]:
    return [date(int(m[:4]), int(m[5:]), 1) for m in months_between(first, last)]


def month_end(day: date) -> date:
    nxt = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return nxt - timedelta(days=1)


def split_period(
    first: date, last: date, today: date, *, future: bool
) -> tuple[list[str], list[tuple[date, date, int]]]:
    """[first, last] as the months the kept counts answer ("YYYY-MM") and the day ranges to
    count from the records, each with its sign: a partial month is read directly when it is
    the smaller part of its month, else taken whole from the kept counts less the days outside
    the period (today's month: the days after today, usually none). `future`: whether records
    may lie after today (duty rosters run ahead; visits and requests never do) — if so the
    period stops at today, else a period reaching today takes its month whole."""
    if future:
        last = min(last, today)
    elif last >= today:
        last = max(last, month_end(last))
    if last < first:
        return [], []
    months, edges = [], []
    for m in month_starts(first, last):
        end = month_end(m)
        lo, hi = max(first, m), min(last, end)
        key = f"{m.year:04d}-{m.month:02d}"
        inside = (hi - lo).days + 1
        if inside == (end - m).days + 1:
            months.append(key)
        elif inside * 2 <= (end - m).days + 1:
            edges.append((lo, hi, 1))
        else:
            months.append(key)
            if lo > m:
                edges.append((m, lo - timedelta(days=1), -1))
            if hi < end:
                edges.append((hi + timedelta(days=1), end, -1))
    return months, edges


def before(counts: dict, prefix: str, key: str) -> int:
    """The sum of the month keys of `prefix` before `key` (a "prefix:YYYY-MM" key)."""
    head = prefix + ":"
    return sum(v for k, v in counts.items() if k.startswith(head) and k < key)
