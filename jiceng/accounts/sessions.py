"""The session engine: Django's database sessions, stored in `accounts.UserSession` with the
id of the session's user, so that disabling a user ends every one of their sessions with one
indexed DELETE (`security.end_sessions`) rather than a scan of every session.

settings.SESSION_ENGINE = "jiceng.accounts.sessions". `jiceng clearsessions` works as before.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from .models import UserSession

        return UserSession

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        try:
            obj.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            obj.user_id = None
        return obj
