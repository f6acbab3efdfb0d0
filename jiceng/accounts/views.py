"""Log in and out: Django's own views, with the project's templates (the login steps are in
views_auth.py)."""

from .views_auth import LoginView

__all__ = ["LoginView"]
