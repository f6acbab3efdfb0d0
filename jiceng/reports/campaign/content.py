"""The report's content from figure values: title, summary, and the five systems (the source
document's structure), each with its figures and the sentences written from them.

`compute` asks every registered figure for the subtree and period (jiceng.core.figures; a
figure that fails to compute is shown as "—", the report still comes out); `compose` turns
values — just computed, or kept with a CampaignReport — into a `Report` in the active
language. Nothing here counts records itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from jiceng.core import figures
from jiceng.orgs.models import OrgKind

from . import numbers, sentences

logger = logging.getLogger(__name__)

# Names of the parts figures report, for the figure table (others are shown as they come).
PART_LABELS = {
    "villages": pgettext_lazy("figure part", "villages"),
    "communities": pgettext_lazy("figure part", "communities"),
    "townships": pgettext_lazy("figure part", "townships and streets"),
    "identified": pgettext_lazy("figure part", "identified"),
    "rectified": pgettext_lazy("figure part", "rectified"),
    "applicants": pgettext_lazy("figure part", "applicants"),
    "activists": pgettext_lazy("figure part", "activists"),
    "candidates": pgettext_lazy("figure part", "candidates for development"),
    "probationary": pgettext_lazy("figure part", "probationary members"),
    "units": pgettext_lazy("figure part", "units"),
    "members": pgettext_lazy("figure part", "members"),
    "share": pgettext_lazy("figure part", "share"),
    "full": pgettext_lazy("figure part", "full members"),
    "incomplete": pgettext_lazy("figure part", "incomplete"),
    "one_shoulder": pgettext_lazy("figure part", "“one shoulder”"),
    "cross": pgettext_lazy("figure part", "cross-serving"),
    "people": pgettext_lazy("figure part", "people"),
    "completed": pgettext_lazy("figure part", "completed"),
    "assignments": pgettext_lazy("figure part", "assignments"),
    "done": pgettext_lazy("figure part", "done"),
    "vetoed": pgettext_lazy("figure part", "vetoed"),
    "closed": pgettext_lazy("figure part", "rectified"),
    "closed_on_time": pgettext_lazy("figure part", "rectified on time"),
    "overdue": pgettext_lazy("figure part", "overdue"),
    "average": pgettext_lazy("figure part", "average score"),
    "branch_months": pgettext_lazy("figure part", "branch-months"),
    "of": pgettext_lazy("figure part", "out of"),
    "participants": pgettext_lazy("figure part", "participants"),
    "hours": pgettext_lazy("figure part", "hours"),
    "places": pgettext_lazy("figure part", "places"),
    "gaps": pgettext_lazy("figure part", "gaps"),
    "four": pgettext_lazy("figure part", "meeting the “four haves”"),
    "scheduled": pgettext_lazy("figure part", "shifts scheduled"),
    "attended": pgettext_lazy("figure part", "shifts attended"),
    "target": pgettext_lazy("figure part", "target"),
    "requests": pgettext_lazy("figure part", "requests"),
    "resolved": pgettext_lazy("figure part", "resolved"),
    "on_time": pgettext_lazy("figure part", "resolved on time"),
    "first_secretaries": pgettext_lazy("figure part", "first secretaries"),
    "from_registry": pgettext_lazy("figure part", "from the member registry"),
    "poor": pgettext_lazy("figure part", "people registered as poor"),
    "households": pgettext_lazy("figure part", "households"),
    "year": pgettext_lazy("figure part", "year"),
    "government": pgettext_lazy("figure part", "government"),
    "enterprise": pgettext_lazy("figure part", "enterprises"),
    "social": pgettext_lazy("figure part", "society"),
    "attendances": pgettext_lazy("figure part", "attendances"),
    "courses": pgettext_lazy("figure part", "courses"),
}
PERCENT_PARTS = frozenset({"share", "target"})
PLAIN_PARTS = frozenset({"year"})  # 2026, not 2,026
PART_LABELS.update({kind.value: kind.label for kind in OrgKind})
CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass
class Line:
    """One figure of the report."""

    key: str
    label: str
    help: str
    value: figures.Value
    text: str  # the value as the table shows it ("—" without one)
    parts: str  # "villages 1,450; communities 305"
    sentence: str | None


@dataclass
class Section:
    key: str
    heading: str  # "一、组织体系"
    lines: list[Line] = field(default_factory=list)

    @property
    def sentences(self) -> list[str]:
        return [line.sentence for line in self.lines if line.sentence]


@dataclass
class Report:
    org_id: int
    org_name: str
    subject: str
    start: date
    end: date
    period: str
    title: str
    summary: str
    sections: list[Section]
    generated_at: datetime | None = None

    @property
    def lines(self) -> list[Line]:
        return [line for section in self.sections for line in section.lines]

    def value(self, key: str) -> figures.Value | None:
        return next((line.value for line in self.lines if line.key == key), None)


def scope_for(org, start: date, end: date) -> figures.Scope:
    return figures.Scope(org_id=org.pk, path=org.path, name=org.name, start=start, end=end)


def compute(
    scope: figures.Scope, step: Callable[[str, int, int], None] | None = None
) -> dict[str, figures.Value]:
    """Every registered figure's value for `scope`, system by system (`step(system, done,
    total)` after each, for progress)."""
    values: dict[str, figures.Value] = {}
    total = len(figures.SYSTEM_KEYS)
    for done, (system, label) in enumerate(figures.SYSTEMS, start=1):
        for figure in figures.registered(system):
            try:
                values[figure.key] = figure.compute(scope)
            except Exception:  # one broken figure must not take the report down: shown as "—"
                logger.exception("figure %s failed for %s", figure.key, scope)
                values[figure.key] = figures.Value(None)
        if step is not None:
            step(str(label), done, total)
    return values


# The systems' headings, as the source document names them (the same msgids as
# core.figures.SYSTEMS, so this catalogue translates them too).
SYSTEM_TITLES = {
    "organisation": gettext_lazy("organisation system"),
    "members": gettext_lazy("member system"),
    "activities": gettext_lazy("activity system"),
    "services": gettext_lazy("service system"),
    "responsibility": gettext_lazy("responsibility system"),
}
COMMITTEE_SUFFIXES = ("工作委员会", "委员会", "党工委", "党委", "委")


def unit_of(org) -> str:
    """The unit an organisation leads: its unit name, else its name without the committee."""
    unit = (org.unit_name or "").strip()
    if unit:
        return unit
    name = org.name.removeprefix("中共")
    for suffix in COMMITTEE_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def subject_for(org) -> str:
    """Who the sentences speak of: 全市 / 全区 / 全县 / 全镇 / 全街道, else the name."""
    unit = unit_of(org)
    if org.kind == OrgKind.CITY:
        return _("the whole city")
    if org.kind == OrgKind.COUNTY:
        if unit.endswith("区"):
            return _("the whole district")
        if unit.endswith("市"):
            return _("the whole county-level city")
        return _("the whole county")
    if org.kind == OrgKind.TOWNSHIP:
        if unit.endswith("街道"):
            return _("the whole street")
        if unit.endswith("乡"):
            return _("the whole rural township")
        return _("the whole town")
    return org.short_name or org.name


def period_text(start: date, end: date) -> str:
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return _("%(year)s") % {"year": start.year}
    return _("%(start)s to %(end)s") % {
        "start": date_format(start, "DATE_FORMAT"),
        "end": date_format(end, "DATE_FORMAT"),
    }


def _heading(number: int, title) -> str:
    mark = CHINESE_NUMERALS[number - 1] if numbers.chinese() else str(number)
    return _("%(number)s. %(title)s") % {"number": mark, "title": title}


def _part_text(name: str, part) -> str:
    if name in PLAIN_PARTS:
        return str(part)
    return numbers.table(part, "%" if name in PERCENT_PARTS else "")


def _parts_text(value: figures.Value) -> str:
    return _("; ").join(
        f"{PART_LABELS.get(name, name)} {_part_text(name, part)}"
        for name, part in (value.parts or {}).items()
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def compose(
    org, start: date, end: date, values: dict[str, figures.Value], generated_at=None
) -> Report:
    """The report in the active language from the figure values."""
    subject = subject_for(org)
    sections = []
    for number, (system, title) in enumerate(figures.SYSTEMS, start=1):
        section = Section(key=system, heading=_heading(number, SYSTEM_TITLES.get(system, title)))
        for figure in figures.registered(system):
            value = values.get(figure.key)
            if value is None:  # registered after the report was kept
                continue
            text = sentences.sentence(figure.key, subject, value)
            section.lines.append(
                Line(
                    key=figure.key,
                    label=str(figure.label),
                    help=str(figure.help or ""),
                    value=value,
                    text=numbers.table(value.value, value.unit),
                    parts=_parts_text(value),
                    sentence=_capitalised(text) if text else None,
                )
            )
        sections.append(section)
    period = period_text(start, end)
    return Report(
        org_id=org.pk,
        org_name=org.name,
        subject=subject,
        start=start,
        end=end,
        period=period,
        title=_("%(unit)s: report on standardising grassroots Party building (%(period)s)")
        % {"unit": unit_of(org), "period": period},
        summary=_summary(subject, period, values, sections),
        sections=sections,
        generated_at=generated_at,
    )


def _summary(subject: str, period: str, values, sections: list[Section]) -> str:
    orgs = values.get("orgs.grassroots")
    members = values.get("members.total")
    counted = sum(1 for s in sections for line in s.lines if line.value.value is not None)
    if orgs is not None and orgs.value and members is not None and members.value:
        first = _(
            "In %(period)s, %(subject)s, with its %(orgs)s grassroots Party organisations and "
            "%(members)s Party members, worked on the five systems of organisation, members, "
            "activities, services and responsibility."
        ) % {
            "period": period,
            "subject": subject,
            "orgs": numbers.count(orgs.value),
            "members": numbers.count(members.value),
        }
    else:
        first = _(
            "In %(period)s, %(subject)s worked on the five systems of organisation, members, "
            "activities, services and responsibility."
        ) % {"period": period, "subject": subject}
    second = _(
        "This report brings together %(n)s figures, each computed from the records kept on "
        "the platform and traceable to them."
    ) % {"n": counted}
    return f"{first}{second}" if numbers.chinese() else f"{first} {second}"
