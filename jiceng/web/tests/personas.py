"""Per-persona access tests that every app can reuse.

    from jiceng.web.tests.personas import LOGIN, persona_test

    test_org_detail_access = persona_test(
        lambda city: reverse("orgs:org_detail", args=[city.branch_a1.pk]),
        {"anonymous": LOGIN, "city_admin": 200, "viewer": 200, "outsider": 404, ...},
    )

`persona_test` returns a pytest test parametrised over the personas named in `expected`
(any of PERSONAS) using the `city` fixture (jiceng.core.testing.build_small_city). An
expected value is an HTTP status, or LOGIN for a redirect to the login page. `method="post"`
with `data(city)` checks a write; each case runs on a fresh database.
"""

from collections.abc import Callable
from urllib.parse import urlparse

import pytest
from django.urls import reverse

PERSONAS = (
    "anonymous",
    "city_admin",
    "county_admin",
    "viewer",
    "secretary",
    "member_user",
    "outsider",
)
LOGIN = "login"


def login_as(client, city, persona: str):
    """The Django test client logged in as one persona of the small city."""
    if persona not in PERSONAS:
        raise ValueError(f"unknown persona {persona!r}")
    if persona != "anonymous":
        client.force_login(getattr(city, persona))
    return client


def assert_status(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert urlparse(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected, f"expected {expected}, got {response.status_code}"


def persona_test(
    url: Callable,
    expected: dict,
    *,
    method: str = "get",
    data: Callable | None = None,
    htmx: bool = False,
):
    unknown = set(expected) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown personas {sorted(unknown)}")

    @pytest.mark.parametrize(("persona", "status"), list(expected.items()))
    def test(client, city, persona, status):
        login_as(client, city, persona)
        headers = {"HX-Request": "true"} if htmx else {}
        send = getattr(client, method)
        response = send(url(city), data(city) if data else None, headers=headers)
        assert_status(response, status)

    return test
