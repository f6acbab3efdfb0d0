"""Web pages of the organisation tree: access per persona, forms calling the services,
errors beside the fields, query counts."""

import pytest
from django.urls import reverse

from jiceng.core.testing import make_org
from jiceng.orgs.models import Organization, OrgStatus
from jiceng.web.tests.personas import LOGIN, login_as, persona_test

pytestmark = pytest.mark.django_db

ALL_READ = {
    "anonymous": LOGIN,
    "city_admin": 200,
    "county_admin": 200,
    "viewer": 200,
    "secretary": 200,
    "member_user": 200,
    "outsider": 404,
}

test_tree_access = persona_test(
    lambda city: reverse("orgs:org_tree"),
    {**ALL_READ, "outsider": 200},
)
test_branch_page_access = persona_test(
    lambda city: reverse("orgs:org_detail", args=[city.branch_a1.pk]),
    ALL_READ,
)
test_other_county_page_access = persona_test(
    lambda city: reverse("orgs:org_detail", args=[city.county_b.pk]),
    {
        "city_admin": 200,
        "viewer": 200,
        "county_admin": 404,
        "secretary": 404,
        "member_user": 404,
        "outsider": 404,
    },
)
test_children_fragment_access = persona_test(
    lambda city: reverse("orgs:org_children", args=[city.town_a.pk]),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 200,
        "secretary": 404,
        "member_user": 404,
        "outsider": 404,
    },
    htmx=True,
)
test_edit_access = persona_test(
    lambda city: reverse("orgs:org_edit", args=[city.branch_a1.pk]),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 403,
        "secretary": 200,
        "member_user": 403,
        "outsider": 404,
    },
)
test_create_access = persona_test(
    lambda city: reverse("orgs:org_create") + f"?parent={city.town_a.pk}",
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 403,
        "secretary": 404,
        "member_user": 404,
        "outsider": 404,
    },
)
test_move_access = persona_test(
    lambda city: reverse("orgs:org_move", args=[city.town_a.pk]),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 403,
        "secretary": 404,
        "member_user": 404,
        "outsider": 404,
    },
)
test_dissolve_access = persona_test(
    lambda city: reverse("orgs:org_dissolve", args=[city.branch_a2.pk]),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 403,
        "secretary": 404,
        "member_user": 404,
        "outsider": 404,
    },
)
# A secretary may change their branch but not dissolve it.
test_dissolve_own_branch_access = persona_test(
    lambda city: reverse("orgs:org_dissolve", args=[city.branch_a1.pk]),
    {"secretary": 403, "county_admin": 200},
)
test_edit_post_access = persona_test(
    lambda city: reverse("orgs:org_edit", args=[city.branch_a1.pk]),
    {"anonymous": LOGIN, "viewer": 403, "member_user": 403, "outsider": 404},
    method="post",
    data=lambda city: {"name": "改名"},
)


