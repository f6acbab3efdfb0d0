"""Pure rules of terms and elections (RULES.md §4: ORG-06/07, ELEC-02…06).

Every function takes plain values and its rule parameters (core.ruleset) as arguments, and
every refusal names its rule id. The term length itself (ORG-05) and the renewal date (ORG-06)
are `orgs.rules.default_term_years` and `orgs.rules.renewal_due`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from jiceng.core.dates import add_months
from jiceng.core.findings import Level


def renewal_level(due: date | None, as_of: date, lead_months: int) -> Level | None:
    """ORG-06/07: overdue the day after the renewal date; due soon from `lead_months` before
    it up to and including the date itself; nothing before that (or with no term)."""
    if due is None:
        return None
    if as_of > due:
        return Level.OVERDUE
    if due <= add_months(as_of, lead_months):
        return Level.DUE_SOON
    return None


def quorum_problem(entitled: int, present: int, quorum_percent: int) -> str | None:
    """ELEC-03: valid only if voters present are more than `quorum_percent`% (4/5) of the
    entitled. Exactly 4/5 is not enough."""
    if present * 100 > entitled * quorum_percent:
        return None
    needed = entitled * quorum_percent // 100 + 1
    return _(
        "ELEC-03: %(present)d present of %(entitled)d entitled is not more than %(pct)d%%; "
        "at least %(needed)d must attend for the election to be valid."
    ) % {"present": present, "entitled": entitled, "pct": quorum_percent, "needed": needed}


def min_candidates(seats: int, margin_percent: int) -> int:
    """ELEC-04: ceil(seats × (1 + margin)), in integers."""
    return -(-seats * (100 + margin_percent) // 100)


def margin_problem(seats: int, candidates: int, margin_percent: int, min_seats: int) -> str | None:
    """ELEC-04: a committee election (from `min_seats` seats) has at least `margin_percent`%
    more candidates than seats (差额选举); exactly 20% more is enough."""
    if seats < min_seats:
        return None
    needed = min_candidates(seats, margin_percent)
    if candidates >= needed:
        return None
    return _(
        "ELEC-04: %(candidates)d candidates for %(seats)d seats; a committee election needs at "
        "least %(needed)d (%(pct)d%% more candidates than seats)."
    ) % {"candidates": candidates, "seats": seats, "needed": needed, "pct": margin_percent}


def has_majority(votes: int, present: int, majority_percent: int) -> bool:
    """ELEC-05: elected only with yes votes more than half of the voters present."""
    return votes * 100 > present * majority_percent


def eligibility_problem(name: str, membership: str, standing: str, on_rolls: bool) -> str | None:
    """ELEC-02: only full members on the rolls, in normal standing, stand for election."""
    if not on_rolls:
        return _("ELEC-02: %(name)s is not on the rolls.") % {"name": name}
    if membership != "full":
        return _("ELEC-02: %(name)s is a probationary member and cannot be a candidate.") % {
            "name": name
        }
    if standing != "normal":
        return _("ELEC-02: %(name)s's membership is suspended; they cannot stand.") % {"name": name}
    return None


def count_problems(
    *, entitled: int, present: int, issued: int, returned: int, seats: int
) -> dict[str, str]:
    """The meeting's figures, field by field (ELEC-06 and plain consistency)."""
    errors: dict[str, str] = {}
    if entitled < 1:
        errors["entitled"] = _("At least one voter must be entitled to attend.")
    if present > entitled:
        errors["present"] = _("More voters present (%(present)d) than entitled (%(entitled)d).") % {
            "present": present,
            "entitled": entitled,
        }
    if issued > present:
        errors["ballots_issued"] = _(
            "ELEC-06: %(issued)d ballots issued to %(present)d voters present: more ballots "
            "than voters."
        ) % {"issued": issued, "present": present}
    if returned > issued:
        errors["ballots_returned"] = _(
            "ELEC-06: %(returned)d ballots returned but only %(issued)d issued; ballots "
            "returned cannot exceed ballots issued."
        ) % {"returned": returned, "issued": issued}
    if seats < 1:
        errors["seats"] = _("At least one seat.")
    return errors


def vote_problems(
    votes: list[tuple[str, int]], *, present: int, returned: int, seats: int
) -> list[str]:
    """ELEC-06: no candidate has more yes votes than ballots returned (nor voters present),
    and all the votes fit on the ballots returned (each names at most `seats` people)."""
    problems = []
    for name, n in votes:
        if n > min(returned, present):
            problems.append(
                _(
                    "ELEC-06: %(name)s has %(votes)d votes but only %(returned)d ballots were "
                    "returned by %(present)d voters: more votes than voters."
                )
                % {"name": name, "votes": n, "returned": returned, "present": present}
            )
    total = sum(n for _name, n in votes)
    if total > returned * seats:
        problems.append(
            _(
                "ELEC-06: %(total)d votes in all on %(returned)d ballots of at most %(seats)d "
                "names each: more votes than voters."
            )
            % {"total": total, "returned": returned, "seats": seats}
        )
    return problems


@dataclass(frozen=True)
class Outcome:
    elected: list[str]  # candidate keys, most votes first
    problem: str | None  # a tie for the last seat


def elect(
    votes: list[tuple[str, int]], *, seats: int, present: int, majority_percent: int
) -> Outcome:
    """ELEC-05: the candidates with a majority of those present, most votes first, up to the
    seats. A tie for the last seat decides nothing: another ballot is needed."""
    qualified = sorted(
        ((key, n) for key, n in votes if has_majority(n, present, majority_percent)),
        key=lambda kv: -kv[1],
    )
    if len(qualified) > seats and qualified[seats - 1][1] == qualified[seats][1]:
        return Outcome(
            [k for k, n in qualified if n > qualified[seats][1]],
            _(
                "ELEC-05: a tie of %(votes)d votes for the last seat; hold another ballot "
                "between the tied candidates."
            )
            % {"votes": qualified[seats][1]},
        )
    return Outcome([k for k, _n in qualified[:seats]], None)


def ratio(part: int, whole: int) -> float | None:
    """A share in percent with one decimal, or None with nothing to divide by."""
    return round(part * 100 / whole, 1) if whole else None
