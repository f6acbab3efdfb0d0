"""The city's campaign report (web page and PDF) beside the naive way, in the same run.

    JICENG_BENCH_DATA=DIR .venv/bin/python bench/campaign_report.py [--repeat 3]

DIR holds a built demo city (bench/tmp after `make bench`, the default; or a copy of a
`bench/demo_build.py --keep` directory). Times, for the city over this year up to today:

- `web_s`: every figure computed + the report composed (sentences) + its page body rendered;
- `pdf_s`: the same + the PDF rendered by WeasyPrint (Chinese in Noto CJK);
- `xlsx_s`: the figure table written;
- `naive_s`: the plainly counted figures (campaign/naive.py: 14 of them) counted organisation
  by organisation, one query per organisation and figure — the way a report is assembled
  without kept subtree counts — beside `same_figures_s`, the platform computing those 14, over
  the largest county (the whole city with --naive-city: a query per organisation and figure,
  about 180,000 queries).

Target: the city report (web and PDF) ≤ 10 s. Writes bench/results/campaign_report.json.
"""

import argparse
import statistics
import sys
import time

from common import save, setup_django


def _best(fn, repeat: int):
    print(f"  {time.strftime('%H:%M:%S')} {getattr(fn, '__name__', 'run')}", file=sys.stderr)
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3), value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-city", action="store_true", help="naive way over the city")
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from django.template.loader import render_to_string
    from django.utils import translation

    from jiceng.members.models import Member
    from jiceng.orgs.models import Organization
    from jiceng.reports.campaign import content, naive, render, services

    city = Organization.objects.get(parent__isnull=True)
    start, end = services.default_period()
    scope = content.scope_for(city, start, end)
    out = {
        "database": connection.vendor,
        "orgs": Organization.objects.count(),
        "members": Member.objects.count(),
        "period": [start.isoformat(), end.isoformat()],
    }

    def report():
        return content.compose(city, start, end, content.compute(scope))

    def web():
        composed = report()
        return render_to_string("reports/campaign_body.html", {"report": composed})

    def pdf():
        return render.pdf(report())

    with translation.override("zh-hans"):
        out["figures_s"], values = _best(lambda: content.compute(scope), args.repeat)
        out["web_s"], page = _best(web, args.repeat)
        out["pdf_s"], body = _best(pdf, args.repeat)
        composed = report()
        out["xlsx_s"], sheet = _best(lambda: render.xlsx(composed), args.repeat)
    out["page_bytes"], out["pdf_bytes"], out["xlsx_bytes"] = len(page), len(body), len(sheet)
    out["figures"] = len(values)

    keys = list(naive.NAIVE)
    from jiceng.core import figures

    # The naive way takes a query per organisation and figure: over the whole city with
    # --naive-city, else over the largest county (about a tenth of the city), and the
    # platform's way over the same subtree.
    where = city
    if not args.naive_city:
        where = max(
            Organization.objects.filter(parent=city).select_related("stats"),
            key=lambda o: o.stats.counts.get("members", 0),
        )
    naive_scope = content.scope_for(where, start, end)
    subtree = Organization.objects.subtree(where).count()
    out["naive_scope"] = {"org": where.name, "orgs": subtree}
    out["same_figures_s"], same = _best(lambda: figures.compute(naive_scope, keys), args.repeat)
    out["naive_s"], counted = _best(lambda: naive.compute(naive_scope), 1)
    out["naive_queries_about"] = len(keys) * subtree
    mismatched = [
        k for k in keys if (same[k].value if same[k].value is not None else 0) != counted[k]
    ]
    out["naive_agrees"] = not mismatched
    if mismatched:
        out["naive_mismatched"] = mismatched
    out["naive_ratio"] = round(out["naive_s"] / max(out["same_figures_s"], 1e-6), 1)
    out["target_s"] = 10
    out["met"] = out["web_s"] <= 10 and out["pdf_s"] <= 10
    save("campaign_report", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
