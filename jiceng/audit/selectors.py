"""Reads of the audit log. Searching it is itself an audited event (等保: the auditors are
audited), so `search()` records "audit_search" with its filters before returning the rows."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from .models import AuditEvent
from .services import record

VIEW_PERMISSION = "audit.view_auditevent"


def may_search(actor) -> bool:
    """The audit administrator (accounts.User.admin_role "audit"), or a user holding the view
    permission (a superuser, in the Django admin's read-only view of the log)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return getattr(actor, "admin_role", "") == "audit" or actor.has_perm(VIEW_PERMISSION)


def search(
    *,
    actor,
    request=None,
    event: str | None = None,
    username: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events matching the filters, newest first, for the audit administrator or a user
    with the view permission (may_search).

    A refused search is recorded as "denied" and raises PermissionDenied. Call it outside an
    atomic block, so that the "denied" row is not rolled back with the caller's work.
    """
    filters = {
        "event": event,
        "username": username,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": outcome,
        "at__gte": since,
        "at__lt": until,
    }
    filters = {name: value for name, value in filters.items() if value not in (None, "")}
    if not may_search(actor):
        record(
            "denied",
            actor=actor,
            request=request,
            outcome="denied",
            data={"action": "audit_search", "filters": filters},
        )
        raise PermissionDenied
    record("audit_search", actor=actor, request=request, data={"filters": filters})
    return AuditEvent.objects.filter(**filters).order_by("-seq")
