"""A real browser: log in, the cockpit shows; a figure's number leads to the list of exactly
the records it counts; the charts are drawn on a canvas, with no CSP violation."""

import re

import pytest
from django.urls import reverse

from jiceng.core.testing import build_small_city, make_member
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def listed_total(page) -> int:
    """The list's "N records" line (includes/pagination.html)."""
    text = page.locator(".small.text-body-secondary").filter(has_text=re.compile(r"\d")).first
    return int(re.search(r"[\d,]+", text.inner_text()).group(0).replace(",", ""))


def test_cockpit_figure_to_its_records_and_charts(live_server, transactional_db, browser_page):
    city = build_small_city()
    for i in range(3):
        make_member(city.branch_b1, is_mobile=True, mobile_destination=f"广州{i}", job="务工")
    make_member(city.branch_a2, job="教师")
    page = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    log_in(page, live_server.url, "viewer")
    expect(page.locator("#cockpit-title")).to_have_text(city.city.name)
    expect(page.locator("#system-members")).to_be_visible()

    # The charts: a canvas drawn with something on it, the table folded away.
    canvas = page.locator('[data-chart="age"] canvas').first
    expect(canvas).to_be_visible()
    painted = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }"""
    )
    assert painted > 100
    expect(page.locator("#chart-age details.cockpit-data")).not_to_have_attribute("open", "")

    # Click a figure: the list of exactly the members it counts.
    for key, expected in (("members.mobile", 3), ("members.total", 6)):
        page.goto(live_server.url + reverse("web:home"))
        link = page.locator(f'[data-figure-link="{key}"]')
        shown = int(link.inner_text().replace(",", ""))
        assert shown == expected
        link.click()
        page.wait_for_url(re.compile(r".*/members/\?.*"))
        assert listed_total(page) == shown
        assert page.locator("table tbody tr").count() == shown

    # Down to a county through the picker: its own figures.
    page.goto(live_server.url + reverse("web:home"))
    page.select_option("#cockpit-org", str(city.county_b.pk))
    page.wait_for_url(re.compile(rf".*org={city.county_b.pk}.*"))
    expect(page.locator('[data-figure-link="members.total"]')).to_have_text("4")
    assert problems == []
