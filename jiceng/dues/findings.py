"""FEE-12 as a core.findings provider: members whose dues are months behind.

Set-based for a whole subtree: one query of the members behind, through the kept dues accounts
(`models.Account`), whatever its size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.dates import add_months
from jiceng.core.findings import Finding, Level
from jiceng.core.models import object_url
from jiceng.members.models import Member
from jiceng.orgs.selectors import subtree_filter

from . import params as p
from . import rules


def _behind(subtree: dict, latest: date):
    """(never paid, paid to before `latest`): the members on the rolls of the subtree (the
    filter `subtree` on members, e.g. `figures.within(scope, "org__")`) whose dues started by
    `latest` and who paid nothing from it on, as two querysets each read through the paid-to
    index. An OR of the two, or a condition on the joining date, made the database read every
    member by joining date instead; over the whole tree the subtree filter is empty, so that
    the database reads the accounts through their paid-to index instead of every member of the
    city."""
    base = Member.objects.on_rolls().filter(dues_account__first_standard__lte=latest, **subtree)
    return (
        base.filter(dues_account__last_paid__isnull=True).order_by(),
        base.filter(dues_account__last_paid__lt=latest).order_by(),
    )


def behind_members(subtree: dict, as_of: date, months: int):
    """Members on the rolls of the subtree (the filter `subtree` on members, see `_behind`)
    who may be `months` or more complete months behind with their dues as of `as_of`
    (FEE-12), from the kept dues accounts: one query through the paid-to index. The first unpaid month is max(the month after the paid-to
    month, the dues start = max(joining month, first standard)); it is at most
    `current - months` only when the first standard is not after that month and nothing was
    paid from it on (both in SQL); the joining month is checked by the caller. (id, name,
    org id, org path, joined, first standard, last paid)."""
    latest = add_months(rules.month_of(as_of), -months)
    columns = (
        "id",
        "name",
        "org_id",
        "org__path",
        "join_date",
        "dues_account__first_standard",
        "dues_account__last_paid",
    )
    never, before = _behind(subtree, latest)
    return never.values_list(*columns).union(before.values_list(*columns), all=True)


def count_behind(subtree: dict, as_of: date, months: int) -> int:
    """How many members on the rolls of the subtree (the filter `subtree` on members, see
    `_behind`) are `months` or more complete months behind with their dues as of `as_of`
    (FEE-12): two counts in the database, the joining month (the rest of the dues start, see
    `behind_members`) checked inside the count so that the rows are still found through the
    paid-to index."""
    latest = add_months(rules.month_of(as_of), -months)
    joined = Count("pk", filter=Q(join_date__lt=add_months(latest, 1)))
    return sum(part.aggregate(n=joined)["n"] for part in _behind(subtree, latest))


def provide(path: str, as_of: date) -> Iterator[Finding]:
    """The core.findings provider: FEE-12 over the subtree at `path` (the whole tree read
    without the subtree condition, `orgs.selectors.subtree_filter`)."""
    params = ruleset.snapshot(on=as_of)
    lapse, warn = int(params[p.LAPSE_MONTHS]), int(params[p.WARN_MONTHS])
    for mid, name, org_id, org_path, joined, first, paid in behind_members(
        subtree_filter(path, "org__"), as_of, min(warn, lapse)
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
