"""The pipeline as .xlsx: one row per person with the current step (jiceng.sheets.write)."""

from __future__ import annotations

from typing import BinaryIO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.masking import mask
from jiceng.sheets.write import write_rows

from . import rules, steps
from .models import Stage
from .services import next_steps


def headers() -> list[str]:
    return [
        _("Name"),
        _("ID number"),
        _("Branch"),
        _("Stage"),
        _("Last step done"),
        _("Next step"),
        _("Applied on"),
        _("Activist on"),
        _("Development target on"),
        _("Branch resolution on"),
        _("Probation ends on"),
        _("Full member on"),
        _("Next deadline"),
        _("Rule"),
    ]


def rows(queryset: QuerySet):
    today = timezone.localdate()
    params = ruleset.snapshot(on=today)
    stages = dict(Stage.choices)
    for r in queryset.select_related("org").iterator(2000):
        nexts = max(next_steps(r), default=None)
        due = [d for d in rules.next_due(r, params) if d.kind == "deadline"] if r.is_open else []
        yield [
            r.name,
            mask("id_number", r.id_number),
            r.org.name,
            str(stages.get(r.stage, r.stage)),
            steps.title(r.step) if r.step in steps.STEPS else "",
            steps.title(nexts) if nexts else "",
            r.applied_on,
            r.activist_on,
            r.target_on,
            r.resolution_on,
            r.probation_ends_on,
            r.full_on,
            due[0].on if due else None,
            due[0].rule if due else "",
        ]


def write(queryset: QuerySet, target: BinaryIO) -> int:
    return write_rows(
        target,
        _("Development pipeline"),
        headers(),
        rows(queryset),
        widths=[10, 22, 28, 12, 30, 30, 12, 12, 12, 12, 12, 12, 12, 8],
    )
