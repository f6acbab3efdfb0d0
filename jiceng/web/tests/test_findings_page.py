"""The warnings page lists every app's findings for the user's scope, and nothing outside it."""

from datetime import date

import pytest

from jiceng.core import findings
from jiceng.core.findings import Finding, Level
from jiceng.orgs.models import Organization


def _provider(path, as_of):
    rows = Organization.objects.filter(path__startswith=path, kind="branch").order_by("path")
    for org in rows:
        level = Level.OVERDUE if org.name.startswith("寸金") else Level.DUE_SOON
        yield Finding(
            "TEST-09", level, org.pk, org.path, f"会议缺失 {org.name}", due=date(2026, 12, 31)
        )


@pytest.fixture
def provider():
    findings.register("pagetest", "page test", _provider)
    yield
    findings._providers.pop("pagetest")


def test_county_admin_sees_own_subtree_with_child_states(client, city, provider):
    client.force_login(city.county_admin)
    response = client.get("/warnings/?provider=pagetest")
    assert response.status_code == 200
    body = response.content.decode()
    assert "会议缺失 寸金社区党支部" in body and "会议缺失 海滨社区党支部" in body
    assert "城西村" not in body  # county B
    # the county's child (the township) is red: one of its branches is overdue
    assert response.context["children"][0][2] == "red"
    assert response.context["counts"][Level.OVERDUE] == 1


def test_filters_by_level_and_rule(client, city, provider):
    client.force_login(city.city_admin)
    body = client.get("/warnings/?provider=pagetest&level=due_soon").content.decode()
    assert "海滨" in body and "会议缺失 寸金" not in body
    assert client.get("/warnings/?provider=pagetest&rule=LIFE").context["total"] == 0
    assert client.get("/warnings/?provider=pagetest&rule=test-09").context["total"] == 3


def test_other_subtree_and_outsider(client, city, provider):
    client.force_login(city.county_admin)
    assert client.get(f"/warnings/?org={city.county_b.pk}").status_code == 404
    client.force_login(city.outsider)
    response = client.get("/warnings/")
    assert response.status_code == 200 and "会议缺失" not in response.content.decode()
    assert client.get(f"/warnings/?org={city.city.pk}").status_code == 404


def test_queries_do_not_grow_with_findings(client, city, provider, django_assert_max_num_queries):
    client.force_login(city.city_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/warnings/?provider=pagetest").status_code == 200


def test_every_apps_findings_on_one_page(client, city, django_assert_max_num_queries):
    """With every app's provider: a fixed number of queries, whatever the subtree holds."""
    client.force_login(city.city_admin)
    with django_assert_max_num_queries(60):
        response = client.get("/warnings/")
    assert response.status_code == 200
    assert {key for key, _ in response.context["providers"]} >= {"recruitment", "activities"}
