"""Deployment checks of the platform's own settings (`jiceng check --deploy`); the database's
durability is checked in jiceng.core.durability."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def secret_key_check(app_configs, **kwargs):
    if os.environ.get("JICENG_SECRET_KEY") or not settings.SECRET_KEY.startswith(
        "insecure-local-only-"
    ):
        return []
    return [
        Error(
            "JICENG_SECRET_KEY is not set: sessions and CSRF tokens are signed with a key "
            "derived from the data directory's path.",
            hint="Set JICENG_SECRET_KEY to a long random secret (50+ characters).",
            id="core.E001",
        )
    ]


@register(Tags.security, deploy=True)
def https_check(app_configs, **kwargs):
    if getattr(settings, "HTTPS", False) or settings.DEBUG:
        return []
    return [
        Error(
            "JICENG_HTTPS is not set: passwords, session cookies and personal data would cross "
            "the network in clear text.",
            hint="Serve the platform over HTTPS (docs/operations.md) and set JICENG_HTTPS=1.",
            id="core.E002",
        )
    ]


@register(Tags.security, deploy=True)
def proxy_check(app_configs, **kwargs):
    configured = getattr(settings, "JICENG_TRUSTED_PROXIES", None) or os.environ.get(
        "JICENG_TRUSTED_PROXIES", ""
    )
    if not getattr(settings, "HTTPS", False) or configured:
        return []
    return [
        Warning(
            "JICENG_HTTPS is set but JICENG_TRUSTED_PROXIES is not: `jiceng serve` speaks plain "
            "http, so TLS ends at a proxy, and without trusting it every client has the proxy's "
            "address (the audit log, and one login rate limit shared by all users).",
            hint="Set JICENG_TRUSTED_PROXIES to the proxy's address, e.g. 127.0.0.1.",
            id="core.W003",
        )
    ]
