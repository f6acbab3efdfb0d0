"""Query-count guards: a list request costs the same few queries whatever the page size."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiceng.accounts.tokens import token_issue
from jiceng.core.testing import make_member, make_org

from .conftest import Api

MAX_QUERIES = 10


@pytest.fixture
def big(city):
    """More rows than a page: 105 branches under town_a, 110 members across them."""
    branches = [
        make_org(city.town_a, f"第{n}支部", "branch", unit_type="community", category="07")
        for n in range(105)
    ]
    for n in range(110):
        member = make_member(branches[n % 7] if n % 3 else city.branch_a1)
        if n % 5 == 0:
            branches[n % 7].secretary = member
            branches[n % 7].save(update_fields=["secretary"])
    return city


def urls(c):
    return [
        "/api/orgs/?limit=100",
        f"/api/orgs/?within={c.county_a.pk}&limit=100&kind=branch",
        "/api/orgs/?q=支部&limit=100&offset=3",
        f"/api/orgs/{c.town_a.pk}/children?limit=100",
        "/api/members/?limit=100",
        "/api/members/?limit=100&sex=1",
        f"/api/members/?limit=100&org={c.town_a.pk}",
        f"/api/members/?limit=100&org={c.town_a.pk}&q=13800&rolls=all&age_band=≥61",
        "/api/members/?limit=100&education=20&membership=full",
        f"/api/orgs/{c.town_a.pk}/summary",
    ]


@pytest.mark.parametrize("persona", ["city_admin", "county_admin", "viewer", "member_user"])
def test_lists_stay_within_the_query_budget(big, persona, django_assert_max_num_queries):
    client = Client()
    client.force_login(getattr(big, persona))
    # a plain member sees only their branch: the county, town and summary are refused
    allowed = (200, 403, 404, 422) if persona == "member_user" else (200,)
    for url in urls(big):
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(url)
        assert response.status_code in allowed, (url, response.content)


def test_token_lists_stay_within_the_query_budget(big, django_assert_max_num_queries):
    _token, raw = token_issue(user=big.county_admin, name="x")
    api = Api(Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"})
    for url in urls(big):
        with django_assert_max_num_queries(MAX_QUERIES):
            response = api.get(url)
        assert response.status_code == 200, (url, response.content)


def test_page_size_does_not_change_the_query_count(big):
    client = Client()
    client.force_login(big.city_admin)
    for base in ("/api/orgs/?", "/api/members/?", f"/api/orgs/{big.town_a.pk}/children?"):
        counts = []
        for limit in (1, 100):
            with CaptureQueriesContext(connection) as queries:
                body = client.get(f"{base}limit={limit}").json()
            assert len(body["results"]) == limit and body["count"] > 100
            counts.append(len(queries))
        assert counts[0] == counts[1], base
