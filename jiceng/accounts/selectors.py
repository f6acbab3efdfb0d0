"""Reads of user accounts for the system and security administrators.

Accounts are not Party data and have no organisation scope: the two administrators who
manage them see every account (never members' records: an administrator holds no
organisation role, so `core.scope` shows them none). Everyone else sees none of this.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet

from jiceng.orgs.models import Organization, OrgStatus

from .models import AdminRole, RoleAssignment, User
from .services import UNMASK_PERMISSION, is_admin

# The administrators who read the account list (the audit administrator reads the audit log).
ACCOUNT_READERS = (AdminRole.SYSTEM, AdminRole.SECURITY)
ORG_CHOICES_LIMIT = 20


def may_read_accounts(user) -> bool:
    return any(is_admin(user, role) for role in ACCOUNT_READERS)


def _require_reader(actor) -> None:
    if not may_read_accounts(actor):
        raise PermissionDenied


def role_assignments() -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.select_related("org").order_by("org__path", "role")


def users_for(actor) -> QuerySet[User]:
    """Every account, with its organisation roles prefetched (two queries in all for a page)."""
    _require_reader(actor)
    return User.objects.prefetch_related(
        Prefetch("role_assignments", queryset=role_assignments())
    ).order_by("username")


def user_for(actor, pk) -> User | None:
    _require_reader(actor)
    return users_for(actor).filter(pk=pk).first()


def unmask_holders(users) -> set[int]:
    """The ids among `users` holding the permission to reveal personal data directly."""
    app_label, codename = UNMASK_PERMISSION
    return set(
        User.user_permissions.through.objects.filter(
            user_id__in=[u.pk for u in users],
            permission__content_type__app_label=app_label,
            permission__codename=codename,
        ).values_list("user_id", flat=True)
    )


def org_choices(actor, text: str = "") -> QuerySet[Organization]:
    """Active organisations for the security administrator's role picker, anywhere in the tree.

    The one read of the tree outside `core.scope`: a security administrator binds roles to any
    subtree, so they pick among every organisation's name (names and the tree only; no member,
    secretary or contact is shown).
    """
    if not is_admin(actor, AdminRole.SECURITY):
        raise PermissionDenied
    qs = Organization.objects.filter(status=OrgStatus.ACTIVE)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(short_name__contains=text))
    return qs.select_related("parent").order_by("path")


def org_name(actor, pk) -> str | None:
    if not is_admin(actor, AdminRole.SECURITY):
        return None
    return Organization.objects.filter(pk=pk).values_list("name", flat=True).first()


def top_orgs() -> QuerySet[Organization]:
    """The top-level committees (names only are shown to the system administrator)."""
    return Organization.objects.filter(parent__isnull=True).order_by("path")
