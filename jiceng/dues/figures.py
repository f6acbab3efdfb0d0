"""Dues figures (core.figures), cheap at city scope:

- dues.collected — yuan collected for the months of the period, month by month (the kept
  subtree counts `dues_fen:YYYY-MM`, dues.stats);
- dues.arrears — members on the rolls 6 or more complete months behind with their dues
  (FEE-12) as of the period's end (or today): one count over the kept dues accounts, red /
  amber / green by their share of the members.

Each links to the list of exactly the records it counts.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures, ruleset

from . import params as p
from .findings import count_behind
from .stats import month_key

RED_FROM = Decimal(1)  # % of members in FEE-12 arrears


def collected(scope: figures.Scope) -> figures.Value:
    counts = figures.subtree_counts(scope)
    trend = tuple(
        (m, Decimal(counts.get(month_key(m), 0)) / 100)
        for m in figures.months(scope.start, scope.end)
    )
    total = sum((v for _m, v in trend), Decimal(0)).quantize(Decimal("0.01"))
    url = reverse("dues:org", args=[scope.org_id])
    return figures.Value(
        total, unit="yuan", url=url, trend=tuple((m, v.quantize(Decimal("0.01"))) for m, v in trend)
    )


def arrears(scope: figures.Scope) -> figures.Value:
    as_of = min(scope.end, timezone.localdate())
    lapse = int(ruleset.value(p.LAPSE_MONTHS, on=as_of))
    n = count_behind(figures.within(scope, "org__"), as_of, lapse)
    members = figures.subtree_counts(scope).get("members", 0)
    share = figures.percent(n, members, places=2)
    rag = "" if share is None else "green" if n == 0 else "red" if share >= RED_FROM else "amber"
    url = (
        reverse("web:findings")
        + "?"
        + urlencode({"org": scope.org_id, "provider": "dues", "level": "overdue", "rule": "FEE-12"})
    )
    return figures.Value(n, url=url, rag=rag, parts={"members": members})


FIGURES = (
    figures.Figure(
        key="dues.collected",
        system="activities",
        label=_("Party dues collected"),
        compute=collected,
        order=60,
        help=_("Dues paid for the months of the period, in yuan, by the collecting branches."),
    ),
    figures.Figure(
        key="dues.arrears",
        system="activities",
        label=_("members 6+ months behind with dues"),
        compute=arrears,
        order=70,
        help=_(
            "Members on the rolls who have paid no dues for 6 or more consecutive complete "
            "months (FEE-12) as of the end of the period."
        ),
    ),
)


def register() -> None:
    for figure in FIGURES:
        figures.register(figure)
