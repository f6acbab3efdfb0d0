"""In a real browser: a village cadre records a household visit and registers the request
raised there, and escalates it; the township resolves it, and the township's resolution rate
(办结率) on the service dashboard goes from 0 % to 100 %."""

from django.urls import reverse

from jiceng.core.testing import build_small_city, make_member, make_user
from jiceng.members.models import Member
from jiceng.outreach.models import ResidentRequest
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def submit(page, form="#outreach-form"):
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_village_registers_township_resolves_rate_updates(
    live_server, transactional_db, browser_page
):
    city = build_small_city()
    cadre_user = make_user("village_cadre", role="secretary", org=city.branch_a1)
    cadre = make_member(city.branch_a1, name="陈村官")
    Member.objects.filter(pk=cadre.pk).update(user=cadre_user)
    make_user("town_cadre", role="secretary", org=city.town_a)
    page, base = browser_page, live_server.url

    log_in(page, base, "village_cadre")
    page.goto(base + reverse("outreach:visit_create"))
    page.select_option("#id_village", str(city.branch_a1.pk))
    page.fill("#id_household", "王大爷")
    page.fill("#id_raised", "村口路灯不亮")
    submit(page)
    assert "/outreach/visits/" in page.url
    page.click("#register-request")
    page.wait_for_load_state()
    assert page.input_value("#id_subject") == "村口路灯不亮"
    submit(page)
    request = ResidentRequest.objects.get()
    assert page.url.endswith(request.get_absolute_url())
    assert (request.origin_id, request.visit.visitor_id) == (city.branch_a1.pk, cadre.pk)
    page.fill("#escalate-form textarea", "需要街道协调供电所")
    page.click("#escalate-form button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#request-org") == city.town_a.name
    assert page.locator("#resolve-form").count() == 0  # the village no longer handles it

    page.context.clear_cookies()
    log_in(page, base, "town_cadre")
    dashboard = base + reverse("outreach:dashboard", args=[city.town_a.pk])
    page.goto(dashboard)
    assert page.inner_text("#fig-resolution").strip() == "0.0%"
    page.goto(base + request.get_absolute_url())
    page.fill("#resolve-form textarea", "已协调供电所更换路灯")
    page.click("#resolve-form button[type=submit]")
    page.wait_for_load_state()
    assert ResidentRequest.objects.get().status == "resolved"
    page.goto(dashboard)
    assert page.inner_text("#fig-resolution").strip() == "100.0%"
    assert page.inner_text("#fig-done").strip() == "1"
