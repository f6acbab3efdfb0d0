"""Helpers for the elections tests: a branch with enough members to hold an election."""

from datetime import date

from jiceng.core.testing import make_member
from jiceng.elections import services


def members(org, n: int, **fields) -> list:
    return [make_member(org, **fields) for _ in range(n)]


def record(actor, org, people, *, seats=None, votes=None, secretary=None, held_on=None, **over):
    """A valid election of `org` among `people` (all elected with full votes unless told)."""
    seats = seats or len(people)
    n = len(people)
    kwargs = {
        "org": org,
        "held_on": held_on or date(2025, 3, 1),
        "entitled": 10,
        "present": 9,
        "ballots_issued": 9,
        "ballots_returned": 9,
        "seats": seats,
        "candidates": [
            {"member": m.pk, "votes": (votes[i] if votes else 8)} for i, m in enumerate(people)
        ],
        "secretary": secretary if secretary is not None else people[0].pk,
    }
    kwargs.update(over)
    if votes is None and n > seats:
        # the first `seats` win, the rest lose
        kwargs["candidates"] = [
            {"member": m.pk, "votes": 8 if i < seats else 1} for i, m in enumerate(people)
        ]
    return services.election_record(actor=actor, **kwargs)
