from datetime import date, timedelta

import pytest
from django.utils import timezone

from jiceng.core.testing import make_user


@pytest.fixture
def people(city):
    """Township administrators of both townships, on top of the small city."""
    city.town_a_admin = make_user("town_a_admin", role="admin", org=city.town_a)
    city.town_b_admin = make_user("town_b_admin", role="admin", org=city.town_b)
    return city


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def last_month(today):
    return today.replace(day=1) - timedelta(days=1)


def at(day: date, hour: int, minute: int = 0):
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour, minute))
