"""Every write to user accounts and their authorisations, by the three separated administrators
(三权分立). Each service is keyword-only, validates, runs in one transaction and records what
it did in the audit log as its last statement.

Who may do what (docs/architecture.md, "Administrators"):

system administrator (系统管理员)
    creates plain accounts, edits their profile, disables and enables them, resets their
    password (a random one, shown once; the user must change it at the next login); creates
    the top-level committees of the organisation tree. Never grants anything.
security administrator (安全管理员)
    grants and revokes organisation roles (RoleAssignment: role × subtree) and the permission
    to reveal personal data, and appoints or removes system and audit administrators.
audit administrator (审计管理员)
    reads, searches, exports and verifies the audit log (jiceng.audit.views). Nothing here.

Rules that hold whoever acts:

- One account holds at most one administrator role (one field, `User.admin_role`).
- An administrator account holds no organisation role and no data permission; an account with
  either cannot be made an administrator. Administrators see no Party data through scope.
- Nobody changes their own account, roles or permissions here.
- Security administrators, and superusers, are made and managed only on the server's command
  line (`jiceng createadmin`, `jiceng createsuperuser`): a security administrator cannot create
  another one, and no administrator can take over a superuser or another administrator's
  account by resetting its password. Accounts that hold an administrator role are not managed
  by the system administrator at all; the security administrator removes the role first.

`actor=None` is a trusted caller (the demo, management commands, tests); it skips the checks
of who acts, not the rules on the accounts.
"""

from __future__ import annotations

import secrets
import string

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit.chain import changes
from jiceng.audit.services import record
from jiceng.orgs import services as org_services
from jiceng.orgs.models import Organization, OrgKind, OrgStatus, UnitType

from .models import AdminRole, Role, RoleAssignment, User

UNMASK_PERMISSION = ("members", "unmask_personal_data")
PROFILE_FIELDS = ("display_name", "email")
# Administrator roles the security administrator may give or take away on the platform.
APPOINTABLE = (AdminRole.SYSTEM, AdminRole.AUDIT)
TOP_ORG_FIELDS = ("name", "short_name", "unit_name", "category", "founded_on")

_SYMBOLS = "-_.+=@#%"
_ALPHABET = string.ascii_letters + string.digits + _SYMBOLS


def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# --- who acts ------------------------------------------------------------------------------


def is_admin(user, role: str) -> bool:
    """Whether `user` is an active, logged-in holder of the administrator role `role`."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "admin_role", "") == role
    )


def _require(actor, role: str) -> None:
    if actor is not None and not is_admin(actor, role):
        raise PermissionDenied(_("Only the %(role)s may do this") % {"role": AdminRole(role).label})


# --- on whom -------------------------------------------------------------------------------


def account_problem(actor, user: User) -> str | None:
    """Why the system administrator `actor` may not manage `user`'s account, or None.

    Used by the services (PermissionDenied) and by the pages (to hide the buttons)."""
    if actor is not None and user.pk == actor.pk:
        return _("Nobody manages their own account here")
    if user.is_superuser:
        return _("Superuser accounts are managed on the server's command line")
    if user.admin_role:
        return _(
            "Administrator accounts are not managed here: the security administrator removes "
            "the administrator role first"
        )
    return None


def authorisation_problem(actor, user: User) -> str | None:
    """Why the security administrator `actor` may not change `user`'s roles, or None."""
    if actor is not None and user.pk == actor.pk:
        return _("Nobody may change their own roles or permissions")
    if user.is_superuser:
        return _("Superuser accounts are managed on the server's command line")
    if user.admin_role == AdminRole.SECURITY:
        return _("Security administrators are appointed on the server's command line")
    return None


def _check(problem: str | None) -> None:
    if problem:
        raise PermissionDenied(problem)


def _locked(user: User) -> User:
    """The account's row, locked for the rest of the transaction (re-read: never trust a form's
    copy)."""
    return User.objects.select_for_update().get(pk=user.pk)


def _role_text(role: str, org: Organization) -> str:
    return f"{role}@{org.path} {org.name}"


def _roles_of(user: User) -> list[str]:
    rows = RoleAssignment.objects.filter(user=user).select_related("org").order_by("org__path")
    return sorted(_role_text(ra.role, ra.org) for ra in rows)


def _unmask_permission() -> Permission:
    app_label, codename = UNMASK_PERMISSION
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _has_unmask(user: User) -> bool:
    app_label, codename = UNMASK_PERMISSION
    return user.user_permissions.filter(
        content_type__app_label=app_label, codename=codename
    ).exists()


# --- passwords -----------------------------------------------------------------------------


