"""Findings of terms and renewals (ORG-05/06/07), for core.findings.

One query over the subtree: every active organisation whose term has begun and whose renewal
falls before the end of the reminder window. Each finding links to the form that records the
renewal election.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.core.fields import prefix_range
from jiceng.core.findings import Finding, Level
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind, OrgStatus, UnitType
from jiceng.orgs.rules import default_term_years, renewal_due

from .rules import renewal_level

TERM_YEARS = range(1, 6)  # orgs.services.check_fields: 1 to 5 years
SLACK = timedelta(days=3)  # add_months clamps at month ends: select a little more, then decide


def _could_be_due_q(window_end: date) -> Q:
    """Organisations whose renewal date (ORG-06) may fall on or before `window_end`: per term
    length, a start on or before `window_end` minus the term. The length is the organisation's
    own, or ORG-05's default (3 years for general branches and branches outside villages and
    communities, else 5)."""
    village = Q(unit_type__in=[UnitType.VILLAGE, UnitType.COMMUNITY])
    three = Q(kind__in=[OrgKind.GENERAL_BRANCH, *BRANCH_KINDS]) & ~village
    q = Q()
    for years in TERM_YEARS:
        q |= Q(term_years=years, term_started_on__lte=add_months(window_end, -12 * years) + SLACK)
    for years, default in ((3, three), (5, ~three)):
        latest = add_months(window_end, -12 * years) + SLACK
        q |= Q(term_years__isnull=True, term_started_on__lte=latest) & default
    return q


def renewal_rows(path: str, as_of: date, lead_months: int):
    """(id, path, name, kind, unit_type, term_started_on, term_years) of the active
    organisations under `path` that could be due by the end of the reminder window."""
    return (
        Organization.objects.filter(**prefix_range("path", path))
        .filter(_could_be_due_q(add_months(as_of, lead_months)), status=OrgStatus.ACTIVE)
        .values_list("id", "path", "name", "kind", "unit_type", "term_started_on", "term_years")
        .order_by()
    )


def renewals(path: str, as_of: date, lead_months: int | None = None) -> Iterator[tuple]:
    """(level, due, row) for each organisation under `path` due soon or overdue."""
    if lead_months is None:
        lead_months = int(ruleset.value("ORG-07.lead_months", on=as_of))
    for row in renewal_rows(path, as_of, lead_months).iterator(5000):
        _id, _path, _name, kind, unit_type, started, years = row
        due = renewal_due(started, years or default_term_years(kind, unit_type))
        level = renewal_level(due, as_of, lead_months)
        if level is not None:
            yield level, due, row


def provide(path: str, as_of: date) -> Iterator[Finding]:
    from jiceng.core.models import object_url

    for level, due, (pk, org_path, name, *_rest) in renewals(path, as_of):
        if level == Level.OVERDUE:
            rule = "ORG-06"
            message = _("Renewal overdue since %(due)s: hold the election (换届).") % {
                "due": due.isoformat()
            }
        else:
            rule = "ORG-07"
            message = _("Renewal due on %(due)s: prepare the election (换届).") % {
                "due": due.isoformat()
            }
        yield Finding(
            rule=rule,
            level=level,
            org_id=pk,
            org_path=org_path,
            message=message,
            due=due,
            url=object_url("elections:org_committee", pk),
            subject=name,
        )
