"""Findings of the responsibility system (rules ACC-01…04, see rules.py): one provider, a few
set-based queries for a whole subtree, judged as of any date (a record done or closed after
`as_of` counts as still open on that date, so an assessment of a past period is stable)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.fields import prefix_range
from jiceng.core.findings import Finding, Level
from jiceng.core.models import object_url

from . import rules
from .models import Milestone, Problem, TaskAssignment, WeakOrg, WeakStatus

PARAMS = {
    rules.MILESTONE: "ACC-01.lead_days",
    rules.PROBLEM: "ACC-02.lead_days",
    rules.WEAK: "ACC-03.lead_days",
    rules.TASK: "ACC-04.lead_days",
}


def _open_as_of(field: str, as_of: date) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": as_of})


def provide(path: str, as_of: date):
    params = ruleset.snapshot(on=as_of)
    lead = {rule: int(params.get(name, rules.DEFAULT_LEAD_DAYS)) for rule, name in PARAMS.items()}

    def window(rule: str) -> date:
        return as_of + timedelta(days=lead[rule])

    milestones = (
        Milestone.objects.filter(**prefix_range("project__org__path", path))
        .filter(_open_as_of("done_on", as_of), due_on__lte=window(rules.MILESTONE))
        .filter(project__claimed_on__lte=as_of)
        .values_list(
            "project_id",
            "title",
            "due_on",
            "project__title",
            "project__org_id",
            "project__org__path",
        )
    )
    for project_id, title, due_on, project_title, org_id, org_path in milestones.iterator(2000):
        level = rules.deadline_level(due_on, as_of, lead[rules.MILESTONE])
        yield Finding(
            rules.MILESTONE,
            Level(level),
            org_id,
            org_path,
            _("Secretary project milestone “%(m)s” is not done") % {"m": title},
            due_on,
            object_url("accountability:project_detail", project_id),
            project_title,
        )

    problems = (
        Problem.objects.filter(**prefix_range("org__path", path))
        .filter(_open_as_of("closed_on", as_of), found_on__lte=as_of)
        .filter(deadline__lte=window(rules.PROBLEM))
        .values_list("pk", "description", "deadline", "org_id", "org__path")
    )
    for pk, description, deadline, org_id, org_path in problems.iterator(2000):
        level = rules.deadline_level(deadline, as_of, lead[rules.PROBLEM])
        yield Finding(
            rules.PROBLEM,
            Level(level),
            org_id,
            org_path,
            _("Ledger problem not closed (销号) by its deadline"),
            deadline,
            object_url("accountability:problem_detail", pk),
            description[:40],
        )

    weak = (
        WeakOrg.objects.filter(**prefix_range("org__path", path))
        .filter(_open_as_of("closed_on", as_of), identified_on__lte=as_of)
        .filter(deadline__isnull=False, deadline__lte=window(rules.WEAK))
        .exclude(status=WeakStatus.CLOSED, closed_on__lte=as_of)
        .values_list("pk", "deadline", "org_id", "org__path", "org__name")
    )
    for pk, deadline, org_id, org_path, name in weak.iterator(2000):
        level = rules.deadline_level(deadline, as_of, lead[rules.WEAK])
        yield Finding(
            rules.WEAK,
            Level(level),
            org_id,
            org_path,
            _("Weak-and-lax rectification not closed (销号) by its deadline"),
            deadline,
            object_url("accountability:weak_detail", pk),
            name,
        )

    tasks = (
        TaskAssignment.objects.filter(**prefix_range("org__path", path))
        .filter(task__deadline__lte=window(rules.TASK))
        .exclude(status="done", reported_on__lte=as_of)
        .values_list("pk", "task__title", "task__deadline", "org_id", "org__path")
    )
    for pk, title, deadline, org_id, org_path in tasks.iterator(2000):
        level = rules.deadline_level(deadline, as_of, lead[rules.TASK])
        yield Finding(
            rules.TASK,
            Level(level),
            org_id,
            org_path,
            _("Key task “%(t)s” not reported done") % {"t": title},
            deadline,
            object_url("accountability:assignment_report", pk),
            title,
        )
