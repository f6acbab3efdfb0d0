"""Figures (指标): the numbers a cockpit or a report shows, each computed from the records.

A figure is a number about one subtree over one period — "households visited", "villages that
completed their 两委 renewal" — with a link to the filtered list of records it counts, and,
where a target exists, a red / amber / green state. Apps register their figures from
AppConfig.ready(), in a module of their own (`<app>/figures.py`):

    figures.register(figures.Figure(
        key="outreach.visits", system="services", label=_("households visited"),
        compute=visits, order=30))

`compute(scope)` returns a `Value` for the subtree at `scope.path` over `scope.start` ..
`scope.end` (both inclusive). It must be cheap at city scope — a read of the kept subtree
counts (`orgs.rollups`) or one indexed aggregate, never a query per organisation — because the
cockpit computes every figure on each request and is held to 200 ms at city scope. A figure
that cannot be computed for a scope (the app has no records of that kind there) returns
`Value(None)`, shown as "—", never 0.

Figures are never stored: the cockpit and the campaign report compute them when asked, so they
cannot disagree with the records. (Annual statistics are the exception, by rule: a snapshot
taken as of 31 December and kept unchanged — see `reports.models`.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jiceng.core.fields import prefix_range

# The five systems of the source document, in its order.
SYSTEMS = (
    ("organisation", _("organisation system")),  # 组织体系
    ("members", _("member system")),  # 党员体系
    ("activities", _("activity system")),  # 活动体系
    ("services", _("service system")),  # 服务体系
    ("responsibility", _("responsibility system")),  # 责任体系
)
SYSTEM_KEYS = tuple(key for key, _label in SYSTEMS)

Number = int | Decimal | float


@dataclass(frozen=True)
class Scope:
    """One subtree (the organisation at `path`) over one period."""

    org_id: int
    path: str
    name: str
    start: date
    end: date
    # Reads shared by the figures of one computation (see `subtree_counts`); lives as long as
    # the Scope, i.e. one request: nothing is kept between requests.
    memo: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Value:
    value: Number | None
    unit: str = ""  # "" a count, "%" a percentage (0..100), "yuan" money
    url: str = ""  # the filtered list of records this figure counts
    rag: str = ""  # "", "red", "amber", "green"
    # Named parts, e.g. {"villages": 1450, "communities": 305}, for sentences and tables.
    parts: dict[str, Number] = field(default_factory=dict)
    # Month by month over the period, [(first day of month, value)], when the figure has one.
    trend: tuple[tuple[date, Number], ...] = ()


@dataclass(frozen=True)
class Figure:
    key: str  # "<app>.<name>", stable: reports and links refer to it
    system: str  # one of SYSTEM_KEYS
    label: object  # lazy translated text
    compute: Callable[[Scope], Value]
    order: int = 100  # position within its system
    help: object = ""  # what exactly is counted, shown as a tooltip and in the report's notes


_registry: dict[str, Figure] = {}


def register(figure: Figure) -> None:
    if figure.system not in SYSTEM_KEYS:
        raise ValueError(f"unknown system {figure.system!r} for figure {figure.key}")
    _registry[figure.key] = figure


def registered(system: str | None = None) -> list[Figure]:
    figures = (f for f in _registry.values() if system is None or f.system == system)
    return sorted(figures, key=lambda f: (SYSTEM_KEYS.index(f.system), f.order, f.key))


def get(key: str) -> Figure:
    return _registry[key]


def compute(scope: Scope, keys: Iterable[str] | None = None) -> dict[str, Value]:
    """The values of the figures `keys` (default: all, in display order) for `scope`."""
    wanted = [get(k) for k in keys] if keys is not None else registered()
    return {f.key: f.compute(scope) for f in wanted}


def subtree_counts(scope: Scope) -> Counter:
    """The kept subtree counts (orgs.rollups, `OrgStats.counts`) of the organisation at
    `scope.org_id`: one indexed read, shared by every figure computed for the same Scope."""
    if "subtree_counts" not in scope.memo:
        from jiceng.orgs.models import OrgStats

        row = OrgStats.objects.filter(org_id=scope.org_id).values_list("counts", flat=True)
        scope.memo["subtree_counts"] = Counter(row.first() or {})
    return scope.memo["subtree_counts"]


def covers_everything(scope: Scope) -> bool:
    """Whether the subtree is the whole tree (the one top organisation): then every record
    is in it, and a figure can leave the subtree condition out so that the database reads
    its own index instead of joining every record to its organisation's path."""
    if "covers_everything" not in scope.memo:
        from jiceng.orgs.selectors import is_whole_tree

        scope.memo["covers_everything"] = is_whole_tree(scope.path)
    return scope.memo["covers_everything"]


def within(scope: Scope, prefix: str = "") -> dict[str, str]:
    """The filter keeping the records of the subtree — `prefix` leads to the organisation,
    e.g. "org__" or "team__village__" — or none when the subtree is the whole tree."""
    if covers_everything(scope):
        return {}
    return prefix_range(f"{prefix}path", scope.path)


def months(start: date, end: date) -> list[date]:
    """The first day of every month from `start`'s to `end`'s (for trends)."""
    out, day = [], start.replace(day=1)
    while day <= end:
        out.append(day)
        day = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
    return out


def percent(part: Number | None, whole: Number | None, places: int = 1) -> Decimal | None:
    """part / whole as a percentage rounded half up, or None when there is no whole."""
    if part is None or not whole:
        return None
    value = Decimal(part) * 100 / Decimal(whole)
    return value.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
