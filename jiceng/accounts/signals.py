"""Receivers (connected in AccountsConfig.ready): the audit rows of logging in and out, the
session's login and activity stamps, and ending a disabled user's sessions.

Rows for failures and lockouts are written with durable=True: outside any transaction, so no
rollback can take them away.
"""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from jiceng.audit.services import record

from . import security
from .models import User


def _attempted_username(credentials: dict | None) -> str:
    return str((credentials or {}).get("username") or "")[:150]


@receiver(user_logged_in, dispatch_uid="jiceng_accounts_logged_in")
def on_logged_in(sender, request, user, **kwargs):
    now = time.time()
    if request is not None and hasattr(request, "session"):
        from .middleware import OTP_DUE, otp_due

        request.session[security.LOGIN_AT] = now
        request.session[security.SEEN_AT] = now
        request.session[OTP_DUE] = otp_due(user)
    record(
        "login",
        actor=user,
        request=request,
        obj=user,
        data={"second_factor": "required" if security.otp_required(user) else "not required"},
    )


@receiver(user_logged_out, dispatch_uid="jiceng_accounts_logged_out")
def on_logged_out(sender, request, user, **kwargs):
    if user is None or not user.is_authenticated:
        return
    reason = getattr(request, "jiceng_logout_reason", "user")
    record("logout", actor=user, request=request, obj=user, data={"reason": reason})


@receiver(user_login_failed, dispatch_uid="jiceng_accounts_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    locked = bool(request is not None and getattr(request, "jiceng_was_locked", False))
    record(
        "login_failed",
        request=request,
        outcome="failed",
        durable=True,
        data={
            "username": _attempted_username(credentials),
            "reason": "locked" if locked else "credentials",
        },
    )
    if request is not None:
        request.jiceng_failure_recorded = True
        lockout = getattr(request, "jiceng_lockout", None)
        if lockout is not None:  # axes' receiver ran first: the lockout row follows
            _record_lockout(request, **lockout)


@receiver(user_locked_out, dispatch_uid="jiceng_accounts_locked_out")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    if request is None:
        return
    if getattr(request, "jiceng_was_locked", False):
        return  # an attempt while already locked: its login_failed row says so
    if getattr(request, "jiceng_failure_recorded", False):
        _record_lockout(request, username=username)
    else:  # recorded after the failure that caused it, whichever receiver runs first
        request.jiceng_lockout = {"username": username}


def _record_lockout(request, *, username) -> None:
    username = str(username or "")
    record(
        "lockout",
        request=request,
        outcome="denied",
        durable=True,
        obj=("accounts.username", username[:64], username),
        data={
            "username": username[:150],
            "failures": getattr(request, "axes_failures_since_start", None),
        },
    )


@receiver(pre_save, sender=User, dispatch_uid="jiceng_accounts_date_first_password")
def date_first_password(sender, instance, update_fields=None, **kwargs):
    """A password stored without set_password (UserManager.create_user hashes it directly)
    starts its age when first saved; set_password dates every later change (models.py)."""
    dated = instance.password_changed_at is not None
    if update_fields is None and not dated and instance.has_usable_password():
        instance.password_changed_at = timezone.now()


@receiver(post_save, sender=User, dispatch_uid="jiceng_accounts_end_sessions_of_disabled")
def end_sessions_of_disabled_users(sender, instance, **kwargs):
    """A user saved as inactive — by any path: a service, the admin, a command — loses every
    session at once (one indexed DELETE; no-op when they have none)."""
    if not instance.is_active and instance.pk is not None:
        security.end_sessions(instance)
