import pytest
from django.db import connection

from jiceng.audit import services
from jiceng.audit.models import AppendOnlyError, AuditEvent


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _kinds(problems):
    return [(p.seq, p.kind) for p in problems]


@pytest.fixture
def log(city):
    for n in range(5):
        services.record("member_update", actor=city.county_admin, obj=city.member_a1, data={"n": n})
    return list(AuditEvent.objects.order_by("seq"))


def test_an_intact_chain_verifies(log):
    assert services.verify() == []
    assert [e.seq for e in log] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(log, log[1:], strict=False))


def test_an_empty_log_verifies(db):
    assert services.verify() == []


def test_verify_streams_in_chunks(log):
    walk = services.Walk()
    assert list(services.iter_problems(walk=walk, chunk=2)) == []
    assert (walk.rows, walk.last_seq, walk.last_hash) == (5, 5, log[-1].hash)


def test_editing_data_with_sql_is_detected(log):
    _sql("UPDATE audit_auditevent SET data = %s WHERE seq = 3", ['{"n": 99}'])
    assert _kinds(services.verify()) == [(3, "altered")]


def test_editing_any_column_is_detected(log):
    _sql("UPDATE audit_auditevent SET username = 'someone_else' WHERE seq = 2")
    _sql("UPDATE audit_auditevent SET outcome = 'denied' WHERE seq = 4")
    assert _kinds(services.verify()) == [(2, "altered"), (4, "altered")]


def test_rewriting_a_hash_is_detected(log):
    _sql("UPDATE audit_auditevent SET hash = %s WHERE seq = 2", ["f" * 64])
    assert _kinds(services.verify()) == [(2, "altered"), (3, "link")]


def test_deleting_a_middle_row_is_detected(log):
    _sql("DELETE FROM audit_auditevent WHERE seq = 3")
    problems = services.verify()
    assert _kinds(problems) == [(4, "missing")]
    assert "3" in problems[0].message


def test_renumbering_after_a_deletion_is_detected(log):
    _sql("DELETE FROM audit_auditevent WHERE seq = 3")
    _sql("UPDATE audit_auditevent SET seq = seq - 1 WHERE seq > 3")
    assert _kinds(services.verify()) == [(3, "link"), (3, "altered"), (4, "altered")]


def test_deleting_the_oldest_rows_is_detected(log):
    _sql("DELETE FROM audit_auditevent WHERE seq <= 2")
    assert _kinds(services.verify()) == [(3, "start")]


def test_deleting_the_newest_rows_is_detected_against_a_noted_head(log):
    noted = services.head()
    assert noted == (5, log[-1].hash)
    _sql("DELETE FROM audit_auditevent WHERE seq >= 4")
    assert services.verify() == []  # a chain cannot see its own truncation…
    assert _kinds(services.verify(expect_head=noted)) == [(5, "head")]  # …the noted head can


def test_a_forged_row_without_the_key_is_detected(log, settings):
    settings.JICENG_AUDIT_KEY = "the attacker's guess"
    services.record("config_change", data={"forged": True})
    del settings.JICENG_AUDIT_KEY
    assert _kinds(services.verify()) == [(6, "altered")]


def test_max_problems(log):
    _sql("UPDATE audit_auditevent SET data = '{}'")
    assert len(services.verify()) == 5
    assert len(services.verify(max_problems=2)) == 2


def test_the_orm_never_updates_or_deletes(log):
    event = log[0]
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(event="login")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(seq=99)])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["event"])
    with pytest.raises(AppendOnlyError):
        AuditEvent(seq=99, event="login").save()
    assert AuditEvent.objects.count() == 5
    assert services.verify() == []


def test_deleting_a_user_keeps_their_audit_rows_intact(city):
    services.record("login", actor=city.secretary)
    city.secretary.delete()
    row = AuditEvent.objects.get()
    assert row.username == "secretary" and row.user_id is not None
    assert services.verify() == []


def test_changing_the_key_breaks_verification(log, settings):
    settings.JICENG_AUDIT_KEY = "a different key"
    assert len(services.verify()) == 5
