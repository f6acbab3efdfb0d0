"""一肩挑 ratio and 交叉任职 rate per subtree, and the campaign's progress."""

from datetime import date

import pytest

from jiceng.elections import selectors, services
from jiceng.orgs.models import Organization

from .factories import members, record


@pytest.fixture
def villages(city):
    """branch_a1, branch_a2 (communities, county A) and branch_b1 (a village, county B), each
    with a committee; a1's secretary chairs its residents' committee."""
    people = {org.pk: members(org, 4) for org in (city.branch_a1, city.branch_a2, city.branch_b1)}
    for org in (city.branch_a1, city.branch_a2, city.branch_b1):
        p = people[org.pk]
        record(
            None,
            org,
            p,
            seats=3,
            held_on=date(2025, 4, 1),
            entitled=5,
            present=5,
            ballots_issued=5,
            ballots_returned=5,
            votes=[5, 4, 4, 1],
        )
    a1, a2, b1 = (people[o.pk] for o in (city.branch_a1, city.branch_a2, city.branch_b1))
    # a1: the secretary chairs; one more committee member sits on both; one outsider
    services.village_committee_record(
        actor=None,
        org=city.branch_a1,
        started_on=date(2025, 4, 2),
        seats=[
            {"member": a1[0].pk, "role": "chair"},
            {"member": a1[1].pk, "role": "member"},
            {"name": "王大海", "role": "member"},
        ],
    )
    # a2: somebody else chairs
    services.village_committee_record(
        actor=None,
        org=city.branch_a2,
        started_on=date(2025, 4, 2),
        seats=[{"member": a2[3].pk, "role": "chair"}, {"name": "林小红", "role": "member"}],
    )
    # b1: no village committee on record
    return people


def test_figures_per_subtree_and_per_child(city, villages):
    total, per = selectors.two_committees(Organization.objects.get(pk=city.city.pk))
    assert total.units == 3 and total.by_type == {"community": 2, "village": 1}
    assert total.one_shoulder == 1 and total.one_shoulder_ratio == 33.3
    assert total.with_chair == 2
    # posts 3+3+3, seats 3+2, on both: a1[0], a1[1] -> people 9+5-2 = 12
    assert (total.posts, total.seats, total.cross, total.people) == (9, 5, 2, 12)
    assert total.cross_rate == 16.7
    county_a = per[city.county_a.path]
    assert (
        county_a.units == 2 and county_a.one_shoulder == 1 and county_a.one_shoulder_ratio == 50.0
    )
    assert per[city.county_b.path].one_shoulder == 0


def test_the_drill_down_lists_the_records_behind_a_figure(city, villages):
    root = Organization.objects.get(pk=city.city.pk)
    yes = selectors.two_committee_rows(root, one_shoulder="yes")
    assert [o.pk for o in yes] == [city.branch_a1.pk]
    no = selectors.two_committee_rows(root, one_shoulder="no")
    assert {o.pk for o in no} == {city.branch_a2.pk, city.branch_b1.pk}
    assert [o.pk for o in selectors.two_committee_rows(root, one_shoulder="no_chair")] == [
        city.branch_b1.pk
    ]
    assert [o.pk for o in selectors.two_committee_rows(root, unit_type="village")] == [
        city.branch_b1.pk
    ]


def test_figures_take_a_fixed_number_of_queries(city, villages, django_assert_num_queries):
    root = Organization.objects.get(pk=city.city.pk)
    with django_assert_num_queries(4):
        selectors.two_committees(root)


def test_a_village_general_branch_counts_once(city):
    """The branches of a village's general branch share its unit type: one village."""
    from jiceng.core.testing import make_org

    general = make_org(city.town_b, "东村党总支", "general_branch", unit_type="village")
    make_org(general, "东村第一党支部", "branch", unit_type="village")
    make_org(general, "东村第二党支部", "branch", unit_type="village")
    total, _ = selectors.two_committees(Organization.objects.get(pk=city.city.pk))
    assert total.by_type == {"community": 2, "village": 2}  # b1 and the general branch


def test_campaign_progress(city, villages):
    campaign = services.campaign_create(
        actor=city.city_admin,
        org=city.city,
        name="2025",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 6, 30),
        unit_types=["village", "community"],
    )
    later = services.campaign_create(
        actor=city.city_admin,
        org=city.city,
        name="2026",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
        unit_types=["community"],
    )
    root = Organization.objects.get(pk=city.city.pk)
    total, per = selectors.campaign_progress(campaign, root)
    assert total.completed == {"community": 2, "village": 1}
    assert per[city.county_a.path].completed["community"] == 2
    total, _ = selectors.campaign_progress(later, root)
    assert total.targets == {"community": 2} and total.total_completed == 0
    pending = selectors.campaign_orgs(later, root, state="pending")
    assert {o.pk for o in pending} == {city.branch_a1.pk, city.branch_a2.pk}
    done = list(selectors.campaign_orgs(campaign, root, unit_type="village", state="completed"))
    assert [o.pk for o in done] == [city.branch_b1.pk] and done[0].renewed_on == date(2025, 4, 1)
