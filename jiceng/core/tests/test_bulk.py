"""Bulk loads (jiceng.core.bulk): indexes dropped for a large load come back exactly as they
were, and every uniqueness and reference check still refuses bad rows."""

import pytest
from django.db import IntegrityError, connection, transaction

from jiceng.core import bulk
from jiceng.core.testing import make_member
from jiceng.members.models import Member

pytestmark = pytest.mark.django_db


def schema() -> list[tuple]:
    """The member table's indexes and constraints, as the database describes them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'members_member'"
                " UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = 'members_member'::regclass ORDER BY 1, 2"
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'members_member'"
                " ORDER BY name"
            )
        return cursor.fetchall()


def test_indexes_come_back_as_they_were(city):
    before = schema()
    with transaction.atomic(), bulk.deferred_indexes(Member):
        during = schema()
        make_member(city.branch_a1, name="赵六")
    assert len(during) < len(before)
    assert schema() == before
    assert Member.objects.filter(name="赵六").count() == 1


def test_a_duplicate_is_still_refused_and_nothing_is_left(city):
    before, members = schema(), Member.objects.count()
    taken = city.member_a1.id_number_hash
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.deferred_indexes(Member):
        make_member(city.branch_a1, name="赵六")
        Member.objects.filter(name="赵六").update(id_number_hash=taken)  # as a raw load could
    assert schema() == before
    assert Member.objects.count() == members


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's foreign keys are part of CREATE TABLE: never dropped, checked as usual",
)
def test_a_reference_to_a_missing_row_is_still_refused(city):
    before = schema()
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.deferred_indexes(Member):
        make_member(city.branch_a1, name="赵六")
        Member.objects.filter(name="赵六").update(org_id=987654321)
    assert schema() == before
    assert not Member.objects.filter(name="赵六").exists()


def test_only_for_a_large_load_into_a_mostly_new_table(city):
    existing = Member.objects.count()
    assert not bulk.should_defer_indexes(Member, bulk.DEFER_MIN_ROWS - 1)
    assert bulk.should_defer_indexes(Member, max(bulk.DEFER_MIN_ROWS, existing))