def test_tree_shows_roots_and_loads_children(client, city):
    login_as(client, city, "county_admin")
    page = client.get(reverse("orgs:org_tree")).content.decode()
    assert city.county_a.name in page
    assert city.county_b.name not in page
    assert city.town_a.name not in page  # loaded on demand
    assert reverse("orgs:org_children", args=[city.county_a.pk]) in page
    fragment = client.get(
        reverse("orgs:org_children", args=[city.county_a.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert city.town_a.name in fragment
    assert "<html" not in fragment
    assert reverse("orgs:org_children", args=[city.town_a.pk]) in fragment


def test_tree_rows_show_counts(client, city):
    login_as(client, city, "city_admin")
    html = client.get(reverse("orgs:org_children", args=[city.town_a.pk])).content.decode()
    assert city.branch_a1.name in html and city.branch_a2.name in html
    row = html.split(f'data-org="{city.branch_a1.pk}"')[1].split("</li>")[0]
    assert 'bi-people"></i> 1<' in row  # 张三
    assert "tree-toggle" not in row  # a branch has nothing to expand


def test_org_page_shows_details_breadcrumbs_and_summary_links(client, city):
    login_as(client, city, "city_admin")
    response = client.get(reverse("orgs:org_detail", args=[city.town_a.pk]))
    html = response.content.decode()
    assert city.county_a.short_name in html  # breadcrumb
    assert city.branch_a1.name in html  # children
    members_url = reverse("members:member_list")
    assert f"{members_url}?org={city.town_a.pk}&amp;education=20" in html
    assert f"{members_url}?org={city.town_a.pk}&amp;sex=1" in html
    assert f"{members_url}?org={city.town_a.pk}&amp;membership=full" in html
    assert response.context["summary"]["members"] == 1


def test_org_page_buttons_follow_the_role(client, city):
    login_as(client, city, "viewer")
    html = client.get(reverse("orgs:org_detail", args=[city.town_a.pk])).content.decode()
    assert reverse("orgs:org_edit", args=[city.town_a.pk]) not in html
    client.force_login(city.county_admin)
    html = client.get(reverse("orgs:org_detail", args=[city.town_a.pk])).content.decode()
    assert reverse("orgs:org_edit", args=[city.town_a.pk]) in html
    assert reverse("orgs:org_move", args=[city.town_a.pk]) in html


def test_edit_saves_through_the_service(client, city):
    login_as(client, city, "secretary")
    response = client.post(
        reverse("orgs:org_edit", args=[city.branch_a1.pk]),
        {
            "name": "寸金社区第一党支部",
            "short_name": "",
            "kind": "branch",
            "category": "07",
            "unit_type": "community",
            "unit_name": "",
            "secretary": city.member_a1.pk,
            "contact_name": "",
            "contact_phone": "",
            "founded_on": "2001-07-01",
            "term_started_on": "2023-03-01",
            "term_years": "3",
        },
    )
    assert response.status_code == 302
    org = Organization.objects.get(pk=city.branch_a1.pk)
    assert org.name == "寸金社区第一党支部"
    assert org.secretary_id == city.member_a1.pk
    page = client.get(reverse("orgs:org_detail", args=[org.pk])).content.decode()
    assert "2026-03-01" in page  # renewal due = term start + 3 years


def test_edit_error_beside_the_field_changes_nothing(client, city):
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_edit", args=[city.branch_a1.pk]),
        {
            "name": "寸金社区党支部",
            "kind": "branch",
            "category": "07",
            "unit_type": "community",
            "term_years": "9",
            "founded_on": "2001-07-01",
        },
    )
    assert response.status_code == 200
    assert "term_years" in response.context["form"].errors
    assert 'id="id_term_years-error"' in response.content.decode()
    assert Organization.objects.get(pk=city.branch_a1.pk).term_years != 9


def test_edit_secretary_outside_scope_is_refused(client, city):
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_edit", args=[city.branch_a1.pk]),
        {
            "name": "寸金社区党支部",
            "kind": "branch",
            "category": "07",
            "unit_type": "community",
            "secretary": city.member_b1.pk,
        },
    )
    assert "secretary" in response.context["form"].errors
    assert Organization.objects.get(pk=city.branch_a1.pk).secretary_id is None


def test_create_child(client, city):
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_create"),
        {
            "parent": city.town_a.pk,
            "name": "南桥社区党支部",
            "kind": "branch",
            "category": "07",
            "unit_type": "community",
        },
    )
    assert response.status_code == 302
    child = Organization.objects.get(name="南桥社区党支部")
    assert child.parent_id == city.town_a.pk
    assert response["Location"] == reverse("orgs:org_detail", args=[child.pk])


def test_create_child_of_a_kind_the_parent_cannot_hold(client, city):
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_create"),
        {
            "parent": city.branch_a1.pk,
            "name": "错误党支部",
            "kind": "branch",
            "category": "07",
            "unit_type": "community",
        },
    )
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not Organization.objects.filter(name="错误党支部").exists()


def test_create_under_another_county_is_404(client, city):
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_create"),
        {
            "parent": city.town_b.pk,
            "name": "越权党支部",
            "kind": "branch",
            "category": "07",
            "unit_type": "village",
        },
    )
    assert response.status_code == 404
    assert not Organization.objects.filter(name="越权党支部").exists()


def test_move_under_another_county_is_refused_beside_the_field(client, city):
    login_as(client, city, "county_admin")
    before = Organization.objects.get(pk=city.town_a.pk)
    response = client.post(
        reverse("orgs:org_move", args=[city.town_a.pk]), {"parent": city.county_b.pk}
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert 'id="id_parent-error"' in response.content.decode()
    after = Organization.objects.get(pk=city.town_a.pk)
    assert (after.parent_id, after.path) == (before.parent_id, before.path)


def test_move_under_own_descendant_is_refused(client, city):
    login_as(client, city, "city_admin")
    response = client.post(
        reverse("orgs:org_move", args=[city.county_a.pk]), {"parent": city.town_a.pk}
    )
    assert "parent" in response.context["form"].errors
    assert Organization.objects.get(pk=city.county_a.pk).parent_id == city.city.pk


def test_move_within_scope(client, city):
    town_a2 = make_org(city.county_a, "沙湾街道党工委", "township")
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_move", args=[city.branch_a2.pk]), {"parent": town_a2.pk}
    )
    assert response.status_code == 302
    moved = Organization.objects.get(pk=city.branch_a2.pk)
    assert moved.parent_id == town_a2.pk
    assert moved.path.startswith(town_a2.path)


