"""The three separated administrators (三权分立): who may do what to which account, and the
audit rows of every change (accounts.services)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jiceng.accounts import services
from jiceng.accounts.models import AdminRole, Role, RoleAssignment, User
from jiceng.audit.models import AuditEvent
from jiceng.audit.services import verify
from jiceng.core import scope
from jiceng.core.testing import make_user
from jiceng.orgs import services as org_services
from jiceng.orgs.models import Organization

from .admins import make_admins


@pytest.fixture
def admins(city):
    return make_admins()


def last(event: str) -> AuditEvent:
    return AuditEvent.objects.filter(event=event).order_by("-seq").first()


# -- the separation ---------------------------------------------------------------------------


def test_one_account_holds_at_most_one_administrator_role(city, admins):
    target = city.outsider
    services.admin_role_set(actor=admins.security, user=target, admin_role=AdminRole.SYSTEM)
    services.admin_role_set(actor=admins.security, user=target, admin_role=AdminRole.AUDIT)
    target.refresh_from_db()
    assert target.admin_role == AdminRole.AUDIT  # moved, not added: one field
    field = User._meta.get_field("admin_role")
    assert field.max_length == 10 and not field.many_to_many
    with pytest.raises(ValidationError, match="command line"):
        services.admin_role_set(actor=admins.security, user=target, admin_role="security")
    with pytest.raises(ValidationError):
        services.admin_role_set(actor=admins.security, user=target, admin_role="system,audit")


def test_an_administrator_account_holds_no_org_role_nor_data_permission(city, admins):
    for admin in (admins.system, admins.audit):
        with pytest.raises(ValidationError, match="administrator account"):
            services.role_grant(actor=admins.security, user=admin, role=Role.VIEWER, org=city.city)
        with pytest.raises(ValidationError):
            services.unmask_set(actor=admins.security, user=admin, allowed=True)
    assert not RoleAssignment.objects.filter(user__admin_role__gt="").exists()
    # An account with an organisation role, or the unmask permission, cannot be appointed.
    with pytest.raises(ValidationError, match="organisation roles first"):
        services.admin_role_set(actor=admins.security, user=city.viewer, admin_role="audit")
    services.unmask_set(actor=admins.security, user=city.outsider, allowed=True)
    with pytest.raises(ValidationError, match="personal data first"):
        services.admin_role_set(actor=admins.security, user=city.outsider, admin_role="audit")
    assert User.objects.get(pk=city.viewer.pk).admin_role == ""
    # Even a role written around the services gives an administrator nothing.
    RoleAssignment.objects.create(user=admins.audit, role=Role.ADMIN, org=city.city)
    auditor = User.objects.get(pk=admins.audit.pk)
    assert scope.grants(auditor) == []
    assert not Organization.objects.restrict(auditor).exists()


def test_nobody_grants_themselves_anything(city, admins):
    sec = admins.security
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=sec, user=sec, role=Role.ADMIN, org=city.city)
    with pytest.raises(PermissionDenied):
        services.admin_role_set(actor=sec, user=sec, admin_role="")
    with pytest.raises(PermissionDenied):
        services.unmask_set(actor=sec, user=sec, allowed=True)
    other = make_user("security_two", admin_role=AdminRole.SECURITY)
    with pytest.raises(PermissionDenied, match="command line"):
        services.admin_role_set(actor=sec, user=other, admin_role="")
    # The system administrator grants nothing, not even to others.
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=admins.system, user=city.outsider, role="viewer", org=city.city)
    with pytest.raises(PermissionDenied):
        services.admin_role_set(actor=admins.system, user=admins.system, admin_role="audit")
    assert not RoleAssignment.objects.filter(user__in=[sec, admins.system]).exists()
    assert User.objects.get(pk=sec.pk).admin_role == AdminRole.SECURITY
    assert not AuditEvent.objects.filter(event="role_change").exists()


def test_the_system_administrator_manages_plain_accounts_only(city, admins):
    system = admins.system
    superuser = make_user("root", is_superuser=True)
    for target in (system, admins.security, admins.audit, superuser):
        with pytest.raises(PermissionDenied):
            services.user_update(actor=system, user=target, display_name="x")
        with pytest.raises(PermissionDenied):
            services.user_set_active(actor=system, user=target, active=False)
        with pytest.raises(PermissionDenied):
            services.user_reset_password(actor=system, user=target)
    assert all(u.is_active for u in User.objects.all())
    changes = ["user_update", "user_disable", "password_change"]
    assert not AuditEvent.objects.filter(event__in=changes).exists()


@pytest.mark.parametrize("who", ["audit", "city_admin", "county_admin", "secretary", "outsider"])
def test_no_one_else_may_change_accounts_or_roles(city, admins, who):
    actor = admins.audit if who == "audit" else getattr(city, who)
    target = city.member_user
    written = AuditEvent.objects.count()
    calls = [
        lambda: services.user_create(actor=actor, username="intruder"),
        lambda: services.user_update(actor=actor, user=target, display_name="x"),
        lambda: services.user_set_active(actor=actor, user=target, active=False),
        lambda: services.user_reset_password(actor=actor, user=target),
        lambda: services.role_grant(actor=actor, user=target, role="admin", org=city.city),
        lambda: services.role_revoke(
            actor=actor, assignment=RoleAssignment.objects.get(user=city.viewer)
        ),
        lambda: services.admin_role_set(actor=actor, user=target, admin_role="audit"),
        lambda: services.unmask_set(actor=actor, user=target, allowed=True),
        lambda: services.top_org_create(actor=actor, name="某市委", category="09"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert not User.objects.filter(username="intruder").exists()
    assert RoleAssignment.objects.filter(user=city.viewer).exists()
    assert Organization.objects.filter(parent__isnull=True).count() == 1
    assert AuditEvent.objects.count() == written


def test_a_disabled_administrator_acts_no_more(city, admins):
    User.objects.filter(pk=admins.security.pk).update(is_active=False)
    sec = User.objects.get(pk=admins.security.pk)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=sec, user=city.outsider, role="viewer", org=city.city)


# -- the audit trail --------------------------------------------------------------------------


def test_create_update_disable_reset_are_audited(city, admins):
    system = admins.system
    user, password = services.user_create(
        actor=system, username="zhang_wei", display_name="张伟", email="ZW@Example.com"
    )
    assert user.check_password(password) and len(password) == 16
    assert user.must_change_password and user.is_active and not user.admin_role
    assert not user.is_staff and not user.is_superuser
    created = last("user_create")
    assert (created.username, created.role) == ("system_admin", "system_admin")
    assert (created.object_type, created.object_id) == ("accounts.user", str(user.pk))
    assert created.data == {
        "after": {
            "username": "zhang_wei",
            "display_name": "张伟",
            "email": "ZW@example.com",
            "is_active": True,
            "must_change_password": True,
        }
    }
    with pytest.raises(ValidationError, match="taken"):
        services.user_create(actor=system, username="ZHANG_WEI")
    with pytest.raises(ValidationError):
        services.user_create(actor=system, username="bad name!")

    services.user_update(
        actor=system, user=user, display_name="张伟（赤坎）", email="ZW@example.com"
    )
    assert last("user_update").data == {
        "before": {"display_name": "张伟"},
        "after": {"display_name": "张伟（赤坎）"},
    }
    services.user_set_active(actor=system, user=user, active=False)
    disabled = last("user_disable")
    assert disabled.data == {
        "action": "disable",
        "before": {"is_active": True},
        "after": {"is_active": False},
    }
    with pytest.raises(ValidationError, match="already disabled"):
        services.user_set_active(actor=system, user=user, active=False)
    services.user_set_active(actor=system, user=user, active=True)
    assert last("user_update").data["action"] == "enable"

    User.objects.filter(pk=user.pk).update(must_change_password=False)
    new = services.user_reset_password(actor=system, user=user)
    user.refresh_from_db()
    assert new != password and user.check_password(new) and user.must_change_password
    reset = last("password_change")
    assert reset.data == {
        "action": "reset",
        "before": {"must_change_password": False},
        "after": {"must_change_password": True},
    }
    assert password not in str(AuditEvent.objects.values_list("data", flat=True))
    assert verify() == []


def test_role_changes_are_audited_with_before_and_after(city, admins):
    sec = admins.security
    target = city.county_admin
    assignment = services.role_grant(actor=sec, user=target, role=Role.VIEWER, org=city.county_b)
    grant = last("role_change")
    assert (grant.username, grant.role, grant.object_id) == (
        "security_admin",
        "security_admin",
        str(target.pk),
    )
    admin_a = f"admin@{city.county_a.path} {city.county_a.name}"
    viewer_b = f"viewer@{city.county_b.path} {city.county_b.name}"
    assert grant.data["action"] == "grant"
    assert grant.data["before"] == {"roles": [admin_a]}
    assert grant.data["after"] == {"roles": sorted([admin_a, viewer_b])}
    with pytest.raises(ValidationError, match="already holds"):
        services.role_grant(actor=sec, user=target, role=Role.VIEWER, org=city.county_b)
    fresh = User.objects.get(pk=target.pk)
    assert scope.can(fresh, scope.VIEW, city.branch_b1)

    services.role_revoke(actor=sec, assignment=assignment)
    revoke = last("role_change")
    assert revoke.data["action"] == "revoke"
    assert revoke.data["before"] == {"roles": sorted([admin_a, viewer_b])}
    assert revoke.data["after"] == {"roles": [admin_a]}
    assert not scope.can(User.objects.get(pk=target.pk), scope.VIEW, city.branch_b1)

    services.admin_role_set(actor=sec, user=city.outsider, admin_role=AdminRole.AUDIT)
    assert last("role_change").data == {
        "action": "admin_role",
        "before": {"admin_role": ""},
        "after": {"admin_role": "audit"},
    }
    services.unmask_set(actor=sec, user=city.viewer, allowed=True)
    assert last("role_change").data == {
        "action": "unmask_permission",
        "before": {"unmask_personal_data": False},
        "after": {"unmask_personal_data": True},
    }
    assert User.objects.get(pk=city.viewer.pk).has_perm("members.unmask_personal_data")
    services.unmask_set(actor=sec, user=city.viewer, allowed=False)
    assert not User.objects.get(pk=city.viewer.pk).has_perm("members.unmask_personal_data")
    assert verify() == []


def test_roles_only_over_active_organisations(city, admins):
    sec = admins.security
    with pytest.raises(ValidationError, match="No such organisation"):
        services.role_grant(actor=sec, user=city.outsider, role=Role.VIEWER, org=999_999)
    with pytest.raises(ValidationError):
        services.role_grant(actor=sec, user=city.outsider, role="king", org=city.city)
    org_services.org_dissolve(actor=None, org=city.branch_a2, dissolved_on=timezone.localdate())
    with pytest.raises(ValidationError, match="dissolved"):
        services.role_grant(actor=sec, user=city.outsider, role=Role.VIEWER, org=city.branch_a2)


# -- without a superuser ----------------------------------------------------------------------


def test_the_platform_runs_without_a_superuser(db):
    """A fresh installation: the three administrators (made on the command line) set up the
    first committee and its administrator; no superuser exists at any point."""
    admins = make_admins()
    root = services.top_org_create(
        actor=admins.system, name="中共湛江市委员会", short_name="湛江市", category="09"
    )
    assert root.parent is None and root.kind == "city"
    assert last("org_create").data["after"]["name"] == "中共湛江市委员会"
    assert not Organization.objects.restrict(admins.system).exists()  # created, not visible
    with pytest.raises(ValidationError, match="exists"):
        services.top_org_create(actor=admins.system, name="中共湛江市委员会", category="09")
    clerk, _password = services.user_create(actor=admins.system, username="zzb")
    services.role_grant(actor=admins.security, user=clerk, role=Role.ADMIN, org=root)
    clerk = User.objects.get(pk=clerk.pk)
    county = org_services.org_create(
        actor=clerk, parent=root, name="赤坎区委", kind="county", category="09", unit_type="region"
    )
    assert county.path.startswith(root.path)
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert verify() == []
