from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from jiceng.audit import services
from jiceng.audit.models import AuditEvent

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class _Clock:
    """Stands in for django.utils.timezone inside services: now() is what the test says."""

    def __init__(self, at):
        self.at = at

    def now(self):
        return self.at


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock(NOW)
    monkeypatch.setattr(services, "timezone", clock)
    return clock


def _write(clock, days_ago, n=1, **kw):
    clock.at = NOW - timedelta(days=days_ago)
    for _ in range(n):
        services.record("login", **kw)
    clock.at = NOW


def test_purge_refuses_less_than_the_retention_period(db, settings):
    with pytest.raises(ValueError):
        services.purge(179)
    settings.JICENG_AUDIT_RETENTION_DAYS = 365
    with pytest.raises(ValueError):
        services.purge(200)
    settings.JICENG_AUDIT_RETENTION_DAYS = 30  # never below 180
    with pytest.raises(ValueError):
        services.purge(100)
    assert not AuditEvent.objects.exists()


def test_purge_removes_only_older_rows_and_the_chain_still_verifies(db, clock):
    _write(clock, 400, 3)
    _write(clock, 181, 2)
    _write(clock, 179, 2)
    _write(clock, 1, 1)
    assert services.purge(180) == 5
    remaining = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in remaining] == [6, 7, 8, 9]
    assert all(e.at >= NOW - timedelta(days=180) for e in remaining)
    purge = remaining[-1]
    assert purge.event == "audit_purge"
    assert purge.data["deleted"] == 5
    assert purge.data["anchor_seq"] == 6
    assert purge.data["anchor_prev_hash"] == remaining[0].prev_hash
    assert services.verify() == []

    # Later rows, then a second purge: the chain starts at the newest anchor.
    _write(clock, -100, 2)  # seq 10, 11: 100 days from NOW
    clock.at = NOW + timedelta(days=200)
    assert services.purge(180) == 4  # 6, 7, 8 and the first purge, 9
    clock.at = NOW
    assert [e.seq for e in AuditEvent.objects.order_by("seq")] == [10, 11, 12]
    assert services.verify() == []


def test_purge_with_nothing_old_enough(db, clock):
    _write(clock, 10, 2)
    assert services.purge(180) == 0
    assert AuditEvent.objects.count() == 3
    assert services.verify() == []


def test_purge_of_every_row(db, clock):
    _write(clock, 300, 3)
    assert services.purge(200) == 3
    purge = AuditEvent.objects.get()
    assert (purge.seq, purge.data["anchor_seq"]) == (4, 4)
    assert services.verify() == []


def test_a_row_whose_clock_ran_backwards_is_kept_not_left_as_a_hole(db, clock):
    _write(clock, 300)
    _write(clock, 10)
    _write(clock, 300)  # seq 3, written after seq 2 with an older time
    assert services.purge(180) == 1
    assert [e.seq for e in AuditEvent.objects.order_by("seq")] == [2, 3, 4]
    assert services.verify() == []


def test_deleting_old_rows_without_the_purge_is_detected(db, clock):
    _write(clock, 300, 3)
    _write(clock, 1, 2)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq <= 3")
    assert [(p.seq, p.kind) for p in services.verify()] == [(4, "start")]


def test_a_purge_anchor_cannot_be_moved(db, clock):
    _write(clock, 300, 3)
    _write(clock, 1, 3)
    services.purge(180)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 4")  # the anchored first row
    kinds = [(p.seq, p.kind) for p in services.verify()]
    assert kinds == [(5, "start")]
