"""The kept dues accounts (paid-to month, months paid, first standard) agree with a
recomputation from the payments and standards after every kind of write."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from jiceng.core.testing import make_member
from jiceng.dues import accounts, imports, selectors, services
from jiceng.dues.models import Account, Payment

from .helpers import give_standard, months_ago, pay, this_month

pytestmark = pytest.mark.django_db


def state(member):
    row = Account.objects.get(member=member)
    return row.first_standard, row.last_paid, row.paid_months


def test_grid_payments_keep_the_paid_to_month(city):
    give_standard(city.member_a1, months_back=6)
    assert state(city.member_a1) == (months_ago(6), None, 0)
    pay(city.member_a1, months_ago(6), months_ago(5), actor=city.secretary)
    assert state(city.member_a1) == (months_ago(6), months_ago(5), 2)
    assert selectors.last_paid_months(city.branch_a1.path) == {city.member_a1.pk: months_ago(5)}
    assert accounts.check() == []


def test_a_corrected_standard_moves_the_first_month(city):
    """FEE-07: a standard recorded later from an earlier month (a correction) moves the dues
    start back; the kept first month follows."""
    give_standard(city.member_a1, months_back=3)
    give_standard(city.member_a1, months_back=5)
    assert state(city.member_a1)[0] == months_ago(5)
    assert accounts.check() == []


def test_a_refused_payment_changes_no_account(city):
    give_standard(city.member_a1, months_back=4)
    pay(city.member_a1, months_ago(4))
    before = state(city.member_a1)
    with pytest.raises(ValidationError):
        services.payments_record(
            actor=city.secretary,
            org=city.branch_a1,
            month=months_ago(4),  # already paid
            entries={city.member_a1.pk: ""},
        )
    assert state(city.member_a1) == before
    assert accounts.check() == []


def test_an_import_keeps_the_accounts(city):
    li = make_member(city.branch_a1, name="李明")
    give_standard(city.member_a1)
    give_standard(li)
    m1, m2 = months_ago(2), months_ago(1)
    text = f"姓名,月份,金额\n张三,{m1:%Y-%m},\n张三,{m2:%Y-%m},\n李明,{m2:%Y-%m},50.00\n"
    imports.payments_import(
        actor=city.secretary, org=city.branch_a1, filename="dues.csv", data=text.encode()
    )
    assert state(city.member_a1)[1:] == (m2, 2)
    assert state(li)[1:] == (m2, 1)
    assert accounts.check() == []


def test_check_finds_drift_and_rebuild_repairs_it(city):
    give_standard(city.member_a1, months_back=3)
    pay(city.member_a1, months_ago(3), months_ago(2))
    Payment.objects.filter(member=city.member_a1, month=months_ago(2)).delete()  # behind its back
    assert accounts.check() == [
        (
            city.member_a1.pk,
            (months_ago(3), months_ago(2), 2),
            (months_ago(3), months_ago(3), 1),
        )
    ]
    accounts.rebuild()
    assert accounts.check() == []
    assert state(city.member_a1) == (months_ago(3), months_ago(3), 1)


def test_arrears_count_the_current_and_months_paid_ahead_right(city):
    """Months paid from the current one on are not months of arrears paid: the kept count
    is corrected for them (the current month, and months paid ahead, FEE-09)."""
    give_standard(city.member_a1, months_back=3)
    pay(city.member_a1, months_ago(3), this_month(), months_ago(-1))
    (row,) = selectors.accounts(city.branch_a1.path, member_id=city.member_a1.pk)
    assert (row.last_paid, row.owed_months, str(row.owed)) == (months_ago(-1), 2, "100.00")
    assert isinstance(row.last_paid, date)
