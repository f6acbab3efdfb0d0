"""Users, the roles that bind them to an organisation subtree, and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AdminRole(models.TextChoices):
    """The three separated administrators (三权分立). One field, so one account can hold at
    most one of them."""

    NONE = "", _("none")
    SYSTEM = "system", _("system administrator")
    SECURITY = "security", _("security administrator")
    AUDIT = "audit", _("audit administrator")


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    admin_role = models.CharField(
        _("administrator role"), max_length=10, choices=AdminRole.choices, default="", blank=True
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One account per name whatever its case: "Admin" cannot sit beside "admin".
            models.UniqueConstraint(
                Lower("username"),
                name="username_unique_ignoring_case",
                violation_error_message=_("A user with that username already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_password(self, raw_password):
        """Also starts the password's age (password expiry, accounts.security)."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class Role(models.TextChoices):
    ADMIN = "admin", _("organisation administrator")
    SECRETARY = "secretary", _("branch secretary")
    VIEWER = "viewer", _("read-only")


class RoleAssignment(models.Model):
    """`user` acts as `role` over `org` and everything under it (core.scope.ROLE_ACTIONS)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("organisation"),
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="role_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user API token; only its SHA-256 is stored, the raw value is shown once."""

    PREFIX = "jc_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=8, editable=False)  # last characters, to tell tokens apart
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    @classmethod
    def new_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class UserSession(AbstractBaseSession):
    """The session table (SESSION_ENGINE = "jiceng.accounts.sessions"), with the user each
    session belongs to, written on every save, so a user's sessions can be ended at once by
    one indexed DELETE (disabling a user: accounts.security.end_sessions)."""

    # No database constraint: a session saved while its user is being deleted must not fail
    # the request; deleting a user still deletes its sessions (on_delete, in the ORM).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
