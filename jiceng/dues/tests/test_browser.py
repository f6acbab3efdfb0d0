"""In a real browser: a secretary opens the dues from the menu, sees a member's arrears,
enters last month's payments for the branch in the collection grid, and the arrears clear."""

import pytest
from django.urls import reverse

from jiceng.core.testing import build_small_city, make_member
from jiceng.dues.models import Payment
from jiceng.orgs import rollups
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

from .helpers import give_standard, months_ago

pytestmark = BROWSER_MARKS


def test_secretary_enters_a_month_in_the_grid_and_the_arrears_clear(
    live_server, transactional_db, browser_page
):
    expect = pytest.importorskip("playwright.sync_api").expect
    city = build_small_city()
    li = make_member(city.branch_a1, name="李明")
    give_standard(city.member_a1, "5000.00", months_back=1)  # 50.00 a month from last month
    give_standard(li, "5000.01", months_back=1)  # 75.00
    rollups.rebuild()
    last_month = months_ago(1)

    page = browser_page
    log_in(page, live_server.url, "secretary")
    page.click("#nav-dues")
    accounts = page.locator("#dues-accounts")
    expect(accounts).to_be_visible()
    expect(accounts.locator("tr", has_text="张三")).to_contain_text("50.00")
    expect(accounts.locator("tr", has_text="李明")).to_contain_text("75.00")
    expect(page.locator("#dues-totals")).to_contain_text("125.00")

    page.goto(
        live_server.url
        + reverse("dues:collect", args=[city.branch_a1.pk])
        + f"?month={last_month:%Y-%m}"
    )
    grid = page.locator("#collect-grid")
    expect(grid).to_be_visible()
    page.check(f"#paid_{city.member_a1.pk}")  # the standard
    page.check(f"#paid_{li.pk}")
    page.fill(f"input[name=amount_{li.pk}]", "80")  # 5.00 more, voluntarily
    page.click("#collect-form button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    assert dict(Payment.objects.filter(month=last_month).values_list("member__name", "amount")) == {
        "张三": 50,
        "李明": 80,
    }

    page.goto(live_server.url + reverse("dues:org", args=[city.branch_a1.pk]))
    for name in ("张三", "李明"):
        row = page.locator("#dues-accounts tr", has_text=name)
        expect(row).to_contain_text(f"{last_month:%Y-%m}")  # paid to last month
        expect(row.locator("td").nth(4)).to_have_text("0.00")
