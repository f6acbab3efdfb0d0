"""Shared test data: a branch with enough members to have a committee (ORG-03)."""

from jiceng.core.testing import make_member


def fill_branch(org, n: int = 7, **fields):
    """`n` more full members in `org` (joined long ago)."""
    return [make_member(org, **fields) for _ in range(n)]
