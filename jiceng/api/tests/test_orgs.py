"""Organisation endpoints: filters, writes that try to leave scope, bad input."""

import pytest

from jiceng.orgs.models import Organization, OrgStatus

from .conftest import snapshot


def errors_of(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    return body["errors"]


def refused(api, method, url, data, field):
    """The request is refused with a 422 naming `field`, and nothing changed."""
    before = snapshot()
    response = getattr(api, method)(url, data)
    assert field in errors_of(response), response.json()
    assert snapshot() == before


# ---- writes that try to leave the caller's scope -------------------------------------------


def test_county_admin_cannot_move_an_org_under_county_b(city, as_user):
    api = as_user(city.county_admin)
    refused(
        api, "post", f"/api/orgs/{city.branch_a2.pk}/move", {"parent": city.town_b.pk}, "parent"
    )
    assert Organization.objects.get(pk=city.branch_a2.pk).parent_id == city.town_a.pk


def test_county_admin_cannot_create_under_county_b(city, as_user):
    refused(
        as_user(city.county_admin),
        "post",
        "/api/orgs/",
        {
            "parent": city.town_b.pk,
            "name": "x",
            "kind": "branch",
            "category": "03",
            "unit_type": "village",
        },
        "parent",
    )


def test_patch_cannot_rehome_an_org(city, as_user):
    """PATCH takes no parent (re-homing is /move): the field is named, nothing moves."""
    refused(
        as_user(city.county_admin),
        "patch",
        f"/api/orgs/{city.branch_a1.pk}",
        {"parent": city.branch_b1.pk},
        "parent",
    )


def test_county_admin_cannot_make_a_county_b_member_secretary(city, as_user):
    refused(
        as_user(city.county_admin),
        "patch",
        f"/api/orgs/{city.branch_a1.pk}",
        {"secretary": city.member_b1.pk},
        "secretary",
    )


def test_secretary_can_be_set_within_scope(city, as_user):
    response = as_user(city.county_admin).patch(
        f"/api/orgs/{city.branch_a1.pk}", {"secretary": city.member_a1.pk}
    )
    assert response.status_code == 200
    assert response.json()["secretary"] == city.member_a1.pk
    assert response.json()["secretary_name"] == "张三"


def test_county_admin_moves_within_scope(city, as_user):
    api = as_user(city.city_admin)
    town_a2 = api.post(
        "/api/orgs/",
        {
            "parent": city.county_a.pk,
            "name": "南桥街道党工委",
            "kind": "township",
            "category": "07",
            "unit_type": "region",
        },
    )
    assert town_a2.status_code == 201, town_a2.content
    response = as_user(city.county_admin).post(
        f"/api/orgs/{city.branch_a2.pk}/move", {"parent": town_a2.json()["id"]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["parent"] == town_a2.json()["id"]
    assert response.json()["depth"] == 4


# ---- bad input -----------------------------------------------------------------------------


def test_org_cannot_move_under_its_own_descendant(city, as_user):
    refused(
        as_user(city.city_admin),
        "post",
        f"/api/orgs/{city.county_a.pk}/move",
        {"parent": city.town_a.pk},
        "parent",
    )
    refused(
        as_user(city.city_admin),
        "post",
        f"/api/orgs/{city.county_a.pk}/move",
        {"parent": city.county_a.pk},
        "parent",
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "branch", "parent": "branch_a1"}, "parent"),  # a branch holds no orgs
        ({"kind": "city"}, "parent"),  # the city under a township
        ({"kind": "village"}, "kind"),  # not a kind
        ({"category": "99"}, "category"),
        ({"term_years": 9}, "term_years"),
        ({"founded_on": "2999-01-01"}, "founded_on"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"parent": 999999}, "parent"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_create_rejects_bad_input(city, as_user, data, field):
    body = {
        "parent": city.town_a.pk,
        "name": "新支部",
        "kind": "branch",
        "category": "07",
        "unit_type": "community",
        **data,
    }
    if body["parent"] == "branch_a1":
        body["parent"] = city.branch_a1.pk
    refused(as_user(city.city_admin), "post", "/api/orgs/", body, field)


def test_create_missing_fields_are_named(city, as_user):
    errors = errors_of(as_user(city.city_admin).post("/api/orgs/", {"parent": city.town_a.pk}))
    assert {"name", "kind", "category", "unit_type"} <= set(errors)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "township"}, "kind"),  # a township under a township
        ({"term_years": 0}, "term_years"),
        ({"unit_type": None}, "unit_type"),
    ],
)
def test_update_rejects_bad_input(city, as_user, data, field):
    refused(as_user(city.city_admin), "patch", f"/api/orgs/{city.branch_a1.pk}", data, field)


