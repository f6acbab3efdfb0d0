"""Property-based testing of the whole API from its OpenAPI schema (schemathesis).

Every operation is called with generated parameters and bodies under a valid token of the county
A administrator. Checks:

- no server error (5xx), whatever is sent;
- the response's status code, content type and body are what the schema documents;
- the replay: every request the county A administrator got a 2xx for, on a route that names an
  object (a path parameter), is sent again with the token of the county B administrator — who
  holds the same role over the neighbouring county — and must get 404 (the object does not exist
  for them).

Path parameters are drawn half of the time from the objects of county A (and the records each
app's tests/sweep.py creates there), so the replay is exercised, and otherwise generated.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiceng.accounts.tokens import token_issue
from jiceng.core.testing import build_small_city, make_user
from jiceng.web.tests.sweeping import OWN, app_sweeps

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]


# Loaded at collection (pytest-django has set Django up by then); the schema view reads no table.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def _test_connection_stays_open():
    """The WSGI handler closes the database connection after each request (request_finished);
    Django's test client disconnects that, and so must this WSGI transport, or PostgreSQL
    loses the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, settings, _test_connection_stays_open):
    settings.JICENG_RATE_LIMITS = {}
    city = build_small_city()
    county_b_admin = make_user("county_b_admin", role="admin", org=city.county_b)
    _, own_token = token_issue(user=city.county_admin, name="schemathesis")
    _, other_token = token_issue(user=county_b_admin, name="schemathesis replay")
    objects = {
        "org_id": city.branch_a1.pk,
        "member_id": city.member_a1.pk,
    }
    for _label, module in app_sweeps():
        for name, value in module.objects(city)[OWN].items():
            if name != "pk":
                objects.setdefault(name, value)
    return {
        "own": {"Authorization": f"Bearer {own_token}"},
        "other": {"Authorization": f"Bearer {other_token}"},
        "objects": objects,
    }


CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api(case, world):
    _point_at_known_objects(case, world["objects"])
    response = case.call(headers=world["own"])
    case.validate_response(response, checks=CHECKS)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: server error"
    if case.path_parameters and 200 <= response.status_code < 300:
        replay = case.call(headers=world["other"])
        assert replay.status_code == 404, (
            f"{case.method} {case.formatted_path}: county A's object answered "
            f"{replay.status_code} to county B's administrator, expected 404"
        )


_calls: dict[str, int] = {}


def _point_at_known_objects(case, objects: dict) -> None:
    """Every other case of an operation, replace generated ids by county A's objects."""
    if not case.path_parameters:
        return
    key = f"{case.method} {case.path}"
    _calls[key] = _calls.get(key, 0) + 1
    if _calls[key] % 2:
        return
    for name in list(case.path_parameters):
        if name in objects:
            case.path_parameters[name] = objects[name]
