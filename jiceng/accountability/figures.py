"""The responsibility system's figures (core.figures), each one indexed aggregate over the
subtree, with a link to the filtered list of exactly the records it counts.

The responsibility system's records are yearly programmes (书记项目, 问题台账, 重点任务, 量化考核,
软弱涣散 of a year): a figure over a period counts the records of the years it touches.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures

from .identification import _final
from .models import (
    Assessment,
    AssignmentStatus,
    KeyTask,
    Ledger,
    Problem,
    ProblemStatus,
    Project,
    ProjectStatus,
    Rubric,
    RubricItem,
    TaskAssignment,
    WeakOrg,
    WeakStatus,
)

SYSTEM = "responsibility"


def _years(scope: figures.Scope, field: str = "year") -> dict:
    return {f"{field}__gte": scope.start.year, f"{field}__lte": scope.end.year}


def _url(name: str, scope: figures.Scope, **extra) -> str:
    if scope.start.year == scope.end.year:
        query = {"within": scope.org_id, "year": scope.start.year}
    else:
        query = {"within": scope.org_id, "year_from": scope.start.year, "year_to": scope.end.year}
    query.update(extra)
    return f"{reverse(name)}?" + "&".join(f"{k}={v}" for k, v in query.items())


def _as_of(scope: figures.Scope) -> date:
    return min(scope.end, timezone.localdate())


def projects(scope: figures.Scope) -> figures.Value:
    row = Project.objects.filter(**figures.within(scope, "org__"), **_years(scope)).aggregate(
        n=Count("pk"), completed=Count("pk", filter=Q(status=ProjectStatus.COMPLETED))
    )
    return figures.Value(
        row["n"],
        url=_url("accountability:project_list", scope),
        parts={"completed": row["completed"]},
    )


def ledgers(scope: figures.Scope) -> figures.Value:
    n = Ledger.objects.filter(**figures.within(scope, "org__"), **_years(scope)).count()
    return figures.Value(n, url=_url("accountability:ledger_list", scope))


def problems(scope: figures.Scope) -> figures.Value:
    closed = Q(status=ProblemStatus.CLOSED)
    row = Problem.objects.filter(
        **figures.within(scope, "org__"), **_years(scope, "ledger__year")
    ).aggregate(
        n=Count("pk"),
        closed=Count("pk", filter=closed),
        on_time=Count("pk", filter=closed & Q(closed_on__lte=F("deadline"))),
        overdue=Count("pk", filter=~closed & Q(deadline__lt=_as_of(scope))),
    )
    return figures.Value(
        row["n"],
        url=_url("accountability:problem_list", scope),
        parts={
            "closed": row["closed"],
            "closed_on_time": row["on_time"],
            "overdue": row["overdue"],
        },
    )


def key_tasks(scope: figures.Scope) -> figures.Value:
    """Key tasks issued by the organisations of the subtree; parts: their assignments and
    those reported done."""
    tasks = KeyTask.objects.filter(**figures.within(scope, "org__"), **_years(scope))
    row = TaskAssignment.objects.filter(task__in=tasks.values("pk")).aggregate(
        n=Count("pk"), done=Count("pk", filter=Q(status=AssignmentStatus.DONE))
    )
    return figures.Value(
        tasks.count(),
        url=_url("accountability:task_list", scope),
        parts={"assignments": row["n"], "done": row["done"]},
    )


def rubric_items(scope: figures.Scope) -> figures.Value:
    """The items of the rubrics in force in the period's last year: the latest version for
    each organisation kind (rubrics are the city's rules, the same in every subtree)."""
    year = scope.end.year
    latest = (
        Rubric.objects.filter(year=year).values("org_kind").annotate(v=Max("version")).order_by()
    )
    q = Q(pk__in=[])
    for row in latest:
        q |= Q(category__rubric__org_kind=row["org_kind"], category__rubric__version=row["v"])
    items = RubricItem.objects.filter(q, category__rubric__year=year)
    n = items.count()
    if not n:
        return figures.Value(None, url=reverse("accountability:rubric_list"))
    rubric_ids = sorted(set(items.values_list("category__rubric_id", flat=True)))
    url = (
        reverse("accountability:rubric_detail", args=[rubric_ids[0]])
        if len(rubric_ids) == 1
        else reverse("accountability:rubric_list")
    )
    return figures.Value(n, url=url)


def assessed(scope: figures.Scope) -> figures.Value:
    row = Assessment.objects.filter(
        **figures.within(scope, "org__"), **_years(scope, "rubric__year")
    ).aggregate(n=Count("pk"), average=Avg(_final()), vetoed=Count("pk", filter=Q(vetoed=True)))
    average = row["average"]
    if average is not None:
        average = Decimal(average).quantize(Decimal("0.1"))
    return figures.Value(
        row["n"],
        url=_url("accountability:assessment_list", scope),
        parts={"average": average, "vetoed": row["vetoed"]} if row["n"] else {},
    )


def weak_lax(scope: figures.Scope) -> figures.Value:
    row = WeakOrg.objects.filter(**figures.within(scope, "org__"), **_years(scope)).aggregate(
        n=Count("pk"), closed=Count("pk", filter=Q(status=WeakStatus.CLOSED))
    )
    return figures.Value(
        row["n"],
        url=_url("accountability:weak_list", scope),
        parts={"identified": row["n"], "rectified": row["closed"]},
    )


FIGURES = (
    ("accountability.projects", _("secretary projects"), projects, 10,
     _("secretary projects (书记项目) of the period's years, claimed in the subtree")),
    ("accountability.ledgers", _("problem ledgers"), ledgers, 20,
     _("problem ledgers (问题台账) of the period's years")),
    ("accountability.problems", _("problems found"), problems, 30,
     _("ledger problems; closed (销号), closed on time, and overdue on the period's last day")),
    ("accountability.key_tasks", _("key tasks"), key_tasks, 40,
     _("key tasks issued by the subtree's organisations in the period's years")),
    ("accountability.rubric_items", _("assessment items"), rubric_items, 50,
     _("items of the assessment rubrics in force (latest version per organisation kind)")),
    ("accountability.assessed", _("organisations assessed"), assessed, 60,
     _("assessments of the period's years, with the average final score")),
    ("accountability.weak_lax", _("weak-and-lax organisations"), weak_lax, 90,
     _("organisations identified as weak and lax (软弱涣散), and those rectified (销号)")),
)  # fmt: skip


# the weak-and-lax count is the organisation system's (组织体系) in the source document
SYSTEMS = {"accountability.weak_lax": "organisation"}


def register() -> None:
    for key, label, compute, order, help_text in FIGURES:
        figures.register(
            figures.Figure(
                key=key,
                system=SYSTEMS.get(key, SYSTEM),
                label=label,
                compute=compute,
                order=order,
                help=help_text,
            )
        )
