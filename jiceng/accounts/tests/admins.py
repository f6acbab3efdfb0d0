"""The three separated administrators for tests, beside the small city's personas
(jiceng.core.testing): `make_admins()` or the `admins` fixture of the test modules."""

from dataclasses import dataclass

from jiceng.accounts.models import AdminRole, User
from jiceng.core.testing import make_user


@dataclass
class Admins:
    system: User
    security: User
    audit: User


def make_admins() -> Admins:
    return Admins(
        system=make_user("system_admin", admin_role=AdminRole.SYSTEM),
        security=make_user("security_admin", admin_role=AdminRole.SECURITY),
        audit=make_user("audit_admin", admin_role=AdminRole.AUDIT),
    )
