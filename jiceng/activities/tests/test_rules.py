"""Every LIFE rule at its boundary (RULES.md §3), LOST-01/02 and ST-03. Pure: no database."""

from datetime import date
from decimal import Decimal

import pytest

from jiceng.activities import rules
from jiceng.activities.models import Grade, Kind
from jiceng.activities.params import DEFAULTS

PARAMS = {name: default for name, default, _help in DEFAULTS}


def state(period, as_of, *, cur=False, prev=True, warn=10):
    return rules.requirement_state(
        held_current=cur, held_previous=prev, as_of=as_of, period=period, warn_days=warn
    )


def test_periods():
    d = date(2026, 11, 29)
    assert rules.period_start(d, rules.MONTH) == date(2026, 11, 1)
    assert rules.period_end(d, rules.MONTH) == date(2026, 11, 30)
    assert rules.period_start(d, rules.QUARTER) == date(2026, 10, 1)
    assert rules.period_end(d, rules.QUARTER) == date(2026, 12, 31)
    assert rules.previous_period_start(date(2026, 1, 5), rules.QUARTER) == date(2025, 10, 1)
    assert rules.previous_period_start(date(2026, 3, 31), rules.MONTH) == date(2026, 2, 1)
    assert len(rules.periods_in_year(2026, rules.MONTH)) == 12
    assert rules.periods_in_year(2026, rules.QUARTER)[1] == (date(2026, 4, 1), date(2026, 6, 30))


def test_life_01_general_meeting_quarterly_and_quorum():
    # quorum: voting members present > half of the voting members
    assert not rules.quorum_met(Kind.GENERAL, expected=10, present=5, voting=10, voting_present=5)
    assert rules.quorum_met(Kind.GENERAL, expected=10, present=6, voting=10, voting_present=6)
    # probationary members present do not make the quorum
    assert not rules.quorum_met(Kind.GENERAL, expected=12, present=8, voting=10, voting_present=5)
    # a quarter without a general meeting is overdue the day after it ends
    assert state(rules.QUARTER, date(2026, 10, 1), prev=False) == ("overdue", date(2026, 9, 30))
    # warn 30 days before the quarter ends: 31 days left → nothing; 30 → warning
    assert state(rules.QUARTER, date(2026, 11, 30), warn=30) is None
    assert state(rules.QUARTER, date(2026, 12, 2), warn=30) == ("due_soon", date(2026, 12, 31))
    assert state(rules.QUARTER, date(2026, 12, 2), cur=True, warn=30) is None


def test_life_02_committee_monthly_quorum_and_who_has_a_committee():
    assert not rules.quorum_met(Kind.COMMITTEE, expected=4, present=2, voting=4, voting_present=2)
    assert rules.quorum_met(Kind.COMMITTEE, expected=5, present=3, voting=5, voting_present=3)
    assert state(rules.MONTH, date(2026, 11, 20), warn=10) is None
    assert state(rules.MONTH, date(2026, 11, 21), warn=10) == ("due_soon", date(2026, 11, 30))
    assert state(rules.MONTH, date(2026, 12, 1), prev=False) == ("overdue", date(2026, 11, 30))
    kw = {"is_branch": True, "kind": "branch", "members": 9, "params": PARAMS}
    assert not rules.applies(rules.COMMITTEE_BRANCH, full_members=6, **kw)  # ORG-03
    assert rules.applies(rules.COMMITTEE_BRANCH, full_members=7, **kw)


def test_life_03_groups_only_where_they_exist():
    kw = {"is_branch": True, "kind": "branch", "full_members": 20, "params": PARAMS}
    assert not rules.applies(rules.GROUP_BRANCH, members=29, **kw)
    assert rules.applies(rules.GROUP_BRANCH, members=30, **kw)


def test_life_04_lecture_quarterly_and_life_05_party_day_monthly():
    req = {r.rule: r for r in rules.REQUIREMENTS}
    assert (req["LIFE-04"].kind, req["LIFE-04"].period) == (Kind.LECTURE, rules.QUARTER)
    assert (req["LIFE-05"].kind, req["LIFE-05"].period) == (Kind.PARTY_DAY, rules.MONTH)
    # a branch with no members holds nothing; every other branch does
    kw = {"is_branch": True, "kind": "branch", "full_members": 0, "params": PARAMS}
    assert not rules.applies(rules.BRANCH, members=0, **kw)
    assert rules.applies(rules.BRANCH, members=1, **kw)
    assert not rules.applies(rules.BRANCH, members=10, **{**kw, "is_branch": False})


