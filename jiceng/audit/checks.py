"""Checks: the chain key (`jiceng check --deploy`), the retention period, the middleware."""

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


MIDDLEWARE = "jiceng.audit.middleware.AuditMiddleware"


@register(Tags.security)
def audit_middleware_check(app_configs, **kwargs):
    names = {
        "jiceng.audit.middleware.AuditMiddleware",
        "jiceng.audit.middleware.RequestIdMiddleware",
    }
    if names & set(settings.MIDDLEWARE):
        return []
    return [
        Warning(
            f"{MIDDLEWARE} is not in MIDDLEWARE: refusals (403, scope 404s) are not recorded "
            "and audit rows written by services lack the client IP and request id.",
            hint="Add it near the top of MIDDLEWARE, after WhiteNoise.",
            id="audit.W002",
        )
    ]
