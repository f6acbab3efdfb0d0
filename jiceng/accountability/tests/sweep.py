"""Responsibility-system routes in the authorisation sweep (jiceng/web/tests/sweeping.py).

Every record of county A (branch_a1) has the id 9001 and every one of county B (branch_b1)
9002, whatever its model, so the app's one `pk` names the right record on every page.

Records are seen by the roles over their organisation; a plain member (no role) sees none of
them. Changes are the organisation's own (its secretary) and its superiors'. Reviews and
closures (销号) are the level above's only: the secretary of branch_a1 sees its project but
may not review it (403). Rubrics are rules, readable by everyone logged in."""

from datetime import date, timedelta

from jiceng.web.tests.sweeping import (
    A_ONLY,
    ADDERS,
    ANON,
    DENIED,
    EVERYWHERE,
    HIDDEN,
    LOGIN,
    NA,
    NOT_ANYWHERE,
    OK,
    OTHER,
    OWN,
    PERSONAS,
    SCOPED_CHANGE,
    SCOPED_READ,
    Rule,
    any_logged_in,
    by_county,
)

READ = {**SCOPED_READ, "member_user": NOT_ANYWHERE}
CHANGE = {**SCOPED_CHANGE, "member_user": NOT_ANYWHERE}
# the level above branch_a1 is town_a: the county and the city administrators
REVIEW = {
    **ANON,
    "city_admin": EVERYWHERE,
    "county_admin": A_ONLY,
    "secretary": by_county(DENIED, HIDDEN),
    "viewer": by_county(DENIED, DENIED),
    "member_user": NOT_ANYWHERE,
}
# ?org=<branch>: a member sees their own branch (Organization.scope_self), so 403 there
ORG_REVIEW = {**REVIEW, "member_user": by_county(DENIED, HIDDEN)}

read = Rule(default=NOT_ANYWHERE, get=READ)
change = Rule(default=NOT_ANYWHERE, get=CHANGE, write=True)
review = Rule(default=NOT_ANYWHERE, get=REVIEW, write=True)
api_change = Rule(default=NOT_ANYWHERE, get=CHANGE)
api_review = Rule(default=NOT_ANYWHERE, get=REVIEW)

