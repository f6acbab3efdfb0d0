"""Every read of membership development, scoped through restrict()."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Count
from django.utils.translation import gettext as _

from jiceng.core import ruleset, scope
from jiceng.core.fields import prefix_range
from jiceng.orgs.models import Organization

from . import rules, steps
from .models import OPEN_STAGES, DevelopmentRecord, RuleException, Stage, Step


def records_visible_to(user, action: str = scope.VIEW):
    return DevelopmentRecord.objects.restrict(user, action).select_related("org")


def own_records(user):
    """The records of the person themselves (a user linked to the record)."""
    if not user.is_authenticated:
        return DevelopmentRecord.objects.none()
    return DevelopmentRecord.objects.filter(user=user).select_related("org")


def in_subtree(qs, path: str):
    return qs.filter(**prefix_range("org__path", path))


def stage_counts(user, path: str) -> Counter:
    """People per stage in the subtree at `path` that the user may see: one GROUP BY."""
    qs = in_subtree(DevelopmentRecord.objects.restrict(user), path)
    return Counter(dict(qs.values_list("stage").annotate(n=Count("id")).order_by()))


def exceptions_in(user, path: str):
    qs = RuleException.objects.restrict(user).filter(**prefix_range("record__org__path", path))
    return qs.select_related("record", "step", "actor")


def _shown(item: steps.Item, value, orgs: dict, sponsors: list) -> str:
    if item.kind == "bool":
        return str(_("yes") if value else _("no"))
    if item.kind == "choice":
        return str(dict(item.choices).get(value, value))
    if item.kind == "org":
        return orgs.get(value, str(value))
    if item.kind == "members":
        return "、".join(s.member.name for s in sponsors) or ", ".join(map(str, value))
    return str(value)


def timeline(user, record: DevelopmentRecord) -> list[dict]:
    """The record's steps, oldest first, with their titles, data, sponsors and exceptions."""
    rows = list(
        Step.objects.restrict(user)
        .filter(record=record)
        .select_related("actor")
        .prefetch_related("sponsors__member", "exceptions")
        .order_by("on", "id")
    )
    org_ids = {s.data.get("approving_org") for s in rows} - {None}
    orgs = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    out = []
    for s in rows:
        spec = steps.STEPS[s.number]
        sponsors = list(s.sponsors.all())
        items = [
            (item.label, _shown(item, s.data[item.name], orgs, sponsors))
            for item in spec.items
            if item.name in s.data
        ]
        out.append(
            {
                "step": s,
                "title": steps.title(s.number),
                "items": items,
                "exceptions": list(s.exceptions.all()),
            }
        )
    return out


def due_for(record: DevelopmentRecord, as_of: date, params: dict | None = None) -> list[dict]:
    """What is due next for one record, with its urgency on `as_of`."""
    if record.stage not in OPEN_STAGES:
        return []
    p = params or ruleset.snapshot(on=as_of)
    remind = p.get("DEV-REMIND.days", 14)
    return [{"due": d, "level": rules.urgency(d, as_of, remind)} for d in rules.next_due(record, p)]


def open_stage_values() -> list[str]:
    return [str(s) for s in OPEN_STAGES]


STAGE_ORDER = [
    Stage.APPLICANT,
    Stage.ACTIVIST,
    Stage.TARGET,
    Stage.ADMISSION,
    Stage.PROBATION,
    Stage.FULL,
    Stage.REVOKED,
]
