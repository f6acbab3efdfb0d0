"""The cockpit (驾驶舱): every registered figure (core.figures) of one subtree over one period,
grouped by the five systems, with its state, its trend as a sparkline, and the charts' data.

Pure assembly over `figures.compute`: what a figure counts, and how cheaply, is its app's
business. A figure whose key is not registered, or whose value is None, shows "—".
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures
from jiceng.core.codes import Education
from jiceng.orgs.selectors import summarise

logger = logging.getLogger(__name__)
# How many years back the year selector offers.
YEARS_BACK = 5
DASH = "—"
SPARK_WIDTH, SPARK_HEIGHT = 100, 24
RAG_LABELS = {"red": _("red"), "amber": _("amber"), "green": _("green")}
# The charts and the figure each reads (the figures of other apps may be missing: "—").
COMPLIANCE = "activities.compliance"
RESOLVED = "outreach.resolved"


def period(year: int | None, today: date) -> tuple[int, date, date]:
    """(year, first day, last day): the year to date by default, a past year whole."""
    if year is None or year not in years(today):
        year = today.year
    end = today if year == today.year else date(year, 12, 31)
    return year, date(year, 1, 1), end


def years(today: date) -> list[int]:
    return list(range(today.year, today.year - YEARS_BACK - 1, -1))


def display(value: figures.Value | None) -> str:
    """A value as shown: 12,345 · 95.3% · 1,234 元 · — when there is none."""
    if value is None or value.value is None:
        return DASH
    number = value.value
    if value.unit == "%":
        return f"{Decimal(number).quantize(Decimal('0.1'))}%"
    if value.unit == "yuan":
        return money(number)
    if isinstance(number, float | Decimal) and number != int(number):
        return intcomma(Decimal(number).quantize(Decimal("0.01")))
    return intcomma(int(number))


def money(number) -> str:
    """An amount of yuan as people read it: 万元 / 亿元 in Chinese, million / billion in
    English, two decimals when scaled."""
    amount = Decimal(number)
    if translation.get_language().startswith("zh"):
        scales = (
            (10**8, _("%(amount)s hundred million yuan")),
            (10**4, _("%(amount)s ten thousand yuan")),
        )
    else:
        scales = ((10**9, _("%(amount)s billion yuan")), (10**6, _("%(amount)s million yuan")))
    for size, text in scales:
        if abs(amount) >= size:
            return text % {"amount": intcomma((amount / size).quantize(Decimal("0.01")))}
    return _("%(amount)s yuan") % {"amount": intcomma(amount.quantize(Decimal("0.01")))}


def sparkline(trend) -> str:
    """The points of an SVG polyline (viewBox 0 0 100 24) of a trend, "" without one."""
    values = [float(v) for _m, v in trend if v is not None]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = SPARK_WIDTH / (len(values) - 1)
    pad = 2
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - pad - (v - low) / span * (SPARK_HEIGHT - 2 * pad):.1f}"
        for i, v in enumerate(values)
    )


@dataclass
class Tile:
    key: str
    label: object
    help: object
    value: figures.Value | None
    shown: str
    spark: str
    rag_label: object = ""

    @property
    def rag(self) -> str:
        return self.value.rag if self.value is not None else ""

    @property
    def url(self) -> str:
        return self.value.url if self.value is not None and self.value.value is not None else ""


@dataclass
class Section:
    key: str
    label: object
    tiles: list[Tile] = field(default_factory=list)


def tiles(values: dict[str, figures.Value | None]) -> list[Tile]:
    out = []
    for figure in figures.registered():
        value = values.get(figure.key)
        out.append(
            Tile(
                key=figure.key,
                label=figure.label,
                help=figure.help,
                value=value,
                shown=display(value),
                spark=sparkline(value.trend) if value is not None else "",
                rag_label=RAG_LABELS.get(value.rag, "") if value is not None else "",
            )
        )
    return out


def sections(values: dict[str, figures.Value | None]) -> list[Section]:
    by_system = {key: Section(key, label) for key, label in figures.SYSTEMS}
    for tile in tiles(values):
        by_system[figures.get(tile.key).system].tiles.append(tile)
    return list(by_system.values())


def short_labels(labels: list[str]) -> list[str]:
    """Labels without the start they all share ("中共湛江市赤坎区委员会", "中共湛江市遂溪县委员会"
    → "赤坎区委员会", "遂溪县委员会"), for an axis; the table keeps the full names."""
    if len(labels) < 2:
        return labels
    common = os.path.commonprefix(labels)
    if not common or any(len(label) == len(common) for label in labels):
        return labels
    return [label[len(common) :] for label in labels]


@dataclass
class Chart:
    key: str
    title: object
    kind: str  # "bar", "pie", "line"
    rows: list[tuple[str, object, str]]  # (label, value, url or "")
    unit: str = ""
    note: object = ""

    @property
    def empty(self) -> bool:
        return not self.rows

    def data(self) -> dict:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "labels": short_labels([str(label) for label, _v, _u in self.rows]),
            "values": [float(v) if v is not None else None for _l, v, _u in self.rows],
        }


def _member_urls(scope: figures.Scope):
    base = reverse("members:member_list") + "?"

    def url(**filters) -> str:
        return base + urlencode({"org": scope.org_id, **filters})

    return url


def charts(scope: figures.Scope, values: dict[str, figures.Value | None]) -> list[Chart]:
    """The four charts: members by age band and by education (the kept subtree counts, ages
    on 31 December of this year, STAT-01, as the member list's age filter), compliance by
    county (activities.compliance's parts) and requests resolved by month (outreach.resolved's
    trend)."""
    counts: Counter = figures.subtree_counts(scope)
    summary = summarise(counts, date(date.today().year, 12, 31))
    member_url = _member_urls(scope)
    ages = [(label, n, member_url(age_band=label)) for label, _l, n in summary["age_bands"]]
    education = [
        (label, n, member_url(education=code))
        for code, label, n in summary["education"]
        if n or code != Education.OTHER
    ]
    out = [
        Chart("age", _("Members by age band"), "bar", ages if summary["members"] else []),
        Chart(
            "education",
            _("Members by education"),
            "pie",
            education if summary["members"] else [],
        ),
    ]
    compliance = values.get(COMPLIANCE)
    rows = []
    if compliance is not None and compliance.value is not None:
        rows = [(str(name), share, "") for name, share in compliance.parts.items()]
    out.append(
        Chart(
            "compliance",
            _("Meetings compliance by county"),
            "bar",
            rows,
            unit="%",
            note=_("Share of branches with no required meeting missing."),
        )
    )
    resolved = values.get(RESOLVED)
    rows = []
    if resolved is not None and resolved.value is not None:
        rows = [(m.strftime("%Y-%m"), v, "") for m, v in resolved.trend]
    out.append(Chart("resolved", _("Requests resolved by month"), "line", rows, unit="%"))
    return out


def compute(scope: figures.Scope) -> dict[str, figures.Value | None]:
    """Every registered figure's value for `scope`. A figure that fails is logged and shown
    as "—": one app's bug must not take every user's landing page down."""
    values: dict[str, figures.Value | None] = {}
    for figure in figures.registered():
        try:
            values[figure.key] = figure.compute(scope)
        except Exception:
            logger.exception("figure %s failed for the subtree %s", figure.key, scope.path)
            values[figure.key] = None
    return values


def assemble(scope: figures.Scope) -> dict:
    """Everything the cockpit page shows for `scope`."""
    values = compute(scope)
    chart_list = charts(scope, values)
    return {
        "sections": sections(values),
        "charts": chart_list,
        "chart_data": {c.key: c.data() for c in chart_list if not c.empty},
    }
