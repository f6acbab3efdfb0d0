"""A real browser through the happy path: the secretary records an application, then every
step up to 转正 and archiving through the step form (dates that satisfy every interval); a
step a day late is refused and the page shows the rule."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiceng.core.dates import add_months
from jiceng.core.testing import build_small_city, make_member
from jiceng.members.models import Member
from jiceng.recruitment import steps, testing
from jiceng.recruitment.models import DevelopmentRecord
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def fill_step(page, number: int, on, data: dict) -> None:
    page.fill("#id_on", on.isoformat())
    for item in steps.STEPS[number].items:
        if item.name not in data:
            continue
        value = data[item.name]
        field = f"#id_{item.name}"
        if item.kind == "bool":
            if value:
                page.check(field)
        elif item.kind in ("choice", "org"):
            page.select_option(field, str(value))
        elif item.kind == "members":
            for pk in value:
                page.check(f'input[name="{item.name}"][value="{pk}"]')
        else:
            page.fill(field, value.isoformat() if hasattr(value, "isoformat") else str(value))
    page.click("#step-form button[type=submit]")


def test_application_to_full_membership(live_server, transactional_db, browser_page):
    city = build_small_city()
    full1 = make_member(city.branch_a1, name="赵一")
    full2 = make_member(city.branch_a1, name="钱二")
    page = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    log_in(page, live_server.url, "secretary")

    page.click("#nav-recruitment")
    page.click("#new-record")
    applied = add_months(timezone.localdate(), -36)
    id_number = testing.applicant_id()
    page.fill("#id_name", "王小明")
    page.fill("#id_id_number", id_number)
    page.select_option("#id_org", str(city.branch_a1.pk))
    page.fill("#id_applied_on", applied.isoformat())
    page.select_option("#id_education", "20")
    page.select_option("#id_occupation", "03")
    page.click("#record-form button[type=submit]")
    record = DevelopmentRecord.objects.get(name="王小明")
    detail = reverse("recruitment:record_detail", args=[record.pk])
    page.wait_for_url(re.compile(detail + "$"))
    expect(page.locator("#next")).to_contain_text("DEV-03")

    # A talk a day after the deadline: refused, the page names the rule, nothing recorded.
    page.click('#next a[data-step="2"]')
    late = add_months(applied, 1) + timedelta(days=1)
    fill_step(page, 2, late, {"talker": "陈书记"})
    expect(page.locator("#step-form")).to_contain_text("DEV-03")
    assert record.steps.count() == 1

    plan = testing.plan(
        applied, contacts=[full1.pk], introducers=[full1.pk, full2.pk], approver=city.town_a.pk
    )
    for number, on, data in plan:
        page.goto(live_server.url + reverse("recruitment:step_record", args=[record.pk, number]))
        fill_step(page, number, on, data)
        page.wait_for_url(re.compile(detail + "$"))
        expect(page.locator(f'#timeline li[data-step="{number}"]').last).to_be_visible()

    record.refresh_from_db()
    assert record.stage == "full" and record.step == 25
    member = Member.objects.get(pk=record.member_id)
    assert member.membership == "full"
    assert member.full_member_date == add_months(record.resolution_on, 12)
    expect(page.locator("#record-stage")).to_have_text("正式党员")
