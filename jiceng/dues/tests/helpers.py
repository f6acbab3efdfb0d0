from datetime import date

from django.utils import timezone

from jiceng.core.dates import add_months
from jiceng.dues import services


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def months_ago(n: int) -> date:
    return add_months(this_month(), -n)


def give_standard(member, base="5000.00", months_back=12, actor=None):
    """An employed member's standard from `months_back` months ago (5000.00 → 50.00)."""
    return services.standard_set(
        actor=actor,
        member=member,
        category="employed",
        effective_from=months_ago(months_back),
        income_base=base,
    )


def pay(member, *months, actor=None, amount=""):
    for m in months:
        services.payments_record(actor=actor, org=member.org, month=m, entries={member.pk: amount})
