"""The authentication policy (GB/T 22239-2019 level 3, 等保三级) in one place: who is an
administrator, who needs a second factor, session limits, password age, disabling accounts.

Settings (each also an environment variable of the same name; defaults in brackets):

JICENG_PASSWORD_MAX_AGE_DAYS      [90]  a password older than this must be changed; 0 = never
JICENG_OTP_REQUIRED_FOR           [admins]  "admins" or "all": who must pass a TOTP second
                                        factor (a user who enrolled one anyway always must)
JICENG_SESSION_IDLE_MINUTES       [30]  idle timeout of a session
JICENG_ADMIN_SESSION_IDLE_MINUTES [15]  idle timeout of an administrator's session
JICENG_SESSION_MAX_HOURS          [12]  absolute life of a session, however active
JICENG_ACCOUNT_IDLE_DAYS          [90]  `jiceng disable-idle-accounts` disables accounts unused
                                        this long

The login lockout (5 failures, 15 minutes) is django-axes: settings AXES_* and lockout.py.
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jiceng.core import scope

from .models import ApiToken, User, UserSession

# Session keys written at login and on activity (timestamps, seconds since the epoch).
LOGIN_AT = "jiceng_login_at"
SEEN_AT = "jiceng_seen_at"
# The last-activity stamp is rewritten at most this often, so most requests write nothing.
ACTIVITY_RESOLUTION = 60


def _setting(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return type(default)(value)


def password_max_age() -> timedelta | None:
    days = _setting("JICENG_PASSWORD_MAX_AGE_DAYS", 90)
    return timedelta(days=days) if days > 0 else None


def session_idle_limit(user) -> timedelta:
    if is_administrator(user):
        return timedelta(minutes=_setting("JICENG_ADMIN_SESSION_IDLE_MINUTES", 15))
    return timedelta(minutes=_setting("JICENG_SESSION_IDLE_MINUTES", 30))


def session_max_age() -> timedelta:
    return timedelta(hours=_setting("JICENG_SESSION_MAX_HOURS", 12))


def account_idle_days() -> int:
    return _setting("JICENG_ACCOUNT_IDLE_DAYS", 90)


def is_administrator(user) -> bool:
    """One of the three separated administrators, a superuser, or an organisation
    administrator (a role "admin" anywhere): the users held to the stricter rules (second
    factor always, 15-minute idle timeout)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or getattr(user, "admin_role", ""):
        return True
    return any(role == "admin" for role, _path in scope.grants(user))


def otp_required(user) -> bool:
    """Whether this user must pass the second factor: every administrator; everyone when
    JICENG_OTP_REQUIRED_FOR is "all"."""
    if _setting("JICENG_OTP_REQUIRED_FOR", "admins").strip().lower() == "all":
        return True
    return is_administrator(user)


def password_expired(user) -> bool:
    """must_change_password, or a password older than JICENG_PASSWORD_MAX_AGE_DAYS (a user
    whose password was never dated counts as expired)."""
    if user.must_change_password:
        return True
    max_age = password_max_age()
    if max_age is None:
        return False
    changed = user.password_changed_at
    return changed is None or timezone.now() - changed >= max_age


# --- ending sessions, disabling accounts ---------------------------------------------------


def end_sessions(user, *, keep: str | None = None) -> int:
    """Delete every session of `user` (but `keep`, a session key); return how many."""
    sessions = UserSession.objects.filter(user_id=user.pk)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    deleted, _ = sessions.delete()
    return deleted


def user_disable(*, user: User, actor=None, request=None, reason: str = "") -> bool:
    """Disable `user` and end their sessions at once; record "user_disable". Returns False
    if the user was disabled already. (Saving a user with is_active=False anywhere else, e.g.
    in the admin, also ends their sessions: signals.end_sessions_of_disabled_users.)"""
    from jiceng.audit.services import record

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return False
        sessions = end_sessions(locked)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        record(
            "user_disable",
            actor=actor,
            request=request,
            obj=locked,
            data={"reason": reason, "sessions_ended": sessions},
        )
    user.is_active = False
    return True


def idle_accounts(days: int | None = None):
    """Active users with neither a login nor an API token use in `days` days (and created
    before then): the accounts `disable-idle-accounts` disables."""
    days = account_idle_days() if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    recent_token = ApiToken.objects.filter(user=OuterRef("pk"), last_used_at__gte=cutoff)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(Exists(recent_token))
        .order_by("pk")
    )


def disable_idle_accounts(days: int | None = None, *, dry_run: bool = False) -> list[User]:
    """Disable every idle account (see idle_accounts); return them."""
    days = account_idle_days() if days is None else days
    users = list(idle_accounts(days))
    if not dry_run:
        for user in users:
            user_disable(user=user, reason=f"idle for {days} days")
    return users
