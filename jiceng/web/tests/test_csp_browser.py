"""The Content-Security-Policy in a real browser: the main pages, with their HTMX requests
(tree expansion, search, reveal) and the API docs, run without a single CSP violation.

A violation shows up twice in chromium — as a console error ("Refused to …") and as a
`securitypolicyviolation` event, which an init script turns into a console line — and either
fails the test. The browser is signed in with the session of a test client's force_login, so
this test does not depend on the login steps (it loads the login page on its own first).
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jiceng.core.testing import build_small_city

from .browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP-VIOLATION " + e.violatedDirective + " blocked=" + e.blockedURI +
                " at " + e.sourceFile + ":" + e.lineNumber + " sample=" + e.sample);
});
"""


def violations_of(page) -> list[str]:
    seen: list[str] = []

    def on_console(message):
        text = message.text
        if "CSP-VIOLATION" in text or "Content Security Policy" in text:
            seen.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.context.add_init_script(REPORT_VIOLATIONS)
    return seen


def sign_in(page, base_url: str, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def test_main_pages_have_no_csp_violation(live_server, transactional_db, browser_page):
    city = build_small_city()
    page = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    seen = violations_of(page)
    base = live_server.url

    page.goto(base + reverse("login"))
    expect(page.locator("#id_username")).to_be_visible()

    sign_in(page, base, city.city_admin)
    page.goto(base + reverse("web:home"))
    expect(page.locator("nav")).to_be_visible()

    # The tree: a level loaded by HTMX.
    page.goto(base + reverse("orgs:org_tree"))
    page.click(f'li[data-org="{city.city.pk}"] > .tree-row > .tree-toggle')
    page.wait_for_selector(f"#tree-children-{city.city.pk} > li[data-org]")

    page.goto(base + reverse("orgs:org_detail", args=[city.branch_a1.pk]))
    expect(page.locator("h1")).to_have_text(city.branch_a1.name)

    # The member list, searched with HTMX (the export links follow the search: app.js).
    page.goto(base + reverse("members:member_list"))
    rows = page.locator("#member-table tbody tr")
    page.fill("#id_q", "zs")
    page.keyboard.up("s")
    expect(rows).to_have_count(1)
    export = page.locator("a[data-export-link]").first
    url = re.escape(reverse("transfer:export_members")) + r"\?q=zs(&|$)"
    expect(export).to_have_attribute("href", re.compile(url))

    # A member's page, and a reveal through HTMX.
    page.goto(base + reverse("members:member_detail", args=[city.member_a1.pk]))
    page.click("#personal-phone [data-reveal-open]")
    page.fill("#reveal-phone input[name=reason]", "核对联系方式")
    page.click("#reveal-phone button[type=submit]")
    expect(page.locator("#personal-phone .revealed")).to_have_text(city.member_a1.phone)

    page.goto(base + reverse("transfer:import_upload"))
    expect(page.locator("input[type=file]")).to_have_count(1)

    # The API docs (Swagger UI, served from ninja's own static files).
    page.goto(base + "/api/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)

    assert seen == []


def test_a_violation_would_be_seen(live_server, transactional_db, browser_page):
    """The detector works: an inline script on a page under the policy is reported."""
    page = browser_page
    seen = violations_of(page)
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert any("script-src" in line for line in seen), seen


def test_admin_pages_have_no_csp_violation(live_server, transactional_db, browser_page):
    from jiceng.core.testing import make_user

    build_small_city()
    admin = make_user("root", is_superuser=True, is_staff=True)
    page = browser_page
    seen = violations_of(page)
    sign_in(page, live_server.url, admin)
    for url in ("/admin/", "/admin/members/member/", "/admin/accounts/user/"):
        response = page.goto(live_server.url + url)
        assert response.status == 200 and page.url == live_server.url + url, page.url
        page.wait_for_load_state("load")
    assert seen == []
