"""Paid-to month, arrears and FEE-12 over a subtree: set-based (query counts), exact money."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from jiceng.core import findings
from jiceng.core.testing import make_member
from jiceng.dues import selectors, services

from .helpers import give_standard, months_ago, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind(city):
    """branch_a1: 张三 paid up to last month, 王五 5 months behind, 赵六 6 behind, 钱七 never
    paid; branch_b1: 李四 paid up. Standards from 8 months back (50.00 a month)."""
    wang = make_member(city.branch_a1, name="王五")
    zhao = make_member(city.branch_a1, name="赵六")
    qian = make_member(city.branch_a1, name="钱七")
    for m in (city.member_a1, wang, zhao, qian, city.member_b1):
        give_standard(m, "5000", months_back=8)
    pay(city.member_a1, *[months_ago(n) for n in range(8, 0, -1)])
    pay(wang, *[months_ago(n) for n in range(8, 5, -1)])  # last paid 6 months ago: 5 unpaid
    pay(zhao, *[months_ago(n) for n in range(8, 6, -1)])  # last paid 7 months ago: 6 unpaid
    pay(city.member_b1, *[months_ago(n) for n in range(8, 0, -1)])
    return {"wang": wang, "zhao": zhao, "qian": qian}


def test_last_paid_months_is_one_query_and_only_the_subtree(
    city, behind, django_assert_num_queries
):
    with django_assert_num_queries(1):
        last = selectors.last_paid_months(city.county_a.path)
    assert last == {
        city.member_a1.pk: months_ago(1),
        behind["wang"].pk: months_ago(6),
        behind["zhao"].pk: months_ago(7),
    }
    assert selectors.last_paid_months(city.city.path)[city.member_b1.pk] == months_ago(1)
    assert all(isinstance(v, date) and v.day == 1 for v in last.values())


def test_last_paid_months_leaves_out_members_off_the_rolls(city, behind):
    from jiceng.members.models import Member

    Member.objects.filter(pk=behind["wang"].pk).update(leave_status="deceased")
    assert behind["wang"].pk not in selectors.last_paid_months(city.city.path)


def test_accounts_paid_to_months_unpaid_and_arrears(city, behind, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        rows = {r.name: r for r in selectors.accounts(city.county_a.path)}
    assert set(rows) == {"张三", "王五", "赵六", "钱七"}
    assert (rows["张三"].last_paid, rows["张三"].unpaid, rows["张三"].owed) == (
        months_ago(1),
        0,
        D("0.00"),
    )
    assert (rows["王五"].unpaid, rows["王五"].owed_months, rows["王五"].owed) == (5, 5, D("250.00"))
    assert (rows["赵六"].unpaid, rows["赵六"].owed) == (6, D("300.00"))
    assert (rows["钱七"].last_paid, rows["钱七"].unpaid, rows["钱七"].owed) == (
        None,
        8,
        D("400.00"),
    )
    totals = selectors.totals(list(rows.values()))
    assert totals["in_arrears"] == 3 and totals["owed"] == D("950.00")
    assert (totals["warned"], totals["lapsing"]) == (1, 2)


def test_arrears_follow_the_standard_in_force_each_month(city):
    """FEE-07: the months owed are charged at the standard of their own month; FEE-11 an
    approved reduction at its amount."""
    give_standard(city.member_a1, "5000", months_back=4)  # 50.00 from 4 months back
    services.standard_set(
        actor=None,
        member=city.member_a1,
        category="employed",
        effective_from=months_ago(2),
        income_base="5000.01",  # 75.00 from 2 months back
    )
    row = selectors.accounts(city.branch_a1.path, org_id=city.branch_a1.pk)[0]
    assert row.owed == D("250.00")  # 50 + 50 + 75 + 75
    red = services.reduction_apply(
        actor=None, member=city.member_a1, from_month=months_ago(1), amount="0", reason="困难"
    )
    services.reduction_decide(actor=city.county_admin, reduction=red, approve=True)
    row = selectors.accounts(city.branch_a1.path, org_id=city.branch_a1.pk)[0]
    assert row.owed == D("175.00") and row.standard == D("0.00")


def test_fee_10_dues_owed_from_the_joining_month(city):
    newcomer = make_member(city.branch_a1, name="孙八")
    joined = months_ago(2)
    newcomer.join_date = joined.replace(day=20)
    newcomer.save(update_fields=["join_date"])
    give_standard(newcomer, "3000", months_back=12)
    row = next(r for r in selectors.accounts(city.branch_a1.path) if r.name == "孙八")
    assert (row.start, row.owed_months, row.owed) == (joined, 2, D("30.00"))


def test_members_without_a_standard_owe_nothing_known(city):
    row = selectors.accounts(city.branch_a1.path)[0]
    assert (row.start, row.unpaid, row.owed, row.standard) == (None, 0, D("0.00"), None)


def test_collected_totals(city, behind):
    got = selectors.collected(city.county_a.path, months_ago(8), months_ago(0))
    assert got["payments"] == 8 + 3 + 2
    assert got["collected"] == D("650.00") and got["extra"] == D("0.00")


def test_fee_12_findings_due_soon_at_5_overdue_at_6(city, behind, django_assert_max_num_queries):
    today = timezone.localdate()
    with django_assert_max_num_queries(4):
        found = [f for f in findings.in_subtree(city.city.path, today, keys=["dues"])]
    by_subject = {f.subject: f for f in found}
    assert set(by_subject) == {"王五", "赵六", "钱七"}
    assert by_subject["王五"].level == findings.Level.DUE_SOON
    assert by_subject["赵六"].level == findings.Level.OVERDUE
    assert by_subject["钱七"].level == findings.Level.OVERDUE
    assert all(f.rule == "FEE-12" and f.org_id == city.branch_a1.pk for f in found)
    assert by_subject["王五"].due == months_ago(-1)  # the 6th month unpaid ends next month
    assert "5 months" in by_subject["王五"].message
    assert by_subject["赵六"].url == f"/dues/member/{behind['zhao'].pk}/"
    # County B has nobody behind.
    assert not list(findings.in_subtree(city.county_b.path, today, keys=["dues"]))


def test_fee_12_findings_below_the_top_ask_nothing_about_the_tree(
    city, behind, django_assert_num_queries
):
    """Only a top organisation's subtree can be the whole tree (read without the subtree
    condition): a county's findings are the rule parameters and the one query of the members
    behind, without asking which organisations are at the top."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    list(findings.in_subtree(city.county_b.path, today, keys=["dues"]))  # parameters cached
    with CaptureQueriesContext(connection) as county:
        found = list(findings.in_subtree(city.county_a.path, today, keys=["dues"]))
    assert {f.subject for f in found} == {"王五", "赵六", "钱七"}
    assert not any('"parent_id" IS NULL' in q["sql"] for q in county.captured_queries)
    with CaptureQueriesContext(connection) as whole:
        found = list(findings.in_subtree(city.city.path, today, keys=["dues"]))
    assert {f.subject for f in found} == {"王五", "赵六", "钱七"}
    assert len(whole.captured_queries) == len(county.captured_queries) + 1  # the top, asked


