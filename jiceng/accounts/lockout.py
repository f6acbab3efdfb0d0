"""The login lockout: django-axes with its database handler (settings AXES_*).

- Counted per **username** (AXES_LOCKOUT_PARAMETERS = ["username"]), whether or not such a
  user exists: after AXES_FAILURE_LIMIT (5) failures within AXES_COOLOFF_TIME (15 minutes)
  the username is locked for 15 minutes from the lockout, whatever address the attempts come
  from; further attempts while locked do not extend it
  (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False). Counting per address as well would
  lock a whole office behind one NAT address after five typos, and counting per (username,
  address) pair would let an attacker who changes address keep guessing; the per-address brake
  is the login rate limit of jiceng.web.ratelimit. A success resets the count.
- The client address is `audit.services.client_ip` (REMOTE_ADDR; X-Forwarded-For only from
  JICENG_TRUSTED_PROXIES): a forged X-Forwarded-For changes nothing, and the count does not
  depend on the address anyway.
- A locked-out attempt gets the very page a wrong password gets (the same message, status
  200): the answer tells no one whether the username exists, the password was wrong, or the
  account is locked or disabled.
- Audit: every failure is a "login_failed" row, the moment of locking a "lockout" row
  (signals.py), both written outside any transaction so they survive.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied

from jiceng.audit.services import client_ip as _client_ip


def client_ip(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the audit log's notion of the client address."""
    return _client_ip(request) or "unknown"


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check as the first authentication backend; marks the request when the username
    was already locked before this attempt (so the attempt is audited as such and no second
    "lockout" row is written)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            request.jiceng_was_locked = True
            raise


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page as a wrong password gets it."""
    if original_response is not None:
        return original_response
    from .views_auth import lockout_page

    return lockout_page(request)
