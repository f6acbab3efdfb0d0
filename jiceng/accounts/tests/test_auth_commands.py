"""`jiceng createadmin` (interactive and from the environment), `disable-idle-accounts`,
`resetotp`; and no migration creates a user."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

import jiceng
from jiceng.accounts.models import ApiToken, User, UserSession
from jiceng.core.testing import totp_device

from .login_steps import events

STRONG = "Lychee-Harbour-58!"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- createadmin ---------------------------------------------------------------------------


@pytest.fixture
def no_terminal(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)


def test_createadmin_from_the_environment(db, monkeypatch, no_terminal):
    monkeypatch.setenv("JICENG_ADMIN_USERNAME", "sec")
    monkeypatch.setenv("JICENG_ADMIN_PASSWORD", STRONG)
    out, err = run("createadmin", "--role", "security", "--no-input")
    user = User.objects.get(username="sec")
    assert user.admin_role == "security" and user.is_active and not user.is_superuser
    assert user.check_password(STRONG) and user.must_change_password
    assert STRONG not in out + err
    (row,) = events("user_create")
    assert row.data["via"] == "createadmin" and row.data["admin_role"] == "security"


def test_createadmin_refuses_a_weak_or_missing_password(db, monkeypatch, no_terminal):
    monkeypatch.setenv("JICENG_ADMIN_USERNAME", "sys")
    for weak in ("Zhanjiang2017!", "admin", "sys-Password-2024"):
        monkeypatch.setenv("JICENG_ADMIN_PASSWORD", weak)
        with pytest.raises(CommandError) as exc:
            run("createadmin", "--role", "system", "--no-input")
        assert weak not in str(exc.value)
    monkeypatch.delenv("JICENG_ADMIN_PASSWORD")
    with pytest.raises(CommandError):
        run("createadmin", "--role", "system", "--no-input")
    assert not User.objects.exists()


def test_createadmin_refuses_an_existing_username(city, monkeypatch, no_terminal):
    monkeypatch.setenv("JICENG_ADMIN_USERNAME", "viewer")
    monkeypatch.setenv("JICENG_ADMIN_PASSWORD", STRONG)
    with pytest.raises(CommandError):
        run("createadmin", "--role", "audit", "--no-input")
    assert User.objects.get(username="viewer").admin_role == ""


def test_usernames_are_unique_whatever_their_case(city, monkeypatch, no_terminal):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("Viewer", password=STRONG)
    monkeypatch.setenv("JICENG_ADMIN_USERNAME", "VIEWER")
    monkeypatch.setenv("JICENG_ADMIN_PASSWORD", STRONG)
    with pytest.raises(CommandError):
        run("createadmin", "--role", "audit", "--no-input")


def test_createadmin_interactive(db, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "")  # takes the default username
    answers = iter(["Mismatch-One-11!", "Mismatch-Two-22!", "Aa123456789.", "Aa123456789."])
    answers = iter([*answers, STRONG, STRONG])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    out, err = run("createadmin", "--role", "audit")
    user = User.objects.get(username="auditadmin")
    assert user.admin_role == "audit" and user.check_password(STRONG)
    assert not user.must_change_password  # typed by the person who will use it
    assert "differ" in err and "too easy" in err
    assert "TOTP" in out


def test_no_migration_creates_a_user(db):
    assert not User.objects.exists()  # the test database is freshly migrated
    root = Path(jiceng.__file__).parent
    pattern = re.compile(r"create_user|create_superuser|make_password|set_password|\bUser\(")
    offenders = [
        str(p.relative_to(root))
        for p in root.glob("*/migrations/*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- disable-idle-accounts -----------------------------------------------------------------


def test_idle_accounts_are_disabled(city, client):
    now = timezone.now()
    User.objects.update(last_login=now - timedelta(days=10), date_joined=now - timedelta(days=400))
    User.objects.filter(pk=city.viewer.pk).update(last_login=now - timedelta(days=91))
    User.objects.filter(pk=city.secretary.pk).update(last_login=now - timedelta(days=89))
    User.objects.filter(pk=city.outsider.pk).update(last_login=None)  # never logged in
    # An account used only through the API is not idle.
    User.objects.filter(pk=city.county_admin.pk).update(last_login=None)
    ApiToken.objects.create(
        user=city.county_admin, name="sync", key_hash="x" * 64, hint="xxxx", last_used_at=now
    )
    client.force_login(city.viewer)
    User.objects.filter(pk=city.viewer.pk).update(last_login=now - timedelta(days=91))

    out, _ = run("disable-idle-accounts", "--dry-run")
    assert set(out.split()) >= {"viewer", "outsider"}
    assert User.objects.filter(is_active=False).count() == 0

    out, err = run("disable-idle-accounts")
    disabled = set(User.objects.filter(is_active=False).values_list("username", flat=True))
    assert disabled == {"viewer", "outsider"}
    assert "disabled 2 account(s)" in err
    assert not UserSession.objects.filter(user=city.viewer).exists()
    rows = events("user_disable")
    assert {r.object_repr for r in rows} == {"viewer", "outsider"}
    assert all(r.data["reason"] == "idle for 90 days" for r in rows)
    assert run("disable-idle-accounts")[1].startswith("disabled 0")  # idempotent


def test_idle_days_are_configurable(city, settings):
    settings.JICENG_ACCOUNT_IDLE_DAYS = 30
    User.objects.update(date_joined=timezone.now() - timedelta(days=60))
    User.objects.filter(pk=city.viewer.pk).update(last_login=timezone.now() - timedelta(days=31))
    run("disable-idle-accounts")
    assert not User.objects.get(pk=city.viewer.pk).is_active
    with pytest.raises(CommandError):
        run("disable-idle-accounts", "--days", "0")


# --- resetotp ------------------------------------------------------------------------------


def test_resetotp(city, client):
    totp_device(city.city_admin)
    client.force_login(city.city_admin)
    out, _ = run("resetotp", "city_admin", "--reason", "lost phone")
    assert "removed 1 device(s)" in out
    assert not TOTPDevice.objects.filter(user=city.city_admin).exists()
    assert client.get("/").status_code == 302
    (row,) = events("otp_reset")
    assert row.data["reason"] == "lost phone"
