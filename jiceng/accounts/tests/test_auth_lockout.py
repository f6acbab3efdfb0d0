"""Lockout (django-axes, database handler): 5 failures lock a username for 15 minutes, from
any address; a forged X-Forwarded-For changes nothing; every failure looks the same; failures
and the lockout are in the audit log."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt

from jiceng.accounts.auth_forms import login_failed_message
from jiceng.core.testing import PASSWORD

from .login_steps import T0, events, log_in, logged_in, login_error


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def fail(client, username="viewer", times=1, **headers):
    for _ in range(times):
        response = log_in(client, username, "Wrong-password-1", **headers)
        assert response.status_code == 200 and not logged_in(client)
    return response


def test_five_failures_lock_the_account_for_15_minutes(client, city, clock):
    fail(client, times=4)
    assert logged_in(client) is False
    assert log_in(client, "viewer").status_code == 302  # 4 failures: not locked; reset
    client.post("/accounts/logout/")
    fail(client, times=5)
    locked = log_in(client, "viewer")  # the right password
    assert locked.status_code == 200 and not logged_in(client)
    assert login_error(locked) == login_failed_message()
    clock.shift(timedelta(minutes=14, seconds=59))
    assert log_in(client, "viewer").status_code == 200  # still locked
    clock.shift(timedelta(seconds=2))  # 15 minutes after the fifth failure
    assert log_in(client, "viewer").status_code == 302 and logged_in(client)
    assert not AccessAttempt.objects.filter(username="viewer").exists()  # reset on success


def test_attempts_while_locked_do_not_extend_the_lockout(client, city, clock):
    fail(client, times=5)
    for _ in range(3):
        clock.shift(timedelta(minutes=4))
        fail(client)  # still locked, but not for longer
    clock.shift(timedelta(minutes=3, seconds=1))
    assert log_in(client, "viewer").status_code == 302


def test_lockout_is_per_account(client, city, clock):
    fail(client, "viewer", times=5)
    assert log_in(client, "secretary").status_code == 302  # same address, other account


def test_forged_x_forwarded_for_neither_dodges_nor_resets_the_lockout(client, city, clock):
    for i in range(5):
        fail(client, **{"X-Forwarded-For": f"203.0.113.{i}"})  # a new "address" each time
    assert log_in(client, "viewer", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 200
    assert not logged_in(client)
    attempt = AccessAttempt.objects.get(username="viewer")
    assert attempt.ip_address == "127.0.0.1"  # REMOTE_ADDR: the header was not believed
    assert {e.ip for e in events("login_failed", "lockout")} == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_address_is_the_clients_but_the_lock_is_the_accounts(
    client, city, clock, settings
):
    settings.JICENG_TRUSTED_PROXIES = ["127.0.0.1"]
    for i in range(5):
        fail(client, **{"X-Forwarded-For": f"203.0.113.{i}"})
    assert log_in(client, "viewer", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 200
    assert not logged_in(client)
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {f"203.0.113.{i}" for i in range(5)}  # five addresses, one account
    assert [e.ip for e in events("login_failed")][:2] == ["203.0.113.0", "203.0.113.1"]


def test_unknown_user_wrong_password_locked_and_disabled_look_the_same(client, city, clock):
    city.outsider.is_active = False
    city.outsider.save()
    answers = {
        "unknown user": log_in(client, "nobody-here"),
        "wrong password": log_in(client, "viewer", "Wrong-password-1"),
        "disabled": log_in(client, "outsider"),  # the right password
    }
    fail(client, "secretary", times=5)
    answers["locked"] = log_in(client, "secretary")  # the right password
    messages = {what: login_error(r) for what, r in answers.items()}
    assert set(messages.values()) == {login_failed_message()}, messages
    assert {r.status_code for r in answers.values()} == {200}
    assert not logged_in(client)


def test_an_unknown_username_is_locked_too(client, city, clock):
    """So a lockout does not tell that an account exists."""
    fail(client, "nobody-here", times=5)
    assert AccessAttempt.objects.get(username="nobody-here").failures_since_start == 5
    assert events("lockout")[0].data["username"] == "nobody-here"


def test_failures_and_the_lockout_are_audited(client, city, clock):
    fail(client, times=5)
    log_in(client, "viewer")  # locked
    rows = events("login_failed", "lockout")
    assert [(r.event, r.outcome, r.data.get("reason")) for r in rows] == [
        *[("login_failed", "failed", "credentials")] * 5,
        ("lockout", "denied", None),
        ("login_failed", "failed", "locked"),
    ]
    assert all(r.data["username"] == "viewer" and r.user_id is None for r in rows)
    assert rows[5].data["failures"] == 5
    assert "Wrong-password-1" not in str([r.data for r in rows])
    assert PASSWORD not in str([r.data for r in rows])


def test_a_successful_login_is_audited(client, city, clock):
    log_in(client, "viewer")
    (row,) = events("login")
    assert (row.username, row.outcome, row.ip) == ("viewer", "ok", "127.0.0.1")
    assert row.data == {"second_factor": "not required"}
