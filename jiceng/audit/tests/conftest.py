import pytest
from django.db import connection

from jiceng.audit.models import AuditEvent
from jiceng.core.testing import build_small_city


def empty_the_log() -> None:
    """Test set-up only: remove every audit row (the application never can; see models.py)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(AuditEvent._meta.db_table)}")


@pytest.fixture
def city(db):
    """The small city with an empty audit log: building it through the services writes
    org_create/member_create rows, which the chain tests here do not expect (they count rows
    from #1). The wiring tests find their rows by event and object."""
    built = build_small_city()
    empty_the_log()
    return built
