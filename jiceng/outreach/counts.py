"""The service system's subtree counts (orgs.rollups): what each record adds to the counts of
the organisation it belongs to, and the set-based recomputation of all of them.

    srv_visits:YYYY-MM     household visits in a month (by the village visited)
    srv_duty:YYYY-MM       duty shifts scheduled in a month (by the township/village)
    srv_duty_in:YYYY-MM    of those, attended (checked in)
    srv_req                requests raised (by the organisation they were raised in)
    srv_req_done           of those, resolved or closed
    srv_req_ontime         of those, resolved on or before their deadline
"""

from collections import Counter
from datetime import date

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth

from jiceng.orgs import rollups

from .models import DONE_STATUSES, DutyShift, HouseholdVisit, ResidentRequest

VISITS, DUTY, DUTY_IN = "srv_visits", "srv_duty", "srv_duty_in"
REQ, REQ_DONE, REQ_ONTIME = "srv_req", "srv_req_done", "srv_req_ontime"


def month_key(prefix: str, on: date) -> str:
    return f"{prefix}:{on.year:04d}-{on.month:02d}"


def visit_keys(visited_on: date) -> Counter:
    return Counter({month_key(VISITS, visited_on): 1})


def shift_keys(on: date, attended: bool) -> Counter:
    return Counter({month_key(DUTY, on): 1, month_key(DUTY_IN, on): int(attended)})


def request_keys(done: bool, on_time: bool) -> Counter:
    return Counter({REQ: 1, REQ_DONE: int(done), REQ_ONTIME: int(done and on_time)})


def bump(org_id: int, delta: Counter, sign: int = 1) -> None:
    """Apply a record's keys (sign -1: take them away) to its organisation and ancestors."""
    rollups.apply_deltas({org_id: Counter({k: sign * v for k, v in delta.items()})})


def contributions() -> dict[int, Counter]:
    out: dict[int, Counter] = {}

    def add(org_id, key, n):
        if n:
            out.setdefault(org_id, Counter())[key] += n

    visits = (
        HouseholdVisit.objects.annotate(m=TruncMonth("visited_on"))
        .values_list("village_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    for org_id, m, n in visits:
        add(org_id, month_key(VISITS, m), n)
    shifts = (
        DutyShift.objects.annotate(m=TruncMonth("on"))
        .values_list("org_id", "m")
        .annotate(n=Count("id"), came=Count("checked_in_at"))
        .order_by()
    )
    for org_id, m, n, came in shifts:
        add(org_id, month_key(DUTY, m), n)
        add(org_id, month_key(DUTY_IN, m), came)
    requests = (
        ResidentRequest.objects.annotate(
            done=ExpressionWrapper(Q(status__in=DONE_STATUSES), output_field=BooleanField()),
            ontime=ExpressionWrapper(
                Q(status__in=DONE_STATUSES, resolved_on__lte=F("deadline")),
                output_field=BooleanField(),
            ),
        )
        .values_list("origin_id", "done", "ontime")
        .annotate(n=Count("id"))
        .order_by()
    )
    for org_id, done, ontime, n in requests:
        add(org_id, REQ, n)
        if done:
            add(org_id, REQ_DONE, n)
        if ontime:
            add(org_id, REQ_ONTIME, n)
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
