"""Every transition of the responsibility system's services, and every refusal (with nothing
written)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.accountability import services
from jiceng.accountability.models import (
    KeyTask,
    Ledger,
    Milestone,
    Problem,
    ProblemStatus,
    Project,
    ProjectStatus,
    TaskAssignment,
    WeakOrg,
    WeakStatus,
)
from jiceng.audit.models import AuditEvent

from .helpers import claim, identify, open_problem, today

pytestmark = pytest.mark.django_db


def events(code):
    return AuditEvent.objects.filter(event=code).count()


# --- secretary projects ------------------------------------------------------------------


def test_a_secretary_claims_reports_submits_and_the_level_above_completes(city):
    project = claim(city.branch_a1, city.secretary)
    assert project.status == ProjectStatus.CLAIMED
    assert project.milestones.count() == 2
    assert events("project_claim") == 1

    services.project_submit(actor=city.secretary, project=project)
    services.project_review(
        actor=city.county_admin, project=project, approve=False, comment="目标不具体"
    )
    assert project.status == ProjectStatus.RETURNED and project.review_comment == "目标不具体"

    services.project_submit(actor=city.secretary, project=project)
    services.project_review(actor=city.county_admin, project=project, approve=True)
    assert project.status == ProjectStatus.APPROVED  # not at 100 % yet

    ids = list(project.milestones.values_list("pk", flat=True))
    services.project_report(
        actor=city.secretary,
        project=project,
        progress=100,
        text="完成",
        evidence="验收报告",
        milestones_done=ids,
    )
    assert not Milestone.objects.filter(project=project, done_on__isnull=True).exists()
    services.project_submit(actor=city.secretary, project=project)
    services.project_review(actor=city.county_admin, project=project, approve=True)
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED and project.progress == 100
    assert events("project_review") == 3


def test_the_owner_cannot_review_its_own_project(city):
    project = claim(city.branch_a1, city.secretary)
    services.project_submit(actor=city.secretary, project=project)
    with pytest.raises(PermissionDenied, match="level above"):
        services.project_review(actor=city.secretary, project=project, approve=True)
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUBMITTED
    assert events("project_review") == 0


def test_project_refusals_write_nothing(city):
    with pytest.raises(ValidationError) as exc:
        services.project_claim(
            actor=city.secretary,
            org=city.branch_a1,
            title="",
            problem="p",
            goals="g",
            targets="t",
            milestones=[],
        )
    assert set(exc.value.message_dict) == {"title", "milestones"}
    with pytest.raises(ValidationError) as exc:
        services.project_claim(
            actor=city.secretary,
            org=city.branch_a1,
            title="x",
            problem="p",
            goals="g",
            targets="t",
            milestones=[("past", today() - timedelta(days=1))],
        )
    assert "milestones" in exc.value.message_dict
    # a secretary claims nothing for another organisation
    with pytest.raises(PermissionDenied):
        claim(city.branch_a2, city.secretary)
    with pytest.raises(PermissionDenied):
        claim(city.branch_b1, city.county_admin)
    with pytest.raises(PermissionDenied):
        claim(city.branch_a1, city.viewer)
    assert Project.objects.count() == 0 and Milestone.objects.count() == 0

    project = claim(city.branch_a1, city.secretary)
    with pytest.raises(ValidationError) as exc:
        services.project_report(
            actor=city.secretary, project=project, progress=101, text="", evidence=""
        )
    assert set(exc.value.message_dict) == {"progress", "text", "evidence"}
    with pytest.raises(ValidationError):  # review of a project nobody submitted
        services.project_review(actor=city.county_admin, project=project, approve=True)
    services.project_submit(actor=city.secretary, project=project)
    with pytest.raises(ValidationError):  # submitted twice
        services.project_submit(actor=city.secretary, project=project)
    with pytest.raises(ValidationError) as exc:  # returned without a reason
        services.project_review(actor=city.county_admin, project=project, approve=False)
    assert "comment" in exc.value.message_dict
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUBMITTED and project.progress == 0
    assert project.reports.count() == 0


# --- problem ledgers -----------------------------------------------------------------------


def test_a_problem_is_opened_rectified_and_closed_by_the_level_above(city):
    problem = open_problem(city.branch_a1, city.secretary)
    assert problem.status == ProblemStatus.OPEN and problem.org == city.branch_a1
    services.problem_rectify(actor=city.secretary, problem=problem, evidence="整改报告及照片")
    assert problem.status == ProblemStatus.RECTIFIED
    services.problem_review(
        actor=city.county_admin, problem=problem, approve=False, comment="证据不足"
    )
    assert problem.status == ProblemStatus.OPEN and problem.closed_on is None
    services.problem_rectify(actor=city.secretary, problem=problem, evidence="补充会议记录")
    services.problem_review(actor=city.county_admin, problem=problem, approve=True)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
    assert problem.closed_on == today() and problem.closed_by == city.county_admin
    assert events("problem_review") == 2


def test_closure_by_the_organisation_that_owns_the_problem_is_refused(city):
    problem = open_problem(city.branch_a1, city.secretary)
    services.problem_rectify(actor=city.secretary, problem=problem, evidence="整改报告")
    before = events("problem_review")
    with pytest.raises(PermissionDenied, match="Only the level above"):
        services.problem_review(actor=city.secretary, problem=problem, approve=True)
    # a county's own problem: the county administrator is not the level above the county
    county_problem = open_problem(city.county_a, city.county_admin)
    services.problem_rectify(actor=city.county_admin, problem=county_problem, evidence="e")
    with pytest.raises(PermissionDenied):
        services.problem_review(actor=city.county_admin, problem=county_problem, approve=True)
    with pytest.raises(PermissionDenied):  # another county
        services.problem_review(
            actor=city.county_admin, problem=open_problem(city.branch_b1), approve=True
        )
    for p in (problem, county_problem):
        p.refresh_from_db()
        assert p.status == ProblemStatus.RECTIFIED and p.closed_on is None and p.closed_by is None
    assert events("problem_review") == before
    # the city closes the county's
    services.problem_review(actor=city.city_admin, problem=county_problem, approve=True)
    assert county_problem.status == ProblemStatus.CLOSED


def test_problem_refusals_write_nothing(city):
    ledger = services.ledger_create(
        actor=city.secretary, org=city.branch_a1, year=2026, title="台账"
    )
    with pytest.raises(ValidationError) as exc:
        services.problem_open(
            actor=city.secretary,
            ledger=ledger,
            source="bogus",
            description="",
            category="life",
            severity="minor",
            measure="m",
            owner="o",
            deadline=today() - timedelta(days=1),
        )
    assert {"description", "deadline"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):  # the same ledger twice
        services.ledger_create(actor=city.secretary, org=city.branch_a1, year=2026, title="台账")
    with pytest.raises(PermissionDenied):
        services.ledger_create(actor=city.secretary, org=city.branch_b1, year=2026, title="x")
    assert Problem.objects.count() == 0 and Ledger.objects.count() == 1
    problem = open_problem(city.branch_a2, city.county_admin)
    with pytest.raises(ValidationError):  # rectified without evidence
        services.problem_rectify(actor=city.county_admin, problem=problem, evidence=" ")
    with pytest.raises(ValidationError):  # closed before it is rectified
        services.problem_review(actor=city.city_admin, problem=problem, approve=True)
    with pytest.raises(PermissionDenied):  # the viewer changes nothing
        services.problem_rectify(actor=city.viewer, problem=problem, evidence="e")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.evidence == ""


# --- key tasks -----------------------------------------------------------------------------


def test_a_task_goes_to_every_organisation_under_the_issuer_and_is_reported(city):
    task = services.task_issue(
        actor=city.county_admin,
        org=city.county_a,
        title="阵地建设",
        description="四有标准",
        deadline=today() + timedelta(days=10),
        to="grassroots",
    )
    orgs = set(task.assignments.values_list("org_id", flat=True))
    assert orgs == {city.branch_a1.pk, city.branch_a2.pk}
    children = services.task_issue(
        actor=city.county_admin,
        org=city.county_a,
        title="t2",
        description="d",
        deadline=today() + timedelta(days=10),
    )
    assert set(children.assignments.values_list("org_id", flat=True)) == {city.town_a.pk}
    mine = TaskAssignment.objects.get(task=task, org=city.branch_a1)
    with pytest.raises(ValidationError) as exc:
        services.assignment_report(actor=city.secretary, assignment=mine, status="done")
    assert "evidence" in exc.value.message_dict
    services.assignment_report(
        actor=city.secretary, assignment=mine, status="done", evidence="照片"
    )
    assert TaskAssignment.objects.get(pk=mine.pk).status == "done"
    other = TaskAssignment.objects.get(task=task, org=city.branch_a2)
    with pytest.raises(PermissionDenied):
        services.assignment_report(
            actor=city.secretary, assignment=other, status="done", evidence="e"
        )
    assert TaskAssignment.objects.get(pk=other.pk).status == "pending"


def test_task_refusals_write_nothing(city):
    with pytest.raises(ValidationError):  # a branch has nobody under it
        services.task_issue(
            actor=city.secretary,
            org=city.branch_a1,
            title="t",
            description="d",
            deadline=today(),
        )
    with pytest.raises(PermissionDenied):
        services.task_issue(
            actor=city.county_admin,
            org=city.county_b,
            title="t",
            description="d",
            deadline=today(),
        )
    assert KeyTask.objects.count() == 0 and TaskAssignment.objects.count() == 0


# --- weak-and-lax organisations ------------------------------------------------------------


def test_weak_and_lax_identified_planned_rectified_and_closed_by_the_level_above(city):
    weak = identify(city.branch_a1, city.county_admin)
    assert weak.status == WeakStatus.IDENTIFIED
    services.weak_plan(
        actor=city.secretary,
        weak=weak,
        leader="王书记",
        work_team="镇驻村工作队",
        first_secretary="李第一书记",
        plan="整顿班子",
        deadline=today() + timedelta(days=90),
    )
    assert weak.status == WeakStatus.RECTIFYING
    with pytest.raises(ValidationError):  # not finished
        services.weak_close(actor=city.county_admin, weak=weak)
    services.weak_progress(actor=city.secretary, weak=weak, progress=100, note="已完成")
    with pytest.raises(PermissionDenied):  # the organisation itself
        services.weak_close(actor=city.secretary, weak=weak)
    assert WeakOrg.objects.get(pk=weak.pk).status == WeakStatus.RECTIFYING
    services.weak_close(actor=city.county_admin, weak=weak)
    weak.refresh_from_db()
    assert weak.status == WeakStatus.CLOSED and weak.closed_by == city.county_admin


def test_weak_refusals_write_nothing(city):
    with pytest.raises(PermissionDenied):  # an organisation does not identify itself
        identify(city.branch_a1, city.secretary)
    with pytest.raises(ValidationError) as exc:
        services.weak_identify(actor=city.county_admin, org=city.branch_a1, reason="")
    assert "reason" in exc.value.message_dict
    assert WeakOrg.objects.count() == 0
    weak = identify(city.branch_a1, city.county_admin)
    with pytest.raises(ValidationError):  # twice in a year
        identify(city.branch_a1, city.county_admin)
    with pytest.raises(ValidationError) as exc:  # the 四个一 are all required
        services.weak_plan(
            actor=city.secretary,
            weak=weak,
            leader="",
            work_team="",
            first_secretary="",
            plan="",
            deadline=None,
        )
    assert {"leader", "work_team", "first_secretary", "plan", "deadline"} <= set(
        exc.value.message_dict
    )
    with pytest.raises(ValidationError):  # progress before a plan
        services.weak_progress(actor=city.secretary, weak=weak, progress=10, note="n")
    weak.refresh_from_db()
    assert weak.status == WeakStatus.IDENTIFIED and weak.leader == "" and weak.progress == 0
    assert WeakOrg.objects.count() == 1
