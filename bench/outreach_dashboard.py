"""The service dashboard (jiceng.outreach) of the whole city with a year of demo data, beside
the naive way of computing the same figures, in the same run on the same data.

    .venv/bin/python bench/outreach_dashboard.py [--scale 1] [--seed 2017] [--repeat 10] [--keep]
    .venv/bin/python bench/outreach_dashboard.py --reuse DIR   # time again on a kept database

Migrates a fresh SQLite database in a temporary JICENG_DATA_DIR and builds the demo city with
the service system's extension only (the other apps' demo data plays no part in these
figures), timing that extension's phase. Then it times, for the city and for one county:

- platform: `outreach.selectors.dashboard` — the stored subtree counts (orgs.OrgStats) of the
  organisation and its children, plus one GROUP BY per live figure over the subtree, split
  by child with the path prefix;
- naive: what a dashboard without rollups does — for the organisation and each child, one
  COUNT per figure over the raw tables (a subtree join on the organisation's path).

Both must give the same figures (checked); prints and saves one JSON line with medians, p95s
and the ratio (bench/results/outreach_dashboard.json).
"""

import argparse
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ goes after the standard library: it holds a statistics.py (python puts the script's
# directory first, which would shadow the standard module Django's SQLite backend imports).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.append(str(ROOT / "bench"))

from common import bench_user, build_city, city_database, city_options, note, save, timed  # noqa: E402


def naive_dashboard(org, as_of):
    """The same figures, one COUNT per figure and per organisation (the org and its children)."""
    from django.db.models import F, Q

    from jiceng.core.fields import prefix_range
    from jiceng.orgs.models import Organization
    from jiceng.outreach import selectors
    from jiceng.outreach.models import (
        DONE_STATUSES,
        OPEN_STATUSES,
        DutyShift,
        HouseholdVisit,
        ResidentRequest,
        ServiceCentre,
    )

    first, last = selectors.window(as_of)
    out = []
    for o in [org, *Organization.objects.filter(parent=org, status="active").order_by("path")]:
        shifts = DutyShift.objects.filter(
            **prefix_range("org__path", o.path), on__gte=first, on__lte=last
        )
        requests = ResidentRequest.objects.filter(
            **prefix_range("origin__path", o.path),
            registered_on__gte=first,
            registered_on__lte=last,
        )
        open_requests = ResidentRequest.objects.filter(
            **prefix_range("origin__path", o.path), status__in=OPEN_STATUSES, deadline__lt=as_of
        )
        out.append(
            {
                "visits": HouseholdVisit.objects.filter(
                    **prefix_range("village__path", o.path),
                    visited_on__gte=first,
                    visited_on__lte=last,
                ).count(),
                "duty": shifts.count(),
                "duty_in": shifts.filter(checked_in_at__isnull=False).count(),
                "requests": requests.count(),
                "requests_done": requests.filter(status__in=DONE_STATUSES).count(),
                "requests_ontime": requests.filter(
                    status__in=DONE_STATUSES, resolved_on__lte=F("deadline")
                ).count(),
                "overdue": open_requests.count(),
                "centres": ServiceCentre.objects.filter(
                    **prefix_range("org__path", o.path)
                ).count(),
                "centres_four": ServiceCentre.objects.filter(
                    **prefix_range("org__path", o.path),
                    has_place=True,
                    has_sign=True,
                    has_system=True,
                    has_funds=True,
                ).count(),
                "places": Organization.objects.filter(
                    selectors.places_q(), Q(status="active"), **prefix_range("path", o.path)
                ).count(),
            }
        )
    return out


def platform_figures(data):
    keys = (
        "visits",
        "duty",
        "duty_in",
        "requests",
        "requests_done",
        "requests_ontime",
        "overdue",
        "centres",
        "centres_four",
        "places",
    )
    return [{k: getattr(f, k) for k in keys} for f in [data["total"], *data["children"]]]


def _plain(x):
    return float(x) if x is not None and not isinstance(x, int) else x


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    city_options(parser, repeat=10, what="the dashboards")
    parser.add_argument("--naive-warmup", type=int, default=1)
    parser.add_argument(
        "--levels", default="city,county", help="which dashboards to time: city, county or both"
    )
    args = parser.parse_args()
    with city_database(args, "jiceng-outreach-bench-") as out:
        from django.utils import timezone

        from jiceng.accounts.models import User
        from jiceng.orgs.models import Organization
        from jiceng.outreach import selectors

        if not args.reuse:
            result, out["build_total_s"] = build_city(args, only="outreach")
            out["outreach_phase_s"] = round(result.timings.get("outreach", 0.0), 1)
            out["phases_s"] = {k: round(v, 1) for k, v in result.timings.items()}
            out["records"] = result.extensions.get("outreach")
            note(built=out)
        as_of = timezone.localdate()
        root = Organization.objects.get(depth=1)
        county = Organization.objects.filter(parent=root).order_by("path").first()
        user = bench_user("bench_city", "admin", root)
        levels = args.levels.split(",")
        for label, org in (("city", root), ("county", county)):
            if label not in levels:
                continue
            fresh = User.objects.get(pk=user.pk)
            platform = platform_figures(selectors.dashboard(fresh, org, as_of))
            naive = naive_dashboard(org, as_of)
            assert platform == naive, (label, platform[:2], naive[:2])
            fast = timed(
                lambda org=org: selectors.dashboard(User.objects.get(pk=user.pk), org, as_of),
                repeat=args.repeat,
            )
            slow = timed(
                lambda org=org: naive_dashboard(org, as_of),
                repeat=args.naive_repeat,
                warmup=args.naive_warmup,
            )
            out[label] = {
                "rows": len(platform),
                "platform": fast,
                "naive": slow,
                "ratio": round(slow["median_ms"] / fast["median_ms"], 1),
            }
        # The service system's figures (core.figures) of the whole city over the demo year, as
        # the cockpit computes them on each request.
        from jiceng.core import figures

        keys = [f.key for f in figures.registered("services") if f.key.startswith("outreach.")]
        whole = figures.Scope(
            org_id=root.pk,
            path=root.path,
            name=root.name,
            start=as_of.replace(year=as_of.year - 1) + timedelta(days=1),
            end=as_of,
        )
        values = figures.compute(whole, keys)
        out["figures"] = {
            k: {"value": _plain(v.value), **{p: _plain(x) for p, x in v.parts.items()}}
            for k, v in values.items()
        }
        out["figures_city"] = timed(lambda: figures.compute(whole, keys), repeat=args.repeat)
        save("outreach_dashboard", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
