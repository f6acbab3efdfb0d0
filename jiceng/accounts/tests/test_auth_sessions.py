"""Session limits: idle 30 minutes (15 for administrators), 12 hours at most; disabling a
user ends their sessions at once; a session cookie is worthless after logout."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client
from django.urls import reverse

from jiceng.accounts import security
from jiceng.accounts.models import User, UserSession

from .login_steps import T0, events, log_in, logged_in

HOME = "/"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def sent_to_login(response) -> bool:
    return response.status_code == 302 and urlparse(response["Location"]).path == reverse("login")


@pytest.mark.parametrize(("persona", "minutes"), [("viewer", 30), ("city_admin", 15)])
def test_idle_timeout(client, city, clock, persona, minutes):
    user = getattr(city, persona)
    assert security.is_administrator(user) == (persona == "city_admin")
    client.force_login(user)
    for _ in range(3):  # activity keeps the session: each gap just under the limit
        clock.shift(timedelta(minutes=minutes) - timedelta(seconds=1))
        assert client.get(HOME).status_code == 200
    clock.shift(timedelta(minutes=minutes, seconds=1))
    response = client.get(reverse("members:member_list"))
    assert sent_to_login(response)
    assert response["Location"].endswith("?next=" + reverse("members:member_list"))
    assert not logged_in(client)
    assert sent_to_login(client.get(HOME))  # and stays out
    (logout,) = events("logout")
    assert (logout.username, logout.data) == (persona, {"reason": "idle"})


def test_the_timeout_message_is_shown_on_the_login_page(client, city, clock):
    client.force_login(city.viewer)
    client.get(HOME)
    clock.shift(timedelta(minutes=31))
    page = client.get(HOME, follow=True)
    assert page.request["PATH_INFO"] == reverse("login")
    assert "由于长时间未操作" in page.content.decode()


def test_absolute_session_life_is_12_hours(client, city, clock):
    client.force_login(city.viewer)
    for _ in range(28):  # every 25 minutes for 11 h 40 min
        clock.shift(timedelta(minutes=25))
        assert client.get(HOME).status_code == 200
    clock.shift(timedelta(minutes=20, seconds=1))  # 12 h after login, though active
    assert sent_to_login(client.get(HOME))
    assert events("logout")[0].data == {"reason": "session_max_age"}


def test_api_session_requests_get_a_401_when_the_session_ran_out(client, city, clock):
    client.force_login(city.viewer)
    clock.shift(timedelta(minutes=31))
    response = client.get("/api/orgs/")
    assert response.status_code == 401 and "detail" in response.json()


def test_disabling_a_user_ends_their_sessions_at_once(client, city):
    other = Client()
    client.force_login(city.viewer)
    other.force_login(city.viewer)
    assert client.get(HOME).status_code == 200
    assert UserSession.objects.filter(user=city.viewer).count() == 2
    assert security.user_disable(user=city.viewer, reason="left the department")
    assert not UserSession.objects.filter(user=city.viewer).exists()
    assert sent_to_login(client.get(HOME)) and sent_to_login(other.get(HOME))
    (row,) = events("user_disable")
    assert row.data == {"reason": "left the department", "sessions_ended": 2}
    # Enabling the account again does not bring the old sessions back.
    User.objects.filter(pk=city.viewer.pk).update(is_active=True)
    assert sent_to_login(client.get(HOME))


def test_any_save_of_a_disabled_user_ends_their_sessions(client, city):
    client.force_login(city.viewer)
    city.viewer.is_active = False
    city.viewer.save()  # e.g. the Django admin
    assert not UserSession.objects.filter(user=city.viewer).exists()
    assert sent_to_login(client.get(HOME))


def test_a_user_disabled_behind_the_orms_back_is_refused_at_the_next_request(client, city):
    client.force_login(city.viewer)
    key = client.session.session_key
    User.objects.filter(pk=city.viewer.pk).update(is_active=False)  # no signal
    assert sent_to_login(client.get(HOME))
    assert not UserSession.objects.filter(session_key=key).exists()  # flushed


def test_a_session_cookie_replayed_after_logout_is_refused(client, city):
    assert log_in(client, "viewer").status_code == 302
    cookie = client.cookies["sessionid"].value
    assert client.get(HOME).status_code == 200
    client.post(reverse("logout"))
    thief = Client()
    thief.cookies["sessionid"] = cookie
    assert sent_to_login(thief.get(HOME))
    assert not UserSession.objects.filter(session_key=cookie).exists()
    assert events("logout")[0].data == {"reason": "user"}


def test_sessions_record_their_user_and_end_when_the_browser_closes(client, city, settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    log_in(client, "viewer")
    session = UserSession.objects.get(session_key=client.cookies["sessionid"].value)
    assert session.user_id == city.viewer.pk
    assert not client.cookies["sessionid"]["expires"]  # a browser-session cookie
    assert isinstance(session.get_session_store_class()(), SessionBase)


def test_api_tokens_carry_no_session(client, city, clock):
    from jiceng.accounts.tokens import token_issue

    _token, raw = token_issue(user=city.viewer, name="stats")
    for _ in range(3):
        clock.shift(timedelta(hours=5))
        response = client.get("/api/orgs/", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 200
    assert not UserSession.objects.exists()
