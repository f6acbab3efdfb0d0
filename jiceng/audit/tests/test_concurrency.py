"""Concurrent writers must not fork the chain (PostgreSQL: the advisory lock; the SQLite test
database is in memory and shared by one connection, so this runs on PostgreSQL only)."""

import threading

import pytest
from django.db import connection, connections, transaction

from jiceng.audit import services
from jiceng.audit.models import AuditEvent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database with concurrent connections"
)

WRITERS, EACH = 6, 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_chain():
    start = threading.Barrier(WRITERS)
    errors = []

    def writer(n):
        try:
            start.wait()
            for i in range(EACH):
                if i % 2:
                    with transaction.atomic():  # inside a caller's transaction
                        services.record("export", data={"writer": n, "i": i})
                else:
                    services.record("export", data={"writer": n, "i": i})
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(
        range(1, WRITERS * EACH + 1)
    )
    assert services.verify() == []