def test_move_form_shows_the_chosen_parent_only_within_scope(client, city):
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_move", args=[city.town_a.pk]), {"parent": city.county_b.pk}
    )
    assert city.county_b.name not in response.content.decode()


def test_dissolve(client, city):
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_dissolve", args=[city.branch_a2.pk]),
        {"dissolved_on": "2024-01-31", "confirm": "on"},
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=city.branch_a2.pk).status == OrgStatus.DISSOLVED


def test_dissolve_with_members_is_refused(client, city):
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("orgs:org_dissolve", args=[city.branch_a1.pk]),
        {"dissolved_on": "2024-01-31", "confirm": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Organization.objects.get(pk=city.branch_a1.pk).status == OrgStatus.ACTIVE


def test_autocomplete_stays_in_scope(client, city):
    login_as(client, city, "county_admin")
    url = reverse("orgs:org_autocomplete")
    html = client.get(url, {"mode": "branch", "q": "支部"}).content.decode()
    assert city.branch_a1.name in html
    assert city.branch_b1.name not in html
    html = client.get(url, {"mode": "parent", "field": "parent", "parent__search": ""}).content
    assert city.town_a.name in html.decode() and city.branch_a1.name not in html.decode()


def test_org_page_query_count(client, city, django_assert_max_num_queries):
    login_as(client, city, "city_admin")
    for i in range(15):
        make_org(city.town_a, f"新建党支部{i}", "branch", unit_type="community")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("orgs:org_detail", args=[city.town_a.pk]))
    assert response.status_code == 200


def test_tree_fragment_query_count(client, city, django_assert_max_num_queries):
    login_as(client, city, "city_admin")
    for i in range(30):
        make_org(city.town_a, f"新建党支部{i}", "branch", unit_type="community")
    with django_assert_max_num_queries(6):
        response = client.get(
            reverse("orgs:org_children", args=[city.town_a.pk]), headers={"HX-Request": "true"}
        )
    assert response.content.decode().count("data-org=") == 32


# ---- the organisation list ------------------------------------------------------------------

test_org_list_access = persona_test(
    lambda city: reverse("orgs:org_list"),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 200,
        "secretary": 200,
        "member_user": 200,
        "outsider": 200,
    },
)


def listed(client, query: str = "") -> list[str]:
    response = client.get(reverse("orgs:org_list") + query)
    assert response.status_code == 200
    return [o.name for o in response.context["objects"]]


def test_org_list_shows_only_the_users_scope(client, city):
    assert listed(login_as(client, city, "outsider")) == []
    assert listed(login_as(client, city, "member_user")) == ["寸金社区党支部"]
    names = listed(login_as(client, city, "county_admin"))
    assert "寸金社区党支部" in names and "城西村党支部" not in names


def test_org_list_filters_like_the_org_page_counts(client, city):
    login_as(client, city, "city_admin")
    assert listed(client, f"?within={city.county_a.pk}&kind=branch") == [
        "寸金社区党支部",
        "海滨社区党支部",
    ]
    assert listed(client, f"?within={city.city.pk}&category=03") == ["城西村党支部"]
    assert len(listed(client, "?grassroots=true")) == 3
    html = client.get(reverse("orgs:org_detail", args=[city.county_a.pk])).content.decode()
    assert f"?within={city.county_a.pk}&amp;kind=branch" in html


def test_org_list_refuses_a_subtree_outside_scope(client, city):
    login_as(client, city, "county_admin")
    response = client.get(reverse("orgs:org_list") + f"?within={city.county_b.pk}")
    assert response.context["objects"] == []
    assert response.context["filter_form"].errors["within"]


def test_org_list_query_count_does_not_grow_with_the_page(
    client, city, django_assert_max_num_queries
):
    from jiceng.core.testing import make_org

    for i in range(30):
        make_org(city.town_a, f"测试支部{i}", "branch", unit_type="other")
    login_as(client, city, "city_admin")
    for size in (25, 100):
        with django_assert_max_num_queries(10):
            assert len(listed(client, f"?per_page={size}")) == min(size, 38)
