"""The demo's renewals: the source's campaign at its proportions, valid elections, the 两委,
some organisations overdue; deterministic."""

from datetime import date

import pytest

from jiceng.core import figures, findings
from jiceng.core.findings import Level
from jiceng.demo import build
from jiceng.elections import demo, rules, selectors
from jiceng.elections import figures as election_figures
from jiceng.elections.models import CommitteePost, Election, RenewalCampaign
from jiceng.orgs.models import Organization

AS_OF = date(2026, 6, 30)


def snapshot():
    return (
        sorted(Election.objects.values_list("org_id", "held_on", "present", "seats")),
        sorted(CommitteePost.objects.values_list("org_id", "member_id", "post")),
    )


@pytest.mark.django_db
def test_demo_renewals():
    build.build(seed=3, scale=0.01, as_of=AS_OF, parallel=False)
    city = Organization.objects.get(parent__isnull=True)
    campaign = RenewalCampaign.objects.get()
    total, _ = selectors.campaign_progress(campaign, city)
    for unit_type in ("village", "community"):
        expected = round(
            total.targets[unit_type] * demo.COMPLETED[unit_type] / demo.IN_CITY[unit_type]
        )
        assert total.completed[unit_type] == expected
    # every recorded election passes the checks of ELEC-03…06
    for e in Election.objects.prefetch_related("candidates"):
        assert rules.quorum_problem(e.entitled, e.present, 80) is None
        votes = [(str(c.member_id), c.votes) for c in e.candidates.all()]
        assert rules.margin_problem(e.seats, len(votes), 20, 3) is None
        assert (
            rules.vote_problems(
                votes, present=e.present, returned=e.ballots_returned, seats=e.seats
            )
            == []
        )
        outcome = rules.elect(votes, seats=e.seats, present=e.present, majority_percent=50)
        assert {int(k) for k in outcome.elected} == {
            c.member_id for c in e.candidates.all() if c.elected
        }
        assert e.org.term_started_on == e.held_on
    # the secretary on record is the open secretary post
    secretaries = dict(
        CommitteePost.objects.filter(post="secretary", ended_on__isnull=True).values_list(
            "org_id", "member_id"
        )
    )
    for org_id, secretary_id in Organization.objects.filter(pk__in=secretaries).values_list(
        "id", "secretary_id"
    ):
        assert secretaries[org_id] == secretary_id
    two, _ = selectors.two_committees(city)
    assert 60 <= two.one_shoulder_ratio <= 95
    assert 30 <= two.cross_rate <= 80
    found = findings.in_subtree(city.path, AS_OF, keys=["renewals"])
    assert any(f.level == Level.OVERDUE for f in found)
    assert any(f.level == Level.DUE_SOON for f in found)
    # the figures equal the direct counts (at scale 1: villages 1,450, communities 305)
    scope = figures.Scope(
        org_id=city.pk, path=city.path, name=city.name, start=campaign.starts_on, end=AS_OF
    )
    values = figures.compute(scope, [key for key, *_rest in election_figures.FIGURES])
    renewed = values["elections.renewed"]
    assert renewed.parts == {
        "villages": total.completed["village"],
        "communities": total.completed["community"],
    }
    assert renewed.value == Election.objects.count()
    assert values["elections.one_shoulder"].parts["one_shoulder"] == two.one_shoulder
    assert values["elections.cross_serving"].parts == {"cross": two.cross, "people": two.people}
    overdue = [f for f in found if f.level == Level.OVERDUE]
    assert values["elections.terms_overdue"].value == len(overdue)
    first = snapshot()
    build.build(seed=3, scale=0.01, as_of=AS_OF, parallel=False, replace=True)
    assert snapshot() == first
