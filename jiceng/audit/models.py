"""The audit log: one append-only table whose rows are chained by a keyed hash (chain.py).

Append-only at the ORM level: `save()` of an existing row, `delete()`, and the QuerySet's
`update()`, `delete()`, `bulk_create()` and `bulk_update()` raise `AppendOnlyError`. Rows are
written only by `services.record()` (through `AuditEvent._append`) and removed only by
`services.purge()`, which deletes a prefix of the chain with one raw, documented SQL statement.
Anything else that changes the table (a DBA's UPDATE or DELETE) is what `jiceng audit verify`
detects.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """The audit log is never updated or deleted through the application."""


# The event codes record() accepts (a typo must fail, not create a new kind of event).
# Not `choices` on the column: adding an event must not need a migration.
EVENTS: dict[str, str] = {
    "login": _("login"),
    "login_failed": _("failed login"),
    "lockout": _("account locked"),
    "logout": _("logout"),
    "password_change": _("password change"),
    "otp_enrol": _("second factor enrolled"),
    "otp_verify": _("second factor passed"),
    "otp_reset": _("second factor removed"),
    "user_disable": _("user disabled"),
    "role_change": _("role or scope change"),
    "user_create": _("user created"),
    "user_update": _("user changed"),
    "token_issue": _("API token issued"),
    "token_revoke": _("API token revoked"),
    "org_create": _("organisation created"),
    "org_update": _("organisation changed"),
    "org_move": _("organisation moved"),
    "org_dissolve": _("organisation dissolved"),
    "member_create": _("member created"),
    "member_update": _("member changed"),
    "member_status": _("member status change"),
    "member_delete": _("member deleted"),
    "unmask": _("personal data revealed"),
    "export": _("export"),
    "import": _("import"),
    "config_change": _("configuration change"),
    "denied": _("access denied"),
    "audit_search": _("audit log search"),
    "audit_purge": _("audit log purge"),
}


class Outcome(models.TextChoices):
    OK = "ok", _("succeeded")
    DENIED = "denied", _("denied")
    FAILED = "failed", _("failed")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are never updated")

    def delete(self):
        raise AppendOnlyError("audit events are deleted only by jiceng.audit.services.purge")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("audit events are written only by jiceng.audit.services.record")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit events are never updated")

    update.queryset_only = True
    delete.queryset_only = True


class AuditEvent(models.Model):
    """One audited action. Every column is covered by `hash` (see chain.FIELDS)."""

    # Position in the chain: 1, 2, 3, … assigned by record() under the append lock. The primary
    # key, so the chain walk and the purge are range scans of the one index.
    seq = models.BigIntegerField(_("sequence"), primary_key=True)
    at = models.DateTimeField(_("time"), db_index=True)
    # The actor. DO_NOTHING without a database constraint: deleting a user must neither be
    # blocked by its audit trail (PROTECT) nor rewrite it (SET_NULL issues an UPDATE, which
    # would change a hashed column and break the chain). The row keeps the user's id and
    # `username` as they were; `user` may then point at nobody, so read `username` for
    # display. Users should be deactivated rather than deleted anyway.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # covered by the (user, at) index
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    role = models.TextField(_("role"), blank=True)  # "admin,viewer" / "superuser" / ""
    scope = models.TextField(_("scope"), blank=True)  # "admin@0001 湛江市委; viewer@…"
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    event = models.CharField(_("event"), max_length=32)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["event", "at"], name="audit_event_at"),
            models.Index(fields=["user", "at"], name="audit_user_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.event}"

    def save(self, *args, **kwargs):
        raise AppendOnlyError("audit events are written only by jiceng.audit.services.record")

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are deleted only by jiceng.audit.services.purge")

    def get_event_display(self) -> str:
        return str(EVENTS.get(self.event, self.event))

    def _append(self, using: str) -> None:
        """The one INSERT path, used by services.record() under the append lock."""
        models.Model.save_base(self, force_insert=True, using=using)
