"""Pure rules of the organisation tree (RULES.md §4)."""

from datetime import date

from django.utils.translation import gettext as _

from jiceng.core.dates import add_months

from .models import BRANCH_KINDS, OrgKind, UnitType

RANK = {
    OrgKind.CITY: 0,
    OrgKind.COUNTY: 1,
    OrgKind.TOWNSHIP: 2,
    OrgKind.PRIMARY: 3,
    OrgKind.GENERAL_BRANCH: 4,
    OrgKind.BRANCH: 5,
    OrgKind.JOINT_BRANCH: 5,
    OrgKind.TEMPORARY_BRANCH: 5,
}


def parent_problem(parent_kind: str | None, child_kind: str) -> str | None:
    """Why an organisation of `child_kind` cannot sit under `parent_kind` (translated), or
    None."""
    if parent_kind is None:
        return None if child_kind == OrgKind.CITY else _("only the city committee has no parent")
    if parent_kind in BRANCH_KINDS:
        return _("a branch cannot contain other organisations")
    if child_kind == OrgKind.CITY:
        return _("the city committee cannot be placed under another organisation")
    if child_kind == OrgKind.PRIMARY and parent_kind == OrgKind.PRIMARY:
        return None  # e.g. a group company's committee over its subsidiaries' committees
    if RANK[child_kind] <= RANK[parent_kind]:
        return _("a %(child)s cannot be placed under a %(parent)s") % {
            "child": OrgKind(child_kind).label,
            "parent": OrgKind(parent_kind).label,
        }
    return None


def default_term_years(kind: str, unit_type: str) -> int:
    """ORG-05: villages and communities 5 years at every level; primary committees 5;
    general branches and branches 3."""
    if unit_type in (UnitType.VILLAGE, UnitType.COMMUNITY):
        return 5
    if kind in (OrgKind.GENERAL_BRANCH, *BRANCH_KINDS):
        return 3
    return 5


def renewal_due(term_started_on: date | None, term_years: int | None) -> date | None:
    """ORG-06: renewal is due at term start + term."""
    if term_started_on is None or not term_years:
        return None
    return add_months(term_started_on, 12 * term_years)
