"""ORG-05/06/07: renewal warnings at their boundaries, over a subtree, scoped."""

from datetime import date

import pytest
from django.http import Http404

from jiceng.core import findings, ruleset
from jiceng.core.findings import Level
from jiceng.elections import provider
from jiceng.orgs.models import Organization


def term(org, started, years=None):
    Organization.objects.filter(pk=org.pk).update(term_started_on=started, term_years=years)


@pytest.mark.parametrize(
    ("as_of", "level"),
    [
        (date(2026, 3, 31), None),
        (date(2026, 4, 1), Level.DUE_SOON),  # exactly three months before: reminded
        (date(2026, 7, 1), Level.DUE_SOON),  # the renewal date itself: due, not late
        (date(2026, 7, 2), Level.OVERDUE),
    ],
)
def test_a_community_branch_renews_after_five_years(city, as_of, level):
    term(city.branch_a1, date(2021, 7, 1))  # ORG-05: a community organisation, 5 years
    found = findings.in_subtree(city.city.path, as_of, keys=["renewals"])
    mine = [f for f in found if f.org_id == city.branch_a1.pk]
    assert [f.level for f in mine] == ([level] if level else [])
    if level:
        assert mine[0].rule == ("ORG-06" if level == Level.OVERDUE else "ORG-07")
        assert mine[0].due == date(2026, 7, 1)
        assert mine[0].url.endswith(f"/elections/orgs/{city.branch_a1.pk}/")


def test_an_ordinary_branch_renews_after_three_years(city):
    branch = Organization.objects.get(pk=city.branch_a1.pk)
    Organization.objects.filter(pk=branch.pk).update(unit_type="school", category="05")
    term(branch, date(2023, 7, 1))
    (f,) = findings.in_subtree(city.city.path, date(2026, 7, 2), keys=["renewals"])
    assert f.level == Level.OVERDUE and f.due == date(2026, 7, 1)


def test_an_explicit_term_length_wins(city):
    term(city.branch_a1, date(2024, 7, 1), years=2)
    (f,) = findings.in_subtree(city.city.path, date(2026, 6, 1), keys=["renewals"])
    assert f.level == Level.DUE_SOON and f.due == date(2026, 7, 1)


def test_the_lead_time_is_a_rule_parameter(city):
    term(city.branch_a1, date(2021, 7, 1))
    as_of = date(2026, 2, 1)
    assert not findings.in_subtree(city.city.path, as_of, keys=["renewals"])
    ruleset.param_set(
        actor=None,  # the system administrator's (core.ruleset)
        name="ORG-07.lead_months",
        value=6,
        effective_from=date(2026, 1, 1),
        reason="earlier reminders",
    )
    assert len(findings.in_subtree(city.city.path, as_of, keys=["renewals"])) == 1


def test_dissolved_and_termless_organisations_are_not_warned(city):
    term(city.branch_a1, date(2010, 1, 1))
    Organization.objects.filter(pk=city.branch_a1.pk).update(status="dissolved")
    assert not findings.in_subtree(city.city.path, date(2026, 1, 1), keys=["renewals"])


def test_scope_and_subtrees(city):
    term(city.branch_a1, date(2010, 1, 1))
    term(city.branch_b1, date(2010, 1, 1))
    mine = findings.collect(user=city.county_admin, org=city.county_a, keys=["renewals"])
    assert {f.org_id for f in mine} == {city.branch_a1.pk}
    with pytest.raises(Http404):
        findings.collect(user=city.county_admin, org=city.county_b, keys=["renewals"])
    with pytest.raises(Http404):
        findings.collect(user=city.outsider, org=city.city, keys=["renewals"])


def test_the_provider_is_one_query_for_a_whole_subtree(city, django_assert_num_queries):
    for org in Organization.objects.all():
        term(org, date(2010, 1, 1))
    ruleset.snapshot()  # parameters: one query, outside the count below
    with django_assert_num_queries(1):
        rows = list(provider.renewals(city.city.path, date(2026, 1, 1), lead_months=3))
    assert len(rows) == Organization.objects.count()


@pytest.mark.parametrize(
    ("as_of", "level"),
    [
        (date(2025, 11, 27), None),
        (date(2025, 11, 28), Level.DUE_SOON),
        (date(2026, 2, 28), Level.DUE_SOON),
        (date(2026, 3, 1), Level.OVERDUE),
    ],
)
def test_month_ends_clamp(city, as_of, level):
    """A term from 29 February 2024 of two years is due on 28 February 2026 (add_months)."""
    term(city.branch_a1, date(2024, 2, 29), years=2)
    found = findings.in_subtree(city.city.path, as_of, keys=["renewals"])
    assert [f.level for f in found] == ([level] if level else [])
