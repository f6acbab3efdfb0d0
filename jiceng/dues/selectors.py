"""Reads of dues: set-based over a subtree (a few queries for the whole city)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.utils import timezone

from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.core.fields import prefix_range
from jiceng.members.models import Member

from . import params as p
from . import rules
from .models import Account, Payment, Reduction, ReductionStatus, Standard


def last_paid_months(path: str, member_ids: Iterable[int] | None = None) -> dict[int, date]:
    """Member id → the first day of the last month paid, for every member on the rolls in the
    subtree whose organisation's path starts with `path` (or for `member_ids` only, on the
    rolls in that subtree). Members who never paid are absent. A read of the kept dues
    accounts (`models.Account`), never of the payments: one query (one per 900 ids with
    `member_ids`). No scope check: callers check the organisation."""
    accounts = Account.objects.filter(last_paid__isnull=False).order_by()
    if member_ids is None:
        return dict(
            accounts.filter(member_id__in=_on_rolls(path)).values_list("member_id", "last_paid")
        )
    ids = sorted(set(member_ids))
    out: dict[int, date] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        out.update(
            accounts.filter(member_id__in=_on_rolls(path).filter(pk__in=chunk)).values_list(
                "member_id", "last_paid"
            )
        )
    return out


CHUNK = 900  # ids per query (SQLite's bound-parameter limit as Django sees it)


def last_paid_of(member: str = "") -> F:
    """The first day of the last month paid of the member that the look-up path `member`
    leads to from the queried model ("" for a Member queryset, "member__" for a model with a
    `member` key), NULL if none was paid: an expression for another app's query to annotate
    (e.g. activities' absences) without knowing where the dues app keeps it. It reads the kept
    account joined by the member's id (a LEFT JOIN on its primary key), so a query over many
    members stays one join, never a subquery per row."""
    return F(f"{member}dues_account__last_paid")


# -- arrears (FEE-09, FEE-12) ---------------------------------------------------------------


@dataclass(frozen=True)
class MemberDues:
    """A member's dues account as of a date: months count complete months only (the current
    month is still payable)."""

    member_id: int
    name: str
    org_id: int
    org_path: str
    start: date | None  # the first month owed (FEE-10; None: no standard set yet)
    last_paid: date | None  # the paid-to month
    unpaid: int  # consecutive months unpaid since the last paid (FEE-12)
    owed_months: int  # every month unpaid since the start, gaps included
    owed: Decimal | None  # the arrears in yuan; None when the member has no standard yet
    standard: Decimal | None  # the amount due this month


def first_standard_months(path: str) -> dict[int, date]:
    """Member id → the month of their first standard (when dues began to be kept), for the
    members on the rolls in the subtree. One read of the kept dues accounts."""
    return dict(
        Account.objects.filter(member_id__in=_on_rolls(path), first_standard__isnull=False)
        .order_by()
        .values_list("member_id", "first_standard")
    )


def _segments(path: str, member_ids=None):
    """member id → [(from month, amount, to month or None)] of standards, with approved
    reductions laid over them: what is due month by month. Two queries."""
    ids = member_ids if member_ids is not None else _on_rolls(path)
    std = Standard.objects.filter(member_id__in=ids).order_by("member_id", "effective_from", "id")
    red = Reduction.objects.filter(status=ReductionStatus.APPROVED, member_id__in=ids)
    standards: dict[int, list] = defaultdict(list)
    for mid, start, amount in std.values_list("member_id", "effective_from", "amount"):
        standards[mid].append((start, amount))
    reductions: dict[int, list] = defaultdict(list)
    for mid, start, end, amount in red.values_list("member_id", "from_month", "to_month", "amount"):
        reductions[mid].append((start, end, amount))
    return standards, reductions


def _on_rolls(path: str):
    """The ids of the members on the rolls in the subtree, as a subquery. Dues rows are always
    selected with `member_id IN (this)`: the database then seeks the (member, month) index per
    member, where a join on the member's organisation path made SQLite scan every payment
    (18 s against 0.03 s for a branch of the demo city)."""
    return (
        Member.objects.on_rolls().filter(**prefix_range("org__path", path)).values("id").order_by()
    )


def accounts(
    path: str, as_of: date | None = None, *, org_id: int | None = None, member_id: int | None = None
) -> list[MemberDues]:
    """The dues account of every member on the rolls in the subtree at `path` (or of branch
    `org_id` only): paid-to month, consecutive months unpaid, arrears. Set-based: five queries
    whatever the size of the subtree (plus one for the few members whose standard changed in
    the months owed). No scope check: callers check the organisation."""
    as_of = as_of or timezone.localdate()
    current = rules.month_of(as_of)
    members = Member.objects.on_rolls().filter(**prefix_range("org__path", path))
    if org_id is not None:
        members = members.filter(org_id=org_id)
    if member_id is not None:
        members = members.filter(pk=member_id)
    ids = members.values("id").order_by()
    standards, reductions = _segments(path, ids)
    # Months paid before the current one: the kept count, less the months paid from the
    # current one on (only the current one when it is the paid-to month; read for the few
    # members who paid ahead).
    ahead = dict(
        Payment.objects.filter(
            member_id__in=Account.objects.filter(member_id__in=ids, last_paid__gt=current).values(
                "member_id"
            ),
            month__gte=current,
        )
        .order_by()
        .values("member_id")
        .annotate(n=Count("id"))
        .values_list("member_id", "n")
    )
    rows = []
    irregular: list[int] = []
    for mid, name, oid, opath, joined, last, paid_months in members.values_list(
        "id",
        "name",
        "org_id",
        "org__path",
        "join_date",
        "dues_account__last_paid",
        "dues_account__paid_months",
    ).order_by("org__path", "id"):
        segs = standards.get(mid, ())
        reds = reductions.get(mid, ())
        start = rules.dues_start(joined, segs[0][0] if segs else None)
        n = paid_months or 0
        if last is not None and last >= current:
            n -= ahead.get(mid, 1)
        months_due = max(0, rules.months_between(start, current)) if start else 0
        owed_months = max(0, months_due - n)
        now_due = rules.amount_due(rules.standard_in_force(segs, current), reds, current)
        owed = None
        if owed_months == 0:
            owed = rules.ZERO
        elif segs:
            first = rules.standard_in_force(segs, start)
            changes = [s for s, _a in segs if start < s < current]
            if first is not None and not changes and not reds:
                owed = first * owed_months
            else:
                irregular.append(mid)
        rows.append(
            MemberDues(
                member_id=mid,
                name=name,
                org_id=oid,
                org_path=opath,
                start=start,
                last_paid=last,
                unpaid=rules.unpaid_months(last, start, as_of),
                owed_months=owed_months,
                owed=owed,
                standard=now_due,
            )
        )
    if irregular:
        rows = _exact_owed(rows, set(irregular), standards, reductions, current)
    return rows


def _exact_owed(rows, ids: set[int], standards, reductions, current: date):
    """Arrears month by month for members whose standard changed in the months owed."""
    from dataclasses import replace

    paid_months: dict[int, set[date]] = defaultdict(set)
    id_list = sorted(ids)
    for i in range(0, len(id_list), 900):
        chunk = id_list[i : i + 900]
        for mid, month in Payment.objects.filter(member_id__in=chunk).values_list(
            "member_id", "month"
        ):
            paid_months[mid].add(month)
    out = []
    for row in rows:
        if row.member_id in ids:
            total = rules.ZERO
            known = True
            month = row.start
            while month < current:
                if month not in paid_months[row.member_id]:
                    due = rules.amount_due(
                        rules.standard_in_force(standards.get(row.member_id, ()), month),
                        reductions.get(row.member_id, ()),
                        month,
                    )
                    if due is None:
                        known = False
                    else:
                        total += due
                month = add_months(month, 1)
            row = replace(row, owed=total if known else None)
        out.append(row)
    return out


def totals(rows: list[MemberDues]) -> dict:
    """Members, members in arrears, months owed, arrears (yuan), members near or at FEE-12."""
    params = ruleset.snapshot()
    lapse, warn = int(params[p.LAPSE_MONTHS]), int(params[p.WARN_MONTHS])
    return {
        "members": len(rows),
        "in_arrears": sum(1 for r in rows if r.owed_months),
        "owed_months": sum(r.owed_months for r in rows),
        "owed": sum((r.owed for r in rows if r.owed), rules.ZERO),
        "no_standard": sum(1 for r in rows if r.standard is None),
        "warned": sum(1 for r in rows if warn <= r.unpaid < lapse),
        "lapsing": sum(1 for r in rows if r.unpaid >= lapse),
    }


def collected(path: str, start: date, end: date, *, org_id: int | None = None) -> dict:
    """Payments for the months [start, end) of the members now in the subtree: count,
    collected, expected (the standards of the months paid) and voluntary extra. One query."""
    members = Member.objects.filter(**prefix_range("org__path", path))
    if org_id is not None:
        members = members.filter(org_id=org_id)
    qs = Payment.objects.filter(
        member_id__in=members.values("id").order_by(), month__gte=start, month__lt=end
    )
    agg = qs.aggregate(n=Count("id"), amount=Sum("amount"), due=Sum("due"))
    amount = rules.money(agg["amount"] or 0)
    due = rules.money(agg["due"] or 0)
    return {"payments": agg["n"], "collected": amount, "due": due, "extra": amount - due}
