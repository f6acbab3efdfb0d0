"""The gate of the administrators' pages: `AdminRoleRequiredMixin` (class views) and
`admin_role_required` (function views).

Deny by default: a page names the administrator roles it serves; anyone else who is logged in
gets 403 (the page's existence is no secret, what it shows is), an anonymous visitor the login
page. Every refusal, at the gate or by a service (PermissionDenied), is recorded in the audit
log as "denied" after the service's transaction has rolled back.
"""

from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jiceng.audit.services import record


def record_denied(request, reason: str = "") -> None:
    match = getattr(request, "resolver_match", None)
    record(
        "denied",
        request=request,
        outcome="denied",
        durable=True,
        data={
            "action": match.view_name if match else request.path,
            "method": request.method,
            "reason": reason,
        },
    )


def holds(user, roles) -> bool:
    return bool(
        user.is_authenticated and user.is_active and getattr(user, "admin_role", "") in roles
    )


def _guarded(request, roles, call):
    if not holds(request.user, roles):
        record_denied(request, "administrator role")
        raise PermissionDenied
    try:
        return call()
    except PermissionDenied as exc:
        record_denied(request, str(exc))
        raise


class AdminRoleRequiredMixin(LoginRequiredMixin):
    """Put first in a view's bases: `admin_roles = (AdminRole.SYSTEM,)`."""

    admin_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        return _guarded(
            request,
            self.admin_roles,
            lambda: super(AdminRoleRequiredMixin, self).dispatch(request, *args, **kwargs),
        )


def admin_role_required(*roles):
    """The same gate for a function view: `@admin_role_required(AdminRole.AUDIT)`."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            return _guarded(request, roles, lambda: view(request, *args, **kwargs))

        return wrapped

    return decorate
