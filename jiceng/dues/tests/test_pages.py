"""The dues pages as a secretary, a member and outsiders use them: the collection grid, the
sheets and their exports, the member's own view; query-count guards on the grid and lists."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from jiceng.audit.models import AuditEvent
from jiceng.core.testing import make_member
from jiceng.dues.models import Payment, Reduction, Standard
from jiceng.transfer.tests.sheetfiles import read_xlsx as read

from .helpers import give_standard, months_ago, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch(city):
    """branch_a1 with 30 members, each with a standard from 6 months back."""
    members = [city.member_a1] + [
        make_member(city.branch_a1, name=f"党员{i:02d}") for i in range(29)
    ]
    for m in members:
        give_standard(m, "5000", months_back=6)
    return members


def test_grid_records_the_ticked_members_at_once(
    client, city, branch, django_assert_max_num_queries
):
    client.force_login(city.secretary)
    url = reverse("dues:collect", args=[city.branch_a1.pk])
    month = months_ago(1)
    with django_assert_max_num_queries(16):
        page = client.get(url, {"month": f"{month:%Y-%m}"})
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('name="paid"') == 30 and "50.00" in body
    data = {"month": f"{month:%Y-%m}", "paid": [m.pk for m in branch[:25]]}
    data[f"amount_{branch[1].pk}"] = "60"
    with django_assert_max_num_queries(30):
        response = client.post(url, data)
    assert response.status_code == 302
    assert Payment.objects.filter(month=month).count() == 25
    assert Payment.objects.get(member=branch[1], month=month).amount == D("60.00")
    # Those paid are shown as paid, the rest can still be ticked.
    body = client.get(url, {"month": f"{month:%Y-%m}"}).content.decode()
    assert body.count('name="paid"') == 5


def test_grid_refuses_a_bad_amount_names_the_member_and_writes_nothing(client, city, branch):
    client.force_login(city.secretary)
    url = reverse("dues:collect", args=[city.branch_a1.pk])
    month = f"{months_ago(1):%Y-%m}"
    data = {"month": month, "paid": [branch[0].pk, branch[2].pk], f"amount_{branch[2].pk}": "-3"}
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="collect-errors"' in body and "党员01" in body
    assert not Payment.objects.exists()
    pay(branch[0], months_ago(1))
    response = client.post(url, {"month": month, "paid": [branch[0].pk]})
    assert response.status_code == 400 and Payment.objects.filter(member=branch[0]).count() == 1


def test_grid_is_for_who_may_collect(client, city, branch):
    url = reverse("dues:collect", args=[city.branch_a1.pk])
    for user, status in ((city.viewer, 403), (city.outsider, 404), (city.member_user, 403)):
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.post(url, {"month": "2026-01", "paid": [branch[0].pk]}).status_code == status
    assert not Payment.objects.exists()
    client.force_login(city.secretary)
    assert client.get(reverse("dues:collect", args=[city.branch_b1.pk])).status_code == 404


def test_org_page_lists_arrears_and_fee_12(client, city, branch, django_assert_max_num_queries):
    pay(branch[0], *[months_ago(n) for n in range(6, 0, -1)])
    client.force_login(city.county_admin)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("dues:org", args=[city.branch_a1.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "FEE-12" in body and "党员05" in body
    # Above a branch: per child organisation, no member rows.
    with django_assert_max_num_queries(20):
        page = client.get(reverse("dues:org", args=[city.county_a.pk]))
    assert page.status_code == 200 and "dues-children" in page.content.decode()


def test_member_sees_their_own_dues_not_the_branch(client, city, branch):
    pay(city.member_a1, months_ago(2), months_ago(1))
    client.force_login(city.member_user)
    response = client.get(reverse("dues:mine"))
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "50.00" in body and months_ago(1).strftime("%Y-%m") in body
    assert f"dues/member/{city.member_a1.pk}/standard/" not in body  # no changing
    assert client.get(reverse("dues:member", args=[branch[1].pk])).status_code == 404
    assert client.get(reverse("dues:org", args=[city.branch_a1.pk])).status_code == 404
    assert client.get(reverse("dues:month_sheet", args=[city.branch_a1.pk])).status_code == 404


def test_month_sheet_and_export(client, city, branch, django_assert_max_num_queries):
    month = months_ago(1)
    pay(branch[0], month)
    pay(branch[1], month, amount="80")
    client.force_login(city.secretary)
    with django_assert_max_num_queries(14):
        page = client.get(
            reverse("dues:month_sheet", args=[city.branch_a1.pk]), {"month": f"{month:%Y-%m}"}
        )
    body = page.content.decode()
    assert "130.00" in body and "1500.00" in body and "30.00" in body  # collected, due, extra
    response = client.get(
        reverse("dues:month_sheet_export", args=[city.branch_a1.pk]), {"month": f"{month:%Y-%m}"}
    )
    assert response.status_code == 200
    rows = read(response.content)
    assert len(rows) == 1 + 30 + 1 and rows[-1][3] == 130
    assert AuditEvent.objects.filter(event="export").exists()


def test_year_summary_and_export(client, city, branch, django_assert_max_num_queries):
    month = months_ago(1)
    pay(branch[0], month)
    client.force_login(city.viewer)
    with django_assert_max_num_queries(12):
        page = client.get(
            reverse("dues:year_summary", args=[city.branch_a1.pk]), {"year": month.year}
        )
    assert page.status_code == 200 and "50.00" in page.content.decode()
    response = client.get(
        reverse("dues:year_summary_export", args=[city.branch_a1.pk]), {"year": month.year}
    )
    rows = read(response.content)
    assert rows[-1][-1] == 50


def test_standard_form_and_refusal(client, city):
    client.force_login(city.secretary)
    url = reverse("dues:standard_set", args=[city.member_a1.pk])
    month = f"{months_ago(0):%Y-%m}"
    response = client.post(
        url, {"category": "employed", "income_base": "-5", "effective_from": month}
    )
    assert response.status_code == 400 and not Standard.objects.exists()
    response = client.post(
        url, {"category": "employed", "income_base": "5000.01", "effective_from": month}
    )
    assert response.status_code == 302
    assert Standard.objects.get().amount == D("75.00")


def test_reduction_apply_and_decide(client, city):
    give_standard(city.member_a1)
    client.force_login(city.secretary)
    client.post(
        reverse("dues:reduction_apply", args=[city.member_a1.pk]),
        {"from_month": f"{months_ago(1):%Y-%m}", "amount": "0", "reason": "重病"},
    )
    red = Reduction.objects.get()
    client.post(reverse("dues:reduction_decide", args=[red.pk]), {"approve": "1"})
    red.refresh_from_db()
    assert red.status == "pending"  # the applicant cannot approve
    client.force_login(city.county_admin)
    client.post(reverse("dues:reduction_decide", args=[red.pk]), {"approve": "1"})
    red.refresh_from_db()
    assert red.status == "approved"
