import pytest

from jiceng.core.testing import build_small_city


@pytest.fixture
def city(db):
    """A small city with personas: see jiceng.core.testing."""
    return build_small_city()
