"""Every read of the responsibility system, scoped; the subtree dashboard's figures set-based
(one grouped query per kind of record for all the children of an organisation at once)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.utils import timezone

from jiceng.core import scope
from jiceng.core.fields import prefix_range
from jiceng.orgs.models import Organization, OrgStatus

from . import rules
from .models import (
    Assessment,
    AssignmentStatus,
    ItemScore,
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


def projects_visible(user, action=scope.VIEW):
    return Project.objects.restrict(user, action).select_related("org")


def ledgers_visible(user, action=scope.VIEW):
    return Ledger.objects.restrict(user, action).select_related("org")


def problems_visible(user, action=scope.VIEW):
    return Problem.objects.restrict(user, action).select_related("org", "ledger")


def tasks_visible(user, action=scope.VIEW):
    """Tasks the user's scope covers, and the tasks given to organisations in it."""
    if user.is_superuser:
        return KeyTask.objects.select_related("org")
    mine = TaskAssignment.objects.restrict(user).values("task_id")
    issued = KeyTask.objects.restrict(user, action)
    if action != scope.VIEW:
        return issued.select_related("org")
    return KeyTask.objects.filter(Q(pk__in=issued.values("pk")) | Q(pk__in=mine)).select_related(
        "org"
    )


def assignments_visible(user, action=scope.VIEW):
    return TaskAssignment.objects.restrict(user, action).select_related("org", "task")


def assessments_visible(user, action=scope.VIEW):
    return Assessment.objects.restrict(user, action).select_related("org", "rubric")


def weak_visible(user, action=scope.VIEW):
    return WeakOrg.objects.restrict(user, action).select_related("org")


def dashboard_org(user) -> Organization | None:
    """The highest organisation the user has a role over (their dashboard's default)."""
    paths = sorted({p for _role, p in scope.grants(user)}, key=lambda p: (len(p), p))
    if user.is_superuser and not paths:
        return Organization.objects.filter(parent__isnull=True).order_by("path").first()
    if not paths:
        return None
    return Organization.objects.filter(path=paths[0]).first()


# --- the subtree dashboard --------------------------------------------------------------------

FIGURES = (
    "projects",
    "projects_completed",
    "milestones_overdue",
    "ledgers",
    "problems",
    "problems_closed",
    "problems_closed_on_time",
    "problems_overdue",
    "assignments",
    "assignments_done",
    "assignments_overdue",
    "weak",
    "weak_closed",
    "weak_overdue",
)


def _grouped(qs, path_field: str, length: int, **aggregates) -> dict[str, dict]:
    rows = (
        qs.annotate(bucket=Substr(path_field, 1, length))
        .values("bucket")
        .annotate(**aggregates)
        .order_by()
    )
    return {r.pop("bucket"): r for r in rows}


def subtree_figures(org: Organization, as_of: date | None = None) -> dict:
    """Figures for `org`'s whole subtree and for each active child's subtree: one grouped
    query per kind of record (six queries whatever the size of the tree)."""
    today = as_of or timezone.localdate()
    children = list(
        Organization.objects.filter(parent=org, status=OrgStatus.ACTIVE).order_by("path")
    )
    length = len(org.path) + 4
    within = prefix_range("org__path", org.path)
    closed = Q(status=ProblemStatus.CLOSED)
    parts = [
        _grouped(
            Project.objects.filter(**within),
            "org__path",
            length,
            projects=Count("pk"),
            projects_completed=Count("pk", filter=Q(status=ProjectStatus.COMPLETED)),
        ),
        _grouped(
            Milestone.objects.filter(**prefix_range("project__org__path", org.path)).filter(
                done_on__isnull=True, due_on__lt=today
            ),
            "project__org__path",
            length,
            milestones_overdue=Count("pk"),
        ),
        _grouped(Ledger.objects.filter(**within), "org__path", length, ledgers=Count("pk")),
        _grouped(
            Problem.objects.filter(**within),
            "org__path",
            length,
            problems=Count("pk"),
            problems_closed=Count("pk", filter=closed),
            problems_closed_on_time=Count("pk", filter=closed & Q(closed_on__lte=F("deadline"))),
            problems_overdue=Count("pk", filter=~closed & Q(deadline__lt=today)),
        ),
        _grouped(
            TaskAssignment.objects.filter(**within),
            "org__path",
            length,
            assignments=Count("pk"),
            assignments_done=Count("pk", filter=Q(status=AssignmentStatus.DONE)),
            assignments_overdue=Count(
                "pk", filter=~Q(status=AssignmentStatus.DONE) & Q(task__deadline__lt=today)
            ),
        ),
        _grouped(
            WeakOrg.objects.filter(**within),
            "org__path",
            length,
            weak=Count("pk"),
            weak_closed=Count("pk", filter=Q(status=WeakStatus.CLOSED)),
            weak_overdue=Count("pk", filter=~Q(status=WeakStatus.CLOSED) & Q(deadline__lt=today)),
        ),
    ]
    buckets: dict[str, dict] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for part in parts:
        for bucket, values in part.items():
            buckets[bucket].update(values)
    total = dict.fromkeys(FIGURES, 0)
    for values in buckets.values():
        for key in FIGURES:
            total[key] += values[key]
    rows = [(child, buckets.get(child.path, dict.fromkeys(FIGURES, 0))) for child in children]
    return {"org": org, "total": total, "children": rows, "own": buckets.get(org.path)}


def projects_per_level(org: Organization) -> list[tuple[str, int]]:
    """Projects claimed per level (kind of the owning organisation) in the subtree."""
    rows = (
        Project.objects.filter(**prefix_range("org__path", org.path))
        .values("org__kind")
        .annotate(n=Count("pk"))
        .order_by("org__kind")
    )
    return [(r["org__kind"], r["n"]) for r in rows]


# --- assessments ------------------------------------------------------------------------------


def ranking(assessments: list[Assessment]) -> dict[int, int]:
    """Rank within a level: among assessments of the same rubric (so the same year and org
    kind), by final score, highest first."""
    groups: dict[int, list] = defaultdict(list)
    for a in assessments:
        groups[a.rubric_id].append((a.pk, a.final))
    out: dict[int, int] = {}
    for values in groups.values():
        out.update(rules.rank(values))
    return out


def rubric_ranking(rubric_id: int, user) -> dict[int, int]:
    """Ranks of every assessment of a rubric, limited to what the user sees (a rank among the
    organisations of the user's scope)."""
    rows = (
        Assessment.objects.restrict(user)
        .filter(rubric_id=rubric_id)
        .only("pk", "rubric_id", "vetoed", "auto_total", "self_total", "review_total")
    )
    return ranking(list(rows))


def assessment_scores(assessment: Assessment) -> list[ItemScore]:
    """Every item of the rubric with the assessment's score row (made up, unsaved, where the
    item has none yet), in rubric order."""
    from .scoring import rubric_items

    have = {s.item_id: s for s in ItemScore.objects.filter(assessment=assessment)}
    out = []
    for item in rubric_items(assessment.rubric):
        row = have.get(item.pk) or ItemScore(assessment=assessment, item_id=item.pk)
        row.item = item
        out.append(row)
    return out
