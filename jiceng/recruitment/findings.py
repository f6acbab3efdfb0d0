"""What is due next for every open development record of a subtree, as findings (core.findings):
DEV-03, DEV-06, DEV-07, DEV-P1, DEV-P2, DEV-15, DEV-16, DEV-19 deadlines and earliest dates,
and every documented exception. Two queries for the whole subtree, whatever its size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.fields import prefix_range
from jiceng.core.findings import Finding, Level
from jiceng.core.models import object_url

from . import rules
from .models import OPEN_STAGES, DevelopmentRecord, RuleException

RECORD_FIELDS = (
    "id",
    "name",
    "org_id",
    "org__path",
    "step",
    "stage",
    "applied_on",
    "activist_on",
    "assessed_on",
    "notice_ends_on",
    "resolution_on",
    "probation_ends_on",
    "decision_on",
)


class _Row:
    __slots__ = RECORD_FIELDS

    def __init__(self, values):
        for name, value in zip(RECORD_FIELDS, values, strict=True):
            setattr(self, name, value)


def provide(path: str, as_of: date) -> Iterator[Finding]:
    params = ruleset.snapshot(on=as_of)
    remind = params["DEV-REMIND.days"]
    rows = (
        DevelopmentRecord.objects.filter(stage__in=OPEN_STAGES, **prefix_range("org__path", path))
        .order_by()
        .values_list(*RECORD_FIELDS)
    )
    for values in rows.iterator(2000):
        row = _Row(values)
        url = object_url("recruitment:record_detail", row.id)
        for due in rules.next_due(row, params):
            level = rules.urgency(due, as_of, remind)
            if level is None:
                continue
            if due.kind == "deadline":
                message = _("%(what)s: due by %(date)s") % {
                    "what": due.what,
                    "date": due.on.isoformat(),
                }
            else:
                message = _("%(what)s: from %(date)s") % {
                    "what": due.what,
                    "date": due.on.isoformat(),
                }
            yield Finding(
                rule=due.rule,
                level=Level(level),
                org_id=row.org_id,
                org_path=row.org__path,
                message=message,
                due=due.on,
                url=url,
                subject=row.name,
            )
    exceptions = (
        RuleException.objects.filter(**prefix_range("record__org__path", path))
        .order_by()
        .values_list(
            "record_id",
            "record__name",
            "record__org_id",
            "record__org__path",
            "rule",
            "reason",
            "step__number",
            "step__on",
        )
    )
    for rec_id, name, org_id, org_path, rule, reason, number, on in exceptions.iterator(2000):
        yield Finding(
            rule=rule,
            level=Level.EXCEPTION,
            org_id=org_id,
            org_path=org_path,
            message=_("exception at step %(number)s: %(reason)s")
            % {"number": number, "reason": reason},
            due=on,
            url=object_url("recruitment:record_detail", rec_id),
            subject=name,
        )
