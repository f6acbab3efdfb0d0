"""Driving the login pages in the accounts tests (the real views and middleware, no
force_login shortcut)."""

import re
from datetime import UTC, datetime

from django.urls import reverse

from jiceng.audit.models import AuditEvent
from jiceng.core.testing import PASSWORD

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Zhanjiang
_ERROR = re.compile(r'id="login-error">(.*?)</div>', re.S)


def log_in(client, username: str, password: str = PASSWORD, **headers):
    return client.post(
        reverse("login"), {"username": username, "password": password}, headers=headers
    )


def login_error(response) -> str:
    """The failure message of the login page ("" if none)."""
    found = _ERROR.search(response.content.decode())
    return found.group(1).strip() if found else ""


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def events(*names: str) -> list[AuditEvent]:
    rows = AuditEvent.objects.order_by("seq")
    return list(rows.filter(event__in=names) if names else rows)