@pytest.mark.parametrize("rule", ["LIFE-06", "LIFE-07", "LIFE-08"])
def test_life_06_to_08_yearly(rule):
    req = next(r for r in rules.REQUIREMENTS if r.rule == rule)
    assert req.period == rules.YEAR
    assert state(rules.YEAR, date(2026, 11, 1), warn=60) is None
    assert state(rules.YEAR, date(2026, 11, 2), warn=60) == ("due_soon", date(2026, 12, 31))
    assert state(rules.YEAR, date(2027, 1, 1), prev=False) == ("overdue", date(2026, 12, 31))


def test_life_07_excellent_at_most_a_third():
    grades = {1: Grade.EXCELLENT, 2: Grade.EXCELLENT, 3: Grade.QUALIFIED}
    assert rules.check_grades(grades, members=6) == {}
    assert "LIFE-07" in rules.check_grades(grades, members=5)["grades"]
    assert rules.check_grades({1: "perfect"}, members=6)


def test_life_09_leadership_two_thirds_and_only_primary_committees():
    assert rules.quorum_met(Kind.LEADERSHIP, expected=9, present=6, voting=9, voting_present=6)
    assert not rules.quorum_met(Kind.LEADERSHIP, expected=9, present=5, voting=9, voting_present=5)
    kw = {"is_branch": False, "members": 100, "full_members": 90, "params": PARAMS}
    assert rules.applies(rules.LEADING, kind="primary", **kw)
    assert not rules.applies(rules.LEADING, kind="branch", **kw)


def test_life_10_training_hours():
    assert rules.training_required(cadre=False, params=PARAMS) == 32
    assert rules.training_required(cadre=True, params=PARAMS) == 56
    assert rules.training_short(hours=Decimal("31.5"), cadre=False, params=PARAMS) == Decimal("0.5")
    assert rules.training_short(hours=Decimal(32), cadre=False, params=PARAMS) == 0
    assert rules.training_short(hours=Decimal(32), cadre=True, params=PARAMS) == 24


def test_meeting_checks():
    today = date(2026, 11, 29)
    ok = {"kind": Kind.GENERAL, "today": today, "has_vote": True, "quorum": True, "expected": 5}
    assert rules.check_meeting(held_on=today, **ok) == {}
    assert "held_on" in rules.check_meeting(held_on=date(2026, 11, 30), **ok)
    assert "LIFE-01" in rules.check_meeting(held_on=today, **{**ok, "quorum": False})["has_vote"]
    assert rules.check_meeting(held_on=today, **{**ok, "expected": 0})["attendance"]
    assert rules.low_attendance(present=4, expected=10, share=0.5)
    assert not rules.low_attendance(present=5, expected=10, share=0.5)


def test_st_03_absence_and_lost_contact():
    seen = date(2026, 5, 29)
    kw = {"overdue_months": 6, "warn_months": 4}
    assert rules.absence_state(last_seen=seen, as_of=date(2026, 9, 28), **kw) is None
    assert rules.absence_state(last_seen=seen, as_of=date(2026, 9, 29), **kw) == (
        "due_soon",
        date(2026, 11, 29),
    )
    assert rules.absence_state(last_seen=seen, as_of=date(2026, 11, 29), **kw) == (
        "overdue",
        date(2026, 11, 29),
    )
    # LOST-02: the later of life and dues; LOST-01 at 6 months
    assert rules.last_seen(date(2026, 1, 1), date(2026, 3, 1)) == date(2026, 3, 1)
    assert rules.last_seen(None, None, date(2020, 1, 1)) == date(2020, 1, 1)
    assert not rules.is_lost_contact(last_seen=seen, as_of=date(2026, 11, 28), months=6)
    assert rules.is_lost_contact(last_seen=seen, as_of=date(2026, 11, 29), months=6)
