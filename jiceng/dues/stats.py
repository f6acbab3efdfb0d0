"""Dues' subtree counts (orgs.rollups): what each payment adds to the counts of the branch
that collected it, and the set-based recomputation of all of them.

    dues_fen:YYYY-MM    dues collected for a month, in fen (exact integers: 1 yuan = 100 fen)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Sum

from jiceng.orgs import rollups

from .models import Payment

COLLECTED = "dues_fen"


def month_key(on: date) -> str:
    return f"{COLLECTED}:{on.year:04d}-{on.month:02d}"


def fen(amount) -> int:
    return int(amount * 100)


def payments_added(rows: Iterable[Payment]) -> None:
    """Count new payments for their collecting branch and every ancestor (inside the caller's
    transaction)."""
    deltas: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        deltas[row.org_id][month_key(row.month)] += fen(row.amount)
    rollups.apply_deltas(dict(deltas))


def contributions() -> dict[int, Counter]:
    """Every branch's own counts from the payments: one GROUP BY."""
    out: dict[int, Counter] = defaultdict(Counter)
    rows = (
        Payment.objects.order_by()
        .values("org_id", "month")
        .annotate(total=Sum("amount"))
        .values_list("org_id", "month", "total")
    )
    for org_id, month, total in rows.iterator(20_000):
        out[org_id][month_key(month)] += fen(total)
    return dict(out)
