"""Who is calling: an API token (`Authorization: Bearer jc_…`) or the browser session.

A request that names a bearer token must carry a valid one (401 otherwise), even if it also has
a session cookie. Session requests that write need Django's CSRF token (X-CSRFToken header).
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as _NinjaSessionAuth

from jiceng.accounts.tokens import token_authenticate
from jiceng.core import scope


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token.strip())
        if user is None:
            raise AuthenticationError()
        request.user = user
        return user


class SessionAuth(_NinjaSessionAuth):
    """Django's session; ninja's cookie auth checks CSRF on unsafe methods. Inactive users are
    refused."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


token_auth = TokenAuth()
session_auth = SessionAuth(csrf=True)
AUTH = [token_auth, session_auth]


def may_anywhere(user, action: str) -> bool:
    """Whether any of the user's roles allows `action` somewhere (else a write is a 403)."""
    if user.is_superuser:
        return True
    return any(action in scope.ROLE_ACTIONS.get(role, ()) for role, _path in scope.grants(user))


def require_anywhere(user, action: str) -> None:
    if not may_anywhere(user, action):
        raise PermissionDenied(_("Your roles do not allow this"))
