"""Dues figures: they follow payments recorded through the services, count only the scope's
subtree, and link to the records they count."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from jiceng.core import figures
from jiceng.core.findings import Level
from jiceng.core.testing import make_member
from jiceng.dues import findings
from jiceng.orgs import rollups

from .helpers import give_standard, months_ago, pay

pytestmark = pytest.mark.django_db


def value(key, org, start=None, end=None):
    today = timezone.localdate()
    scope = figures.Scope(org.pk, org.path, org.name, start or months_ago(12), end or today)
    return figures.get(key).compute(scope)


def test_collected_follows_payments_and_stays_in_the_subtree(city):
    give_standard(city.member_a1, months_back=3)
    give_standard(city.member_b1, months_back=3)
    assert value("dues.collected", city.city).value == D("0.00")
    pay(city.member_a1, months_ago(3), months_ago(2), actor=city.secretary)
    pay(city.member_b1, months_ago(3), amount="60.50")
    v = value("dues.collected", city.city)
    assert (v.value, v.unit) == (D("160.50"), "yuan")
    assert dict(v.trend)[months_ago(3)] == D("110.50")
    assert value("dues.collected", city.county_a).value == D("100.00")
    assert value("dues.collected", city.county_b).value == D("60.50")
    assert value("dues.collected", city.county_a, start=months_ago(2)).value == D("50.00")
    assert rollups.check() == []


def test_arrears_count_members_six_months_behind(city, client):
    zhao = make_member(city.branch_a1, name="赵六")
    for m in (city.member_a1, zhao, city.member_b1):
        give_standard(m, months_back=8)
    pay(city.member_a1, *[months_ago(n) for n in range(8, 0, -1)])
    pay(zhao, months_ago(8), months_ago(7))  # 6 months unpaid: FEE-12
    v = value("dues.arrears", city.city)
    assert v.value == 2  # 赵六, and 李四 who never paid
    assert v.rag == "red"
    assert value("dues.arrears", city.county_a).value == 1
    pay(zhao, *[months_ago(n) for n in range(6, 0, -1)])
    assert value("dues.arrears", city.county_a).value == 0
    assert value("dues.arrears", city.county_a).rag == "green"
    client.force_login(city.city_admin)
    page = client.get(value("dues.arrears", city.county_b).url)
    assert page.status_code == 200
    assert page.context["total"] == 1


def test_arrears_as_of_the_end_of_an_earlier_period(city):
    give_standard(city.member_a1, months_back=8)
    end = months_ago(3)  # 5 complete months unpaid then; 6 two months ago
    assert value("dues.arrears", city.county_a, end=end).value == 0
    assert value("dues.arrears", city.county_a, end=months_ago(2)).value == 1


def test_arrears_count_dues_from_the_joining_month(city):
    """A standard set from before the member joined counts only from the joining month
    (FEE-10): a member who joined four months ago owes four months, not eight. The count
    agrees with the FEE-12 findings it summarises."""
    recent = make_member(
        city.branch_a1,
        name="钱七",
        join_date=months_ago(4).replace(day=15),
        membership="probationary",
        full_member_date=None,
    )
    for m in (recent, city.member_a1):
        give_standard(m, months_back=8)
    v = value("dues.arrears", city.county_a)
    assert v.value == 1  # 张三 only
    overdue = [
        f
        for f in findings.provide(city.county_a.path, timezone.localdate())
        if f.level == Level.OVERDUE
    ]
    assert [f.subject for f in overdue] == [city.member_a1.name]
