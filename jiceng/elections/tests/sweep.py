"""The elections app's routes in the authorisation sweep (see jiceng/web/tests/sweeping.py)."""

from datetime import date

from jiceng.core.testing import make_member
from jiceng.web.tests.sweeping import (
    ADDERS,
    DENIED,
    NOT_ANYWHERE,
    OTHER,
    OWN,
    SCOPED_CHANGE,
    SCOPED_READ,
    Rule,
    any_logged_in,
)

POST_CHANGE = {**SCOPED_CHANGE, "member_user": NOT_ANYWHERE}

EXPECT = {
    # figures and lists: scoped to what the user sees (empty for an outsider)
    "elections:renewal_list": any_logged_in(),
    "elections:election_list": any_logged_in(),
    "elections:two_committees": any_logged_in(),
    "elections:two_committee_list": any_logged_in(),
    "elections:two_committee_seats": any_logged_in(),
    "elections:campaign_list": any_logged_in(),
    # recording needs "change" over the organisation (?org=)
    "elections:election_create": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "elections:village_committee_edit": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "elections:campaign_create": Rule(default=DENIED, get=ADDERS, write=True),
    # posts between elections: "change" over the organisation (org_id) or the post's
    "elections:post_create": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    # a post is not the member's to see (no scope_self): 404 to a plain member
    "elections:post_end": Rule(default=NOT_ANYWHERE, get=POST_CHANGE, write=True),
    # an election: its organisation's scope (a member: their own branch's)
    "elections:election_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "elections:org_committee": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    # a campaign run by county A is seen by whoever sees county A or anything under it
    "elections:campaign_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "elections:campaign_orgs": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "elections:campaign_export": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    # the API, same scope
    "api:renewal_due_list": any_logged_in(),
    "api:election_list": any_logged_in(),
    "api:campaign_list": any_logged_in(),
    "api:election_record": Rule(default=DENIED, get=ADDERS),
    "api:campaign_create": Rule(default=DENIED, get=ADDERS),
    "api:election_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:org_committee": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:two_committees_summary": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:two_committee_units": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:two_committee_seats": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:campaign_orgs": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:campaign_progress": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:village_committee_record": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE),
    "api:post_assign": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE),
    "api:post_end": Rule(default=NOT_ANYWHERE, get=POST_CHANGE),
}
QUERY_OBJECTS = {"elections:election_create": ("org", "org_id")}


def _election(org):
    from jiceng.elections import services

    winner = make_member(org)
    return services.election_record(
        actor=None,
        org=org,
        held_on=date(2025, 3, 1),
        entitled=1,
        present=1,
        ballots_issued=1,
        ballots_returned=1,
        seats=1,
        candidates=[{"member": winner.pk, "votes": 1}],
    )


def _campaign(org):
    from jiceng.elections import services

    return services.campaign_create(
        actor=None,
        org=org,
        name=f"{org.short_name}换届",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 6, 30),
        unit_types=["village", "community"],
    )


def objects(city) -> dict:
    a, b = _election(city.branch_a1), _election(city.branch_b1)
    ca, cb = _campaign(city.county_a), _campaign(city.county_b)
    post_a, post_b = a.posts.get(), b.posts.get()
    return {
        OWN: {"pk": a.pk, "election_id": a.pk, "campaign_id": ca.pk, "post_id": post_a.pk},
        OTHER: {"pk": b.pk, "election_id": b.pk, "campaign_id": cb.pk, "post_id": post_b.pk},
    }


API_BODIES = {
    "api:election_record": lambda city: {
        "org": city.branch_a1.pk,
        "held_on": "2025-03-01",
        "entitled": 1,
        "present": 1,
        "ballots_issued": 1,
        "ballots_returned": 1,
        "seats": 1,
        "candidates": [{"member": city.member_a1.pk, "votes": 1}],
    },
    "api:campaign_create": lambda city: {
        "org": city.county_a.pk,
        "name": "换届",
        "starts_on": "2025-01-01",
        "ends_on": "2025-06-30",
        "unit_types": ["village"],
    },
    "api:post_assign": lambda city: {
        "member": city.member_a1.pk,
        "post": "member",
        "started_on": "2025-04-01",
    },
    "api:post_end": lambda city: {"ended_on": "2025-04-01"},
    "api:village_committee_record": lambda city: {
        "started_on": "2025-03-01",
        "seats": [{"role": "chair", "name": "王五"}],
    },
}
