"""Data quality of the live registry: completeness of the 16 items per sub-organisation, and
every open finding of every rule across a subtree, by rule id and level.

Both are read from the records when asked (no stored figure), scoped to what the user may see
(`Member.objects.restrict`), in one query for the completeness of a whole subtree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from jiceng.core import findings
from jiceng.core.fields import prefix_range
from jiceng.members.items import ITEMS
from jiceng.members.models import Member
from jiceng.orgs.models import SEGMENT, Organization


@dataclass
class QualityRow:
    org: Organization | None  # None: members directly in the organisation asked about
    path: str
    total: int
    missing: dict[str, int]  # item → members missing or invalid

    def complete(self, key: str) -> int:
        return self.total - self.missing[key]

    def share(self, key: str) -> float | None:
        return round(100 * self.complete(key) / self.total, 1) if self.total else None

    @property
    def cells(self) -> list[tuple[str, int, int, float | None]]:
        return [
            (key, self.complete(key), self.missing[key], self.share(key)) for key, _l, _f in ITEMS
        ]


def completeness(user, org: Organization) -> tuple[QualityRow, list[QualityRow]]:
    """(the whole subtree, one row per child organisation with members) over the on-roll
    members `user` may see."""
    today = timezone.localdate()
    aggregates = {f"m_{key}": Count("id", filter=fn(today)) for key, _label, fn in ITEMS}
    # Grouped by the member's own organisation, then summed per child in Python (~13,000
    # groups for the city): no substring of every member's path to group on.
    per_org = (
        Member.objects.restrict(user)
        .on_rolls()
        .filter(**prefix_range("org__path", org.path))
        .values("org_id")
        .annotate(n=Count("id"), **aggregates)
        .order_by()
    )
    paths = dict(
        Organization.objects.filter(**prefix_range("path", org.path)).values_list("pk", "path")
    )
    width = len(org.path) + SEGMENT
    sums: dict[str, Counter] = {}
    for r in per_org:
        child = paths[r["org_id"]][:width]
        c = sums.setdefault(child, Counter())
        c["__n"] += r["n"]
        for key, _l, _f in ITEMS:
            c[key] += r[f"m_{key}"]
    orgs = {
        o.path: o for o in Organization.objects.filter(path__in=[p for p in sums if p != org.path])
    }
    out, total = [], Counter()
    for child in sorted(sums):
        c = sums[child]
        missing = {key: c[key] for key, _l, _f in ITEMS}
        total.update(missing)
        total["__n"] += c["__n"]
        out.append(QualityRow(orgs.get(child), child, c["__n"], missing))
    whole = QualityRow(
        org, org.path, total.pop("__n", 0), {k: total.get(k, 0) for k, _l, _f in ITEMS}
    )
    return whole, out


@dataclass
class RuleCount:
    rule: str
    provider: str
    level: str
    count: int


def findings_by_rule(org: Organization) -> tuple[list[RuleCount], list]:
    """Every open finding of the subtree, counted by rule id and level (and the findings)."""
    every = findings.in_subtree(org.path)
    counts = Counter((f.rule, f.provider, f.level) for f in every)
    order = findings.LEVEL_ORDER
    rows = [RuleCount(rule, provider, level, n) for (rule, provider, level), n in counts.items()]
    rows.sort(key=lambda r: (r.rule, order[findings.Level(r.level)]))
    return rows, every
