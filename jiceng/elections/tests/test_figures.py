"""The figures of renewals and elections (core.figures): each equals the selectors' and the
lists' counts, moves with the services, and counts only its own subtree."""

from datetime import date

import pytest
from django.test import Client

from jiceng.core import figures
from jiceng.elections import figures as election_figures
from jiceng.elections import selectors, services
from jiceng.elections.models import Post
from jiceng.orgs.models import Organization

from .factories import members, record
from .test_two_committees import villages  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
KEYS = [key for key, *_rest in election_figures.FIGURES]


def scope(org, start=date(2025, 1, 1), end=date(2025, 12, 31)):
    return figures.Scope(org_id=org.pk, path=org.path, name=org.name, start=start, end=end)


def value(key, org, **kw):
    return figures.compute(scope(org, **kw), [key])[key]


def listed(user, url) -> int:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["total"]


def test_registered_in_the_organisation_system():
    systems = {f.key: f.system for f in figures.registered()}
    assert {k: systems[k] for k in KEYS} == dict.fromkeys(KEYS, "organisation")


def test_renewals_completed_in_the_period(city, villages):  # noqa: F811
    v = value("elections.renewed", city.city)
    assert v.value == 3 and v.parts == {"villages": 1, "communities": 2}
    assert value("elections.renewed", city.county_b).parts == {"villages": 1, "communities": 0}
    assert (
        value("elections.renewed", city.city, start=date(2026, 1, 1), end=date(2026, 12, 31)).value
        == 0
    )
    assert listed(city.city_admin, v.url) == 3
    assert listed(city.county_admin, value("elections.renewed", city.county_a).url) == 2


def test_one_shoulder_and_cross_serving_equal_the_selectors(city, villages):  # noqa: F811
    for org in (city.city, city.county_a, city.county_b):
        total, _per = selectors.two_committees(org)
        one = value("elections.one_shoulder", org)
        cross = value("elections.cross_serving", org)
        assert float(one.value) == pytest.approx(total.one_shoulder_ratio, abs=0.05)
        assert one.parts == {"units": total.units, "one_shoulder": total.one_shoulder}
        if total.people:
            assert cross.parts == {"cross": total.cross, "people": total.people}
    # the links list exactly the organisations and seats counted
    one = value("elections.one_shoulder", city.city)
    assert listed(city.city_admin, one.url) == 1
    cross = value("elections.cross_serving", city.city)
    assert listed(city.city_admin, cross.url) == cross.parts["cross"] == 2


def test_one_shoulder_moves_when_the_chair_changes(city, villages):  # noqa: F811
    a2 = villages[city.branch_a2.pk]
    before = value("elections.one_shoulder", city.city).parts["one_shoulder"]
    secretary = Organization.objects.get(pk=city.branch_a2.pk).secretary_id
    services.village_committee_record(
        actor=None,
        org=city.branch_a2,
        started_on=date(2025, 6, 1),
        seats=[{"member": secretary, "role": "chair"}, {"member": a2[3].pk, "role": "member"}],
    )
    assert value("elections.one_shoulder", city.city).parts["one_shoulder"] == before + 1


def test_nothing_to_measure_is_no_figure(city):
    from jiceng.core.testing import make_org

    empty = make_org(city.city, "湛江经济技术开发区工委", "county")
    assert value("elections.one_shoulder", empty).value is None
    # two communities, no committee on record: 0 %, but no people: no rate
    assert value("elections.one_shoulder", city.county_a).value == 0
    assert value("elections.cross_serving", city.county_a).value is None


def test_terms_overdue(city):
    people = members(city.branch_a1, 2)
    record(city.secretary, city.branch_a1, people, seats=2, held_on=date(2019, 3, 1))
    # a community's term: five years (ORG-05), so due 2024-03-01
    v = value("elections.terms_overdue", city.city)
    assert v.value == 1 and v.rag == "red"  # one of five grassroots organisations
    assert value("elections.terms_overdue", city.county_b).value == 0
    assert value("elections.terms_overdue", city.county_b).rag == "green"
    as_of = value("elections.terms_overdue", city.city, end=date(2024, 3, 1))
    assert as_of.value == 0  # due that day, not yet overdue
    assert "as_of=" in v.url
    client = Client()
    client.force_login(city.city_admin)
    page = client.get(v.url)
    assert page.context["counts"]["overdue"] == 1
    record(city.secretary, city.branch_a1, people, seats=2, held_on=date(2025, 3, 1))
    assert value("elections.terms_overdue", city.city).value == 0


def test_a_post_change_moves_one_shoulder(city, villages):  # noqa: F811
    a1 = villages[city.branch_a1.pk]
    before = value("elections.one_shoulder", city.city).parts["one_shoulder"]
    services.post_assign(
        actor=None,
        org=city.branch_a1,
        member=a1[1].pk,
        post=Post.SECRETARY,
        started_on=date(2025, 5, 1),
    )
    assert value("elections.one_shoulder", city.city).parts["one_shoulder"] == before - 1


def test_all_figures_take_few_queries(city, villages, django_assert_max_num_queries):  # noqa: F811
    with django_assert_max_num_queries(8):
        figures.compute(scope(city.city), KEYS)


def test_the_api_lists_behind_the_figures(client, city, villages):  # noqa: F811
    client.force_login(city.city_admin)
    base = f"/api/elections/orgs/{city.city.pk}/two-committees"
    units = client.get(base + "/units?one_shoulder=yes").json()
    assert [u["id"] for u in units["results"]] == [city.branch_a1.pk]
    seats = client.get(base + "/seats?cross=true").json()
    assert seats["count"] == value("elections.cross_serving", city.city).parts["cross"]
    client.force_login(city.outsider)
    assert client.get(base + "/units").status_code == 404


def test_the_api_lists_a_campaigns_organisations(client, city, villages):  # noqa: F811
    campaign = services.campaign_create(
        actor=None,
        org=city.city,
        name="2025年换届",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        unit_types=["village", "community"],
    )
    client.force_login(city.county_admin)
    rows = client.get(f"/api/elections/campaigns/{campaign.pk}/orgs?state=completed").json()
    assert {r["id"] for r in rows["results"]} == {city.branch_a1.pk, city.branch_a2.pk}
    assert all(r["renewed_on"] == "2025-04-01" for r in rows["results"])
