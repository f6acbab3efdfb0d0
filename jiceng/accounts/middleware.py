"""What an authenticated session must satisfy on every request, in this order (settings.
MIDDLEWARE, after AuthenticationMiddleware, django_otp's OTPMiddleware, MessageMiddleware and
HtmxMiddleware):

1. SessionTimeoutMiddleware — a session idle longer than security.session_idle_limit (30
   minutes; 15 for administrators) or older than security.session_max_age (12 hours) is logged
   out (audited as a "logout" with its reason) and sent to the login page with a message. A
   session whose user has been disabled or deleted is flushed.
2. SecondFactorMiddleware — a user who must pass the second factor (security.otp_required, or
   who enrolled a device) and has not in this session reaches only the verification or
   enrolment page, logging out, and the language switch.
3. PasswordChangeMiddleware — a user whose password expired or must be changed reaches only
   the change-password page (and the pages above).

API requests with a bearer token carry no session and pass untouched (jiceng/api/auth.py);
session API requests that are held get a JSON 401/403 instead of a redirect, HTMX requests an
HX-Redirect.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp import user_has_device

from . import security

# URL names a held user may still reach (besides static files).
_ALWAYS = ("logout", "set_language")
_OTP_PAGES = ("otp_verify", "otp_setup")
_PASSWORD_PAGES = ("password_change",)
# Set in the session once the user has passed the password step, for users who have a
# device: the second factor is then due even when the policy would not demand it.
OTP_DUE = "jiceng_otp_due"


def _paths(names) -> set[str]:
    return {reverse(name) for name in names}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _redirect(request, url: str, *, status: int = 403, detail: str = ""):
    if _is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    if request.headers.get("HX-Request"):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def _with_next(url: str, request) -> str:
    if request.method == "GET" and not request.headers.get("HX-Request"):
        return f"{url}?{urlencode({'next': request.get_full_path()}, safe='/')}"
    return url


def otp_due(user) -> bool:
    """Whether this login needs the second factor: the policy demands it, or the user has
    enrolled a device (then it is always asked for). Stored in the session at login."""
    return security.otp_required(user) or user_has_device(user, confirmed=True)


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            # The session names a user the backend no longer accepts (disabled, deleted,
            # password changed elsewhere): nothing of it may be used again.
            session.flush()
            return self.get_response(request)
        now = time.time()
        login_at = session.get(security.LOGIN_AT)
        seen_at = session.get(security.SEEN_AT)
        if login_at is None or seen_at is None:  # a session from before these rules
            session[security.LOGIN_AT] = login_at = now if login_at is None else login_at
            session[security.SEEN_AT] = seen_at = now
        reason = None
        if now - login_at > security.session_max_age().total_seconds():
            reason = "session_max_age"
        elif now - seen_at > security.session_idle_limit(user).total_seconds():
            reason = "idle"
        if reason is not None:
            request.jiceng_logout_reason = reason
            logout(request)
            if reason == "session_max_age":
                hours = int(security.session_max_age().total_seconds() // 3600)
                message = _(
                    "Your session has ended after %(hours)d hours. Please log in again."
                ) % {"hours": hours}
            else:
                message = _(
                    "You were logged out after a period of inactivity. Please log in again."
                )
            if not _is_api(request):
                messages.info(request, message)
            return _redirect(
                request, _with_next(reverse("login"), request), status=401, detail=message
            )
        if now - seen_at >= security.ACTIVITY_RESOLUTION:
            session[security.SEEN_AT] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        due = request.session.get(OTP_DUE)
        if due is None:  # a session from before these rules (the login signal sets it)
            due = request.session[OTP_DUE] = otp_due(user)
        elif not due:  # an administrator's role may have been granted since
            due = security.otp_required(user)
        if not due:
            return self.get_response(request)
        if self._allowed is None:
            self._allowed = _paths(_ALWAYS + _OTP_PAGES)
        if request.path in self._allowed:
            return self.get_response(request)
        has_device = user_has_device(user, confirmed=True)
        target = reverse("otp_verify" if has_device else "otp_setup")
        return _redirect(
            request,
            _with_next(target, request),
            detail=_("Complete the second login step (one-time code) first."),
        )


class PasswordChangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or not security.password_expired(user):
            return self.get_response(request)
        if self._allowed is None:
            self._allowed = _paths(_ALWAYS + _OTP_PAGES + _PASSWORD_PAGES)
        if request.path in self._allowed:
            return self.get_response(request)
        return _redirect(
            request,
            _with_next(reverse("password_change"), request),
            detail=_("Your password has expired: change it first."),
        )
