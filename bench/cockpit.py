"""The cockpit (reports.cockpit, the home page) at city scope over a demo city with a year of
data, beside the naive way of computing the same figures, in the same run on the same data.

    .venv/bin/python bench/cockpit.py [--scale 1] [--seed 2017] [--repeat 20] [--keep]
    .venv/bin/python bench/cockpit.py --reuse DIR    # time again on a kept database

Without --reuse it migrates a fresh SQLite database in a temporary JICENG_DATA_DIR and builds
the whole demo city (every app's extension: a year of meetings, dues, visits, …) at --scale —
expensive at scale 1: keep it (--keep, or bench/demo_build.py --keep) and time it again with
--reuse. Then, as the city's administrator:

- platform: GET / (the cockpit page: middleware, scope, every registered figure, charts,
  template) through Django's test client; and `figures.compute` alone;
- naive: every figure counted from the records — for each figure, the filtered list its
  number links to, counted with COUNT(*) over the subtree (`FilterSet.qs.count()`, no
  rollup), plus the members by age band and by education with a GROUP BY over the subtree's
  members (the two charts).

A count figure must equal its list's count (checked; a mismatch is reported, not hidden).
Prints and saves one JSON line (bench/results/cockpit.json): medians, p95s, the ratio, the
cockpit's number of queries, and the figures.
"""

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

ROOT = Path(__file__).resolve().parent.parent
# bench/ goes after the standard library: it holds a statistics.py that would shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.append(str(ROOT / "bench"))

from common import (  # noqa: E402
    bench_user,
    build_city,
    city_database,
    city_options,
    cpu_ms,
    logged_in_client,
    note,
    save,
    timed,
)


def list_count(url: str, user) -> int | None:
    """COUNT(*) of the records behind a figure's link: the list view's own FilterSet over its
    scoped queryset, counted directly (not the page's rollup shortcut). None when the link is
    not a list view."""
    from django.test import RequestFactory
    from django.urls import resolve

    from jiceng.web.generic import ObjectListView

    parsed = urlparse(url)
    match = resolve(parsed.path)
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not issubclass(view_class, ObjectListView):
        return None
    request = RequestFactory().get(parsed.path, dict(parse_qsl(parsed.query)))
    request.user = user
    view = view_class()
    view.setup(request, *match.args, **match.kwargs)
    filterset = view.get_filterset()
    if not filterset.is_valid():
        return None
    return filterset.qs.count()


def naive(scope, urls: dict[str, str], user) -> dict:
    """Every figure's records counted directly, and the two member charts by GROUP BY."""
    from django.db.models import Count

    from jiceng.core.fields import prefix_range
    from jiceng.members.models import Member

    counts = {key: list_count(url, user) for key, url in urls.items()}
    members = Member.objects.on_rolls().filter(**prefix_range("org__path", scope.path))
    education = dict(members.values_list("education").annotate(n=Count("id")).order_by())
    births = dict(members.values_list("birth_date__year").annotate(n=Count("id")).order_by())
    return {"lists": counts, "education": education, "birth_years": births}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    city_options(parser, repeat=20, what="the cockpit")
    args = parser.parse_args()
    with city_database(args, "jiceng-cockpit-bench-", pages=True) as out:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from jiceng.accounts.models import User
        from jiceng.core import figures
        from jiceng.members.models import Member
        from jiceng.orgs.models import Organization
        from jiceng.reports import cockpit

        if not args.reuse:
            result, out["build_s"] = build_city(args)
            out["phases_s"] = {k: round(v, 1) for k, v in result.timings.items()}
            note(built=out)
        else:
            out["scale"] = None  # whatever the kept database was built with
        root = Organization.objects.get(depth=1)
        out["orgs"] = Organization.objects.count()
        out["members"] = Member.objects.on_rolls().count()
        user = bench_user("bench_cockpit", "viewer", root)
        client = logged_in_client(user)

        def page():
            response = client.get("/")
            assert response.status_code == 200, response.status_code
            return response

        today = timezone.localdate()
        _year, start, end = cockpit.period(None, today)

        def scope():
            return figures.Scope(root.pk, root.path, root.name, start, end)

        with CaptureQueriesContext(connection) as queries:
            page()
        out["queries"] = len(queries)
        values = figures.compute(scope())
        out["figures"] = {
            key: (None if v is None or v.value is None else float(v.value))
            for key, v in values.items()
        }
        urls = {key: v.url for key, v in values.items() if v is not None and v.url}
        baseline = naive(scope(), urls, User.objects.get(pk=user.pk))
        mismatches = {}
        for key, n in baseline["lists"].items():
            v = values[key]
            if n is not None and v.unit == "" and v.value is not None and n != v.value:
                mismatches[key] = {"figure": float(v.value), "list": n}
        out["naive_lists"] = baseline["lists"]
        out["mismatches"] = mismatches
        out["platform_page"] = timed(page, repeat=args.repeat)
        out["platform_page"]["cpu_ms"] = cpu_ms(page, args.repeat)
        out["platform_figures"] = timed(lambda: figures.compute(scope()), repeat=args.repeat)
        slow = timed(
            lambda: naive(scope(), urls, User.objects.get(pk=user.pk)),
            repeat=args.naive_repeat,
            warmup=1,
        )
        slow["cpu_ms"] = cpu_ms(
            lambda: naive(scope(), urls, User.objects.get(pk=user.pk)), args.naive_repeat
        )
        out["naive"] = slow
        out["ratio_page_cpu"] = round(slow["cpu_ms"] / out["platform_page"]["cpu_ms"], 1)
        out["ratio_page"] = round(slow["median_ms"] / out["platform_page"]["median_ms"], 1)
        out["ratio_figures"] = round(
            slow["median_ms"] / max(out["platform_figures"]["median_ms"], 0.001), 1
        )
        # Where the figures' time goes: each one alone (the shared read of the kept counts
        # is paid by the first figure of a fresh Scope only, so each gets a fresh one).
        out["per_figure_ms"] = {
            f.key: timed(lambda f=f: f.compute(scope()), repeat=5, warmup=1)["median_ms"]
            for f in figures.registered()
        }
        out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        save("cockpit", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
