"""In a real browser: a secretary sees the amber warning for this month's missing branch
committee meeting on the branch's page, records the meeting with its attendance, and the
warning clears."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiceng.activities import services
from jiceng.activities.models import Kind, Meeting
from jiceng.core import ruleset
from jiceng.core.testing import build_small_city
from jiceng.orgs import rollups
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

from .helpers import fill_branch

pytestmark = BROWSER_MARKS


def test_amber_committee_warning_clears_once_recorded(live_server, transactional_db, browser_page):
    expect = pytest.importorskip("playwright.sync_api").expect
    city = build_small_city()
    committee = fill_branch(city.branch_a1, 7)[:4]  # ORG-03: 8 full members, a committee
    rollups.rebuild()
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    services.meeting_record(
        actor=city.secretary,
        org=city.branch_a1,
        kind=Kind.COMMITTEE,
        held_on=last_month,
        topic="上月支委会",
        roster=[m.pk for m in committee],
    )
    # Warn for the whole month, whatever day the test runs on (a rule parameter).
    ruleset.param_set(
        actor=None,
        name="LIFE-02.warn_days",
        value=31,
        effective_from=today.replace(day=1),
        reason="test",
    )
    page = browser_page
    log_in(page, live_server.url, "secretary")
    page.goto(live_server.url + reverse("orgs:org_detail", args=[city.branch_a1.pk]))
    own = page.locator("#compliance-own li.finding-due_soon", has_text="LIFE-02")
    expect(own).to_have_count(1)
    expect(page.locator("#org-compliance")).to_have_attribute("data-rag", "red")

    own.get_by_role("link").click()
    expect(page.locator("#meeting-form")).to_be_visible()
    expect(page.locator("#id_kind")).to_have_value("committee")
    page.fill("#id_topic", "研究发展党员工作")
    page.fill("#id_held_on", today.isoformat())
    # last month's committee is listed present; one of them is on leave today
    page.select_option(f"select[name=p_{committee[0].pk}]", "leave")
    page.fill(f"input[name=r_{committee[0].pk}]", "出差")
    page.click("#meeting-form button[type=submit]")
    expect(page.locator("#attendance-counts")).to_contain_text("3")
    meeting = Meeting.objects.get(held_on=today, kind=Kind.COMMITTEE)
    assert (meeting.expected, meeting.present, meeting.on_leave) == (4, 3, 1)

    page.goto(live_server.url + reverse("orgs:org_detail", args=[city.branch_a1.pk]))
    expect(page.locator("#org-compliance")).to_be_visible()
    expect(page.locator("#compliance-own li", has_text="LIFE-02")).to_have_count(0)
