"""A real browser through the main path: log in, open the tree level by level (HTMX), open a
branch, search the member list by pinyin initials, open the member page — ID number masked.

Drives Debian's chromium (/usr/bin/chromium) with Playwright; no browser download.
"""

import re

import pytest
from django.urls import reverse

from jiceng.core.masking import mask
from jiceng.core.testing import build_small_city

from .browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def open_tree_node(page, org):
    page.click(f'li[data-org="{org.pk}"] > .tree-row > .tree-toggle')
    page.wait_for_selector(f"#tree-children-{org.pk} > li[data-org]")


def test_tree_to_branch_to_member(live_server, transactional_db, browser_page):
    city = build_small_city()
    page = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect

    log_in(page, live_server.url, "city_admin")  # with the second step: an administrator
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.goto(live_server.url + reverse("orgs:org_tree"))
    assert page.locator(f'li[data-org="{city.town_a.pk}"]').count() == 0  # not loaded yet
    for org in (city.city, city.county_a, city.town_a):
        open_tree_node(page, org)
    branch = page.locator(f'li[data-org="{city.branch_a1.pk}"] .tree-name')
    expect(branch).to_be_visible()
    branch.click()
    page.wait_for_url(re.compile(reverse("orgs:org_detail", args=[city.branch_a1.pk]) + "$"))
    expect(page.locator("h1")).to_have_text(city.branch_a1.name)

    page.click(f'nav a[href="{reverse("members:member_list")}"]')
    page.wait_for_url(re.compile(reverse("members:member_list")))
    rows = page.locator("#member-table tbody tr")
    expect(rows).to_have_count(2)  # 张三 and 李四
    page.fill("#id_q", "zs")
    page.keyboard.up("s")  # HTMX searches on keyup
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张三")
    assert "q=zs" in page.url  # the search is in the address bar (hx-push-url)

    rows.first.get_by_role("link", name="张三").click()
    page.wait_for_url(re.compile(reverse("members:member_detail", args=[city.member_a1.pk])))
    id_number = city.member_a1.id_number
    expect(page.locator("#personal-id_number .masked")).to_have_text(mask("id_number", id_number))
    assert id_number not in page.content()
