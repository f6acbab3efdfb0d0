"""Every endpoint × every persona: 200/201 when allowed, 401 anonymous, 403 visible but not
allowed, 404 outside scope (and 422 naming the field when the target is the problem). A refused
request changes nothing."""

from datetime import date

import pytest

from jiceng.core import idnumber

from .conftest import snapshot

PERSONAS = [
    "anonymous",
    "city_admin",
    "county_admin",
    "viewer",
    "secretary",
    "member_user",
    "outsider",
]
TODAY = date.today().isoformat()


def new_member(c):
    return {
        "name": "王五",
        "id_number": idnumber.make("440802", date(1990, 1, 2), 123),
        "education": "20",
        "occupation": "03",
        "org": c.branch_a1.pk,
        "join_date": "2015-07-01",
        "membership": "full",
        "full_member_date": "2016-07-01",
    }


def new_org(c):
    return {
        "parent": c.town_a.pk,
        "name": "新建社区党支部",
        "kind": "branch",
        "category": "07",
        "unit_type": "community",
    }


# name: (request builder, {persona: status}); anonymous is always 401.
CASES = {
    "org_list": (
        lambda c: ("get", "/api/orgs/", None),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=200,
            secretary=200,
            member_user=200,
            outsider=200,
        ),
    ),
    "org_detail_a1": (
        lambda c: ("get", f"/api/orgs/{c.branch_a1.pk}", None),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=200,
            secretary=200,
            member_user=200,
            outsider=404,
        ),
    ),
    "org_detail_b1": (
        lambda c: ("get", f"/api/orgs/{c.branch_b1.pk}", None),
        dict(
            city_admin=200,
            county_admin=404,
            viewer=200,
            secretary=404,
            member_user=404,
            outsider=404,
        ),
    ),
    "org_children": (
        lambda c: ("get", f"/api/orgs/{c.town_a.pk}/children", None),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=200,
            secretary=404,
            member_user=404,
            outsider=404,
        ),
    ),
    "org_summary": (
        lambda c: ("get", f"/api/orgs/{c.branch_a1.pk}/summary", None),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=200,
            secretary=200,
            member_user=403,
            outsider=404,
        ),
    ),
    "org_create": (
        lambda c: ("post", "/api/orgs/", new_org(c)),
        dict(
            city_admin=201,
            county_admin=201,
            viewer=403,
            secretary=422,
            member_user=403,
            outsider=403,
        ),
    ),
    "org_update": (
        lambda c: ("patch", f"/api/orgs/{c.branch_a1.pk}", {"short_name": "寸金"}),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=403,
            secretary=200,
            member_user=403,
            outsider=404,
        ),
    ),
    "org_move": (
        lambda c: ("post", f"/api/orgs/{c.branch_a2.pk}/move", {"parent": c.town_b.pk}),
        dict(
            city_admin=200,
            county_admin=422,
            viewer=403,
            secretary=404,
            member_user=404,
            outsider=404,
        ),
    ),
    "org_dissolve": (
        lambda c: ("post", f"/api/orgs/{c.branch_a2.pk}/dissolve", {"dissolved_on": TODAY}),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=403,
            secretary=404,
            member_user=404,
            outsider=404,
        ),
    ),
    "org_dissolve_own": (
        lambda c: ("post", f"/api/orgs/{c.branch_a1.pk}/dissolve", {}),
        dict(
            city_admin=422,
            county_admin=422,
            viewer=403,
            secretary=403,
            member_user=403,
            outsider=404,
        ),
    ),
    "member_list": (
        lambda c: ("get", "/api/members/", None),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=200,
            secretary=200,
            member_user=200,
            outsider=200,
        ),
    ),
    "member_detail_a1": (
        lambda c: ("get", f"/api/members/{c.member_a1.pk}", None),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=200,
            secretary=200,
            member_user=200,
            outsider=404,
        ),
    ),
    "member_detail_b1": (
        lambda c: ("get", f"/api/members/{c.member_b1.pk}", None),
        dict(
            city_admin=200,
            county_admin=404,
            viewer=200,
            secretary=404,
            member_user=404,
            outsider=404,
        ),
    ),
    "member_create": (
        lambda c: ("post", "/api/members/", new_member(c)),
        dict(
            city_admin=201,
            county_admin=201,
            viewer=403,
            secretary=201,
            member_user=403,
            outsider=403,
        ),
    ),
    "member_update": (
        lambda c: ("patch", f"/api/members/{c.member_a1.pk}", {"job": "社区主任"}),
        dict(
            city_admin=200,
            county_admin=200,
            viewer=403,
            secretary=200,
            member_user=403,
            outsider=404,
        ),
    ),
    "member_update_b1": (
        lambda c: ("patch", f"/api/members/{c.member_b1.pk}", {"job": "x"}),
        dict(
            city_admin=200,
            county_admin=404,
            viewer=403,
            secretary=404,
            member_user=404,
            outsider=404,
        ),
    ),
    "member_status": (
        lambda c: (
            "post",
            f"/api/members/{c.member_a1.pk}/status",
            {
                "field": "is_lost_contact",
                "value": True,
                "effective_on": TODAY,
                "reason": "失联三个月",
            },
        ),
        dict(
            city_admin=201,
            county_admin=201,
            viewer=403,
            secretary=201,
            member_user=403,
            outsider=404,
        ),
    ),
    "member_unmask": (
        lambda c: (
            "post",
            f"/api/members/{c.member_a1.pk}/unmask",
            {"field": "phone", "reason": "联系本人核实信息"},
        ),
        dict(
            city_admin=200,
            county_admin=403,
            viewer=403,
            secretary=403,
            member_user=403,
            outsider=404,
        ),
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", list(CASES))
def test_persona_matrix(city, as_user, case, persona):
    build, expected = CASES[case]
    method, url, data = build(city)
    user = None if persona == "anonymous" else getattr(city, persona)
    status = 401 if persona == "anonymous" else expected[persona]
    before = snapshot()

    response = getattr(as_user(user), method)(url, data)

    assert response.status_code == status, response.content
    body = response.json()
    if status >= 400:
        assert "detail" in body
        if method != "get":
            assert snapshot() == before, "a refused request changed something"
    if status == 422:
        assert body["errors"], body
    elif method != "get" and status < 300:
        assert snapshot() != before


def test_refused_create_names_the_target(city, as_user):
    response = as_user(city.secretary).post("/api/orgs/", new_org(city))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["parent"]


def test_lists_hold_only_what_the_persona_sees(city, as_user):
    def ids(user, url):
        return {row["id"] for row in as_user(user).get(url).json()["results"]}

    assert ids(city.outsider, "/api/orgs/") == set()
    assert ids(city.outsider, "/api/members/") == set()
    assert ids(city.member_user, "/api/orgs/") == {city.branch_a1.pk}
    assert ids(city.member_user, "/api/members/") == {city.member_a1.pk}
    assert ids(city.secretary, "/api/members/") == {city.member_a1.pk}
    assert ids(city.county_admin, "/api/members/") == {city.member_a1.pk}
    assert ids(city.viewer, "/api/members/") == {city.member_a1.pk, city.member_b1.pk}
    assert ids(city.county_admin, "/api/orgs/") == {
        city.county_a.pk,
        city.town_a.pk,
        city.branch_a1.pk,
        city.branch_a2.pk,
    }
    response = as_user(city.member_user).get("/api/members/")
    assert response.json()["count"] == 1
