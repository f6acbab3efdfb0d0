"""Print a session cookie of the demo city admin and a county's id, for the load test."""

from common import setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from jiceng.accounts.models import User  # noqa: E402
from jiceng.orgs.models import Organization  # noqa: E402

user = User.objects.get(username="admin")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
county = Organization.objects.filter(depth=2).order_by("path")[0]
print(f"{settings.SESSION_COOKIE_NAME}={session.session_key} {county.pk}")
