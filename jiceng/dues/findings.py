"""FEE-12 as a core.findings provider: members whose dues are months behind.

Set-based for a whole subtree: two queries (members on the rolls with their last month paid),
whatever its size."""

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

from . import params as p
from . import rules
from .selectors import first_standard_months, last_paid_months


def provide(path: str, as_of: date) -> Iterator[Finding]:
    params = ruleset.snapshot(on=as_of)
    lapse, warn = int(params[p.LAPSE_MONTHS]), int(params[p.WARN_MONTHS])
    current = rules.month_of(as_of)
    # Only members who joined at least `warn` months before can be behind by `warn` months.
    latest_join = add_months(current, -warn)
    last = last_paid_months(path)
    first = first_standard_months(path)
    members = (
        Member.objects.on_rolls()
        .filter(join_date__lt=latest_join, **prefix_range("org__path", path))
        .values_list("id", "name", "org_id", "org__path", "join_date")
        .order_by()
    )
    for mid, name, org_id, org_path, joined in members:
        start = rules.dues_start(joined, first.get(mid))
        paid = last.get(mid)
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
