"""The one choke point for visibility: `restrict(queryset, user, action)`.

A user acts through role assignments, each bound to an organisation subtree (accounts app).
Every model that holds scoped data declares how it reaches the tree:

    scope_path = "path"            # Organization
    scope_path = "org__path"       # Member: the path of the member's branch

and may declare `scope_self(user) -> Q` for what a plain member sees of their own records.
Every list, detail, search, count, chart, form choice, export and API endpoint goes through
`restrict`; services re-check written objects with `ensure_in_scope` inside their transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from .fields import prefix_range

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)

# What each role may do over its subtree (accounts.Role values).
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS),
    "secretary": frozenset({VIEW, ADD, CHANGE}),
    "viewer": frozenset({VIEW}),
}
# What every user may do with their own records (scope_self).
SELF_ACTIONS = frozenset({VIEW})


def grants(user) -> list[tuple[str, str]]:
    """(role, org path) pairs of the user's active role assignments, cached on the user; none
    for an administrator account (admin_role set)."""
    cached = getattr(user, "_jiceng_grants", None)
    if cached is None:
        if getattr(user, "admin_role", ""):
            # The three administrators (accounts.services) hold no organisation role: none is
            # honoured even if one was written around the services (no query either).
            cached = []
        else:
            cached = list(
                user.role_assignments.filter(org__status="active").values_list("role", "org__path")
            )
        user._jiceng_grants = cached
    return cached


def scope_q(model: type[Model], user, action: str) -> Q | None:
    """The filter for what `user` may `action` on `model`; None means everything."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    path_field = getattr(model, "scope_path", None)
    if path_field is None:
        raise TypeError(f"{model.__name__} declares no scope_path")
    q = Q(pk__in=[])
    paths = sorted({path for role, path in grants(user) if action in ROLE_ACTIONS.get(role, ())})
    # A subtree inside another adds nothing.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    for path in kept:
        q |= Q(**prefix_range(path_field, path))
    scope_self = getattr(model, "scope_self", None)
    if scope_self is not None and action in SELF_ACTIONS:
        q |= scope_self(user)
    return q


def restrict(queryset: QuerySet, user, action: str = VIEW) -> QuerySet:
    q = scope_q(queryset.model, user, action)
    return queryset if q is None else queryset.filter(q)


def can(user, action: str, obj: Model) -> bool:
    """Whether `user` may `action` this one object (one indexed query)."""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def ensure_in_scope(user: AbstractBaseUser | None, action: str, obj: Model) -> None:
    """Raise PermissionDenied unless the object lies in the user's scope for `action`.

    Services call this after a write, inside their transaction, so a write that would leave
    the user's scope rolls back. `user=None` means a trusted system caller (demo, migrations).
    """
    if user is not None and not can(user, action, obj):
        raise PermissionDenied(f"{type(obj).__name__} {obj.pk} is outside your scope")
