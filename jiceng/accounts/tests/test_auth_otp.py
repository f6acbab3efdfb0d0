"""The second factor (TOTP, django-otp): every administrator must pass it; until they have,
they reach nothing but enrolment/verification and logging out. Configurable for everyone."""

import re
from base64 import b32decode
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.core.testing import log_in_without_second_factor, totp_code, totp_device

from .login_steps import T0, events, log_in, logged_in

SETUP, VERIFY = "/accounts/otp/setup/", "/accounts/otp/"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def held_at(response, path: str) -> bool:
    return response.status_code == 302 and urlparse(response["Location"]).path == path


def pages(city) -> list[str]:
    """Every kind of page an administrator would otherwise reach."""
    return [
        "/",
        reverse("orgs:org_tree"),
        reverse("orgs:org_detail", args=[city.branch_a1.pk]),
        reverse("members:member_list"),
        reverse("members:member_detail", args=[city.member_a1.pk]),
        reverse("transfer:import_upload"),
        reverse("password_change"),
        "/admin/",
    ]


def secret_of(page) -> bytes:
    text = page.content.decode()
    secret = re.search(r'id="otp-secret"[^>]*>([A-Z2-7 ]+)<', text).group(1).replace(" ", "")
    return b32decode(secret)


def code_for(key: bytes, steps_ahead: int = 0) -> str:
    return f"{totp(key, drift=steps_ahead):06d}"


@pytest.mark.parametrize("persona", ["city_admin", "county_admin"])
def test_an_administrator_without_a_device_reaches_only_enrolment(client, city, persona):
    assert log_in(client, persona).status_code == 302 and logged_in(client)
    for url in pages(city):
        assert held_at(client.get(url), SETUP), url
    assert held_at(client.post(reverse("members:member_list"), {}), SETUP)
    assert held_at(client.get(VERIFY), SETUP)  # nothing to verify with yet
    api = client.get("/api/orgs/")
    assert api.status_code == 403 and "detail" in api.json()
    htmx = client.get(reverse("orgs:org_tree"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith(SETUP)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert b"<svg" in page.content and b"otpauth://totp/" in page.content
    assert client.post(reverse("logout")).status_code == 302
    assert not logged_in(client)


def test_enrolment_with_a_valid_code_lets_the_administrator_in(client, city, clock):
    log_in(client, "city_admin")
    page = client.get(SETUP + "?next=/members/")
    key = secret_of(page)
    assert key == TOTPDevice.objects.get(user=city.city_admin, confirmed=False).bin_key
    assert client.get(SETUP).content.count(b"otp-secret") == 1  # a reload keeps the secret
    assert secret_of(client.get(SETUP)) == key
    wrong = client.post(SETUP, {"token": "000000", "next": "/members/"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    clock.shift(timedelta(seconds=2))  # past the throttle of the wrong code
    key_before = client.session.session_key
    done = client.post(SETUP, {"token": code_for(key), "next": "/members/"})
    assert done.status_code == 302 and done["Location"] == "/members/"
    assert client.session.session_key != key_before  # a new key for the raised privilege
    for url in pages(city):
        assert client.get(url).status_code in (200, 302), url
    assert client.get("/").status_code == 200
    assert TOTPDevice.objects.get(user=city.city_admin).confirmed
    (row,) = events("otp_enrol")
    assert row.username == "city_admin" and row.data["replaced"] == 0


def test_an_enrolled_administrator_is_held_at_verification(client, city, clock):
    device = totp_device(city.city_admin)
    assert log_in(client, "city_admin").status_code == 302
    for url in pages(city):
        assert held_at(client.get(url), VERIFY), url
    assert held_at(client.get(SETUP), VERIFY)  # no second device without the first
    assert client.post(VERIFY, {"token": "123456"}).status_code == 200
    failed = events("login_failed")[-1]
    assert failed.data == {"username": "city_admin", "reason": "otp"}
    assert failed.outcome == "failed"
    assert held_at(client.get("/"), VERIFY)
    clock.shift(timedelta(seconds=2))
    response = client.post(VERIFY, {"token": totp_code(device), "next": "/orgs/"})
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    assert client.get("/").status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert [e.event for e in events("login", "otp_verify")] == ["login", "otp_verify"]
    assert events("login")[0].data == {"second_factor": "required"}


def test_a_code_is_accepted_once(client, city, clock):
    device = totp_device(city.city_admin)
    code = totp_code(device)
    log_in(client, "city_admin")
    assert client.post(VERIFY, {"token": code}).status_code == 302
    other = Client()
    log_in(other, "city_admin")
    clock.shift(timedelta(seconds=5))
    assert other.post(VERIFY, {"token": code}).status_code == 200  # replayed: refused


def test_a_plain_user_has_no_second_step(client, city):
    log_in(client, "viewer")
    assert client.get("/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_a_plain_user_who_enrolled_a_device_is_asked_for_it(client, city):
    totp_device(city.viewer)
    log_in(client, "viewer")
    assert held_at(client.get("/"), VERIFY)


def test_the_second_factor_can_be_required_of_everyone(client, city, settings):
    settings.JICENG_OTP_REQUIRED_FOR = "all"
    log_in(client, "member")
    assert held_at(client.get("/"), SETUP)


def test_a_role_granted_mid_session_brings_the_requirement(client, city):
    from jiceng.accounts.models import RoleAssignment

    log_in(client, "viewer")
    assert client.get("/").status_code == 200
    RoleAssignment.objects.create(user=city.viewer, role="admin", org=city.county_b)
    assert held_at(client.get("/"), SETUP)


def test_a_verified_user_may_replace_their_device(client, city, clock):
    old = totp_device(city.city_admin)
    client.force_login(city.city_admin)  # passes the second factor (conftest)
    page = client.get(SETUP)
    assert page.status_code == 200 and page.context["replacing"]
    key = secret_of(page)
    assert client.post(SETUP, {"token": code_for(key)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=city.city_admin)) != [old]
    assert TOTPDevice.objects.filter(user=city.city_admin).count() == 1
    assert events("otp_enrol")[0].data["replaced"] == 1


def test_test_logins_pass_the_second_factor_unless_asked_not_to(client, city):
    client.force_login(city.city_admin)
    assert client.get("/").status_code == 200
    fresh = Client()
    log_in_without_second_factor(fresh, city.city_admin)
    assert held_at(fresh.get("/"), VERIFY)


def test_the_django_admin_logs_in_through_the_platform(client, city):
    response = client.get("/admin/login/?next=/admin/")
    assert (
        response.status_code == 302 and response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    )
    client.force_login(city.viewer)
    assert client.get("/admin/login/").status_code == 403
