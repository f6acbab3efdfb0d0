"""Every FEE rule as a pure function, with the worked examples and boundaries of RULES.md §2."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.dues import params as p
from jiceng.dues import rules

DEFAULTS = {
    p.EMPLOYED_BANDS: "3000:0.005;5000:0.01;10000:0.015;:0.02",
    p.RETIREE_BANDS: "5000:0.005;:0.01",
    p.FARMER_MIN: "0.20",
    p.FARMER_MAX: "1.00",
    p.FIXED_AMOUNT: "0.20",
    p.MAX_INCOME: 1000000,
}
EMPLOYED = rules.parse_bands(DEFAULTS[p.EMPLOYED_BANDS])
RETIRED = rules.parse_bands(DEFAULTS[p.RETIREE_BANDS])


def std(category, base=None, amount=None):
    return rules.monthly_standard(category, base, params=DEFAULTS, amount=amount)


def test_the_defaults_are_the_national_rules(db):
    from jiceng.core import ruleset

    values = ruleset.snapshot(on=date(2026, 1, 1))
    for name, value in DEFAULTS.items():
        assert values[name] == value


# FEE-03: the rate applies to the whole base; a band includes its upper bound.
@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("0", "0.00"),
        ("2000", "10.00"),
        ("3000.00", "15.00"),  # ≤ 3000 → 0.5 %
        ("3000.01", "30.00"),  # > 3000 → 1 % of the whole base
        ("4000", "40.00"),
        ("5000.00", "50.00"),  # the worked boundary of RULES.md §2
        ("5000.01", "75.00"),
        ("8000", "120.00"),
        ("10000.00", "150.00"),
        ("10000.01", "200.00"),
        ("12345.67", "246.91"),  # 246.9134 → 246.91
    ],
)
def test_fee_03_employed_bands(base, expected):
    assert std("employed", base) == D(expected)


def test_fee_03_is_not_progressive():
    # A progressive scale would give 15 + 20 + 0.15 = 35.15 for 5000.01.
    assert std("employed", "5000.01") == D("75.00")


# FEE-01/02: after-tax pay less the excluded allowances.
def test_fee_01_02_income_base_excludes_allowances():
    base = rules.income_base("6200.00", excluded=["800.00", "400.00"])  # housing fund, transport
    assert base == D("5000.00")
    assert std("employed", base) == D("50.00")


def test_fee_02_exclusions_cannot_exceed_pay():
    with pytest.raises(rules.RuleError, match="more than the pay"):
        rules.income_base("1000", excluded=["1200"])
    with pytest.raises(rules.RuleError, match="negative"):
        rules.income_base("-1")


# FEE-04
def test_fee_04_annual_salary_uses_employed_rates_on_that_month():
    assert std("annual_salary", "20000") == D("400.00")


def test_fee_04_self_employed_previous_quarter_average():
    base = rules.self_employed_base(["4000", "5000", "6000.02"])  # average 5000.0067 → 5000.01
    assert base == D("5000.01")
    assert std("self_employed", base) == D("75.00")
    with pytest.raises(rules.RuleError, match="3 months"):
        rules.self_employed_base(["4000"])


# FEE-05
@pytest.mark.parametrize(
    ("pension", "expected"),
    [("4000", "20.00"), ("5000.00", "25.00"), ("5000.01", "50.00"), ("7000", "70.00")],
)
def test_fee_05_retirees(pension, expected):
    assert std("retiree", pension) == D(expected)


# FEE-06
def test_fee_06_farmers_between_bounds_set_by_branch():
    assert std("farmer", amount="0.50") == D("0.50")
    assert std("farmer", amount="0.2") == D("0.20")
    assert std("farmer", amount="1") == D("1.00")
    for wrong in ("0.19", "1.01"):
        with pytest.raises(rules.RuleError, match="between 0.20 and 1.00"):
            std("farmer", amount=wrong)
    with pytest.raises(rules.RuleError, match="set by the branch"):
        std("farmer")


@pytest.mark.parametrize("category", ["student", "laid_off", "relief"])
def test_fee_06_fixed_amount(category):
    assert std(category) == D("0.20")


def test_income_categories_need_a_believable_base():
    with pytest.raises(rules.RuleError, match="needs an income base"):
        std("employed")
    with pytest.raises(rules.RuleError, match="cannot be negative"):
        std("employed", "-100")
    with pytest.raises(rules.RuleError, match="not believable"):
        std("employed", "1000000.01")
    with pytest.raises(rules.RuleError, match="not an amount"):
        std("employed", "abc")
    with pytest.raises(TypeError):
        rules.money(0.1)


# FEE-07
def test_fee_07_standard_in_force_is_the_latest_from_a_month_on():
    rows = [(date(2026, 1, 1), D("50.00")), (date(2026, 4, 1), D("75.00"))]
    assert rules.standard_in_force(rows, date(2025, 12, 1)) is None
    assert rules.standard_in_force(rows, date(2026, 3, 1)) == D("50.00")
    assert rules.standard_in_force(rows, date(2026, 4, 1)) == D("75.00")
    # Two rows for the same month: the later entry wins, the earlier is kept in history.
    rows.append((date(2026, 4, 1), D("80.00")))
    assert rules.standard_in_force(rows, date(2026, 5, 1)) == D("80.00")


# FEE-08
def test_fee_08_voluntary_extra_no_limit_and_forwarded_from_1000():
    assert rules.check_payment("5000", D("50.00"), max_payment=100000) == D("5000.00")
    assert rules.is_forwarded(D("1000.00"), 1000)
    assert not rules.is_forwarded(D("999.99"), 1000)


def test_payments_refused_when_negative_absurd_or_short():
    with pytest.raises(rules.RuleError, match="negative"):
        rules.check_payment("-1", D("0"), max_payment=100000)
    with pytest.raises(rules.RuleError, match="not believable"):
        rules.check_payment("100000.01", D("50"), max_payment=100000)
    with pytest.raises(rules.RuleError, match="hardship reduction"):
        rules.check_payment("49.99", D("50.00"), max_payment=100000)


# FEE-09 / FEE-10
def test_fee_09_months_ahead_and_fee_10_start():
    today = date(2026, 11, 29)
    start = rules.dues_start(date(2026, 7, 15), date(2026, 1, 1))
    assert start == date(2026, 7, 1)  # FEE-10: from the resolution month
    assert rules.dues_start(date(2000, 7, 1), date(2026, 1, 1)) == date(2026, 1, 1)
    assert rules.dues_start(date(2000, 7, 1), None) is None
    rules.check_month(date(2027, 2, 1), today=today, start=start, months_ahead=3)  # quarterly
    with pytest.raises(rules.RuleError, match="3 months ahead"):
        rules.check_month(date(2027, 3, 1), today=today, start=start, months_ahead=3)
    with pytest.raises(rules.RuleError, match="owed from 2026-07"):
        rules.check_month(date(2026, 6, 1), today=today, start=start, months_ahead=3)


# FEE-11
def test_fee_11_approved_reduction_replaces_the_standard():
    reductions = [(date(2026, 3, 1), date(2026, 5, 1), D("0.00"))]
    assert rules.amount_due(D("50.00"), reductions, date(2026, 2, 1)) == D("50.00")
    assert rules.amount_due(D("50.00"), reductions, date(2026, 3, 1)) == D("0.00")
    assert rules.amount_due(D("50.00"), reductions, date(2026, 5, 1)) == D("0.00")
    assert rules.amount_due(D("50.00"), reductions, date(2026, 6, 1)) == D("50.00")
    assert rules.check_payment("0", D("0.00"), max_payment=100000) == D("0.00")


# FEE-12
def test_fee_12_consecutive_months_unpaid():
    start = date(2026, 1, 1)
    as_of = date(2026, 11, 29)  # November is still payable
    assert rules.unpaid_months(date(2026, 10, 1), start, as_of) == 0
    assert rules.unpaid_months(date(2026, 6, 1), start, as_of) == 4
    assert rules.unpaid_months(date(2026, 5, 1), start, as_of) == 5
    assert rules.unpaid_months(date(2026, 4, 1), start, as_of) == 6
    assert rules.unpaid_months(None, date(2026, 5, 1), as_of) == 6
    assert rules.unpaid_months(None, None, as_of) == 0
    assert rules.unpaid_months(date(2026, 12, 1), start, as_of) == 0  # paid ahead


@pytest.mark.parametrize(
    ("unpaid", "level"), [(4, None), (5, "due_soon"), (6, "overdue"), (9, "overdue")]
)
def test_fee_12_levels(unpaid, level):
    assert rules.lapse_level(unpaid, lapse_months=6, warn_months=5) == level


def test_fee_13_no_pay_deduction_is_modelled():
    """FEE-13 forbids paying for others and deductions from pay: a payment belongs to the member
    themself and is recorded by the branch; there is no payroll deduction or levy anywhere."""
    from jiceng.dues.models import Payment

    names = {f.name for f in Payment._meta.get_fields()}
    assert "payer" not in names and "deducted" not in names


# Properties
amounts = st.decimals(min_value=0, max_value=1000000, places=2, allow_nan=False)


@given(amounts)
def test_standard_is_rounded_to_fen_half_up(base):
    value = rules.employed_standard(base, EMPLOYED)
    assert value == value.quantize(D("0.01"))
    exact = base * rules.rate_for(base, EMPLOYED)
    assert abs(value - exact) <= D("0.005")
    assert value - exact < D("0.005") or value - exact == D("0.005")


@given(amounts, amounts)
def test_bands_are_monotonic(a, b):
    lo, hi = sorted((a, b))
    assert rules.employed_standard(lo, EMPLOYED) <= rules.employed_standard(hi, EMPLOYED)
    assert rules.retiree_standard(lo, RETIRED) <= rules.retiree_standard(hi, RETIRED)


@given(st.decimals(min_value=0, max_value=10, places=4, allow_nan=False))
def test_money_rounds_half_up(x):
    m = rules.money(x)
    assert abs(m - x) <= D("0.005")
    if (x * 1000) % 10 == 5 and (x * 10000) % 10 == 0:
        assert m > x  # exactly half a fen goes up


def test_half_up_examples():
    assert rules.money("0.005") == D("0.01")
    assert rules.money("0.015") == D("0.02")  # not banker's rounding
    assert rules.money("2.675") == D("2.68")
    assert rules.employed_standard(D("1001.00"), EMPLOYED) == D("5.01")  # 5.005 → 5.01


def test_bands_must_be_well_formed():
    with pytest.raises(rules.RuleError):
        rules.parse_bands("3000:0.005;5000:0.01")
    with pytest.raises(rules.RuleError):
        rules.parse_bands("5000:0.005;3000:0.01;:0.02")
