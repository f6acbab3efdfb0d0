from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.audit.models import AuditEvent
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.reports import tables
from jiceng.reports.models import Snapshot, SnapshotMember, SnapshotOrg

from .helpers import leave, recruit, take

pytestmark = pytest.mark.django_db


def cells(table):
    return dict(zip([k for k, _l in table.columns], table.total.cells, strict=True))


def test_snapshot_counts_the_subtree_and_is_audited(city):
    snapshot = take(city, 2025)
    assert snapshot.is_done
    assert snapshot.members == 2 and snapshot.orgs == 8 and snapshot.leavers == 0
    assert snapshot.reference_date == date(2025, 12, 31)
    assert AuditEvent.objects.filter(event="stats_snapshot", object_id=str(snapshot.pk)).exists()
    county = take(city, 2025, org=city.county_a, actor=city.county_admin)
    assert county.members == 1
    assert set(
        SnapshotMember.objects.filter(snapshot=county).values_list("member_id", flat=True)
    ) == {city.member_a1.pk}


def test_snapshot_is_unaffected_by_later_edits(city):
    snapshot = take(city, 2025)
    before = cells(tables.build(snapshot, "sex"))
    Member.objects.filter(pk=city.member_a1.pk).update(sex="2")
    recruit(city.branch_a1, date(2020, 1, 1), sex="1")
    after = cells(tables.build(Snapshot.objects.get(pk=snapshot.pk), "sex"))
    assert after == before
    # a new snapshot sees the edits
    fresh = take(city, 2024)
    assert cells(tables.build(fresh, "sex"))["total"] == 3


def test_reference_date_decides_who_is_counted(city):
    late = recruit(city.branch_a1, date(2026, 1, 5))
    gone = recruit(city.branch_a1, date(2010, 1, 1))
    leave(gone, "deceased", date(2025, 6, 1))
    left_later = recruit(city.branch_a2, date(2010, 1, 1))
    leave(left_later, "withdrew", date(2026, 2, 1))
    snapshot = take(city, 2025)
    ids = set(
        SnapshotMember.objects.filter(snapshot=snapshot, leave_route="").values_list(
            "member_id", flat=True
        )
    )
    assert late.pk not in ids and gone.pk not in ids and left_later.pk in ids
    leaving = cells(tables.build(snapshot, "leaving"))
    assert leaving["deceased"] == 1 and leaving["total"] == 1


def test_a_snapshot_is_taken_once(city):
    take(city, 2025)
    with pytest.raises(ValidationError) as exc:
        take(city, 2025)
    assert "kept unchanged" in str(exc.value)
    assert Snapshot.objects.count() == 1


def test_refusals_write_nothing(city):
    with pytest.raises(PermissionDenied):
        take(city, 2025, actor=city.viewer)
    with pytest.raises(Organization.DoesNotExist):  # outside the county admin's scope: as if absent
        take(city, 2025, org=city.county_b, actor=city.county_admin)
    with pytest.raises(ValidationError):
        take(city, 2999)
    assert not Snapshot.objects.exists() and not SnapshotMember.objects.exists()
    assert not SnapshotOrg.objects.exists()


def test_tables_are_kept_once_computed(city, django_assert_max_num_queries):
    snapshot = take(city, 2025)
    first = tables.build(snapshot, "age")
    with django_assert_max_num_queries(1):
        again = tables.build(snapshot, "age")
    assert again == first
