import pytest
from django.utils import translation

from jiceng.core.testing import build_small_city
from jiceng.web.tests.browser import browser_page  # noqa: F401  (a fixture for every app)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production hashing costs ~0.3 s a user; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _test_logins_pass_second_factor(monkeypatch):
    """client.force_login()/login() of an administrator also passes the TOTP step (see
    jiceng.core.testing.client_logins_pass_second_factor); the login page still asks."""
    from django.test import Client

    from jiceng.core.testing import client_logins_pass_second_factor

    patches = client_logins_pass_second_factor()
    monkeypatch.setattr(Client, "force_login", patches["force_login"])
    monkeypatch.setattr(Client, "login", patches["login"])


@pytest.fixture
def city(db):
    """A small city with personas: see jiceng.core.testing."""
    return build_small_city()


@pytest.fixture(autouse=True)
def _static_without_manifest(settings):
    """Pages use {% static %}; tests run without collectstatic's manifest (WhiteNoise serves
    the source files through the finders)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code called directly by a test speaks the source language (English), whatever catalogue
    is compiled; pages and API responses still follow the request (Chinese by default)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _tasks_inline_and_private_cache(settings):
    """Background tasks run inline (the same task functions; one test runs the real worker
    against the database backend), and each test gets an empty in-memory cache."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test",
        }
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _data_key(settings):
    """One fixed key for personal-data encryption (jiceng.core.crypto) in tests."""
    from jiceng.core import crypto

    settings.JICENG_DATA_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="
    crypto.reset()
    yield
    crypto.reset()
