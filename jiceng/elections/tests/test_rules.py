"""The pure rules at their boundaries (RULES.md §4)."""

from datetime import date

import pytest

from jiceng.core.findings import Level
from jiceng.elections import rules


@pytest.mark.parametrize(
    ("entitled", "present", "valid"),
    [(50, 40, False), (50, 41, True), (5, 4, False), (5, 5, True), (10, 8, False), (10, 9, True)],
)
def test_quorum_is_more_than_four_fifths(entitled, present, valid):
    problem = rules.quorum_problem(entitled, present, 80)
    assert (problem is None) == valid
    if not valid:
        assert problem.startswith("ELEC-03")


@pytest.mark.parametrize(
    ("seats", "candidates", "valid"),
    [
        (5, 6, True),
        (5, 5, False),
        (3, 4, True),
        (3, 3, False),
        (7, 9, True),
        (7, 8, False),
        (10, 12, True),
        (10, 11, False),
        (2, 2, True),
        (1, 1, True),
    ],
)
def test_candidates_at_least_twenty_percent_more(seats, candidates, valid):
    problem = rules.margin_problem(seats, candidates, 20, 3)
    assert (problem is None) == valid
    if not valid:
        assert "ELEC-04" in problem


def test_min_candidates_is_ceil_of_six_fifths():
    assert [rules.min_candidates(s, 20) for s in (3, 5, 7, 10)] == [4, 6, 9, 12]


@pytest.mark.parametrize(
    ("votes", "present", "elected"), [(5, 10, False), (6, 10, True), (5, 9, True), (4, 9, False)]
)
def test_majority_is_more_than_half_of_those_present(votes, present, elected):
    assert rules.has_majority(votes, present, 50) is elected


def test_elect_takes_the_most_votes_up_to_the_seats_and_refuses_a_tie():
    out = rules.elect(
        [("a", 9), ("b", 7), ("c", 6), ("d", 5)], seats=2, present=10, majority_percent=50
    )
    assert out.elected == ["a", "b"] and out.problem is None
    tie = rules.elect([("a", 9), ("b", 7), ("c", 7)], seats=2, present=10, majority_percent=50)
    assert tie.elected == ["a"] and "ELEC-05" in tie.problem
    # fewer with a majority than seats: only those are elected
    few = rules.elect([("a", 9), ("b", 5)], seats=2, present=10, majority_percent=50)
    assert few.elected == ["a"]


def test_ballots_and_votes():
    assert rules.count_problems(entitled=10, present=9, issued=9, returned=9, seats=3) == {}
    bad = rules.count_problems(entitled=10, present=9, issued=9, returned=10, seats=3)
    assert "ELEC-06" in bad["ballots_returned"]
    assert "ballots_issued" in rules.count_problems(
        entitled=10, present=8, issued=9, returned=8, seats=3
    )
    assert "present" in rules.count_problems(entitled=10, present=11, issued=9, returned=8, seats=3)
    assert rules.vote_problems([("a", 9)], present=9, returned=9, seats=1) == []
    problem = rules.vote_problems([("a", 10)], present=9, returned=9, seats=2)[0]
    assert "ELEC-06" in problem and "more votes than voters" in problem
    (total,) = rules.vote_problems([("a", 9), ("b", 9)], present=9, returned=9, seats=1)
    assert "ELEC-06" in total


def test_eligibility():
    assert rules.eligibility_problem("a", "full", "normal", True) is None
    assert "probationary" in rules.eligibility_problem("a", "probationary", "normal", True)
    assert "ELEC-02" in rules.eligibility_problem("a", "full", "suspended", True)
    assert "ELEC-02" in rules.eligibility_problem("a", "full", "normal", False)


@pytest.mark.parametrize(
    ("as_of", "level"),
    [
        (date(2026, 3, 31), None),  # more than 3 months before
        (date(2026, 4, 1), Level.DUE_SOON),  # exactly 3 months before
        (date(2026, 7, 1), Level.DUE_SOON),  # the day itself
        (date(2026, 7, 2), Level.OVERDUE),  # the day after
    ],
)
def test_renewal_warning_boundaries(as_of, level):
    assert rules.renewal_level(date(2026, 7, 1), as_of, 3) == level


def test_no_term_no_warning():
    assert rules.renewal_level(None, date(2026, 1, 1), 3) is None