def test_last_paid_of_annotates_other_apps_queries(city, behind):
    """The paid-to month as an expression, from members or from a model keyed by member
    (as activities' absences read it): the same months `last_paid_months` reads."""
    from jiceng.dues.models import Payment
    from jiceng.members.models import Member

    expected = selectors.last_paid_months(city.county_a.path)
    members = Member.objects.filter(org=city.branch_a1).annotate(paid=selectors.last_paid_of())
    got = dict(members.values_list("pk", "paid"))
    assert {k: v for k, v in got.items() if v is not None} == expected
    assert got[behind["qian"].pk] is None  # never paid
    payments = Payment.objects.filter(member__org=city.branch_a1).annotate(
        paid=selectors.last_paid_of("member__")
    )
    assert dict(payments.values_list("member_id", "paid")) == expected


def test_fee_12_parameters_come_from_the_ruleset(city, behind):
    from jiceng.core import ruleset

    ruleset.param_set(
        actor=None,
        name="FEE-12.warn_months",
        value=3,
        effective_from=date(2000, 1, 1),
        reason="试行",
    )
    found = findings.in_subtree(city.city.path, timezone.localdate(), keys=["dues"])
    assert {f.subject for f in found} == {"王五", "赵六", "钱七"}
    ruleset.param_set(
        actor=None, name="FEE-12.months", value=9, effective_from=date(2000, 1, 1), reason="试行"
    )
    found = findings.in_subtree(city.city.path, timezone.localdate(), keys=["dues"])
    assert {f.level for f in found} == {findings.Level.DUE_SOON}
