"""Deployment checks (`jiceng check --deploy`): the chain key and the retention period."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_key_check(app_configs, **kwargs):
    if getattr(settings, "JICENG_AUDIT_KEY", None) or os.environ.get("JICENG_AUDIT_KEY"):
        return []
    return [
        Warning(
            "JICENG_AUDIT_KEY is not set: the audit chain's key is derived from SECRET_KEY.",
            hint="Set JICENG_AUDIT_KEY to a long random secret kept outside the database.",
            id="audit.W001",
        )
    ]


@register(Tags.security)
def audit_retention_check(app_configs, **kwargs):
    from .services import MIN_RETENTION_DAYS

    configured = getattr(settings, "JICENG_AUDIT_RETENTION_DAYS", None) or os.environ.get(
        "JICENG_AUDIT_RETENTION_DAYS"
    )
    try:
        days = int(configured or MIN_RETENTION_DAYS)
    except ValueError:
        days = -1
    if days < MIN_RETENTION_DAYS:
        return [
            Error(
                f"JICENG_AUDIT_RETENTION_DAYS must be a number of days ≥ {MIN_RETENTION_DAYS}.",
                id="audit.E001",
            )
        ]
    return []
