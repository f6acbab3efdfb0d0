"""Dues arrears for the whole city: set-based selectors beside naive loops, in one process.

    .venv/bin/python bench/dues_arrears.py [--county-naive]

Uses the benchmark city (bench/tmp, or JICENG_BENCH_DATA); if it holds no dues yet, the dues
demo extension writes its year of payments first (migrating the dues tables if needed). Times:

- the city's arrears set-based (`dues.selectors.accounts` over the city's subtree + `totals`)
  beside a per-branch loop (the same selector called once per branch);
- FEE-12 findings for the city (`dues.findings.provide`) and `last_paid_months` (lost contact);
- one county's arrears set-based beside a per-member loop (three queries a member: the last
  month paid, the months paid, the standard), checked to agree.
"""

import argparse
import time

from common import save, setup_django, timed


def once(fn):
    start = time.perf_counter()
    value = fn()
    return value, round((time.perf_counter() - start) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Max
    from django.utils import timezone

    from jiceng.core.progress import Progress
    from jiceng.demo import extensions
    from jiceng.dues import demo, findings, rules, selectors
    from jiceng.dues.models import Payment, Standard
    from jiceng.members.models import Member
    from jiceng.orgs.models import BRANCH_KINDS, Organization

    call_command("migrate", "dues", verbosity=0)
    today = timezone.localdate()
    if not Payment.objects.exists():
        ctx = extensions.Context(seed=2017, scale=1.0, as_of=today, parallel=False)
        with Progress(enabled=False).phase("dues", demo.estimate(ctx)) as ph:
            built, took = once(lambda: demo.build(ctx, ph))
        print(f"dues demo written in {took / 1000:.1f} s: {built}")
    city = Organization.objects.get(depth=1)
    members = Member.objects.on_rolls().count()
    payments = Payment.objects.count()

    # City: set-based against a per-branch loop.
    city_rows, _ = once(lambda: selectors.accounts(city.path, today))
    city_totals = selectors.totals(city_rows)
    set_based = timed(
        lambda: selectors.totals(selectors.accounts(city.path, today)), repeat=args.repeat, warmup=0
    )
    branches = list(
        Organization.objects.filter(kind__in=BRANCH_KINDS)
        .values_list("pk", "path")
        .order_by("path")
    )

    def per_branch():
        owed = rules.ZERO
        n = 0
        for pk, path in branches:
            rows = selectors.accounts(path, today, org_id=pk)
            n += len(rows)
            owed += sum((r.owed for r in rows if r.owed), rules.ZERO)
        return n, owed

    (loop_members, loop_owed), loop_ms = once(per_branch)
    assert loop_members == city_totals["members"], (loop_members, city_totals["members"])
    assert loop_owed == city_totals["owed"], (loop_owed, city_totals["owed"])

    fee12 = timed(lambda: list(findings.provide(city.path, today)), repeat=args.repeat, warmup=0)
    found = list(findings.provide(city.path, today))
    last_paid = timed(lambda: selectors.last_paid_months(city.path), repeat=args.repeat, warmup=0)

    # One county: set-based against a per-member loop (months owed, as a naive page would).
    county = Organization.objects.filter(depth=2).order_by("path").first()
    current = rules.month_of(today)

    def per_member():
        owed_months = 0
        lapsing = 0
        for mid, joined in (
            Member.objects.on_rolls()
            .filter(org__path__startswith=county.path)
            .values_list("id", "join_date")
        ):
            first = (
                Standard.objects.filter(member_id=mid)
                .order_by("effective_from")
                .values_list("effective_from", flat=True)
                .first()
            )
            start = rules.dues_start(joined, first)
            if start is None:
                continue
            last = Payment.objects.filter(member_id=mid).aggregate(m=Max("month"))["m"]
            paid = Payment.objects.filter(member_id=mid, month__lt=current).aggregate(
                n=Count("id")
            )["n"]
            owed_months += max(0, rules.months_between(start, current) - paid)
            lapsing += rules.unpaid_months(last, start, today) >= 6
        return owed_months, lapsing

    county_rows = selectors.accounts(county.path, today)
    county_set = timed(
        lambda: selectors.totals(selectors.accounts(county.path, today)),
        repeat=args.repeat,
        warmup=0,
    )
    (naive_owed_months, naive_lapsing), naive_ms = once(per_member)
    county_totals = selectors.totals(county_rows)
    assert naive_owed_months == county_totals["owed_months"], (naive_owed_months, county_totals)
    assert naive_lapsing == county_totals["lapsing"], (naive_lapsing, county_totals)

    save(
        f"dues_arrears_{connection.vendor}",
        {
            "backend": connection.vendor,
            "members": members,
            "payments": payments,
            "branches": len(branches),
            "city": {
                "set_based": set_based,
                "per_branch_loop_ms": loop_ms,
                "ratio": round(loop_ms / set_based["median_ms"], 1),
                "in_arrears": city_totals["in_arrears"],
                "owed": str(city_totals["owed"]),
                "warned": city_totals["warned"],
                "lapsing": city_totals["lapsing"],
            },
            "fee12_findings": {**fee12, "findings": len(found)},
            "last_paid_months": last_paid,
            "county": {
                "name": county.name,
                "members": county_totals["members"],
                "set_based": county_set,
                "per_member_loop_ms": naive_ms,
                "ratio": round(naive_ms / county_set["median_ms"], 1),
            },
        },
    )


if __name__ == "__main__":
    main()
