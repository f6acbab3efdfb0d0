"""Dues rules (RULES.md §2) as pure functions: no database, parameters passed in.

Money is `Decimal` rounded half up to 0.01 (fen). The rate applies to the whole base, not in
slices (FEE-03), so the standard jumps at a band's edge: 5000.00 → 50.00, 5000.01 → 75.00."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from jiceng.core.dates import add_months

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

Bands = list[tuple[Decimal | None, Decimal]]


class RuleError(ValueError):
    """A value the rules cannot accept; the message says what is wrong."""


def money(value) -> Decimal:
    """`value` as yuan with two places, half up. Floats are refused (they are not exact)."""
    if isinstance(value, float):
        raise TypeError("money is never a float; pass a str, int or Decimal")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise RuleError(_("not an amount: %(value)s") % {"value": value}) from None
    if not d.is_finite():
        raise RuleError(_("not an amount: %(value)s") % {"value": value})
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_bands(spec: str) -> Bands:
    """'3000:0.005;5000:0.01;:0.02' → [(3000, 0.005), (5000, 0.01), (None, 0.02)]."""
    bands: Bands = []
    for part in spec.split(";"):
        upper, _, rate = part.strip().partition(":")
        bands.append((Decimal(upper) if upper.strip() else None, Decimal(rate)))
    if not bands or bands[-1][0] is not None:
        raise RuleError(f"the last band must have no upper bound: {spec!r}")
    uppers = [u for u, _ in bands[:-1]]
    if uppers != sorted(uppers) or len(set(uppers)) != len(uppers):
        raise RuleError(f"band bounds must increase: {spec!r}")
    return bands


def rate_for(base: Decimal, bands: Bands) -> Decimal:
    """The rate of the band holding `base`; a band includes its upper bound (≤)."""
    for upper, rate in bands:
        if upper is None or base <= upper:
            return rate
    raise AssertionError("unreachable: the last band is open")


def income_base(after_tax_pay, excluded: Iterable = ()) -> Decimal:
    """FEE-01/02: the base is regular pay after individual income tax, less the excluded
    allowances (hardship-area and special-post allowances, housing fund, housing/communication/
    transport subsidies, social-insurance subsidies, disability pensions)."""
    pay = money(after_tax_pay)
    if pay < 0:
        raise RuleError(_("pay cannot be negative"))
    minus = sum((money(x) for x in excluded), ZERO)
    if any(money(x) < 0 for x in excluded):
        raise RuleError(_("an excluded allowance cannot be negative"))
    if minus > pay:
        raise RuleError(_("the excluded allowances are more than the pay"))
    return pay - minus


def self_employed_base(monthly_net_incomes: Sequence) -> Decimal:
    """FEE-04: the previous quarter's average monthly net income."""
    if len(monthly_net_incomes) != 3:
        raise RuleError(_("give the net income of each of the previous quarter's 3 months"))
    values = [money(x) for x in monthly_net_incomes]
    if any(v < 0 for v in values):
        raise RuleError(_("an income cannot be negative"))
    return money(sum(values, ZERO) / 3)


def check_base(base, max_income) -> Decimal:
    """A believable monthly income base, or RuleError."""
    base = money(base)
    if base < 0:
        raise RuleError(_("an income cannot be negative"))
    if base > Decimal(max_income):
        raise RuleError(
            _("an income above %(max)s yuan a month is not believable") % {"max": max_income}
        )
    return base


def employed_standard(base, bands: Bands) -> Decimal:
    """FEE-03 (and FEE-04 for annual-salary and self-employed members)."""
    base = money(base)
    return money(base * rate_for(base, bands))


def retiree_standard(pension, bands: Bands) -> Decimal:
    """FEE-05: on the pension actually received."""
    pension = money(pension)
    return money(pension * rate_for(pension, bands))


def farmer_standard(amount, low, high) -> Decimal:
    """FEE-06: set by the branch between `low` and `high` yuan a month."""
    amount = money(amount)
    if not money(low) <= amount <= money(high):
        raise RuleError(
            _("a farmer's dues are between %(low)s and %(high)s yuan a month")
            % {"low": money(low), "high": money(high)}
        )
    return amount


