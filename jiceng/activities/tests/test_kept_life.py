"""The kept state compliance reads as of today (life.py): each organisation's latest periods
of each required meeting (OrgLife) and each member's last organisational life (MemberLife),
kept by the meeting service, rebuilt set-based, filled by the migration, and checked against
the records; the findings read from it are the findings counted from the meetings."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone

from jiceng.activities import compliance, life, services
from jiceng.activities.models import Kind, LifeCoverage, MemberLife, OrgLife
from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.core.findings import Level
from jiceng.core.testing import make_member
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs import rollups

from .helpers import fill_branch

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def last_month():
    return add_months(today().replace(day=1), -1)


def key(f):
    return (f.rule, f.org_id, f.level, f.due, f.message)


def meeting_findings(path, from_meetings):
    as_of = today()
    params = ruleset.snapshot(on=as_of)
    return sorted(
        map(key, compliance.meeting_findings(path, as_of, params, from_meetings=from_meetings))
    )


def committee(city, branch, held_on, **kw):
    return services.meeting_record(
        actor=city.secretary,
        org=city.branch_a1,
        kind=Kind.COMMITTEE,
        held_on=held_on,
        topic="t",
        roster=[m.pk for m in branch[:3]],
        **kw,
    )


@pytest.fixture
def branch(city):
    others = fill_branch(city.branch_a1, 7)
    rollups.rebuild()
    return others


def test_kept_state_follows_the_meeting_service(city, branch):
    path = city.city.path

    def life02():
        return [
            f.level
            for f in compliance.provide(path, today())
            if f.rule == "LIFE-02" and f.org_id == city.branch_a1.pk
        ]

    assert Level.OVERDUE in life02()  # no committee meeting last month
    assert meeting_findings(path, False) == meeting_findings(path, True)
    committee(city, branch, last_month() + timedelta(days=3))
    row = OrgLife.objects.get(org=city.branch_a1)
    assert row.committee_last == life.month_number(last_month())
    assert row.committee_before is None
    assert Level.OVERDUE not in life02()
    assert meeting_findings(path, False) == meeting_findings(path, True)
    committee(city, branch, today())
    assert life02() == []  # held last month and this one
    row.refresh_from_db()
    assert (row.committee_last, row.committee_before) == (
        life.month_number(today()),
        life.month_number(last_month()),
    )
    # an older meeting recorded late moves nothing forward
    committee(city, branch, add_months(last_month(), -1))
    row.refresh_from_db()
    assert row.committee_before == life.month_number(last_month())
    assert life.check() == []
    assert meeting_findings(path, False) == meeting_findings(path, True)


def test_general_meeting_without_quorum_is_not_kept(city, branch):
    services.meeting_record(
        actor=city.secretary,
        org=city.branch_a1,
        kind=Kind.GENERAL,
        held_on=today(),
        topic="t",
        absent=[m.pk for m in branch[:5]],  # 3 of 8 present: no quorum (LIFE-01)
    )
    assert OrgLife.objects.filter(org=city.branch_a1, general_last__isnull=False).count() == 0
    assert life.check() == []
    services.meeting_record(
        actor=city.secretary, org=city.branch_a1, kind=Kind.GENERAL, held_on=today(), topic="t"
    )
    row = OrgLife.objects.get(org=city.branch_a1)
    assert row.general_last == life.month_number(life.rules.period_start(today(), "quarter"))
    assert life.check() == []


def test_check_finds_a_difference_and_rebuild_repairs_it(city, branch):
    committee(city, branch, today())
    assert life.check() == []
    OrgLife.objects.filter(org=city.branch_a1).update(committee_last=None)
    diffs = life.check()
    assert [d[0] for d in diffs] == [city.branch_a1.pk]
    assert life.rebuild() == 1
    assert life.check() == []


def absent_both_ways(path, since):
    small = compliance.absent_members(path, since, large=False)
    large = compliance.absent_members(path, since, large=True)
    assert sorted(small) == sorted(large)
    return {row[0] for row in small}


def test_absent_members_from_the_absences_or_from_the_members(city, branch):
    as_of = today()
    since = add_months(as_of, -4)
    # nobody has attended yet: everyone on the rolls who joined before `since` is absent
    everyone = set(
        Member.objects.filter(leave_status=LeaveStatus.ON_ROLLS).values_list("pk", flat=True)
    )
    assert absent_both_ways(city.city.path, since) == everyone
    life.cover()  # a row for everyone (never attended: NULL)
    assert MemberLife.objects.filter(last_present_on__isnull=True).count() == len(everyone)
    assert absent_both_ways(city.city.path, since) == everyone
    # attending clears the absence (the NULL row moves forward)
    services.meeting_record(
        actor=city.secretary, org=city.branch_a1, kind=Kind.PARTY_DAY, held_on=as_of, topic="t"
    )
    present = {city.member_a1.pk, *(m.pk for m in branch)}
    assert absent_both_ways(city.city.path, since) == everyone - present
    # a member attending long ago is absent; one created after the coverage (an import,
    # no MemberLife row) is found above the covered ids
    MemberLife.objects.filter(member=branch[0]).update(last_present_on=add_months(as_of, -7))
    newcomer = make_member(city.branch_b1)
    assert newcomer.pk > LifeCoverage.objects.get().members_through
    assert not MemberLife.objects.filter(member=newcomer).exists()
    found = absent_both_ways(city.city.path, since)
    assert branch[0].pk in found and newcomer.pk in found
    assert absent_both_ways(city.county_a.path, since) == found & {
        m.pk for m in Member.objects.filter(org__path__startswith=city.county_a.path)
    }
    # without any coverage recorded, every member without a row is looked at
    LifeCoverage.objects.all().delete()
    assert absent_both_ways(city.city.path, since) == found
    # and lost contact with the dues app's accounts reads the same both ways
    findings = {
        large: sorted(
            map(
                key,
                compliance.member_findings(
                    city.city.path, as_of, ruleset.snapshot(on=as_of), large
                ),
            )
        )
        for large in (False, True)
    }
    assert findings[False] == findings[True] and findings[True]


def test_migration_fills_the_kept_state(city, branch):
    committee(city, branch, last_month())
    committee(city, branch, today())
    services.meeting_record(
        actor=city.secretary, org=city.branch_a1, kind=Kind.PARTY_DAY, held_on=today(), topic="t"
    )
    OrgLife.objects.all().delete()
    LifeCoverage.objects.all().delete()
    migration = importlib.import_module("jiceng.activities.migrations.0002_kept_life")

    def execute(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    # what RunPython hands over (SQLite's schema editor cannot open inside a test's
    # transaction): the connection and execute()
    migration.fill(django_apps, SimpleNamespace(connection=connection, execute=execute))
    assert life.check() == [] and OrgLife.objects.count() == 1
    assert life.check_members() == []
    assert MemberLife.objects.count() == Member.objects.count()
    assert LifeCoverage.objects.get().members_through == Member.objects.order_by("-pk")[0].pk
