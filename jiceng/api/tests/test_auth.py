"""Bearer tokens (stored hashed), the session with CSRF, and 401 for everyone else."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from jiceng.accounts import tokens
from jiceng.accounts.models import ApiToken
from jiceng.orgs.models import Organization

from .conftest import Api, snapshot, text

URLS = [
    ("get", "/api/orgs/"),
    ("get", "/api/orgs/1"),
    ("get", "/api/orgs/1/children"),
    ("get", "/api/orgs/1/summary"),
    ("post", "/api/orgs/"),
    ("patch", "/api/orgs/1"),
    ("post", "/api/orgs/1/move"),
    ("post", "/api/orgs/1/dissolve"),
    ("get", "/api/members/"),
    ("get", "/api/members/1"),
    ("post", "/api/members/"),
    ("patch", "/api/members/1"),
    ("post", "/api/members/1/status"),
    ("post", "/api/members/1/unmask"),
]


def bearer(raw: str) -> Api:
    return Api(Client(enforce_csrf_checks=True), {"HTTP_AUTHORIZATION": f"Bearer {raw}"})


@pytest.mark.parametrize(("method", "url"), URLS)
def test_every_endpoint_needs_authentication(city, method, url):
    before = snapshot()
    response = getattr(Api(Client()), method)(url, {})
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


def test_token_is_stored_hashed_and_works(city):
    token, raw = tokens.token_issue(user=city.county_admin, name="统计导出")
    assert raw.startswith("jc_") and len(raw) > 40
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in " ".join(str(v) for v in row.values())
    assert row["hint"] == raw[-4:]

    response = bearer(raw).get("/api/orgs/")
    assert response.status_code == 200
    assert {o["id"] for o in response.json()["results"]} == set(
        Organization.objects.subtree(city.county_a).values_list("pk", flat=True)
    )


def test_token_writes_need_no_csrf_and_act_as_the_tokens_user(city):
    _token, raw = tokens.token_issue(user=city.county_admin, name="import")
    api = bearer(raw)
    response = api.patch(f"/api/orgs/{city.branch_a1.pk}", {"short_name": "寸金"})
    assert response.status_code == 200, response.content
    assert api.patch(f"/api/orgs/{city.branch_b1.pk}", {"short_name": "x"}).status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        "Bearer jc_not-a-real-token",
        "Bearer ",
        "Bearer",
        "Bearer nonsense",
        "bearer jc_",
        "Token jc_whatever",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_unknown_or_malformed_tokens_are_401(city, header):
    response = Api(Client(), {"HTTP_AUTHORIZATION": header}).get("/api/orgs/")
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_revoked_token_is_401(city):
    token, raw = tokens.token_issue(user=city.viewer, name="x")
    assert bearer(raw).get("/api/orgs/").status_code == 200
    tokens.token_revoke(actor=city.viewer, token=token)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert bearer(raw).get("/api/orgs/").status_code == 401


def test_only_the_owner_or_a_superuser_revokes(city):
    from django.core.exceptions import PermissionDenied

    token, _raw = tokens.token_issue(user=city.viewer, name="x")
    with pytest.raises(PermissionDenied):
        tokens.token_revoke(actor=city.county_admin, token=token)
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_expired_token_and_inactive_user_are_401(city):
    token, raw = tokens.token_issue(
        user=city.viewer, name="x", expires_at=timezone.now() + timedelta(days=1)
    )
    assert bearer(raw).get("/api/orgs/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(raw).get("/api/orgs/").status_code == 401

    _token, raw2 = tokens.token_issue(user=city.secretary, name="y")
    city.secretary.is_active = False
    city.secretary.save()
    assert bearer(raw2).get("/api/orgs/").status_code == 401


def test_a_bad_token_is_401_even_with_a_session(city):
    client = Client()
    client.force_login(city.city_admin)
    assert Api(client).get("/api/orgs/").status_code == 200
    response = Api(client, {"HTTP_AUTHORIZATION": "Bearer jc_revoked"}).get("/api/orgs/")
    assert response.status_code == 401


def test_issue_validates(city):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        tokens.token_issue(user=city.viewer, name="  ")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        tokens.token_issue(user=city.viewer, name="x", expires_at=timezone.now())
    assert "expires_at" in exc.value.message_dict
    assert not ApiToken.objects.exists()


def test_last_used_is_written_at_most_once_a_minute(city, django_assert_num_queries):
    token, raw = tokens.token_issue(user=city.viewer, name="x")
    assert token.last_used_at is None
    with django_assert_num_queries(2):  # look-up + first stamp
        assert tokens.token_authenticate(raw) == city.viewer
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # look-up only
        tokens.token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    tokens.token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_session_writes_need_the_csrf_token(city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.county_admin)
    api = Api(client)
    url = f"/api/orgs/{city.branch_a1.pk}"
    assert api.get(url).status_code == 200  # reads need no CSRF token

    before = snapshot()
    response = api.patch(url, {"short_name": "寸金"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert snapshot() == before

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = api.patch(url, {"short_name": "寸金"}, HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 200, response.content
    assert response.json()["short_name"] == "寸金"


def test_inactive_session_user_is_401(city):
    client = Client()
    client.force_login(city.viewer)
    city.viewer.is_active = False
    city.viewer.save()
    assert Api(client).get("/api/orgs/").status_code == 401


def test_apitoken_command_prints_a_working_token(city):
    out = StringIO()
    call_command("apitoken", "county_admin", "--name", "报表", "--days", "30", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("jc_")
    token = ApiToken.objects.get(user=city.county_admin)
    assert token.name == "报表" and token.expires_at is not None
    assert token.key_hash != raw and raw not in text_of_db()
    assert bearer(raw).get("/api/members/").status_code == 200

    listing = StringIO()
    call_command("apitoken", "county_admin", "--list", stdout=listing)
    assert "报表" in listing.getvalue() and raw not in listing.getvalue()

    call_command("apitoken", "county_admin", "--revoke", str(token.pk), stderr=StringIO())
    assert bearer(raw).get("/api/members/").status_code == 401


def test_apitoken_command_errors(city):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("apitoken", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        call_command("apitoken", "viewer", "--name", " ")
    with pytest.raises(CommandError):
        call_command("apitoken", "viewer", "--revoke", "999")
    assert not ApiToken.objects.exists()


def text_of_db() -> str:
    return " ".join(str(v) for row in ApiToken.objects.values() for v in row.values())


def test_401_body_is_json(city):
    response = Api(Client()).get("/api/members/")
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"} and text(response)
