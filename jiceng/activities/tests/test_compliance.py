"""Compliance as findings: missing meetings red after the period, amber while there is still
time, absences, lost contact; set-based (a fixed number of queries for any subtree)."""

from datetime import date

import pytest
from django.http import Http404
from django.utils import timezone

from jiceng.activities import compliance, selectors, services
from jiceng.activities.models import Kind, MemberLife
from jiceng.core import findings, ruleset
from jiceng.core.findings import Level
from jiceng.dues.models import Account
from jiceng.orgs import rollups

from .helpers import fill_branch

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 25)  # 5 days left in November, 36 in the quarter


def found(path, rule=None, org=None, level=None):
    return [
        f
        for f in compliance.provide(path, AS_OF)
        if (rule is None or f.rule == rule)
        and (org is None or f.org_id == org.pk)
        and (level is None or f.level == level)
    ]


def meet(city, kind, held_on, **kw):
    return services.meeting_record(
        actor=city.secretary, org=city.branch_a1, kind=kind, held_on=held_on, topic="t", **kw
    )


@pytest.fixture
def branch(city):
    others = fill_branch(city.branch_a1, 7)
    rollups.rebuild()
    return others


def test_committee_meeting_red_then_amber_then_clear(city, branch):
    path = city.city.path
    red = found(path, "LIFE-02", city.branch_a1)
    assert [f.level for f in red] == [Level.OVERDUE]
    assert red[0].due == date(2026, 10, 31) and "2026-10" in red[0].message
    assert "kind=committee" in red[0].url
    committee = [m.pk for m in branch[:3]]
    meet(city, Kind.COMMITTEE, date(2026, 10, 12), roster=committee)
    amber = found(path, "LIFE-02", city.branch_a1)
    assert [(f.level, f.due) for f in amber] == [(Level.DUE_SOON, date(2026, 11, 30))]
    meet(city, Kind.COMMITTEE, date(2026, 11, 20), roster=committee)
    assert found(path, "LIFE-02", city.branch_a1) == []
    # a branch too small for a committee (ORG-03) has no LIFE-02 finding
    assert found(path, "LIFE-02", city.branch_b1) == []
    # the warning window is a rule parameter
    ruleset.param_set(
        actor=None, name="LIFE-02.warn_days", value=3, effective_from=date(2026, 1, 1), reason="t"
    )
    meet(city, Kind.COMMITTEE, date(2026, 10, 1), roster=committee)


def test_quarterly_general_meeting_counts_only_with_quorum(city, branch):
    path = city.city.path
    assert found(path, "LIFE-01", city.branch_a1, Level.OVERDUE)
    meet(city, Kind.GENERAL, date(2026, 9, 10), absent=[m.pk for m in branch[:5]])
    assert found(path, "LIFE-01", city.branch_a1, Level.OVERDUE)  # 3 of 8: no quorum
    meet(city, Kind.GENERAL, date(2026, 9, 11))
    assert not found(path, "LIFE-01", city.branch_a1, Level.OVERDUE)
    # 36 days left in Q4 > 30: no warning yet for this quarter
    assert not found(path, "LIFE-01", city.branch_a1)
    # branch_a2 has no members: nothing is required of it
    assert not found(path, org=city.branch_a2)


def test_low_attendance(city, branch):
    meet(city, Kind.PARTY_DAY, date(2026, 11, 5), absent=[m.pk for m in branch[:5]])
    low = found(city.city.path, "LIFE-05", city.branch_a1, Level.DUE_SOON)
    assert any("3 of 8" in f.message for f in low)


def test_members_absent_from_organisational_life(city, branch):
    from unittest import mock

    path = city.city.path
    without_dues = mock.patch.object(compliance, "dues_installed", return_value=False)
    without_dues.start()
    # never attended, joined years ago: overdue
    subjects = {f.subject for f in found(path, "ST-03", level=Level.OVERDUE)}
    assert city.member_a1.name in subjects and city.member_b1.name in subjects
    meet(city, Kind.PARTY_DAY, date(2026, 11, 3))
    MemberLife.objects.filter(member=branch[0]).update(last_present_on=date(2026, 7, 1))
    st03 = {f.subject: f for f in found(path, "ST-03")}
    assert city.member_a1.name not in st03
    assert st03[branch[0].name].level == Level.DUE_SOON
    assert st03[branch[0].name].due == date(2027, 1, 1)
    # LOST-01 needs dues too: with the dues app's months, a member without either is lost
    without_dues.stop()
    member = branch[0]
    MemberLife.objects.filter(member=member).update(last_present_on=date(2026, 4, 1))
    # the dues app's kept accounts (its services keep them; written directly here)
    Account.objects.create(member=member, last_paid=date(2026, 5, 1), paid_months=1)
    Account.objects.create(member=city.member_b1, last_paid=date(2026, 10, 1), paid_months=1)
    lost = {f.subject: f for f in found(path, "LOST-01")}
    st03 = {f.subject: f for f in found(path, "ST-03")}
    assert member.name in lost and "2026-05-01" in lost[member.name].message
    assert lost[member.name].level == Level.OVERDUE
    assert city.member_b1.name not in lost  # paid dues: only absent from life
    assert st03[city.member_b1.name].level == Level.OVERDUE


def test_set_based_whatever_the_subtree(city, branch, django_assert_max_num_queries):
    # the rule parameters, the organisations, the meetings counted (a date before today),
    # low attendance, absences
    most = 5
    with django_assert_max_num_queries(most):
        every = list(compliance.provide(city.city.path, AS_OF))
    assert every
    with django_assert_max_num_queries(most):
        list(compliance.provide(city.county_b.path, AS_OF))
    # as of today the meetings are read from the kept state: one query fewer
    with django_assert_max_num_queries(most - 1):
        list(compliance.provide(city.city.path, timezone.localdate()))
    # the per-branch loop of the benchmark finds the same
    key = lambda f: (f.rule, f.org_id, f.subject, f.level)  # noqa: E731
    assert sorted(map(key, compliance.branch_loop(city.city.path, AS_OF))) == sorted(
        map(key, every)
    )


def test_rolled_up_per_child_and_scoped(city, branch):
    every = selectors.compliance_for(city.city_admin, city.city, AS_OF)
    per = findings.by_child(every, [city.county_a, city.county_b])
    assert findings.child_rag(per[city.county_a.pk]) == "red"
    mine = selectors.compliance_for(city.secretary, city.branch_a1, AS_OF)
    assert mine and {f.org_id for f in mine} == {city.branch_a1.pk}
    with pytest.raises(Http404):
        selectors.compliance_for(city.secretary, city.branch_b1, AS_OF)
    with pytest.raises(Http404):
        selectors.compliance_for(city.outsider, city.city, AS_OF)
