"""A branch's monthly collection sheet and yearly summary (what the secretary hands in), as
rows for the pages and the .xlsx exports. A few queries per branch, never one per member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from jiceng.core.dates import add_months
from jiceng.members.models import Member

from . import rules, services
from .models import Category, Payment, Standard

CATEGORY_LABELS = dict(Category.choices)


@dataclass(frozen=True)
class SheetRow:
    member_id: int
    name: str
    category: str
    due: Decimal | None
    amount: Decimal | None  # None = not paid
    paid_on: date | None

    @property
    def extra(self) -> Decimal:
        if self.amount is None or self.due is None:
            return rules.ZERO
        return max(self.amount - self.due, rules.ZERO)


def _members(org):
    return list(Member.objects.on_rolls().filter(org=org).order_by("id").values_list("id", "name"))


def _categories(ids) -> dict[int, str]:
    out = {}
    for mid, category in (
        Standard.objects.filter(member_id__in=ids)
        .order_by("member_id", "effective_from", "id")
        .values_list("member_id", "category")
    ):
        out[mid] = category  # the latest wins
    return out


def month_sheet(org, month: date) -> list[SheetRow]:
    """Every member of the branch with their standard that month and what they paid."""
    members = _members(org)
    ids = [mid for mid, _n in members]
    standards, reductions = services.standards_of(ids)
    categories = _categories(ids)
    paid = {
        mid: (amount, paid_on)
        for mid, amount, paid_on in Payment.objects.filter(member_id__in=ids, month=month)
        .values_list("member_id", "amount", "paid_on")
        .order_by()
    }
    return [
        SheetRow(
            member_id=mid,
            name=name,
            category=CATEGORY_LABELS.get(categories.get(mid, ""), ""),
            due=services.due_in(standards, reductions, mid, month),
            amount=paid.get(mid, (None, None))[0],
            paid_on=paid.get(mid, (None, None))[1],
        )
        for mid, name in members
    ]


def sheet_totals(rows: list[SheetRow]) -> dict:
    return {
        "members": len(rows),
        "paid": sum(1 for r in rows if r.amount is not None),
        "due": sum((r.due for r in rows if r.due is not None), rules.ZERO),
        "collected": sum((r.amount for r in rows if r.amount is not None), rules.ZERO),
        "extra": sum((r.extra for r in rows), rules.ZERO),
    }


@dataclass(frozen=True)
class YearRow:
    member_id: int
    name: str
    months: list  # 12 amounts or None
    total: Decimal
    paid: int


def year_summary(org, year: int) -> list[YearRow]:
    members = _members(org)
    ids = [mid for mid, _n in members]
    start = date(year, 1, 1)
    amounts: dict[int, dict[int, Decimal]] = {}
    for mid, month, amount in (
        Payment.objects.filter(member_id__in=ids, month__gte=start, month__lt=date(year + 1, 1, 1))
        .values_list("member_id", "month", "amount")
        .order_by()
    ):
        amounts.setdefault(mid, {})[month.month] = amount
    rows = []
    for mid, name in members:
        paid = amounts.get(mid, {})
        rows.append(
            YearRow(
                member_id=mid,
                name=name,
                months=[paid.get(m) for m in range(1, 13)],
                total=sum(paid.values(), rules.ZERO),
                paid=len(paid),
            )
        )
    return rows


def year_totals(rows: list[YearRow]) -> dict:
    return {
        "months": [
            sum((r.months[i] for r in rows if r.months[i] is not None), rules.ZERO)
            for i in range(12)
        ],
        "total": sum((r.total for r in rows), rules.ZERO),
    }


def month_sheet_table(org, month: date) -> tuple[list[str], list[list]]:
    rows = month_sheet(org, month)
    headers = [
        _("Name"),
        _("Category"),
        _("Standard (yuan)"),
        _("Paid (yuan)"),
        _("Voluntary extra (yuan)"),
        _("Paid on"),
    ]
    body = [
        [
            r.name,
            r.category,
            float(r.due) if r.due is not None else None,
            float(r.amount) if r.amount is not None else None,
            float(r.extra) if r.extra else None,
            r.paid_on,
        ]
        for r in rows
    ]
    t = sheet_totals(rows)
    body.append([_("Total"), "", float(t["due"]), float(t["collected"]), float(t["extra"]), None])
    return headers, body


def year_table(org, year: int) -> tuple[list[str], list[list]]:
    rows = year_summary(org, year)
    headers = [_("Name"), *[f"{year}-{m:02d}" for m in range(1, 13)], _("Total (yuan)")]
    body = [
        [r.name, *[float(a) if a is not None else None for a in r.months], float(r.total)]
        for r in rows
    ]
    t = year_totals(rows)
    body.append([_("Total"), *[float(a) for a in t["months"]], float(t["total"])])
    return headers, body


def months_of_year(year: int) -> list[date]:
    return [add_months(date(year, 1, 1), i) for i in range(12)]
