"""Org-page subtree summary at city, county and township level.

    .venv/bin/python bench/summary.py

Three ways to the same figures (members by status, sex, age band, education, occupation,
ethnicity; organisations by kind), measured in the same process:

- rollup: what the org page does — read the organisation's stored subtree counts (one row);
- group_by: one GROUP BY per dimension over the members of the subtree, selected through the
  same indexed path range (the usual way);
- per_node: a query per organisation of the subtree (the naive way), township and county only.

The figures of all three are compared, so a benchmark run also checks the rollups.
"""

from collections import Counter
from datetime import date

from common import save, setup_django, timed

setup_django()

from django.db.models import Count  # noqa: E402
from django.db.models.functions import ExtractYear  # noqa: E402

from jiceng.core.fields import prefix_range  # noqa: E402
from jiceng.members.models import Member  # noqa: E402
from jiceng.orgs.models import Organization  # noqa: E402
from jiceng.orgs.selectors import subtree_summary, summarise  # noqa: E402

DIMENSIONS = ["membership", "standing", "sex", "ethnicity", "education", "occupation"]
REFERENCE = date(date.today().year, 12, 31)


def via_rollup(org):
    return subtree_summary(Organization.objects.get(pk=org.pk), REFERENCE)


def via_group_by(org):
    members = Member.objects.on_rolls().filter(**prefix_range("org__path", org.path))
    counts = Counter()
    for dim in DIMENSIONS:
        for row in members.values(dim).annotate(n=Count("id")).order_by():
            counts[f"{dim}:{row[dim]}"] += row["n"]
    for row in (
        members.annotate(y=ExtractYear("birth_date")).values("y").annotate(n=Count("id")).order_by()
    ):
        counts[f"birth_year:{row['y']}"] += row["n"]
    counts["members"] = sum(v for k, v in counts.items() if k.startswith("sex:"))
    orgs = Organization.objects.subtree(org).filter(status="active")
    for row in orgs.values("kind").annotate(n=Count("id")).order_by():
        counts[f"org_kind:{row['kind']}"] += row["n"]
    counts["orgs"] = sum(v for k, v in counts.items() if k.startswith("org_kind:"))
    return summarise(counts, REFERENCE)


def via_per_node(org):
    counts = Counter()
    for node in Organization.objects.subtree(org).filter(status="active"):
        counts["orgs"] += 1
        counts[f"org_kind:{node.kind}"] += 1
        for m in Member.objects.on_rolls().filter(org=node).values(*DIMENSIONS, "birth_date"):
            counts["members"] += 1
            for dim in DIMENSIONS:
                counts[f"{dim}:{m[dim]}"] += 1
            counts[f"birth_year:{m['birth_date'].year}"] += 1
    return summarise(counts, REFERENCE)


def comparable(summary):
    keys = [
        "members",
        "orgs",
        "sex",
        "age_bands",
        "education",
        "occupation",
        "ethnicity",
        "membership",
        "standing",
    ]
    return {k: summary[k] for k in keys}


def main():
    city = Organization.objects.get(depth=1)
    county = max(Organization.objects.filter(depth=2), key=lambda o: o.stats.counts["members"])
    township = max(
        Organization.objects.filter(depth=3, path__startswith=county.path),
        key=lambda o: o.stats.counts["members"],
    )
    results = {}
    for level, org in (("city", city), ("county", county), ("township", township)):
        row = {
            "org": org.name,
            "members": org.stats.counts["members"],
            "orgs": org.stats.counts["orgs"],
        }
        expected = comparable(via_rollup(org))
        assert comparable(via_group_by(org)) == expected, f"group_by disagrees at {level}"
        row["rollup"] = timed(lambda o=org: via_rollup(o), repeat=50)
        row["group_by"] = timed(
            lambda o=org: via_group_by(o), repeat=5 if level == "city" else 10, warmup=1
        )
        if level != "city":
            assert comparable(via_per_node(org)) == expected, f"per_node disagrees at {level}"
            row["per_node"] = timed(lambda o=org: via_per_node(o), repeat=3, warmup=0)
        for way in ("group_by", "per_node"):
            if way in row:
                row[f"{way}_vs_rollup"] = round(row[way]["median_ms"] / row["rollup"]["median_ms"])
        results[level] = row
        print(level, row, flush=True)
    save("summary", {"levels": results})


if __name__ == "__main__":
    main()