def new_password(user: User | None = None, length: int = 16) -> str:
    """A random password with upper and lower case letters, digits and a symbol that passes
    the configured validators (AUTH_PASSWORD_VALIDATORS)."""
    last_error = None
    for _attempt in range(20):
        chars = [
            secrets.choice(string.ascii_uppercase),
            secrets.choice(string.ascii_lowercase),
            secrets.choice(string.digits),
            secrets.choice(_SYMBOLS),
            *(secrets.choice(_ALPHABET) for _ in range(length - 4)),
        ]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            last_error = exc
            continue
        return password
    raise last_error  # the validators refuse every random password: a configuration error


def _set_temporary_password(user: User) -> str:
    password = new_password(user)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    return password


# --- accounts (system administrator) -------------------------------------------------------


def _clean_profile(values: dict) -> dict:
    errors = {}
    cleaned = {}
    if "display_name" in values:
        name = (values["display_name"] or "").strip()
        if len(name) > User._meta.get_field("display_name").max_length:
            errors["display_name"] = [_("Too long")]
        cleaned["display_name"] = name
    if "email" in values:
        email = User.objects.normalize_email((values["email"] or "").strip())
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = [_("Enter a valid email address")]
        cleaned["email"] = email
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def user_create(
    *, actor, username: str, display_name: str = "", email: str = ""
) -> tuple[User, str]:
    """A new plain account with a random temporary password, returned once with it. The user
    must change it at the first login. The account has no role until the security
    administrator grants one."""
    _require(actor, AdminRole.SYSTEM)
    username = User.normalize_username((username or "").strip())
    if not username:
        raise _error("username", _("Required"))
    if len(username) > User._meta.get_field("username").max_length:
        raise _error("username", _("Too long"))
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise _error("username", exc.messages[0]) from None
    if User.objects.filter(username__iexact=username).exists():
        raise _error("username", _("This username is taken"))
    profile = _clean_profile({"display_name": display_name, "email": email})
    user = User(username=username, is_active=True, **profile)
    password = _set_temporary_password(user)
    user.save()
    record(
        "user_create",
        actor=actor,
        obj=user,
        data={
            "after": {
                "username": user.username,
                **profile,
                "is_active": True,
                "must_change_password": True,
            }
        },
    )
    return user, password


@transaction.atomic
def user_update(*, actor, user: User, **values) -> User:
    """Change a plain account's profile (display name, email)."""
    _require(actor, AdminRole.SYSTEM)
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field")] for f in sorted(unknown)})
    user = _locked(user)
    _check(account_problem(actor, user))
    cleaned = _clean_profile(values)
    before = {f: getattr(user, f) for f in cleaned}
    for field, value in cleaned.items():
        setattr(user, field, value)
    diff = changes(before, cleaned)
    if not diff["after"]:
        return user
    user.save(update_fields=list(diff["after"]))
    record("user_update", actor=actor, obj=user, data=diff)
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    """Disable (the user's sessions and API tokens stop working at once; roles are kept) or
    enable a plain account."""
    _require(actor, AdminRole.SYSTEM)
    user = _locked(user)
    _check(account_problem(actor, user))
    active = bool(active)
    if user.is_active == active:
        raise _error(
            "is_active",
            _("The account is already enabled") if active else _("The account is already disabled"),
        )
    user.is_active = active
    user.save(update_fields=["is_active"])  # disabled: signals.py ends the user's sessions
    record(
        "user_update" if active else "user_disable",  # as security.user_disable records it
        actor=actor,
        obj=user,
        data={
            "action": "enable" if active else "disable",
            "before": {"is_active": not active},
            "after": {"is_active": active},
        },
    )
    return user


@transaction.atomic
def user_reset_password(*, actor, user: User) -> str:
    """Give a plain account a random temporary password, returned once; the user must change
    it at the next login. Sessions opened with the old password end."""
    _require(actor, AdminRole.SYSTEM)
    user = _locked(user)
    _check(account_problem(actor, user))
    before = user.must_change_password
    password = _set_temporary_password(user)
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record(
        "password_change",
        actor=actor,
        obj=user,
        data={
            "action": "reset",
            "before": {"must_change_password": before},
            "after": {"must_change_password": True},
        },
    )
    return password