def test_dissolve_rules_name_the_field(city, as_user):
    api = as_user(city.city_admin)
    refused(api, "post", f"/api/orgs/{city.branch_a1.pk}/dissolve", {}, "status")  # has members
    refused(
        api,
        "post",
        f"/api/orgs/{city.branch_a2.pk}/dissolve",
        {"dissolved_on": "2999-01-01"},
        "dissolved_on",
    )
    response = api.post(f"/api/orgs/{city.branch_a2.pk}/dissolve", {})
    assert response.status_code == 200
    assert response.json()["status"] == "dissolved"
    refused(api, "post", f"/api/orgs/{city.branch_a2.pk}/dissolve", {}, "status")


def test_dissolve_without_a_body_means_today(city, as_user):
    client = as_user(city.city_admin).client
    response = client.generic("POST", f"/api/orgs/{city.branch_a2.pk}/dissolve")
    assert response.status_code == 200, response.content
    assert Organization.objects.get(pk=city.branch_a2.pk).status == OrgStatus.DISSOLVED


def test_create_then_read(city, as_user):
    api = as_user(city.county_admin)
    response = api.post(
        "/api/orgs/",
        {
            "parent": city.town_a.pk,
            "name": " 新建支部 ",
            "kind": "branch",
            "category": "07",
            "unit_type": "community",
        },
    )
    assert response.status_code == 201, response.content
    org = response.json()
    assert org["name"] == "新建支部" and org["parent"] == city.town_a.pk
    assert org["term_years"] == 5  # ORG-05 default for communities
    assert api.get(f"/api/orgs/{org['id']}").json() == org
    summary = api.get(f"/api/orgs/{city.town_a.pk}/summary").json()
    assert summary["orgs"] == 4
    assert {"code": "branch", "label": "党支部", "count": 3} in summary["org_kinds"]


# ---- reads ----------------------------------------------------------------------------------


def ids(api, url, params=None):
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_filters(city, as_user):
    api = as_user(city.city_admin)
    c = city
    assert ids(api, "/api/orgs/", {"parent": c.town_a.pk}) == [c.branch_a1.pk, c.branch_a2.pk]
    assert ids(api, "/api/orgs/", {"within": c.county_b.pk}) == [
        c.county_b.pk,
        c.town_b.pk,
        c.branch_b1.pk,
    ]
    assert ids(api, "/api/orgs/", {"kind": "branch"}) == [
        c.branch_a1.pk,
        c.branch_a2.pk,
        c.branch_b1.pk,
    ]
    assert ids(api, "/api/orgs/", {"category": "03"}) == [c.branch_b1.pk]
    assert ids(api, "/api/orgs/", {"q": "赤坎"}) == [c.county_a.pk]
    assert ids(api, "/api/orgs/", {"q": "社区", "within": c.county_a.pk}) == [
        c.branch_a1.pk,
        c.branch_a2.pk,
    ]
    assert ids(api, "/api/orgs/", {"status": "dissolved"}) == []
    page = api.get("/api/orgs/", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 8 and page["limit"] == 2 and page["offset"] == 1
    assert [r["id"] for r in page["results"]] == [c.county_a.pk, c.town_a.pk]


def test_list_filters_stay_in_scope(city, as_user):
    api = as_user(city.county_admin)
    assert "parent" in errors_of(api.get("/api/orgs/", {"parent": city.town_b.pk}))
    assert "within" in errors_of(api.get("/api/orgs/", {"within": city.county_b.pk}))
    assert "kind" in errors_of(api.get("/api/orgs/", {"kind": "x"}))
    errors = errors_of(api.get("/api/orgs/", {"limit": 101, "offset": -1}))
    assert {"limit", "offset"} <= set(errors)


def test_children_and_dissolved(city, as_user):
    api = as_user(city.city_admin)
    api.post(f"/api/orgs/{city.branch_a2.pk}/dissolve", {})
    url = f"/api/orgs/{city.town_a.pk}/children"
    assert ids(api, url) == [city.branch_a1.pk]
    assert ids(api, url, {"include_dissolved": "true"}) == [city.branch_a1.pk, city.branch_a2.pk]


def test_not_an_id_is_a_json_error(city, as_user):
    assert "org_id" in errors_of(as_user(city.city_admin).get("/api/orgs/abc"))
    response = as_user(city.city_admin).get("/api/orgs/999999")
    assert response.status_code == 404 and set(response.json()) == {"detail"}


def test_org_lists_hold_each_org_once(city, as_user):
    """Organization.scope_self once joined members, repeating a branch once per member."""
    from jiceng.core.testing import make_member

    for _n in range(3):
        make_member(city.branch_a1)
    for user in (city.city_admin, city.county_admin, city.member_user):
        rows = ids(as_user(user), "/api/orgs/", {"limit": 100})
        assert len(rows) == len(set(rows))
        assert as_user(user).get("/api/orgs/").json()["count"] == len(rows)
    assert ids(as_user(city.member_user), "/api/orgs/") == [city.branch_a1.pk]
    response = as_user(city.city_admin).get("/api/members/", {"org": city.branch_a1.pk})
    assert response.status_code == 200 and response.json()["count"] == 4
