"""A year of dues for the demo city (jiceng.demo.extensions): a standard for every member on
the rolls from 12 months back, and their payments month by month, with realistic gaps: most pay
every month, some are a few months behind, a few have paid nothing for 6 months or more (FEE-12,
and lost contact with the activities app). Deterministic for a seed; written set-based."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from jiceng.core import ruleset
from jiceng.core.bulk import Inserter, StagedInserter
from jiceng.core.dates import add_months
from jiceng.members.models import Member

from . import params as p
from . import rules
from .models import Account, Category, Payment, Reduction, ReductionStatus, Standard

MONTHS = 12  # complete months before the current one
BATCH = 50_000
PAYMENT_COLUMNS = (
    "member",
    "org",
    "month",
    "amount",
    "due",
    "paid_on",
    "created_at",
    "updated_at",
)


def estimate(ctx) -> int:
    return max(1, int(322_000 * ctx.scale * (MONTHS + 1)))


def _standard(rng: random.Random, occupation: str, params, bands, pension_bands):
    """(category, income base or None, monthly amount) of a member, by their occupation."""
    if occupation == "02":
        return Category.FARMER, None, rng.choice(("0.20", "0.50", "1.00"))
    if occupation == "06":
        return Category.STUDENT, None, str(rules.money(params[p.FIXED_AMOUNT]))
    if occupation == "08":
        base = Decimal(rng.randrange(250_000, 900_000)) / 100
        return Category.RETIREE, base, str(rules.retiree_standard(base, pension_bands))
    base = Decimal(int(rng.lognormvariate(8.6, 0.45) * 100)) / 100
    category = Category.EMPLOYED if rng.random() < 0.97 else Category.ANNUAL_SALARY
    return category, base, str(rules.employed_standard(base, bands))


def _behind(rng: random.Random) -> int:
    """How many complete months a member is behind at the end of the demo year."""
    r = rng.random()
    if r < 0.88:
        return 0
    if r < 0.96:
        return rng.randint(1, 3)
    if r < 0.98:
        return rng.randint(4, 5)
    return rng.randint(6, MONTHS + 1)


def build(ctx, phase) -> dict:
    rng = random.Random(ctx.seed * 7919 + 5)
    current = rules.month_of(ctx.as_of)
    first = add_months(current, -MONTHS)
    months = [add_months(first, i) for i in range(MONTHS + 1)]
    params = ruleset.snapshot(on=first)
    bands = rules.parse_bands(params[p.EMPLOYED_BANDS])
    pension_bands = rules.parse_bands(params[p.RETIREE_BANDS])
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    iso = {m: m.isoformat() for m in months}
    days = {m: [m.replace(day=d).isoformat() for d in range(1, 29)] for m in months}
    last_day = ctx.as_of.isoformat()

    standards = Inserter(
        Standard,
        (
            "member",
            "category",
            "income_base",
            "effective_from",
            "amount",
            "note",
            "created_at",
            "updated_at",
        ),
    )
    reductions = Inserter(
        Reduction,
        (
            "member",
            "from_month",
            "amount",
            "reason",
            "status",
            "decision_note",
            "created_at",
            "updated_at",
        ),
    )
    payments = StagedInserter(Payment, PAYMENT_COLUMNS)
    accounts = Inserter(Account, ("member", "first_standard", "last_paid", "paid_months"))
    acc_rows: list[tuple] = []
    std_rows: list[tuple] = []
    red_rows: list[tuple] = []
    pay_rows: list[tuple] = []
    counts = {"behind": 0, "due_soon": 0, "lapsing": 0}
    # Read at once: a cursor left open while writing keeps SQLite's WAL from being reset.
    members = list(
        Member.objects.on_rolls()
        .order_by("id")
        .values_list("id", "org_id", "join_date", "occupation")
    )
    for mid, org_id, joined, occupation in members:
        start = max(rules.month_of(joined), first)
        if start > current:
            continue
        category, base, amount = _standard(rng, occupation, params, bands, pension_bands)
        std_rows.append(
            (
                mid,
                category,
                str(base) if base is not None else None,
                iso[start],
                amount,
                "",
                now,
                now,
            )
        )
        due = amount
        if rng.random() < 0.002:  # FEE-11: an approved hardship reduction to nothing
            due = "0.00"
            red_rows.append(
                (mid, iso[start], due, "家庭困难", ReductionStatus.APPROVED, "", now, now)
            )
        behind = _behind(rng)
        if behind:
            counts["behind"] += 1
            if behind >= 6:
                counts["lapsing"] += 1
            elif behind == 5:
                counts["due_soon"] += 1
        stop = add_months(current, -behind)  # the first month not paid
        gap = months[rng.randrange(MONTHS)] if rng.random() < 0.03 else None
        last = None
        n = 0
        for m in months:
            if m < start or m >= stop or m == gap:
                continue
            if m == current and rng.random() < 0.4:
                continue  # the current month is still payable
            paid_on = rng.choice(days[m]) if m < current else last_day
            pay_rows.append((mid, org_id, iso[m], due, due, paid_on, now, now))
            last = m
            n += 1
        acc_rows.append((mid, iso[start], iso[last] if last else None, n))
        if len(pay_rows) >= BATCH:
            payments.write(pay_rows)
            pay_rows = []
            phase.update(payments.rows)
    payments.write(pay_rows)
    standards.write(std_rows)
    reductions.write(red_rows)
    accounts.write(acc_rows)
    phase.update(payments.rows)
    return {
        "standards": standards.rows,
        "reductions": reductions.rows,
        "payments": payments.rows,
        "accounts": accounts.rows,
        "months": f"{first:%Y-%m}..{current:%Y-%m}",
        **counts,
    }