@transaction.atomic
def top_org_create(*, actor, **fields) -> Organization:
    """A top-level committee (the root of a city's tree), which no organisation role can create:
    the system administrator sets up the tree's roots; everything below them is kept by the
    holders of organisation roles within their scope (orgs.services)."""
    _require(actor, AdminRole.SYSTEM)
    unknown = set(fields) - set(TOP_ORG_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field")] for f in sorted(unknown)})
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    name = (fields.get("name") or "").strip()
    if name and Organization.objects.filter(parent__isnull=True, name=name).exists():
        raise _error("name", _("A top-level committee of this name exists"))
    # orgs.services lets the system administrator create a root (and records "org_create").
    return org_services.org_create(
        actor=actor, parent=None, kind=OrgKind.CITY, unit_type=UnitType.REGION, **fields
    )


# --- authorisations (security administrator) -----------------------------------------------


@transaction.atomic
def role_grant(*, actor, user: User, role: str, org) -> RoleAssignment:
    """Let `user` act as `role` over `org` and everything under it."""
    _require(actor, AdminRole.SECURITY)
    user = _locked(user)
    _check(authorisation_problem(actor, user))
    if user.admin_role:
        raise _error("user", _("An administrator account cannot hold organisation roles"))
    if not user.is_active:
        raise _error("user", _("This account is disabled"))
    if role not in Role.values:
        raise _error("role", _("Not a valid choice"))
    org_id = getattr(org, "pk", org)
    target = Organization.objects.filter(pk=org_id).first() if org_id else None
    if target is None:
        raise _error("org", _("No such organisation"))
    if target.status != OrgStatus.ACTIVE:
        raise _error("org", _("This organisation has been dissolved"))
    if RoleAssignment.objects.filter(user=user, role=role, org=target).exists():
        raise _error("org", _("The account already holds this role here"))
    before = _roles_of(user)
    assignment = RoleAssignment.objects.create(user=user, role=role, org=target)
    record(
        "role_change",
        actor=actor,
        obj=user,
        data={
            "action": "grant",
            "role": role,
            "org": {"id": target.pk, "path": target.path, "name": target.name},
            "before": {"roles": before},
            "after": {"roles": _roles_of(user)},
        },
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    _require(actor, AdminRole.SECURITY)
    assignment = RoleAssignment.objects.select_related("org").filter(pk=assignment.pk).first()
    if assignment is None:
        raise _error("role", _("This role has been revoked already"))
    user = _locked(assignment.user)
    _check(authorisation_problem(actor, user))
    before = _roles_of(user)
    org = assignment.org
    RoleAssignment.objects.filter(pk=assignment.pk).delete()
    record(
        "role_change",
        actor=actor,
        obj=user,
        data={
            "action": "revoke",
            "role": assignment.role,
            "org": {"id": org.pk, "path": org.path, "name": org.name},
            "before": {"roles": before},
            "after": {"roles": _roles_of(user)},
        },
    )


@transaction.atomic
def admin_role_set(*, actor, user: User, admin_role: str) -> User:
    """Appoint `user` system or audit administrator, move them between the two, or ("")
    remove the administrator role. The account must hold no organisation role and no data
    permission; security administrators are made and removed only on the command line."""
    _require(actor, AdminRole.SECURITY)
    user = _locked(user)
    _check(authorisation_problem(actor, user))
    admin_role = admin_role or ""
    if admin_role not in ("", *APPOINTABLE):
        if admin_role == AdminRole.SECURITY:
            raise _error(
                "admin_role",
                _("Security administrators are appointed on the server's command line"),
            )
        raise _error("admin_role", _("Not a valid choice"))
    if admin_role == user.admin_role:
        raise _error("admin_role", _("The account already has this role"))
    if admin_role:
        if not user.is_active:
            raise _error("admin_role", _("This account is disabled"))
        if RoleAssignment.objects.filter(user=user).exists():
            raise _error(
                "admin_role",
                _("Revoke the account's organisation roles first: an administrator holds none"),
            )
        if _has_unmask(user):
            raise _error(
                "admin_role",
                _(
                    "Withdraw the permission to reveal personal data first: an administrator holds none"
                ),
            )
    before = user.admin_role
    user.admin_role = admin_role
    user.save(update_fields=["admin_role"])
    record(
        "role_change",
        actor=actor,
        obj=user,
        data={
            "action": "admin_role",
            "before": {"admin_role": before},
            "after": {"admin_role": admin_role},
        },
    )
    return user


@transaction.atomic
def unmask_set(*, actor, user: User, allowed: bool) -> User:
    """Give or withdraw the permission to reveal one member's personal data after a reason
    (members.services.member_unmask). Never to an administrator account."""
    _require(actor, AdminRole.SECURITY)
    user = _locked(user)
    _check(authorisation_problem(actor, user))
    allowed = bool(allowed)
    before = _has_unmask(user)
    if allowed and user.admin_role:
        raise _error("allowed", _("An administrator account holds no data permission"))
    if before == allowed:
        raise _error(
            "allowed",
            _("The account already has this permission")
            if allowed
            else _("The account does not have this permission"),
        )
    if allowed:
        user.user_permissions.add(_unmask_permission())
    else:
        user.user_permissions.remove(_unmask_permission())
    record(
        "role_change",
        actor=actor,
        obj=user,
        data={
            "action": "unmask_permission",
            "before": {"unmask_personal_data": before},
            "after": {"unmask_personal_data": allowed},
        },
    )
    return user
