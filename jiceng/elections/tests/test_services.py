"""The election, post, 两委 and campaign services: every transition and every refusal (with
nothing written when refused)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.audit.models import AuditEvent
from jiceng.elections import services
from jiceng.elections.models import (
    Candidate,
    CommitteePost,
    Election,
    Post,
    RenewalCampaign,
    VillageCommitteeSeat,
)
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization

from .factories import members, record


@pytest.fixture
def branch(city):
    """branch_a1 with seven members besides 张三 (member_a1)."""
    return members(city.branch_a1, 7)


def nothing_written(city):
    assert not Election.objects.exists()
    assert not Candidate.objects.exists()
    assert not CommitteePost.objects.exists()
    org = Organization.objects.get(pk=city.branch_a1.pk)
    assert org.term_started_on is None and org.secretary_id is None
    assert not AuditEvent.objects.filter(event="election_record").exists()


def refused(city, field, text, **kwargs):
    with pytest.raises(ValidationError) as err:
        record(city.secretary, city.branch_a1, **kwargs)
    messages = err.value.message_dict[field]
    assert any(text in m for m in messages), messages
    nothing_written(city)
    return messages


def test_a_valid_election_renews_the_term_and_fills_the_posts(city, branch):
    people = [city.member_a1, *branch[:5]]  # 6 candidates for 5 seats: exactly 20% more
    election = record(
        city.secretary,
        city.branch_a1,
        people,
        seats=5,
        secretary=branch[0].pk,
        deputies=[branch[1].pk],
        held_on=date(2025, 3, 1),
    )
    org = Organization.objects.get(pk=city.branch_a1.pk)
    assert org.term_started_on == date(2025, 3, 1) and org.term_years == 5  # ORG-05: community
    assert org.secretary_id == branch[0].pk
    elected = set(election.candidates.filter(elected=True).values_list("member_id", flat=True))
    assert elected == {m.pk for m in people[:5]}
    posts = dict(
        CommitteePost.objects.filter(ended_on__isnull=True).values_list("member_id", "post")
    )
    assert posts[branch[0].pk] == Post.SECRETARY and posts[branch[1].pk] == Post.DEPUTY
    assert posts[city.member_a1.pk] == Post.MEMBER and len(posts) == 5
    event = AuditEvent.objects.get(event="election_record")
    assert event.data["after"]["seats"] == 5
    assert rollups.check() == []


def test_the_next_election_ends_the_previous_posts(city, branch):
    record(city.secretary, city.branch_a1, branch[:1], held_on=date(2022, 3, 1))
    record(city.secretary, city.branch_a1, branch[1:2], held_on=date(2025, 3, 1))
    old = CommitteePost.objects.get(member=branch[0])
    assert old.ended_on == date(2025, 3, 1)
    assert CommitteePost.objects.get(ended_on__isnull=True).member == branch[1]
    assert Organization.objects.get(pk=city.branch_a1.pk).secretary_id == branch[1].pk


def test_exactly_four_fifths_present_is_refused_and_more_accepted(city, branch):
    refused(
        city,
        "present",
        "ELEC-03",
        people=branch[:1],
        entitled=10,
        present=8,
        ballots_issued=8,
        ballots_returned=8,
    )
    record(city.secretary, city.branch_a1, branch[:1], entitled=10, present=9, votes=[7])
    assert Election.objects.count() == 1


def test_exactly_twenty_percent_more_candidates_is_enough(city, branch):
    refused(city, "candidates", "ELEC-04", people=branch[:5], seats=5)
    record(city.secretary, city.branch_a1, branch[:6], seats=5)
    assert Election.objects.get().candidates.count() == 6


def test_exactly_half_of_those_present_is_not_elected(city, branch):
    # 10 present: 5 votes is exactly half, not more
    messages = refused(
        city,
        "candidates",
        "ELEC-05",
        people=branch[:1],
        entitled=10,
        present=10,
        ballots_issued=10,
        ballots_returned=10,
        votes=[5],
    )
    assert "no candidate" in messages[0]
    record(
        city.secretary,
        city.branch_a1,
        branch[:1],
        entitled=10,
        present=10,
        ballots_issued=10,
        ballots_returned=10,
        votes=[6],
    )
    assert Election.objects.get().candidates.get().elected


def test_a_candidate_with_exactly_half_is_left_out(city, branch):
    election = record(
        city.secretary,
        city.branch_a1,
        branch[:4],
        seats=3,
        entitled=10,
        present=10,
        ballots_issued=10,
        ballots_returned=10,
        votes=[9, 8, 5, 2],
    )
    assert election.candidates.filter(elected=True).count() == 2


def test_more_votes_than_voters_is_refused(city, branch):
    refused(city, "candidates", "more votes than voters", people=branch[:1], votes=[10])


def test_ballots_returned_beyond_those_issued_is_refused(city, branch):
    refused(
        city,
        "ballots_returned",
        "ELEC-06",
        people=branch[:1],
        ballots_issued=9,
        ballots_returned=10,
    )


def test_more_ballots_than_voters_present_is_refused(city, branch):
    refused(city, "ballots_issued", "ELEC-06", people=branch[:1], ballots_issued=10)


def test_a_probationary_candidate_is_refused(city, branch):
    probationary = members(city.branch_a1, 1, membership="probationary", full_member_date=None)
    refused(city, "candidates", "probationary", people=[branch[0], *probationary], seats=1)


def test_a_suspended_member_cannot_stand(city, branch):
    suspended = members(city.branch_a1, 1, standing="suspended")
    refused(city, "candidates", "ELEC-02", people=suspended)


def test_a_candidate_from_another_organisation_is_refused(city, branch):
    refused(city, "candidates", "No such member", people=[branch[0], city.member_b1], seats=1)


def test_a_tie_for_the_last_seat_is_refused(city, branch):
    refused(city, "candidates", "tie", people=branch[:3], seats=2, votes=[8, 5, 5])


def test_the_secretary_must_be_elected(city, branch):
    refused(
        city,
        "secretary",
        "elected",
        people=branch[:2],
        seats=1,
        votes=[8, 1],
        secretary=branch[1].pk,
    )


def test_a_future_date_is_refused(city, branch):
    refused(city, "held_on", "future", people=branch[:1], held_on=date(2999, 1, 1))


def test_outside_scope_is_refused(city, branch):
    with pytest.raises(ValidationError) as err:
        record(city.county_admin, city.branch_b1, [city.member_b1])
    assert "org" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        record(city.viewer, city.branch_a1, branch[:1])
    with pytest.raises(ValidationError):
        record(city.outsider, city.branch_a1, branch[:1])
    nothing_written(city)


def test_posts_between_elections_keep_the_secretary_in_step(city, branch):
    record(city.secretary, city.branch_a1, branch[:1], held_on=date(2024, 3, 1))
    row = services.post_assign(
        actor=city.secretary,
        org=city.branch_a1,
        member=branch[2].pk,
        post=Post.SECRETARY,
        started_on=date(2025, 1, 1),
    )
    assert Organization.objects.get(pk=city.branch_a1.pk).secretary_id == branch[2].pk
    assert CommitteePost.objects.get(member=branch[0]).ended_on == date(2025, 1, 1)
    services.post_end(actor=city.secretary, post=row, ended_on=date(2025, 6, 1))
    assert Organization.objects.get(pk=city.branch_a1.pk).secretary_id is None
    with pytest.raises(ValidationError):
        services.post_end(actor=city.secretary, post=row, ended_on=date(2025, 7, 1))
    probationary = members(city.branch_a1, 1, membership="probationary", full_member_date=None)
    with pytest.raises(ValidationError) as err:
        services.post_assign(
            actor=city.secretary,
            org=city.branch_a1,
            member=probationary[0].pk,
            post=Post.MEMBER,
            started_on=date(2025, 1, 1),
        )
    assert "ELEC-02" in err.value.message_dict["member"][0]


def test_village_committee_is_recorded_and_replaced(city, branch):
    services.village_committee_record(
        actor=city.secretary,
        org=city.branch_a1,
        started_on=date(2024, 5, 1),
        seats=[
            {"member": branch[0].pk, "role": "chair"},
            {"name": "王大海", "role": "member"},
        ],
    )
    assert VillageCommitteeSeat.objects.get(role="chair").name == branch[0].name
    services.village_committee_record(
        actor=city.secretary,
        org=city.branch_a1,
        started_on=date(2025, 5, 1),
        seats=[{"name": "林小红", "role": "chair"}],
    )
    assert VillageCommitteeSeat.objects.filter(ended_on__isnull=True).count() == 1
    assert VillageCommitteeSeat.objects.filter(ended_on=date(2025, 5, 1)).count() == 2


@pytest.mark.parametrize(
    ("seats", "text"),
    [
        ([{"name": "甲", "role": "member"}], "Exactly one chair"),
        ([{"name": "甲", "role": "chair"}, {"name": "乙", "role": "chair"}], "Exactly one chair"),
        ([{"name": "", "role": "chair"}], "name is required"),
        ([{"member": 999999, "role": "chair"}], "no such member"),
        ([], "At least one seat"),
    ],
)
def test_bad_village_committees_change_nothing(city, seats, text):
    with pytest.raises(ValidationError) as err:
        services.village_committee_record(
            actor=city.secretary, org=city.branch_a1, started_on=date(2025, 5, 1), seats=seats
        )
    assert any(text in m for m in err.value.message_dict["seats"])
    assert not VillageCommitteeSeat.objects.exists()


def test_only_villages_and_communities_have_a_village_committee(city):
    with pytest.raises(ValidationError) as err:
        services.village_committee_record(
            actor=city.county_admin,
            org=city.town_a,
            started_on=date(2025, 5, 1),
            seats=[{"name": "甲", "role": "chair"}],
        )
    assert "org" in err.value.message_dict


def test_campaigns(city):
    campaign = services.campaign_create(
        actor=city.county_admin,
        org=city.county_a,
        name="2025年换届",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 6, 30),
        unit_types=["village", "community"],
    )
    assert campaign.unit_types == ["village", "community"]
    for kwargs, field in [
        ({"ends_on": date(2024, 1, 1)}, "ends_on"),
        ({"unit_types": []}, "unit_types"),
        ({"unit_types": ["moon"]}, "unit_types"),
        ({"name": " "}, "name"),
    ]:
        values = {
            "name": "x",
            "starts_on": date(2025, 1, 1),
            "ends_on": date(2025, 6, 30),
            "unit_types": ["village"],
            **kwargs,
        }
        with pytest.raises(ValidationError) as err:
            services.campaign_create(actor=city.county_admin, org=city.county_a, **values)
        assert field in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            actor=city.viewer,
            org=city.county_a,
            name="x",
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 6, 30),
            unit_types=["village"],
        )
    assert RenewalCampaign.objects.count() == 1
