import pytest
from django.utils import translation

from jiceng.core.testing import build_small_city


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production hashing costs ~0.3 s a user; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
