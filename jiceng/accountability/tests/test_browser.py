"""In a real browser: a township secretary claims a secretary project and the county reviews
it; a branch opens a ledger problem, rectifies it with evidence, and the level above (the
township) closes it (销号) — the branch itself is offered no closing button."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from jiceng.accountability.models import Problem, ProblemStatus, Project, ProjectStatus
from jiceng.core.testing import build_small_city, make_user
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def submit(page, form="#acc-form"):
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_project_claimed_and_reviewed_problem_closed_by_the_level_above(
    live_server, transactional_db, browser_page
):
    city = build_small_city()
    make_user("town_secretary", role="secretary", org=city.town_a)
    page, base = browser_page, live_server.url
    due = (timezone.localdate() + timedelta(days=60)).isoformat()

    # the township secretary claims a project for the township and submits it
    log_in(page, base, "town_secretary")
    page.goto(base + reverse("accountability:dashboard"))
    page.click("#claim-project")
    page.fill("#id_title", "街道党群服务中心提质")
    page.fill("#id_problem", "服务功能单一")
    page.fill("#id_goals", "打造一站式服务")
    page.fill("#id_targets", "群众满意度≥90%")
    page.fill("#id_milestones", f"{due} 完成改造")
    submit(page)
    project = Project.objects.get()
    assert project.org == city.town_a and page.url.endswith(project.get_absolute_url())
    assert "完成改造" in page.inner_text("#milestones")
    assert page.locator("#project-review-link").count() == 0  # not its own reviewer
    page.click("#project-submit-link")
    submit(page)
    assert Project.objects.get().status == ProjectStatus.SUBMITTED

    # the county reviews it
    page.context.clear_cookies()
    log_in(page, base, "county_admin")
    page.goto(base + project.get_absolute_url())
    page.click("#project-review-link")
    page.check("input[name=decision][value=approve]")
    submit(page)
    assert Project.objects.get().status == ProjectStatus.APPROVED

    # the branch opens a problem in a new ledger and rectifies it with evidence
    page.context.clear_cookies()
    log_in(page, base, "secretary")
    page.goto(base + reverse("accountability:dashboard"))
    page.click("#new-ledger")
    page.fill("#id_title", "2026年问题台账")
    submit(page)
    page.click("#problem-create-link")
    page.select_option("#id_source", "inspection")
    page.fill("#id_description", "三会一课记录不规范")
    page.select_option("#id_category", "life")
    page.select_option("#id_severity", "minor")
    page.fill("#id_measure", "建立记录本")
    page.fill("#id_owner", "张三")
    page.fill("#id_deadline", due)
    submit(page)
    problem = Problem.objects.get()
    assert problem.org == city.branch_a1 and problem.status == ProblemStatus.OPEN
    page.click("#problem-rectify-link")
    page.fill("#id_evidence", "会议记录本照片")
    submit(page)
    assert "会议记录本照片" in page.inner_text("#problem-evidence")
    assert page.locator("#problem-review-link").count() == 0  # no closing its own problem

    # the township (the level above) closes it
    page.context.clear_cookies()
    log_in(page, base, "town_secretary")
    page.goto(base + problem.get_absolute_url())
    page.click("#problem-review-link")
    page.check("input[name=decision][value=approve]")
    submit(page)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED and problem.closed_by.username == "town_secretary"
