"""Every rule at its boundary (accepted) and one day (or one unit) past it (refused with the
rule id); property tests of the date rules over month-ends and leap years. Pure: no database."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core.dates import add_months
from jiceng.recruitment import rules
from jiceng.recruitment.rules import SponsorInfo

DAY = timedelta(days=1)


def rule_ids(violations) -> list[str]:
    return [v.rule for v in violations]


def sponsor(i=1, membership="full", on_rolls=True, standing="normal", hash_="h"):
    return SponsorInfo(i, f"member{i}", membership, on_rolls, standing, f"{hash_}{i}")


# ---- DEV-01 -------------------------------------------------------------------------------


def test_dev01_eighteen_on_the_birthday():
    assert rules.check_age(birth_date=date(2000, 3, 1), applied_on=date(2018, 3, 1)) == []
    assert rule_ids(rules.check_age(birth_date=date(2000, 3, 1), applied_on=date(2018, 2, 28))) == [
        "DEV-01"
    ]


def test_dev01_born_on_29_february():
    born = date(2000, 2, 29)
    assert rules.check_age(birth_date=born, applied_on=date(2018, 3, 1)) == []
    assert rule_ids(rules.check_age(birth_date=born, applied_on=date(2018, 2, 28))) == ["DEV-01"]


# ---- DEV-03 / DEV-P2 -------------------------------------------------------------------------


def test_dev03_talk_within_a_month_clamped_to_month_end():
    applied = date(2025, 1, 31)
    assert rules.talk_deadline(applied) == date(2025, 2, 28)
    assert rules.check_talk(applied_on=applied, on=date(2025, 2, 28)) == []
    assert rule_ids(rules.check_talk(applied_on=applied, on=date(2025, 3, 1))) == ["DEV-03"]


def test_devp2_activist_six_months_after_applying():
    applied = date(2024, 8, 31)
    assert rules.check_activist(applied_on=applied, on=date(2025, 2, 28)) == []
    assert rule_ids(rules.check_activist(applied_on=applied, on=date(2025, 2, 27))) == ["DEV-P2"]


# ---- DEV-05 / DEV-08 --------------------------------------------------------------------------


def test_dev05_one_or_two_full_members():
    assert rules.check_contacts(sponsors=[sponsor(1)], applicant_hash="x") == []
    assert rules.check_contacts(sponsors=[sponsor(1), sponsor(2)], applicant_hash="x") == []
    three = [sponsor(1), sponsor(2), sponsor(3)]
    assert rule_ids(rules.check_contacts(sponsors=three, applicant_hash="x")) == ["DEV-05"]
    assert rule_ids(rules.check_contacts(sponsors=[], applicant_hash="x")) == ["DEV-05"]
    probationary = [sponsor(1, membership="probationary")]
    assert rule_ids(rules.check_contacts(sponsors=probationary, applicant_hash="x")) == ["DEV-05"]


def test_dev08_exactly_two_full_members_not_the_applicant():
    two = [sponsor(1), sponsor(2)]
    assert rules.check_introducers(sponsors=two, applicant_hash="x") == []
    assert rule_ids(rules.check_introducers(sponsors=two[:1], applicant_hash="x")) == ["DEV-08"]
    assert rule_ids(rules.check_introducers(sponsors=[*two, sponsor(3)], applicant_hash="x")) == [
        "DEV-08"
    ]
    for bad in (
        sponsor(2, membership="probationary"),
        sponsor(2, standing="suspended"),
        sponsor(2, on_rolls=False),
    ):
        found = rules.check_introducers(sponsors=[sponsor(1), bad], applicant_hash="x")
        assert rule_ids(found) == ["DEV-08"]
        assert not found[0].exceptable
    himself = rules.check_introducers(sponsors=two, applicant_hash="h2")
    assert rule_ids(himself) == ["DEV-08"] and "applicant" in himself[0].message


# ---- DEV-06 / DEV-07 --------------------------------------------------------------------------


def test_dev06_assessment_at_most_six_months_apart():
    last = date(2025, 3, 31)
    assert rules.check_assessment(last=last, on=date(2025, 9, 30)) == []
    assert rule_ids(rules.check_assessment(last=last, on=date(2025, 10, 1))) == ["DEV-06"]


def test_dev07_a_year_as_activist_from_29_february():
    activist = date(2024, 2, 29)
    assert rules.target_earliest(activist) == date(2025, 2, 28)
    ok = rules.check_target(
        activist_on=activist, last_assessed=date(2025, 1, 1), on=date(2025, 2, 28)
    )
    assert ok == []
    early = rules.check_target(
        activist_on=activist, last_assessed=date(2025, 1, 1), on=date(2025, 2, 27)
    )
    assert rule_ids(early) == ["DEV-07"]


def test_dev07_also_needs_the_assessments_up_to_date():
    found = rules.check_target(
        activist_on=date(2024, 1, 10), last_assessed=date(2024, 7, 1), on=date(2025, 1, 10)
    )
    assert rule_ids(found) == ["DEV-06"]


dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
month_ends = st.builds(
    lambda y, m: add_months(date(y, m, 1), 1) - DAY,
    st.integers(1990, 2099),
    st.integers(1, 12),
)


@given(st.one_of(dates, month_ends))
def test_dev07_property_earliest_accepted_day_before_refused(activist):
    earliest = rules.target_earliest(activist)
    fresh = earliest - timedelta(days=30)  # assessments up to date
    assert rules.check_target(activist_on=activist, last_assessed=fresh, on=earliest) == []
    refused = rules.check_target(activist_on=activist, last_assessed=fresh, on=earliest - DAY)
    assert rule_ids(refused) == ["DEV-07"]
    # A year later: the same day, or the month's last day when that day does not exist.
    assert earliest.year == activist.year + 1 and earliest.month == activist.month
    assert earliest.day == activist.day or (activist.month == 2 and activist.day == 29)
    assert 365 <= (earliest - activist).days <= 366


@given(st.one_of(dates, month_ends), st.integers(1, 24))
def test_deadline_rules_property_boundary(start, months):
    """DEV-03, DEV-06, DEV-15, DEV-19: the deadline day is accepted, the next refused."""
    for check, rule, kwargs in (
        (rules.check_talk, "DEV-03", {"applied_on": start, "months": months}),
        (rules.check_assessment, "DEV-06", {"last": start, "months": months}),
        (rules.check_decision_approval, "DEV-19", {"decision_on": start, "months": months}),
        (rules.check_approval, "DEV-15", {"resolution_on": start, "months": months, "cap": 99}),
    ):
        due = add_months(start, months)
        assert check(on=due, **kwargs) == []
        assert rule_ids(check(on=due + DAY, **kwargs)) == [rule]
        assert due >= start and (due.month - start.month) % 12 == months % 12


@given(st.one_of(dates, month_ends))
def test_dev16_probation_a_year_from_the_resolution(resolution):
    end = rules.probation_end(resolution)
    assert end == add_months(resolution, 12)
    assert rules.standing_from(end) == end  # DEV-20
    if resolution.month == 2 and resolution.day == 29:
        assert end == date(resolution.year + 1, 2, 28)


# ---- DEV-09 / DEV-10 / DEV-11 / DEV-P1 -------------------------------------------------------


def test_dev09_review_must_pass():
    assert rules.check_review(passed=True) == []
    assert rule_ids(rules.check_review(passed=False)) == ["DEV-09"]


@pytest.mark.parametrize(
    "days,hours,ok", [(3, None, True), (2, 23, False), (None, 24, True), (2, None, False)]
)
def test_dev10_three_days_or_24_hours(days, hours, ok):
    found = rules.check_training(days=days, hours=hours)
    assert (found == []) is ok
    if not ok:
        assert rule_ids(found) == ["DEV-10"]


def test_dev11_prereview_must_pass_and_follow_the_notice():
    end = date(2025, 6, 13)
    assert rules.check_prereview(passed=True, notice_to=end, on=end + DAY) == []
    assert rule_ids(rules.check_prereview(passed=True, notice_to=end, on=end)) == ["DEV-P1"]
    assert rule_ids(rules.check_prereview(passed=False, notice_to=end, on=end + DAY)) == ["DEV-11"]


def test_devp1_five_working_days():
    monday = date(2025, 6, 9)
    assert rules.check_notice(notice_from=monday, notice_to=monday + 4 * DAY, on=monday) == []
    short = rules.check_notice(notice_from=monday, notice_to=monday + 3 * DAY, on=monday)
    assert rule_ids(short) == ["DEV-P1"]
    # Over a weekend: Thursday to the next Wednesday is 5 working days, to Tuesday 4.
    thursday = date(2025, 6, 12)
    assert rules.check_notice(notice_from=thursday, notice_to=thursday + 6 * DAY, on=thursday) == []
    assert rule_ids(
        rules.check_notice(notice_from=thursday, notice_to=thursday + 5 * DAY, on=thursday)
    ) == ["DEV-P1"]


def test_devp1_seven_calendar_days_where_configured():
    start = date(2025, 6, 12)
    kwargs = {"notice_from": start, "on": start, "days": 7, "working": False}
    assert rules.check_notice(notice_to=start + 6 * DAY, **kwargs) == []
    assert rule_ids(rules.check_notice(notice_to=start + 5 * DAY, **kwargs)) == ["DEV-P1"]


def test_notice_dates_out_of_order():
    start = date(2025, 6, 12)
    found = rules.check_notice(notice_from=start, notice_to=start - DAY, on=start)
    assert found[0].field == "notice_to" and not found[0].exceptable


@given(dates, st.integers(0, 60))
def test_working_days_property(start, length):
    end = start + timedelta(days=length)
    naive = sum(1 for i in range(length + 1) if (start + timedelta(days=i)).weekday() < 5)
    assert rules.working_days(start, end) == naive


# ---- DEV-12 / DEV-13 and votes that do not add up ----------------------------------------------


def votes(**kw):
    base = {"entitled": 10, "present": 6, "yes": 6, "no": 0, "abstain": 0, "written_yes": 0}
    return rules.check_votes(**{**base, **kw})


def test_dev12_quorum_more_than_half_present():
    assert votes(present=6) == []
    assert rule_ids(votes(present=5, yes=5, written_yes=1)) == ["DEV-12"]


def test_dev13_yes_more_than_half_of_those_entitled_counting_written_votes():
    assert votes(yes=6) == []
    assert rule_ids(votes(yes=5, no=1)) == ["DEV-13"]
    assert votes(yes=5, no=1, written_yes=1) == []


def test_votes_that_do_not_add_up():
    found = votes(present=11, yes=11)
    assert found[0].field == "present" and not found[0].exceptable
    found = votes(yes=5, no=1, abstain=1)  # 7 > 6 present
    assert [v.field for v in found] == ["yes"]
    assert [v.field for v in votes(written_yes=5)] == ["written_yes"]  # 4 absent


@given(
    st.integers(1, 60).flatmap(
        lambda e: st.tuples(st.just(e), st.integers(0, e)).flatmap(
            lambda ep: st.tuples(
                st.just(ep[0]), st.just(ep[1]), st.integers(0, ep[1]), st.integers(0, ep[0] - ep[1])
            )
        )
    )
)
def test_dev12_dev13_property(args):
    entitled, present, yes, written = args
    found = rule_ids(
        rules.check_votes(
            entitled=entitled, present=present, yes=yes, no=0, abstain=0, written_yes=written
        )
    )
    assert ("DEV-12" in found) == (2 * present <= entitled)
    assert ("DEV-13" in found) == (2 * (yes + written) <= entitled)


# ---- DEV-14 / DEV-15 / DEV-17 / DEV-19 ---------------------------------------------------------


@pytest.mark.parametrize(
    "kind,unit,above,ok",
    [
        ("township", "region", True, True),
        ("primary", "soe", True, True),
        ("county", "region", True, True),
        ("general_branch", "soe", True, False),
        ("primary", "village", True, False),
        ("primary", "community", True, False),
        ("branch", "community", False, False),
    ],
)
def test_dev14_who_may_approve(kind, unit, above, ok):
    found = rules.check_approver(kind=kind, unit_type=unit, above_branch=above)
    assert (found == []) is ok
    if not ok:
        assert rule_ids(found) == ["DEV-14"] and not found[0].exceptable


def test_dev15_three_months_then_a_hard_cap_of_six():
    resolution = date(2025, 11, 30)
    assert rules.check_approval(resolution_on=resolution, on=date(2026, 2, 28)) == []
    late = rules.check_approval(resolution_on=resolution, on=date(2026, 3, 1))
    assert rule_ids(late) == ["DEV-15"] and late[0].exceptable
    assert rules.check_approval(resolution_on=resolution, on=date(2026, 5, 30))[0].exceptable
    capped = rules.check_approval(resolution_on=resolution, on=date(2026, 5, 31))
    assert rule_ids(capped) == ["DEV-15"] and not capped[0].exceptable


def decide(decision="full", on=date(2026, 3, 1), extended=False, months=None):
    return rules.check_probation_decision(
        decision=decision,
        on=on,
        probation_ends_on=date(2026, 3, 1),
        extended=extended,
        extend_months=months,
    )


def test_dev17_decided_at_the_end_of_probation():
    assert decide() == []
    assert rule_ids(decide(on=date(2026, 2, 28))) == ["DEV-17"]
    assert decide("revoke", on=date(2025, 9, 1)) == []  # ST-07: any time


def test_dev17_one_extension_of_6_to_12_months():
    assert decide("extend", months=6) == []
    assert decide("extend", months=12) == []
    assert rule_ids(decide("extend", months=5)) == ["DEV-17"]
    assert rule_ids(decide("extend", months=13)) == ["DEV-17"]
    twice = decide("extend", months=6, extended=True)
    assert rule_ids(twice) == ["DEV-17"] and not twice[0].exceptable


def test_dev19_committee_within_three_months():
    decided = date(2025, 11, 30)
    assert rules.check_decision_approval(decision_on=decided, on=date(2026, 2, 28)) == []
    assert rule_ids(rules.check_decision_approval(decision_on=decided, on=date(2026, 3, 1))) == [
        "DEV-19"
    ]


# ---- what is due next -------------------------------------------------------------------------


class R:
    def __init__(self, **kw):
        self.__dict__.update(
            dict.fromkeys(
                (
                    "activist_on",
                    "assessed_on",
                    "notice_ends_on",
                    "resolution_on",
                    "probation_ends_on",
                    "decision_on",
                )
            )
        )
        self.__dict__.update(kw)


def test_next_due_per_step():
    applied = date(2025, 1, 31)
    assert [(d.rule, d.on) for d in rules.next_due(R(step=1, applied_on=applied), {})] == [
        ("DEV-03", date(2025, 2, 28))
    ]
    r = R(step=5, applied_on=applied, activist_on=date(2025, 8, 31))
    assert {d.rule: d.on for d in rules.next_due(r, {})} == {
        "DEV-06": date(2026, 2, 28),
        "DEV-07": date(2026, 8, 31),
    }
    r = R(step=16, applied_on=applied, resolution_on=date(2026, 11, 30))
    assert [(d.rule, d.on) for d in rules.next_due(r, {})] == [("DEV-15", date(2027, 2, 28))]
    r = R(step=20, applied_on=applied, probation_ends_on=date(2027, 11, 30))
    assert [d.rule for d in rules.next_due(r, {})] == ["DEV-16"]
    r = R(step=23, applied_on=applied, decision_on=date(2027, 12, 1))
    assert [(d.rule, d.on) for d in rules.next_due(r, {})] == [("DEV-19", date(2028, 3, 1))]


def test_urgency():
    due = rules.Due("DEV-03", date(2025, 3, 1), "deadline", "")
    assert rules.urgency(due, date(2025, 3, 1), 14) == "due_soon"
    assert rules.urgency(due, date(2025, 3, 2), 14) == "overdue"
    assert rules.urgency(due, date(2025, 2, 14), 14) is None
    earliest = rules.Due("DEV-07", date(2025, 3, 1), "earliest", "")
    assert rules.urgency(earliest, date(2025, 2, 20), 14) == "due_soon"
    assert rules.urgency(earliest, date(2025, 3, 1), 14) is None