def monthly_standard(category: str, base=None, *, params: dict, amount=None) -> Decimal:
    """The monthly standard of a member of `category` (FEE-01…06). `base` is the monthly income
    base for the income categories; `amount` is the branch's figure for farmers."""
    from . import params as p

    if category in ("employed", "annual_salary", "self_employed", "retiree"):
        if base is None or str(base).strip() == "":
            raise RuleError(_("this category needs an income base"))
        base = check_base(base, params[p.MAX_INCOME])
        key = p.RETIREE_BANDS if category == "retiree" else p.EMPLOYED_BANDS
        return employed_standard(base, parse_bands(params[key]))
    if category == "farmer":
        if amount is None:
            raise RuleError(_("a farmer's monthly amount is set by the branch"))
        return farmer_standard(amount, params[p.FARMER_MIN], params[p.FARMER_MAX])
    if category in ("student", "laid_off", "relief"):
        return money(params[p.FIXED_AMOUNT])
    raise RuleError(_("unknown category: %(category)s") % {"category": category})


# -- months ---------------------------------------------------------------------------------


def month_of(d: date) -> date:
    return d.replace(day=1)


def months_between(start: date, end: date) -> int:
    """Whole months from `start`'s month to `end`'s month (0 if the same month)."""
    return (end.year - start.year) * 12 + end.month - start.month


def dues_start(join_date: date, first_standard: date | None) -> date | None:
    """FEE-10: dues are owed from the month of the branch resolution (the joining date), and
    on the platform from the first month a standard was set for the member (FEE-07); None
    while the member has no standard (nothing is counted as owed)."""
    if first_standard is None:
        return None
    return max(month_of(join_date), month_of(first_standard))


def standard_in_force(standards: Sequence[tuple[date, Decimal]], month: date) -> Decimal | None:
    """FEE-07: of (effective_from, amount) rows sorted by date (then by entry), the amount in
    force in `month`: the latest row not after it. None before the first."""
    found = None
    for start, amount in standards:
        if start <= month:
            found = amount
        else:
            break
    return found


def amount_due(standard: Decimal | None, reductions: Iterable[tuple], month: date):
    """FEE-11: the standard, or the approved reduction covering `month`
    (reductions: (from_month, to_month or None, amount), approved only)."""
    for start, end, amount in reductions:
        if start <= month and (end is None or month <= end):
            return amount
    return standard


def check_payment(amount, due, *, max_payment) -> Decimal:
    """A payment for a month whose due amount is `due` (FEE-08/11): not negative, not absurd, and
    not less than what is due (paying less needs an approved hardship reduction)."""
    amount = money(amount)
    if amount < 0:
        raise RuleError(_("a payment cannot be negative"))
    if amount > Decimal(max_payment):
        raise RuleError(_("a payment above %(max)s yuan is not believable") % {"max": max_payment})
    if due is not None and amount < due:
        raise RuleError(
            _("less than the standard of %(due)s: paying less needs an approved hardship reduction")
            % {"due": due}
        )
    return amount


def is_forwarded(extra: Decimal, forward_from) -> bool:
    """FEE-08: a voluntary payment of `forward_from` yuan or more is forwarded in full."""
    return extra >= Decimal(forward_from)


def check_month(month: date, *, today: date, start: date, months_ahead: int) -> None:
    """FEE-09/10: a month may be paid from the member's dues start up to `months_ahead` months
    after the current month (quarterly payment with the branch's consent)."""
    if month < start:
        raise RuleError(_("dues are owed from %(month)s") % {"month": f"{start:%Y-%m}"})
    if month > add_months(month_of(today), months_ahead):
        raise RuleError(
            _("a month more than %(n)s months ahead cannot be paid") % {"n": months_ahead}
        )


def unpaid_months(last_paid: date | None, start: date | None, as_of: date) -> int:
    """FEE-12: consecutive complete months unpaid up to `as_of`'s month (which is still
    payable): the months after the last one paid, or from the dues start."""
    if start is None:
        return 0
    first_unpaid = max(add_months(last_paid, 1), start) if last_paid else start
    return max(0, months_between(first_unpaid, month_of(as_of)))


def lapse_level(unpaid: int, *, lapse_months: int, warn_months: int) -> str | None:
    """FEE-12: 'overdue' at `lapse_months` consecutive months unpaid, 'due_soon' from
    `warn_months`, else None."""
    if unpaid >= lapse_months:
        return "overdue"
    if unpaid >= warn_months:
        return "due_soon"
    return None
