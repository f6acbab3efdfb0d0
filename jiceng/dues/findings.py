"""FEE-12 as a core.findings provider: members whose dues are months behind.

Set-based for a whole subtree: one query of the members behind, through the kept dues accounts
(`models.Account`), whatever its size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.core.fields import prefix_range
from jiceng.core.findings import Finding, Level
from jiceng.core.models import object_url
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import params as p
from . import rules


def covers_everything(path: str) -> bool:
    """Whether the subtree at `path` is the whole tree (the one top organisation)."""
    roots = list(
        Organization.objects.filter(parent__isnull=True).values_list("path", flat=True)[:2]
    )
    return roots == [path]


def behind_members(path: str, as_of: date, months: int):
    """Members on the rolls of the subtree who may be `months` or more complete months
    behind with their dues as of `as_of` (FEE-12), from the kept dues accounts: one query
    through the paid-to index. The first unpaid month is max(the month after the paid-to
    month, the dues start = max(joining month, first standard)); it is at most
    `current - months` only when the first standard is not after that month and nothing was
    paid from it on (both in SQL); the joining month is checked by the caller. (id, name,
    org id, org path, joined, first standard, last paid)."""
    latest = add_months(rules.month_of(as_of), -months)
    # Over the whole tree the subtree condition is left out, so that the database reads
    # the accounts through their paid-to index instead of every member of the city.
    subtree = {} if covers_everything(path) else prefix_range("org__path", path)
    base = Member.objects.on_rolls().filter(dues_account__first_standard__lte=latest, **subtree)
    columns = (
        "id",
        "name",
        "org_id",
        "org__path",
        "join_date",
        "dues_account__first_standard",
        "dues_account__last_paid",
    )
    # Two parts (never paid; paid to before `latest`), each through the paid-to index: an OR
    # of the two, or a condition on the joining date, made the database read every member by
    # joining date instead. The joining month (part of the dues start) is left to the caller,
    # which works out each member's months unpaid exactly: `count_behind`.
    never = base.filter(dues_account__last_paid__isnull=True).order_by().values_list(*columns)
    before = base.filter(dues_account__last_paid__lt=latest).order_by().values_list(*columns)
    return never.union(before, all=True)


def count_behind(path: str, as_of: date, months: int) -> int:
    """How many members on the rolls of the subtree are `months` or more complete months
    behind with their dues as of `as_of` (FEE-12): one indexed read."""
    return sum(
        1
        for _id, _name, _org, _path, joined, first, paid in behind_members(path, as_of, months)
        if rules.unpaid_months(paid, rules.dues_start(joined, first), as_of) >= months
    )


def provide(path: str, as_of: date) -> Iterator[Finding]:
    params = ruleset.snapshot(on=as_of)
    lapse, warn = int(params[p.LAPSE_MONTHS]), int(params[p.WARN_MONTHS])
    for mid, name, org_id, org_path, joined, first, paid in behind_members(
        path, as_of, min(warn, lapse)
    ):
        start = rules.dues_start(joined, first)
        unpaid = rules.unpaid_months(paid, start, as_of)
        level = rules.lapse_level(unpaid, lapse_months=lapse, warn_months=warn)
        if level is None:
            continue
        first_unpaid = max(add_months(paid, 1), start) if paid else start
        since = f"{first_unpaid:%Y-%m}"
        if level == "overdue":
            message = _(
                "No dues paid for %(n)s consecutive months (since %(since)s): treated as "
                "leaving the Party unless there is a proper reason."
            ) % {"n": unpaid, "since": since}
        else:
            message = _(
                "No dues paid for %(n)s months (since %(since)s): collect before %(due)s."
            ) % {"n": unpaid, "since": since, "due": f"{add_months(first_unpaid, lapse):%Y-%m}"}
        yield Finding(
            rule="FEE-12",
            level=Level.OVERDUE if level == "overdue" else Level.DUE_SOON,
            org_id=org_id,
            org_path=org_path,
            message=message,
            due=add_months(first_unpaid, lapse),
            url=object_url("dues:member", mid),
            subject=name,
        )