EXPECT = {
    "accountability:dashboard": any_logged_in(),
    # lists and their files: scoped, empty for who sees nothing
    **{
        f"accountability:{name}": any_logged_in()
        for name in (
            "project_list",
            "project_export",
            "ledger_list",
            "problem_list",
            "problem_export",
            "task_list",
            "assignment_list",
            "assignment_export",
            "rubric_list",
            "assessment_list",
            "assessment_export",
            "weak_list",
            "weak_export",
        )
    },
    "accountability:rubric_detail": Rule(default=EVERYWHERE, get=ANON),
    # rubrics are issued by the city's administrators only
    "accountability:rubric_create": Rule(
        default=DENIED, get={**ANON, "city_admin": OK}, write=True
    ),
    "accountability:rubric_copy": Rule(default=DENIED, get={**ANON, "city_admin": OK}, write=True),
    # the candidates under ?org=: whoever may change it (the level above of what is under it)
    "accountability:weak_candidates": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    # new records of ?org=<branch>: adding there
    "accountability:project_create": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "accountability:ledger_create": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "accountability:task_create": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    # the level above assesses and identifies
    "accountability:assessment_create": Rule(default=NOT_ANYWHERE, get=ORG_REVIEW, write=True),
    "accountability:weak_create": Rule(default=NOT_ANYWHERE, get=ORG_REVIEW, write=True),
    **{
        f"accountability:{name}": read
        for name in (
            "project_detail",
            "ledger_detail",
            "problem_detail",
            "task_detail",
            "assessment_detail",
            "weak_detail",
        )
    },
    **{
        f"accountability:{name}": change
        for name in (
            "project_report",
            "project_submit",
            "problem_create",
            "problem_rectify",
            "assignment_report",
            "assessment_self",
            "weak_plan",
            "weak_progress",
        )
    },
    **{
        f"accountability:{name}": review
        for name in ("project_review", "problem_review", "assessment_review", "weak_close")
    },
    "accountability:assessment_refresh": Rule(
        default=NA,
        get=ANON,
        write=True,
        post={**dict.fromkeys(PERSONAS, NOT_ANYWHERE), **CHANGE, "anonymous": LOGIN},
    ),
    # --- the API
    "api:acc_dashboard": Rule(
        default=NOT_ANYWHERE, get={**SCOPED_READ, "member_user": by_county(DENIED, HIDDEN)}
    ),
    **{
        f"api:{name}": any_logged_in()
        for name in (
            "acc_project_list",
            "acc_ledger_list",
            "acc_problem_list",
            "acc_task_list",
            "acc_assignment_list",
            "acc_rubric_list",
            "acc_assessment_list",
            "acc_weak_list",
        )
    },
    "api:acc_rubric_detail": Rule(default=EVERYWHERE, get=ANON),
    **{
        f"api:{name}": Rule(default=NOT_ANYWHERE, get=READ)
        for name in (
            "acc_project_detail",
            "acc_ledger_detail",
            "acc_problem_detail",
            "acc_task_detail",
            "acc_assessment_detail",
            "acc_weak_detail",
        )
    },
    "api:acc_project_claim": Rule(default=DENIED, get=ADDERS),
    "api:acc_ledger_create": Rule(default=DENIED, get=ADDERS),
    "api:acc_task_issue": Rule(default=DENIED, get=ADDERS),
    "api:acc_rubric_create": Rule(default=DENIED, get={**ANON, "city_admin": OK}),
    "api:acc_rubric_copy": Rule(default=DENIED, get={**ANON, "city_admin": OK}),
    "api:acc_weak_candidates": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE),
    # body: branch_a1, whose level above is the county's and the city's administrators
    "api:acc_weak_identify_many": Rule(
        default=DENIED, get={**ANON, "city_admin": OK, "county_admin": OK}
    ),
    # body org = branch_a1: its level above is the county's and the city's administrators
    "api:acc_assessment_start": Rule(
        default=DENIED, get={**ANON, "city_admin": OK, "county_admin": OK}
    ),
    # from the scores: only the assessments the caller is the level above of (none: [])
    "api:acc_weak_from_scores": Rule(
        default=DENIED, get={**ANON, "city_admin": OK, "county_admin": OK, "secretary": OK}
    ),
    "api:acc_weak_identify": Rule(
        default=DENIED, get={**ANON, "city_admin": OK, "county_admin": OK}
    ),
    **{
        f"api:{name}": api_change
        for name in (
            "acc_project_report",
            "acc_project_submit",
            "acc_problem_open",
            "acc_problem_rectify",
            "acc_assignment_report",
            "acc_assessment_refresh",
            "acc_assessment_self",
            "acc_weak_plan",
            "acc_weak_progress",
        )
    },
    **{
        f"api:{name}": api_review
        for name in (
            "acc_project_review",
            "acc_problem_review",
            "acc_assessment_review",
            "acc_weak_close",
        )
    },
}

QUERY_OBJECTS = {
    **{
        f"accountability:{name}": ("org", "org_id")
        for name in (
            "project_create",
            "ledger_create",
            "task_create",
            "assessment_create",
            "weak_create",
            "weak_candidates",
        )
    },
    "api:acc_weak_candidates": ("org", "org_id"),
    # rubrics are shared rules, not an organisation's records: named in the query string
    "api:acc_rubric_detail": ("rubric_id", "rubric_id"),
}

PARAMS = (
    "pk",
    "project_id",
    "ledger_id",
    "problem_id",
    "task_id",
    "assignment_id",
    "rubric_id",
    "assessment_id",
    "weak_id",
)


