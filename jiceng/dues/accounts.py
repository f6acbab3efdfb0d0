"""Each member's dues account (`models.Account`) as kept state: refreshed by the services in
the transaction that writes payments or standards, rebuilt set-based by the demo build and
the migration, and checked against a recomputation from the records (like orgs.rollups)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Count, Max, Min

from .models import Account, Payment, Standard

State = tuple[date | None, date | None, int]  # (first standard, last paid, months paid)
CHUNK = 900  # ids per query (SQLite's bound-parameter limit as Django sees it)


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def recompute(member_ids: Iterable[int] | None = None) -> dict[int, State]:
    """member id → (first standard month, last month paid, months paid) from the records, for
    `member_ids` (default: every member with a standard or a payment). Two grouped reads."""
    out: dict[int, list] = {}
    parts = [None] if member_ids is None else list(_chunks(sorted(set(member_ids))))
    for ids in parts:
        std = Standard.objects.order_by().values("member_id").annotate(first=Min("effective_from"))
        pay = (
            Payment.objects.order_by()
            .values("member_id")
            .annotate(last=Max("month"), n=Count("id"))
        )
        if ids is not None:
            std, pay = std.filter(member_id__in=ids), pay.filter(member_id__in=ids)
        for mid, first in std.values_list("member_id", "first"):
            out.setdefault(mid, [None, None, 0])[0] = first
        for mid, last, n in pay.values_list("member_id", "last", "n"):
            row = out.setdefault(mid, [None, None, 0])
            row[1], row[2] = last, n
    return {mid: tuple(v) for mid, v in out.items()}


def refresh(member_ids: Iterable[int]) -> None:
    """Bring the accounts of these members in line with their payments and standards (inside
    the caller's transaction): two grouped reads through the (member, …) indexes and one
    upsert, whatever the number of members."""
    ids = sorted(set(member_ids))
    if not ids:
        return
    state = recompute(ids)
    rows = [
        Account(member_id=mid, first_standard=first, last_paid=last, paid_months=n)
        for mid, (first, last, n) in state.items()
    ]
    Account.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["member"],
        update_fields=["first_standard", "last_paid", "paid_months"],
    )
    gone = set(ids) - set(state)
    if gone:
        Account.objects.filter(member_id__in=sorted(gone)).delete()


REBUILD_SQL = """
INSERT INTO {account} (member_id, first_standard, last_paid, paid_months)
SELECT m.id, s.first, p.last, COALESCE(p.n, 0)
FROM {member} m
LEFT JOIN (SELECT member_id, MIN(effective_from) AS first FROM {standard} GROUP BY member_id) s
  ON s.member_id = m.id
LEFT JOIN (SELECT member_id, MAX(month) AS last, COUNT(*) AS n FROM {payment} GROUP BY member_id) p
  ON p.member_id = m.id
WHERE s.first IS NOT NULL OR p.last IS NOT NULL
"""


def rebuild(using=None) -> int:
    """Recompute every account from the records, set-based (two GROUP BYs in one INSERT …
    SELECT). Returns the number of accounts."""
    from jiceng.members.models import Member

    qn = connection.ops.quote_name
    sql = REBUILD_SQL.format(
        account=qn(Account._meta.db_table),
        member=qn(Member._meta.db_table),
        standard=qn(Standard._meta.db_table),
        payment=qn(Payment._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(Account._meta.db_table)}")
        cursor.execute(sql)
    return Account.objects.count()


def check() -> list[tuple[int, State, State]]:
    """Differences (member id, stored, recomputed) between the kept accounts and the records."""
    computed = recompute()
    stored = {
        mid: (first, last, n)
        for mid, first, last, n in Account.objects.values_list(
            "member_id", "first_standard", "last_paid", "paid_months"
        ).iterator(20_000)
    }
    diffs = []
    for mid in set(stored) | set(computed):
        have, want = stored.get(mid), computed.get(mid)
        if have != want:
            diffs.append((mid, have, want))
    return sorted(diffs, key=lambda d: d[0])
