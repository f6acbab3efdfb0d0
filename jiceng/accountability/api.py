"""REST endpoints of the responsibility system, mounted at /api/accountability/: the pages'
selectors, FilterSets and services, the same scope (404 outside it, 403 for what is seen but
may not be done), every write recorded in the audit log by its service."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from jiceng.api.auth import require_anywhere
from jiceng.api.errors import ApiValidationError, get_or_404
from jiceng.api.filters import query_schema
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.core import scope
from jiceng.orgs.models import Organization
from jiceng.web.scoping import permitted_actions

from . import scoring, selectors, services
from .filters import (
    AssessmentFilterSet,
    AssignmentFilterSet,
    LedgerFilterSet,
    ProblemFilterSet,
    ProjectFilterSet,
    TaskFilterSet,
    WeakFilterSet,
)
from .models import (
    AssignmentStatus,
    ProblemCategory,
    ProblemSource,
    Rubric,
    Severity,
    WeakBasis,
)
from .rules import CategorySpec, ItemSpec

router = Router(tags=["accountability"])


class _In(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


# --- schemas ----------------------------------------------------------------------------------


class AccMilestoneOut(Schema):
    id: int
    title: str
    due_on: date
    done_on: date | None


class AccProjectOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    year: int
    title: str
    problem: str
    goals: str
    targets: str
    status: str
    progress: int
    claimed_on: date
    reviewed_on: date | None
    review_comment: str


class AccProjectDetailOut(AccProjectOut):
    milestones: list[AccMilestoneOut]

    @staticmethod
    def resolve_milestones(obj):
        return list(obj.milestones.all())


class AccMilestoneIn(_In):
    title: str = Field(max_length=120)
    due_on: date


class AccProjectIn(_In):
    org: int
    title: str = Field(max_length=120)
    problem: str
    goals: str
    targets: str
    milestones: list[AccMilestoneIn]


class AccReportIn(_In):
    progress: int
    text: str
    evidence: str
    milestones_done: list[int] = []


class AccReviewIn(_In):
    approve: bool
    comment: str = ""


class AccLedgerOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    year: int
    title: str


class AccLedgerIn(_In):
    org: int
    year: int = Field(ge=2000, le=2100)
    title: str = Field(max_length=120)


class AccProblemOut(Schema):
    id: int
    ledger: int = Field(alias="ledger_id")
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    source: str
    description: str
    category: str
    severity: str
    measure: str
    owner: str
    found_on: date
    deadline: date
    status: str
    evidence: str
    rectified_on: date | None
    closed_on: date | None
    review_comment: str


class AccProblemIn(_In):
    source: ProblemSource
    description: str
    category: ProblemCategory
    severity: Severity
    measure: str
    owner: str = Field(max_length=40)
    deadline: date
    found_on: date | None = None


class AccRectifyIn(_In):
    evidence: str


class AccTaskOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    year: int
    title: str
    description: str
    deadline: date


class AccTaskIn(_In):
    org: int
    title: str = Field(max_length=120)
    description: str
    deadline: date
    to: Literal["children", "township", "grassroots"] = "children"


class AccAssignmentOut(Schema):
    id: int
    task: int = Field(alias="task_id")
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    status: str
    evidence: str
    reported_on: date | None


class AccAssignmentIn(_In):
    status: AssignmentStatus
    evidence: str = ""


class AccItemOut(Schema):
    id: int
    code: str
    title: str
    kind: str
    max_points: Decimal
    check_method: str
    deduction: Decimal
    rule: str
    subtree: bool


class AccCategoryOut(Schema):
    name: str
    max_points: Decimal
    items: list[AccItemOut]


class AccRubricOut(Schema):
    id: int
    year: int
    org_kind: str
    version: int
    name: str


class AccRubricDetailOut(AccRubricOut):
    categories: list[AccCategoryOut]

    @staticmethod
    def resolve_categories(obj):
        out = []
        for item in scoring.rubric_items(obj):
            if not out or out[-1]["name"] != item.category.name:
                out.append(
                    {
                        "name": item.category.name,
                        "max_points": item.category.max_points,
                        "items": [],
                    }
                )
            out[-1]["items"].append(item)
        return out


class AccItemSpecIn(_In):
    code: str = Field(max_length=12)
    title: str = Field(max_length=200)
    kind: Literal["scored", "bonus", "veto"] = "scored"
    max_points: Decimal = Field(max_digits=6, decimal_places=2)
    check_method: str = Field(max_length=200)
    deduction: Decimal = Field(Decimal(0), max_digits=6, decimal_places=2)
    rule: str = Field("", max_length=12)
    subtree: bool = False


class AccCategoryIn(_In):
    name: str = Field(max_length=80)
    max_points: Decimal = Field(max_digits=6, decimal_places=2)
    items: list[AccItemSpecIn]


class AccRubricIn(_In):
    year: int = Field(ge=2000, le=2100)
    org_kind: str
    name: str = Field(max_length=120)
    categories: list[AccCategoryIn]


class AccAssessmentOut(Schema):
    id: int
    rubric: int = Field(alias="rubric_id")
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    period_end: date
    status: str
    auto_total: Decimal
    self_total: Decimal | None
    review_total: Decimal | None
    vetoed: bool
    final: Decimal


class AccFindingOut(Schema):
    rule: str
    message: str
    url: str
    due: str
    subject: str


class AccScoreOut(Schema):
    item: int = Field(alias="item_id")
    code: str = Field(alias="item.code")
    title: str = Field(alias="item.title")
    max_points: Decimal = Field(alias="item.max_points")
    rule: str = Field(alias="item.rule")
    instances: int | None
    auto_score: Decimal | None
    self_score: Decimal | None
    review_score: Decimal | None
    evidence: str
    explanation: list[AccFindingOut]


class AccAssessmentDetailOut(AccAssessmentOut):
    rank: int | None
    scores: list[AccScoreOut]

    @staticmethod
    def resolve_rank(obj):
        return getattr(obj, "rank", None)

    @staticmethod
    def resolve_scores(obj):
        return getattr(obj, "score_rows", [])


class AccAssessmentIn(_In):
    rubric: int
    org: int
    period_end: date


class AccSelfScoreIn(_In):
    scores: dict[int, Decimal] = Field(description="item id → points (items scored by hand)")
    evidence: dict[int, str] = {}


class AccReviewScoreIn(_In):
    scores: dict[int, Decimal] = {}
    vetoes: dict[int, bool] = Field({}, description="one-vote veto items scored by hand")


class AccWeakOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    year: int
    basis: str
    reason: str
    identified_on: date
    leader: str
    work_team: str
    first_secretary: str
    plan: str
    deadline: date | None
    progress: int
    progress_note: str
    status: str
    closed_on: date | None


class AccWeakIn(_In):
    org: int
    reason: str
    basis: WeakBasis = WeakBasis.MANUAL
    year: int | None = Field(None, ge=2000, le=2100)


class AccWeakPlanIn(_In):
    leader: str = Field(max_length=40)
    work_team: str = Field(max_length=200)
    first_secretary: str = Field(max_length=40)
    plan: str
    deadline: date


class AccWeakProgressIn(_In):
    progress: int
    note: str


class AccDashboardOut(Schema):
    org: int
    total: dict[str, int]
    children: list[dict]
    projects_per_level: dict[str, int] = Field(description="projects claimed per org kind")


# --- helpers ----------------------------------------------------------------------------------


def _org(request, pk: int, action=scope.VIEW) -> Organization:
    org = get_or_404(Organization.objects.restrict(request.user), pk=pk)
    if action != scope.VIEW and not scope.can(request.user, action, org):
        raise PermissionDenied(_("Your roles do not allow this here"))
    return org


def _list(request, filterset_class, queryset, page):
    filterset = filterset_class(request.GET, queryset=queryset, user=request.user)
    if not filterset.is_valid():
        raise ApiValidationError(filterset.errors)
    return page_of(filterset.qs, page, filterset.qs.count())


ProjectFilters = query_schema("AccProjectFilters", ProjectFilterSet)
LedgerFilters = query_schema("AccLedgerFilters", LedgerFilterSet)
ProblemFilters = query_schema("AccProblemFilters", ProblemFilterSet)
TaskFilters = query_schema("AccTaskFilters", TaskFilterSet)
AssignmentFilters = query_schema("AccAssignmentFilters", AssignmentFilterSet)
AssessmentFilters = query_schema("AccAssessmentFilters", AssessmentFilterSet)
WeakFilters = query_schema("AccWeakFilters", WeakFilterSet)


# --- dashboard --------------------------------------------------------------------------------


@router.get("/dashboard/{org_id}", response=AccDashboardOut, summary="Figures of a subtree")
def acc_dashboard(request, org_id: int):
    org = _org(request, org_id)
    if scope.VIEW not in permitted_actions(request.user, org.path):
        raise PermissionDenied(_("Only for who sees the whole subtree"))
    figures = selectors.subtree_figures(org)
    return {
        "org": org.pk,
        "total": figures["total"],
        "children": [{"org": c.pk, "name": c.name, **v} for c, v in figures["children"]],
        "projects_per_level": dict(selectors.projects_per_level(org)),
    }


# --- projects ---------------------------------------------------------------------------------


@router.get("/projects", response=Page(AccProjectOut), summary="Secretary projects")
def acc_project_list(request, filters: Query[ProjectFilters], page: Query[PageParams]):
    qs = selectors.projects_visible(request.user).order_by("-year", "org__path", "pk")
    return _list(request, ProjectFilterSet, qs, page)


@router.post("/projects", response={201: AccProjectDetailOut}, summary="Claim a secretary project")
def acc_project_claim(request, payload: AccProjectIn):
    require_anywhere(request.user, scope.ADD)
    org = _org(request, payload.org, scope.ADD)
    project = services.project_claim(
        actor=request.user,
        org=org,
        title=payload.title,
        problem=payload.problem,
        goals=payload.goals,
        targets=payload.targets,
        milestones=[(m.title, m.due_on) for m in payload.milestones],
    )
    return Status(201, project)


@router.get("/projects/{project_id}", response=AccProjectDetailOut, summary="One project")
def acc_project_detail(request, project_id: int):
    return get_or_404(selectors.projects_visible(request.user), pk=project_id)


@router.post(
    "/projects/{project_id}/report", response=AccProjectDetailOut, summary="Report progress"
)
def acc_project_report(request, project_id: int, payload: AccReportIn):
    project = get_or_404(selectors.projects_visible(request.user), pk=project_id)
    services.project_report(actor=request.user, project=project, **payload.dict())
    return project


@router.post("/projects/{project_id}/submit", response=AccProjectDetailOut, summary="Submit")
def acc_project_submit(request, project_id: int):
    project = get_or_404(selectors.projects_visible(request.user), pk=project_id)
    return services.project_submit(actor=request.user, project=project)


@router.post(
    "/projects/{project_id}/review", response=AccProjectDetailOut, summary="Review (level above)"
)
def acc_project_review(request, project_id: int, payload: AccReviewIn):
    project = get_or_404(selectors.projects_visible(request.user), pk=project_id)
    return services.project_review(actor=request.user, project=project, **payload.dict())


# --- ledgers and problems ---------------------------------------------------------------------


@router.get("/ledgers", response=Page(AccLedgerOut), summary="Problem ledgers")
def acc_ledger_list(request, filters: Query[LedgerFilters], page: Query[PageParams]):
    qs = selectors.ledgers_visible(request.user).order_by("-year", "org__path", "pk")
    return _list(request, LedgerFilterSet, qs, page)


@router.post("/ledgers", response={201: AccLedgerOut}, summary="Create a problem ledger")
def acc_ledger_create(request, payload: AccLedgerIn):
    require_anywhere(request.user, scope.ADD)
    org = _org(request, payload.org, scope.ADD)
    ledger = services.ledger_create(
        actor=request.user, org=org, year=payload.year, title=payload.title
    )
    return Status(201, ledger)


@router.get("/ledgers/{ledger_id}", response=AccLedgerOut, summary="One ledger")
def acc_ledger_detail(request, ledger_id: int):
    return get_or_404(selectors.ledgers_visible(request.user), pk=ledger_id)


@router.post(
    "/ledgers/{ledger_id}/problems", response={201: AccProblemOut}, summary="Record a problem"
)
def acc_problem_open(request, ledger_id: int, payload: AccProblemIn):
    ledger = get_or_404(selectors.ledgers_visible(request.user), pk=ledger_id)
    problem = services.problem_open(actor=request.user, ledger=ledger, **payload.dict())
    return Status(201, problem)


@router.get("/problems", response=Page(AccProblemOut), summary="Ledger problems")
def acc_problem_list(request, filters: Query[ProblemFilters], page: Query[PageParams]):
    qs = selectors.problems_visible(request.user).order_by("deadline", "pk")
    return _list(request, ProblemFilterSet, qs, page)


@router.get("/problems/{problem_id}", response=AccProblemOut, summary="One problem")
def acc_problem_detail(request, problem_id: int):
    return get_or_404(selectors.problems_visible(request.user), pk=problem_id)


@router.post("/problems/{problem_id}/rectify", response=AccProblemOut, summary="Report rectified")
def acc_problem_rectify(request, problem_id: int, payload: AccRectifyIn):
    problem = get_or_404(selectors.problems_visible(request.user), pk=problem_id)
    return services.problem_rectify(actor=request.user, problem=problem, evidence=payload.evidence)


@router.post(
    "/problems/{problem_id}/review", response=AccProblemOut, summary="Close (销号) or return"
)
def acc_problem_review(request, problem_id: int, payload: AccReviewIn):
    problem = get_or_404(selectors.problems_visible(request.user), pk=problem_id)
    return services.problem_review(actor=request.user, problem=problem, **payload.dict())


# --- key tasks --------------------------------------------------------------------------------


@router.get("/tasks", response=Page(AccTaskOut), summary="Key tasks")
def acc_task_list(request, filters: Query[TaskFilters], page: Query[PageParams]):
    qs = selectors.tasks_visible(request.user).order_by("-year", "deadline", "pk")
    return _list(request, TaskFilterSet, qs, page)


@router.post("/tasks", response={201: AccTaskOut}, summary="Issue a key task to a subtree")
def acc_task_issue(request, payload: AccTaskIn):
    require_anywhere(request.user, scope.ADD)
    org = _org(request, payload.org, scope.ADD)
    data = payload.dict()
    data.pop("org")
    return Status(201, services.task_issue(actor=request.user, org=org, **data))


@router.get("/tasks/{task_id}", response=AccTaskOut, summary="One key task")
def acc_task_detail(request, task_id: int):
    return get_or_404(selectors.tasks_visible(request.user), pk=task_id)


@router.get("/assignments", response=Page(AccAssignmentOut), summary="Each organisation's tasks")
def acc_assignment_list(request, filters: Query[AssignmentFilters], page: Query[PageParams]):
    qs = selectors.assignments_visible(request.user).order_by("task_id", "org__path")
    return _list(request, AssignmentFilterSet, qs, page)


@router.post(
    "/assignments/{assignment_id}/report", response=AccAssignmentOut, summary="Report on a task"
)
def acc_assignment_report(request, assignment_id: int, payload: AccAssignmentIn):
    assignment = get_or_404(selectors.assignments_visible(request.user), pk=assignment_id)
    return services.assignment_report(actor=request.user, assignment=assignment, **payload.dict())


# --- rubrics and assessments ------------------------------------------------------------------


@router.get("/rubrics", response=list[AccRubricOut], summary="Assessment rubrics")
def acc_rubric_list(request):
    return list(Rubric.objects.order_by("-year", "org_kind", "-version")[:200])


@router.get(
    "/rubric",
    response=AccRubricDetailOut,
    summary="One rubric, with its categories and items (?rubric_id=: rubrics are shared rules)",
)
def acc_rubric_detail(request, rubric_id: int):
    return get_or_404(Rubric.objects.all(), pk=rubric_id)


@router.post("/rubrics", response={201: AccRubricDetailOut}, summary="Issue a rubric (city)")
def acc_rubric_create(request, payload: AccRubricIn):
    categories = [
        CategorySpec(c.name, c.max_points, [ItemSpec(**i.dict()) for i in c.items])
        for c in payload.categories
    ]
    rubric = scoring.rubric_create(
        actor=request.user,
        year=payload.year,
        org_kind=payload.org_kind,
        name=payload.name,
        categories=categories,
    )
    return Status(201, rubric)


class AccRubricCopyIn(_In):
    rubric: int
    year: int = Field(ge=2000, le=2100)
    name: str = Field("", max_length=120)


@router.post(
    "/rubrics/copy",
    response={201: AccRubricDetailOut},
    summary="Copy a rubric to another year (city): a new version there",
)
def acc_rubric_copy(request, payload: AccRubricCopyIn):
    rubric = get_or_404(Rubric.objects.all(), pk=payload.rubric)
    copy = scoring.rubric_copy(
        actor=request.user, rubric=rubric, year=payload.year, name=payload.name
    )
    return Status(201, copy)


def _assessment_detail(request, assessment):
    assessment.rank = selectors.rubric_ranking(assessment.rubric_id, request.user).get(
        assessment.pk
    )
    assessment.score_rows = selectors.assessment_scores(assessment)
    return assessment


@router.get("/assessments", response=Page(AccAssessmentOut), summary="Assessments")
def acc_assessment_list(request, filters: Query[AssessmentFilters], page: Query[PageParams]):
    qs = selectors.assessments_visible(request.user).order_by("rubric_id", "org__path")
    return _list(request, AssessmentFilterSet, qs, page)


@router.post("/assessments", response={201: AccAssessmentDetailOut}, summary="Assess (level above)")
def acc_assessment_start(request, payload: AccAssessmentIn):
    require_anywhere(request.user, scope.CHANGE)
    org = _org(request, payload.org)
    rubric = get_or_404(Rubric.objects.all(), pk=payload.rubric)
    assessment = scoring.assessment_start(
        actor=request.user, rubric=rubric, org=org, period_end=payload.period_end
    )
    return Status(201, _assessment_detail(request, assessment))


@router.get(
    "/assessments/{assessment_id}",
    response=AccAssessmentDetailOut,
    summary="One assessment, with every item's score and the records behind it",
)
def acc_assessment_detail(request, assessment_id: int):
    assessment = get_or_404(selectors.assessments_visible(request.user), pk=assessment_id)
    return _assessment_detail(request, assessment)


@router.post(
    "/assessments/{assessment_id}/refresh",
    response=AccAssessmentDetailOut,
    summary="Score again from the records",
)
def acc_assessment_refresh(request, assessment_id: int):
    assessment = get_or_404(selectors.assessments_visible(request.user), pk=assessment_id)
    scoring.assessment_refresh(actor=request.user, assessment=assessment)
    return _assessment_detail(request, assessment)


@router.post(
    "/assessments/{assessment_id}/self", response=AccAssessmentDetailOut, summary="Self-score"
)
def acc_assessment_self(request, assessment_id: int, payload: AccSelfScoreIn):
    assessment = get_or_404(selectors.assessments_visible(request.user), pk=assessment_id)
    scoring.assessment_self_score(
        actor=request.user, assessment=assessment, scores=payload.scores, evidence=payload.evidence
    )
    return _assessment_detail(request, assessment)


@router.post(
    "/assessments/{assessment_id}/review",
    response=AccAssessmentDetailOut,
    summary="Review score (level above)",
)
def acc_assessment_review(request, assessment_id: int, payload: AccReviewScoreIn):
    assessment = get_or_404(selectors.assessments_visible(request.user), pk=assessment_id)
    scoring.assessment_review(
        actor=request.user, assessment=assessment, scores=payload.scores, vetoes=payload.vetoes
    )
    return _assessment_detail(request, assessment)


# --- weak-and-lax -----------------------------------------------------------------------------


@router.get("/weak", response=Page(AccWeakOut), summary="Weak-and-lax organisations")
def acc_weak_list(request, filters: Query[WeakFilters], page: Query[PageParams]):
    qs = selectors.weak_visible(request.user).order_by("-year", "org__path")
    return _list(request, WeakFilterSet, qs, page)


@router.post("/weak", response={201: AccWeakOut}, summary="Identify (level above)")
def acc_weak_identify(request, payload: AccWeakIn):
    require_anywhere(request.user, scope.CHANGE)
    org = _org(request, payload.org)
    weak = services.weak_identify(
        actor=request.user, org=org, reason=payload.reason, basis=payload.basis, year=payload.year
    )
    return Status(201, weak)


class AccWeakFromScoresIn(_In):
    rubric: int
    below: Decimal = Field(max_digits=6, decimal_places=2, description="final score below this")


@router.post(
    "/weak/from-scores",
    response={201: list[AccWeakOut]},
    summary="Identify from assessment scores (level above)",
)
def acc_weak_from_scores(request, payload: AccWeakFromScoresIn):
    require_anywhere(request.user, scope.CHANGE)
    rubric = get_or_404(Rubric.objects.all(), pk=payload.rubric)
    rows = scoring.weak_from_scores(actor=request.user, rubric=rubric, below=payload.below)
    return Status(
        201, list(selectors.weak_visible(request.user).filter(pk__in=[r.pk for r in rows]))
    )


class AccCandidateOut(Schema):
    org: int
    org_name: str
    parent_name: str
    basis: str
    score: Decimal | None
    reasons: list[str]
    reason: str


@router.get(
    "/weak/candidates",
    response=list[AccCandidateOut],
    summary="Weak-and-lax candidates from scores and criteria (ACC-05), under ?org=",
)
def acc_weak_candidates(
    request,
    org: int,
    year: Annotated[int | None, Field(ge=2000, le=2100)] = None,
    below: Annotated[Decimal | None, Field(ge=0, max_digits=6, decimal_places=2)] = None,
    life_overdue: Annotated[int | None, Field(ge=1, le=99)] = None,
):
    from . import identification

    root = _org(request, org, scope.CHANGE)
    found = identification.candidates(
        request.user,
        root,
        year=year or timezone.localdate().year,
        below=below,
        life_overdue=life_overdue,
    )
    return [
        {
            "org": c.org.pk,
            "org_name": c.org.name,
            "parent_name": c.org.parent.name if c.org.parent_id else "",
            "basis": c.basis,
            "score": c.score,
            "reasons": c.reasons,
            "reason": c.reason,
        }
        for c in found
    ]


class AccPickIn(_In):
    org: int
    basis: WeakBasis = WeakBasis.CRITERIA
    reason: str = Field(max_length=2000)


class AccIdentifyManyIn(_In):
    year: int = Field(ge=2000, le=2100)
    picks: list[AccPickIn] = Field(max_length=2000)


@router.post(
    "/weak/identify",
    response={201: list[AccWeakOut]},
    summary="Identify several organisations at once, each with its reason (level above)",
)
def acc_weak_identify_many(request, payload: AccIdentifyManyIn):
    from . import identification

    require_anywhere(request.user, scope.CHANGE)
    rows = identification.weak_identify_many(
        actor=request.user, picks=[p.dict() for p in payload.picks], year=payload.year
    )
    return Status(
        201, list(selectors.weak_visible(request.user).filter(pk__in=[r.pk for r in rows]))
    )


@router.get("/weak/{weak_id}", response=AccWeakOut, summary="One weak-and-lax organisation")
def acc_weak_detail(request, weak_id: int):
    return get_or_404(selectors.weak_visible(request.user), pk=weak_id)


@router.post("/weak/{weak_id}/plan", response=AccWeakOut, summary="The rectification plan (四个一)")
def acc_weak_plan(request, weak_id: int, payload: AccWeakPlanIn):
    weak = get_or_404(selectors.weak_visible(request.user), pk=weak_id)
    return services.weak_plan(actor=request.user, weak=weak, **payload.dict())


@router.post("/weak/{weak_id}/progress", response=AccWeakOut, summary="Rectification progress")
def acc_weak_progress(request, weak_id: int, payload: AccWeakProgressIn):
    weak = get_or_404(selectors.weak_visible(request.user), pk=weak_id)
    return services.weak_progress(actor=request.user, weak=weak, **payload.dict())


@router.post("/weak/{weak_id}/close", response=AccWeakOut, summary="Close (销号, level above)")
def acc_weak_close(request, weak_id: int):
    weak = get_or_404(selectors.weak_visible(request.user), pk=weak_id)
    return services.weak_close(actor=request.user, weak=weak)