def _records(pk: int, branch, town) -> None:
    from jiceng.accountability import models as m

    today = date.today()
    project = m.Project.objects.create(
        pk=pk,
        org=branch,
        year=today.year,
        title=f"项目{pk}",
        problem="p",
        goals="g",
        targets="t",
        claimed_on=today,
        status=m.ProjectStatus.SUBMITTED,
    )
    m.Milestone.objects.create(pk=pk, project=project, title="m", due_on=today)
    ledger = m.Ledger.objects.create(pk=pk, org=branch, year=today.year, title=f"台账{pk}")
    m.Problem.objects.create(
        pk=pk,
        ledger=ledger,
        org=branch,
        source="inspection",
        description="d",
        category="life",
        severity="minor",
        measure="m",
        owner="o",
        found_on=today,
        deadline=today + timedelta(days=30),
        status=m.ProblemStatus.RECTIFIED,
        evidence="e",
    )
    task = m.KeyTask.objects.create(
        pk=pk, org=town, year=today.year, title=f"任务{pk}", description="d", deadline=today
    )
    m.TaskAssignment.objects.create(pk=pk, task=task, org=branch)
    rubric = m.Rubric.objects.create(
        pk=pk, year=today.year, org_kind="branch", version=pk, name="r"
    )
    category = m.RubricCategory.objects.create(rubric=rubric, order=1, name="c", max_points=10)
    m.RubricItem.objects.create(
        pk=pk,
        category=category,
        order=1,
        code="A01",
        title="i",
        kind="scored",
        max_points=5,
        check_method="c",
    )
    m.Assessment.objects.create(pk=pk, rubric=rubric, org=branch, period_end=today)
    m.WeakOrg.objects.create(
        pk=pk,
        org=branch,
        year=today.year,
        basis="manual",
        reason="r",
        identified_on=today,
        status=m.WeakStatus.RECTIFYING,
        progress=100,
        leader="l",
        work_team="w",
        first_secretary="f",
        plan="p",
        deadline=today,
    )


def objects(city) -> dict:
    _records(9001, city.branch_a1, city.town_a)
    _records(9002, city.branch_b1, city.town_b)
    return {OWN: dict.fromkeys(PARAMS, 9001), OTHER: dict.fromkeys(PARAMS, 9002)}


def _today() -> str:
    return date.today().isoformat()


API_BODIES = {
    "api:acc_project_claim": lambda city: {
        "org": city.branch_a1.pk,
        "title": "t",
        "problem": "p",
        "goals": "g",
        "targets": "t",
        "milestones": [{"title": "m", "due_on": _today()}],
    },
    "api:acc_project_report": lambda city: {"progress": 10, "text": "t", "evidence": "e"},
    "api:acc_project_review": lambda city: {"approve": True},
    "api:acc_problem_review": lambda city: {"approve": True},
    "api:acc_ledger_create": lambda city: {"org": city.branch_a1.pk, "year": 2026, "title": "t"},
    "api:acc_problem_open": lambda city: {
        "source": "inspection",
        "description": "d",
        "category": "life",
        "severity": "minor",
        "measure": "m",
        "owner": "o",
        "deadline": _today(),
    },
    "api:acc_problem_rectify": lambda city: {"evidence": "e"},
    "api:acc_task_issue": lambda city: {
        "org": city.town_a.pk,
        "title": "t",
        "description": "d",
        "deadline": _today(),
    },
    "api:acc_assignment_report": lambda city: {"status": "done", "evidence": "e"},
    "api:acc_rubric_create": lambda city: {
        "year": 2026,
        "org_kind": "branch",
        "name": "r",
        "categories": [
            {
                "name": "c",
                "max_points": "10",
                "items": [{"code": "X1", "title": "i", "max_points": "5", "check_method": "c"}],
            }
        ],
    },
    "api:acc_assessment_start": lambda city: {
        "rubric": 9001,
        "org": city.branch_a1.pk,
        "period_end": _today(),
    },
    "api:acc_assessment_self": lambda city: {"scores": {}},
    "api:acc_assessment_review": lambda city: {"scores": {}},
    "api:acc_weak_identify": lambda city: {"org": city.branch_a1.pk, "reason": "r"},
    "api:acc_weak_from_scores": lambda city: {"rubric": 9001, "below": "60"},
    "api:acc_weak_identify_many": lambda city: {
        "year": 2026,
        "picks": [{"org": city.branch_a1.pk, "reason": "r"}],
    },
    "api:acc_rubric_copy": lambda city: {"rubric": 9001, "year": 2031},
    "api:acc_weak_plan": lambda city: {
        "leader": "l",
        "work_team": "w",
        "first_secretary": "f",
        "plan": "p",
        "deadline": _today(),
    },
    "api:acc_weak_progress": lambda city: {"progress": 50, "note": "n"},
}

__all__ = ["API_BODIES", "EXPECT", "HIDDEN", "QUERY_OBJECTS", "objects"]
