"""Dues arrears for the whole city: set-based reads of the kept dues accounts beside naive
ways, in one process.

    .venv/bin/python bench/dues_arrears.py [--repeat 3]
    JICENG_BENCH_DATA=/tmp/jiceng-activities-bench-XXXX .venv/bin/python bench/dues_arrears.py

Uses the benchmark city (bench/tmp, or JICENG_BENCH_DATA, e.g. the database
bench/activities_compliance.py --with-dues --keep leaves); if it holds no dues yet, the dues
demo extension writes its year of payments first (migrating the dues tables if needed, which
also builds the kept accounts). Times, as wall and CPU of this process:

- city:     the arrears of every member on the rolls (`dues.selectors.accounts` over the
            city + `totals`: one read of the members joined to their kept dues account, and
            their standards);
- fee12:    FEE-12 findings for the city (`dues.findings.provide`: one query of the members
            behind, the condition in SQL on the kept accounts), beside the same from a
            GROUP BY over every payment (how it was done before the accounts were kept);
- last_paid_months for the city (what lost contact reads), and the two cockpit figures
            dues.collected and dues.arrears at city scope;
- county:   one county's arrears set-based beside a per-member loop (three queries a
            member: first standard, last month paid, months paid), checked to agree, and
            the loop extrapolated to the city by the number of members;
- check:    `dues.accounts.check()` (the consistency check, a recomputation from the
            payments), which must find no difference.
"""

import argparse
import os
import time
from datetime import date

from common import save, setup_django


def measure(fn, repeat: int, warmup: int = 1) -> tuple[dict, object]:
    """Median wall and CPU time of `fn()` over `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    walls, cpus, value = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        value = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    walls.sort()
    cpus.sort()
    return {
        "median_ms": round(walls[len(walls) // 2] * 1000, 1),
        "cpu_ms": round(cpus[len(cpus) // 2] * 1000, 1),
        "runs": repeat,
    }, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from jiceng.core import figures, ruleset
    from jiceng.core.dates import add_months
    from jiceng.core.fields import prefix_range
    from jiceng.core.progress import Progress
    from jiceng.demo import extensions
    from jiceng.dues import accounts, demo, findings, rules, selectors
    from jiceng.dues import params as dues_params
    from jiceng.dues.models import Account, Payment, Standard
    from jiceng.members.models import Member
    from jiceng.orgs import rollups
    from jiceng.orgs.models import Organization

    call_command("migrate", "dues", verbosity=0)
    today = timezone.localdate()
    if not Payment.objects.exists():
        ctx = extensions.Context(seed=2017, scale=1.0, as_of=today, parallel=False)
        with Progress(enabled=False).phase("dues", demo.estimate(ctx)) as ph:
            took, built = measure(lambda: demo.build(ctx, ph), 1, warmup=0)
        print(f"dues demo written: {took} {built}")
        rollups.rebuild()  # the figures read the kept subtree counts
    r = args.repeat
    city = Organization.objects.get(depth=1)
    members = Member.objects.on_rolls().count()
    payments = Payment.objects.count()

    city_time, city_rows = measure(
        lambda: selectors.totals(selectors.accounts(city.path, today)), r
    )
    fee12, found = measure(lambda: list(findings.provide(city.path, today)), r)

    def fee12_from_payments():
        """The previous way: each member's last month paid by a GROUP BY over every payment
        of the city, then the members behind in Python."""
        on_rolls = Member.objects.on_rolls().filter(**prefix_range("org__path", city.path))
        ids = on_rolls.values("id").order_by()
        last = dict(
            Payment.objects.filter(member_id__in=ids)
            .values("member_id")
            .annotate(m=Max("month"))
            .values_list("member_id", "m")
            .order_by()
        )
        first = dict(
            Standard.objects.filter(member_id__in=ids)
            .values("member_id")
            .annotate(m=Min("effective_from"))
            .values_list("member_id", "m")
            .order_by()
        )
        params = ruleset.snapshot(on=today)
        warn = min(int(params[dues_params.WARN_MONTHS]), int(params[dues_params.LAPSE_MONTHS]))
        behind = 0
        for mid, joined in on_rolls.values_list("id", "join_date").order_by():
            start = rules.dues_start(joined, first.get(mid))
            behind += rules.unpaid_months(last.get(mid), start, today) >= warn
        return behind

    fee12_naive, naive_behind = measure(fee12_from_payments, 1, warmup=0)
    assert naive_behind == len(found), (naive_behind, len(found))
    last_paid, _ = measure(lambda: selectors.last_paid_months(city.path), r)
    scope = figures.Scope(city.pk, city.path, city.name, date(today.year, 1, 1), today)
    fig_collected, collected = measure(
        lambda: figures.get("dues.collected").compute(
            figures.Scope(city.pk, city.path, city.name, add_months(scope.start, -12), today)
        ),
        r,
    )
    fig_arrears, arrears = measure(lambda: figures.get("dues.arrears").compute(scope), r)

    # One county: set-based against a per-member loop (months owed, as a naive page would).
    county = Organization.objects.filter(depth=2).order_by("path").first()
    current = rules.month_of(today)

    def per_member():
        owed_months = 0
        lapsing = 0
        for mid, joined in (
            Member.objects.on_rolls()
            .filter(**prefix_range("org__path", county.path))
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

    county_set, county_totals = measure(
        lambda: selectors.totals(selectors.accounts(county.path, today)), r
    )
    county_naive, (naive_owed_months, naive_lapsing) = measure(per_member, 1, warmup=0)
    assert naive_owed_months == county_totals["owed_months"], (naive_owed_months, county_totals)
    assert naive_lapsing == county_totals["lapsing"], (naive_lapsing, county_totals)
    check_time, diffs = measure(accounts.check, 1, warmup=0)
    assert diffs == [], diffs[:5]

    county_share = county_totals["members"] / max(1, city_rows["members"])
    save(
        f"dues_arrears_{connection.vendor}",
        {
            "backend": connection.vendor,
            "cpus": os.cpu_count(),
            "loadavg_before": load_before,
            "members": members,
            "payments": payments,
            "accounts": Account.objects.count(),
            "city": {
                **city_time,
                "in_arrears": city_rows["in_arrears"],
                "owed": str(city_rows["owed"]),
                "warned": city_rows["warned"],
                "lapsing": city_rows["lapsing"],
                "per_member_loop_extrapolated_ms": round(county_naive["median_ms"] / county_share),
                "ratio": round(
                    county_naive["median_ms"] / county_share / city_time["median_ms"], 1
                ),
            },
            "fee12_findings": {
                **fee12,
                "findings": len(found),
                "from_payments": fee12_naive,
                "ratio": round(fee12_naive["median_ms"] / fee12["median_ms"], 1),
                "cpu_ratio": round(fee12_naive["cpu_ms"] / max(0.1, fee12["cpu_ms"]), 1),
            },
            "last_paid_months": last_paid,
            "figures": {
                "dues.collected": {**fig_collected, "value": str(collected.value)},
                "dues.arrears": {**fig_arrears, "value": arrears.value, "rag": arrears.rag},
            },
            "county": {
                "name": county.name,
                "members": county_totals["members"],
                "set_based": county_set,
                "per_member_loop": county_naive,
                "ratio": round(county_naive["median_ms"] / county_set["median_ms"], 1),
            },
            "accounts_check": {**check_time, "differences": len(diffs)},
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
    )


if __name__ == "__main__":
    main()
