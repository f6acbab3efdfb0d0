"""Password expiry (JICENG_PASSWORD_MAX_AGE_DAYS, default 90) and must_change_password: the
user reaches nothing but the change-password page until they change it."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiceng.accounts import security
from jiceng.accounts.models import User
from jiceng.core.testing import PASSWORD, make_user

from .login_steps import events, log_in

CHANGE = "/accounts/password/"
NEW = "Harbour-Lights-2031!"


def held_at_change(response) -> bool:
    return response.status_code == 302 and urlparse(response["Location"]).path == CHANGE


def age(user, days: int) -> None:
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=days)
    )


def change(client, old=PASSWORD, new=NEW, **extra):
    data = {"old_password": old, "new_password1": new, "new_password2": new, **extra}
    return client.post(CHANGE, data)


def test_a_new_password_is_dated(db):
    user = make_user("fresh")
    assert user.password_changed_at is not None
    assert not security.password_expired(user)


def test_an_expired_password_must_be_changed_first(client, city):
    age(city.viewer, 90)
    log_in(client, "viewer")
    for url in ("/", reverse("members:member_list"), reverse("orgs:org_tree")):
        assert held_at_change(client.get(url)), url
    assert client.get("/api/orgs/").status_code == 403
    page = client.get(CHANGE)
    assert page.status_code == 200 and page.context["expired"]
    assert "您的密码已过期" in page.content.decode()
    response = change(client, next="/orgs/")
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    assert client.get("/").status_code == 200
    user = User.objects.get(pk=city.viewer.pk)
    assert user.check_password(NEW) and not security.password_expired(user)
    (row,) = events("password_change")
    assert (row.username, row.outcome, row.data) == ("viewer", "ok", {"by": "self"})


def test_89_days_is_not_expired_and_the_age_is_configurable(client, city, settings):
    age(city.viewer, 89)
    client.force_login(city.viewer)
    assert client.get("/").status_code == 200
    settings.JICENG_PASSWORD_MAX_AGE_DAYS = 30
    assert held_at_change(client.get("/"))
    settings.JICENG_PASSWORD_MAX_AGE_DAYS = 0  # never
    age(city.viewer, 5000)
    assert client.get("/").status_code == 200


def test_must_change_password(client, city):
    User.objects.filter(pk=city.secretary.pk).update(must_change_password=True)
    log_in(client, "secretary")
    assert held_at_change(client.get("/"))
    assert client.get(CHANGE).context["must_change"]
    assert change(client).status_code == 302
    assert not User.objects.get(pk=city.secretary.pk).must_change_password
    assert client.get("/").status_code == 200


def test_the_new_password_follows_the_rules(client, city):
    User.objects.filter(pk=city.viewer.pk).update(must_change_password=True)
    log_in(client, "viewer")
    for weak, code in [
        ("Zhanjiang2017!", "password_too_common"),
        ("short-1A", "password_too_short"),
        ("viewer-Password-77", "password_personal"),
        (PASSWORD, "password_unchanged"),
    ]:
        page = change(client, new=weak)
        assert page.status_code == 200, weak
        assert code in [
            e.code
            for e in page.context["form"].errors.as_data()[
                "new_password" + ("1" if code == "password_unchanged" else "2")
            ]
        ], weak
    assert held_at_change(client.get("/"))


def test_a_wrong_old_password_is_refused_and_recorded(client, city):
    client.force_login(city.viewer)
    assert change(client, old="Not-my-password-9").status_code == 200
    (row,) = events("password_change")
    assert row.outcome == "failed"
    assert User.objects.get(pk=city.viewer.pk).check_password(PASSWORD)


def test_changing_the_password_ends_the_other_sessions(client, city):
    other = Client()
    other.force_login(city.viewer)
    client.force_login(city.viewer)
    assert change(client).status_code == 302
    assert client.get("/").status_code == 200
    response = other.get("/")
    assert response.status_code == 302 and urlparse(response["Location"]).path == "/accounts/login/"


@pytest.mark.parametrize("persona", ["city_admin"])
def test_an_administrator_passes_the_second_factor_before_changing(client, city, persona):
    age(getattr(city, persona), 100)
    log_in(client, persona)
    response = client.get("/")
    assert urlparse(response["Location"]).path == "/accounts/otp/setup/"
    assert urlparse(client.get(CHANGE)["Location"]).path == "/accounts/otp/setup/"
