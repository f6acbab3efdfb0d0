"""Figures counted the naive way: organisation by organisation, one query per organisation and
figure, straight from the records (no kept subtree counts, no aggregate over an index range);
dues, whose payments have no index on their branch, record by record through Python.

Two uses: the baseline of bench/campaign_report.py (what a report costs without the figures'
mechanism), and an independent check that a report's figures are the counts of the records
(tests at a small demo scale; `jiceng campaign_report --check-naive`). Only figures whose
definition is a plain count (or sum) of records are here; the shares and the rule-based ones
(overdue terms, arrears, compliance) are checked by their own apps' tests.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from jiceng.core.fields import prefix_range
from jiceng.core.figures import Scope
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, OrgKind, OrgStatus

Counter = Callable[[Scope, list], "int | Decimal"]


def _orgs(scope: Scope) -> list[tuple[int, str, str]]:
    """(id, kind, status) of every organisation of the subtree."""
    return list(
        Organization.objects.filter(**prefix_range("path", scope.path)).values_list(
            "id", "kind", "status"
        )
    )


def _each(count: Callable[[int, Scope], int]) -> Counter:
    def total(scope: Scope, orgs: list) -> int:
        return sum(count(org_id, scope) for org_id, _kind, _status in orgs)

    return total


def _kinds(kinds) -> Counter:
    def total(scope: Scope, orgs: list) -> int:
        return sum(1 for _id, kind, status in orgs if kind in kinds and status == OrgStatus.ACTIVE)

    return total


def _years(scope: Scope, field: str = "year") -> dict:
    return {f"{field}__gte": scope.start.year, f"{field}__lte": scope.end.year}


def _members(**flags):
    from jiceng.members.models import Member

    return _each(lambda org, s: Member.objects.filter(org_id=org, **flags).on_rolls().count())


def _renewed(org: int, scope: Scope) -> int:
    from jiceng.elections.models import Election

    return Election.objects.filter(
        org_id=org, held_on__gte=scope.start, held_on__lte=scope.end
    ).count()


def _meetings(org: int, scope: Scope) -> int:
    from jiceng.activities.models import Meeting

    return Meeting.objects.filter(
        org_id=org, held_on__gte=scope.start, held_on__lte=scope.end
    ).count()


def _dues(scope: Scope, orgs: list) -> Decimal:
    """Payments carry no index on their collecting branch (dues/models.py): record by record,
    every payment of the period's months through Python, kept if its branch is in the
    subtree."""
    from jiceng.dues.models import Payment

    inside = {org_id for org_id, _kind, _status in orgs}
    total = Decimal(0)
    payments = Payment.objects.filter(month__gte=scope.start.replace(day=1), month__lte=scope.end)
    for org_id, amount in payments.values_list("org_id", "amount").iterator(chunk_size=20_000):
        if org_id in inside:
            total += amount
    return total.quantize(Decimal("0.01"))


def _visits(org: int, scope: Scope) -> int:
    from jiceng.outreach.models import HouseholdVisit

    return HouseholdVisit.objects.filter(
        village_id=org, visited_on__gte=scope.start, visited_on__lte=scope.end
    ).count()


def _yearly(model_path: str, field: str = "year"):
    def count(org: int, scope: Scope) -> int:
        from django.apps import apps

        model = apps.get_model(model_path)
        return model.objects.filter(org_id=org, **_years(scope, field)).count()

    return _each(count)


NAIVE: dict[str, Counter] = {
    "orgs.grassroots": _kinds(GRASSROOTS_KINDS),
    "orgs.counties": _kinds({OrgKind.COUNTY}),
    "orgs.townships": _kinds({OrgKind.TOWNSHIP}),
    "members.total": _members(),
    "members.mobile": _members(is_mobile=True),
    "members.lost_contact": _members(is_lost_contact=True),
    "elections.renewed": _each(_renewed),
    "accountability.weak_lax": _yearly("accountability.WeakOrg"),
    "activities.meetings": _each(_meetings),
    "dues.collected": _dues,
    "outreach.visits": _each(_visits),
    "accountability.projects": _yearly("accountability.Project"),
    "accountability.ledgers": _yearly("accountability.Ledger"),
    "accountability.problems": _yearly("accountability.Problem", "ledger__year"),
}


def compute(scope: Scope, keys=None) -> dict[str, int | Decimal]:
    """The naive value of every figure in NAIVE (or of `keys`) for `scope`."""
    orgs = _orgs(scope)
    return {key: fn(scope, orgs) for key, fn in NAIVE.items() if keys is None or key in keys}
