"""Every write of secretary projects, problem ledgers, key tasks and weak-and-lax organisations.

Services take keyword arguments, validate into ValidationError({field: [message]}) before
writing anything, run in one transaction, re-check the actor's scope on what they wrote and
record one audit event as their last statement. Reviews and closures (销号) belong to the level
above: `may_review(actor, org)` is the actor's "change" scope over the organisation's parent,
so the organisation that owns a record can never approve or close it itself.
(The rubric and assessment services are in scoring.py.)
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.audit import services as audit
from jiceng.core import scope
from jiceng.core.fields import prefix_range
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, OrgStatus

from .models import (
    AssignmentStatus,
    KeyTask,
    Ledger,
    Milestone,
    Problem,
    ProblemStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    TaskAssignment,
    WeakBasis,
    WeakOrg,
    WeakStatus,
)

PROJECT_FIELDS = ("org", "year", "title", "problem", "goals", "targets", "status", "progress")
PROBLEM_FIELDS = (
    "ledger",
    "source",
    "description",
    "category",
    "severity",
    "measure",
    "owner",
    "deadline",
    "status",
    "evidence",
    "rectified_on",
    "closed_on",
    "review_comment",
)
WEAK_FIELDS = (
    "org",
    "year",
    "basis",
    "reason",
    "leader",
    "work_team",
    "first_secretary",
    "plan",
    "deadline",
    "progress",
    "status",
    "closed_on",
)


# --- shared checks ------------------------------------------------------------------------


def may_review(actor, org: Organization) -> bool:
    """Whether `actor` is the level above `org`: may change its parent organisation."""
    if actor is None:
        return True
    if org.parent_id is None:
        return bool(actor.is_superuser)
    parent = Organization(pk=org.parent_id)
    return scope.can(actor, scope.CHANGE, parent)


def ensure_level_above(actor, org: Organization, what: str) -> None:
    if not may_review(actor, org):
        raise PermissionDenied(
            _("Only the level above %(org)s may %(what)s; the organisation itself may not.")
            % {"org": org.name, "what": what}
        )


def _ensure_may(actor, action: str, obj) -> None:
    """Refuse before writing (a write is also re-checked after, inside the transaction)."""
    if actor is not None and not scope.can(actor, action, obj):
        raise PermissionDenied(_("This is outside your scope."))


def _required(errors: dict, **values) -> None:
    for field, value in values.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.setdefault(field, []).append(_("This field is required."))


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _today(value: date | None) -> date:
    return value or timezone.localdate()


def _active(org: Organization, errors: dict, field: str = "org") -> None:
    if org.status != OrgStatus.ACTIVE:
        errors.setdefault(field, []).append(_("The organisation has been dissolved."))


# --- secretary projects (书记项目) ---------------------------------------------------------


def project_claim(
    *,
    actor,
    org: Organization,
    title: str,
    problem: str,
    goals: str,
    targets: str,
    milestones: list[tuple[str, date]],
    year: int | None = None,
    claimed_on: date | None = None,
) -> Project:
    """A secretary claims a project for their organisation, with dated milestones."""
    _ensure_may(actor, scope.ADD, org)
    claimed_on = _today(claimed_on)
    errors: dict = {}
    _required(errors, title=title, problem=problem, goals=goals, targets=targets)
    _active(org, errors)
    if not milestones:
        errors.setdefault("milestones", []).append(_("Give at least one milestone with a date."))
    for title_, due in milestones:
        if not (title_ or "").strip() or due is None:
            errors.setdefault("milestones", []).append(
                _("Every milestone needs a name and a date.")
            )
            break
        if due < claimed_on:
            errors.setdefault("milestones", []).append(
                _("Milestone “%(name)s” is dated before the project was claimed.")
                % {"name": title_}
            )
    _raise(errors)
    with transaction.atomic():
        project = Project.objects.create(
            org=org,
            year=year or claimed_on.year,
            title=title.strip(),
            problem=problem.strip(),
            goals=goals.strip(),
            targets=targets.strip(),
            claimed_by=actor,
            claimed_on=claimed_on,
        )
        Milestone.objects.bulk_create(
            Milestone(project=project, title=t.strip(), due_on=d) for t, d in milestones
        )
        scope.ensure_in_scope(actor, scope.ADD, project)
        audit.record_change(
            "project_claim",
            actor=actor,
            obj=project,
            after=audit.snapshot(project, PROJECT_FIELDS),
            data={"milestones": [[t, d] for t, d in milestones]},
        )
    return project


def project_report(
    *,
    actor,
    project: Project,
    progress: int,
    text: str,
    evidence: str,
    milestones_done: list[int] = (),
    reported_on: date | None = None,
) -> ProgressReport:
    """The owner reports progress with evidence, and may mark milestones done."""
    _ensure_may(actor, scope.CHANGE, project)
    reported_on = _today(reported_on)
    errors: dict = {}
    _required(errors, text=text, evidence=evidence)
    if progress is None or not 0 <= progress <= 100:
        errors.setdefault("progress", []).append(_("Progress is a percentage from 0 to 100."))
    if project.status == ProjectStatus.COMPLETED:
        errors.setdefault("__all__", []).append(_("The project is completed."))
    own = set(project.milestones.values_list("pk", flat=True))
    if set(milestones_done) - own:
        errors.setdefault("milestones_done", []).append(_("Not a milestone of this project."))
    _raise(errors)
    with transaction.atomic():
        before = audit.snapshot(project, PROJECT_FIELDS)
        report = ProgressReport.objects.create(
            project=project,
            reported_on=reported_on,
            progress=progress,
            text=text.strip(),
            evidence=evidence.strip(),
            reported_by=actor,
        )
        if milestones_done:
            Milestone.objects.filter(pk__in=list(milestones_done), done_on__isnull=True).update(
                done_on=reported_on
            )
        project.progress = progress
        project.save(update_fields=["progress", "updated_at"])
        scope.ensure_in_scope(actor, scope.CHANGE, project)
        audit.record_change(
            "project_report",
            actor=actor,
            obj=project,
            before=before,
            after=audit.snapshot(project, PROJECT_FIELDS),
            data={"evidence": report.evidence, "milestones_done": sorted(milestones_done)},
        )
    return report


def project_submit(*, actor, project: Project) -> Project:
    """The owner submits the project (its claim, or its progress) to the level above."""
    _ensure_may(actor, scope.CHANGE, project)
    if project.status not in (
        ProjectStatus.CLAIMED,
        ProjectStatus.RETURNED,
        ProjectStatus.APPROVED,
    ):
        raise ValidationError(
            {
                "__all__": [
                    _("A project that is %(s)s cannot be submitted.")
                    % {"s": project.get_status_display()}
                ]
            }
        )
    with transaction.atomic():
        before = audit.snapshot(project, PROJECT_FIELDS)
        project.status = ProjectStatus.SUBMITTED
        project.save(update_fields=["status", "updated_at"])
        scope.ensure_in_scope(actor, scope.CHANGE, project)
        audit.record_change(
            "project_submit",
            actor=actor,
            obj=project,
            before=before,
            after=audit.snapshot(project, PROJECT_FIELDS),
        )
    return project


def project_review(
    *, actor, project: Project, approve: bool, comment: str = "", reviewed_on: date | None = None
) -> Project:
    """The level above approves (completed when at 100 % with every milestone done) or
    returns the project with a comment."""
    ensure_level_above(actor, project.org, _("review a secretary project"))
    errors: dict = {}
    if project.status != ProjectStatus.SUBMITTED:
        errors["__all__"] = [_("Only a submitted project can be reviewed.")]
    if not approve and not (comment or "").strip():
        errors["comment"] = [_("Say why the project is returned.")]
    _raise(errors)
    with transaction.atomic():
        before = audit.snapshot(project, PROJECT_FIELDS)
        if approve:
            open_milestones = project.milestones.filter(done_on__isnull=True).exists()
            done = project.progress >= 100 and not open_milestones
            project.status = ProjectStatus.COMPLETED if done else ProjectStatus.APPROVED
        else:
            project.status = ProjectStatus.RETURNED
        project.review_comment = (comment or "").strip()
        project.reviewed_by = actor
        project.reviewed_on = _today(reviewed_on)
        project.save()
        audit.record_change(
            "project_review",
            actor=actor,
            obj=project,
            before=before,
            after=audit.snapshot(project, PROJECT_FIELDS),
            data={"comment": project.review_comment},
        )
    return project


# --- problem ledgers (问题台账) ------------------------------------------------------------


def ledger_create(*, actor, org: Organization, year: int, title: str) -> Ledger:
    _ensure_may(actor, scope.ADD, org)
    errors: dict = {}
    _required(errors, title=title, year=year)
    _active(org, errors)
    if not errors and Ledger.objects.filter(org=org, year=year, title=title.strip()).exists():
        errors["title"] = [_("This organisation already has a ledger of that name for the year.")]
    _raise(errors)
    with transaction.atomic():
        ledger = Ledger.objects.create(org=org, year=year, title=title.strip())
        scope.ensure_in_scope(actor, scope.ADD, ledger)
        audit.record_change(
            "ledger_create",
            actor=actor,
            obj=ledger,
            after=audit.snapshot(ledger, ("org", "year", "title")),
        )
    return ledger


def problem_open(
    *,
    actor,
    ledger: Ledger,
    source: str,
    description: str,
    category: str,
    severity: str,
    measure: str,
    owner: str,
    deadline: date,
    found_on: date | None = None,
) -> Problem:
    _ensure_may(actor, scope.ADD, ledger)
    found_on = _today(found_on)
    errors: dict = {}
    _required(
        errors,
        source=source,
        description=description,
        category=category,
        severity=severity,
        measure=measure,
        owner=owner,
        deadline=deadline,
    )
    if deadline is not None and deadline < found_on:
        errors.setdefault("deadline", []).append(_("The deadline is before the problem was found."))
    problem = Problem(
        ledger=ledger,
        org_id=ledger.org_id,
        source=source,
        description=(description or "").strip(),
        category=category,
        severity=severity,
        measure=(measure or "").strip(),
        owner=(owner or "").strip(),
        found_on=found_on,
        deadline=deadline,
    )
    if not errors:
        try:
            problem.full_clean(exclude=["org", "ledger", "closed_by"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    _raise(errors)
    with transaction.atomic():
        problem.save()
        scope.ensure_in_scope(actor, scope.ADD, problem)
        audit.record_change(
            "problem_open", actor=actor, obj=problem, after=audit.snapshot(problem, PROBLEM_FIELDS)
        )
    return problem


def problem_rectify(
    *, actor, problem: Problem, evidence: str, rectified_on: date | None = None
) -> Problem:
    """The owning organisation reports the problem rectified, with evidence."""
    _ensure_may(actor, scope.CHANGE, problem)
    errors: dict = {}
    _required(errors, evidence=evidence)
    if problem.status != ProblemStatus.OPEN:
        errors["__all__"] = [_("Only an open problem can be reported rectified.")]
    _raise(errors)
    with transaction.atomic():
        before = audit.snapshot(problem, PROBLEM_FIELDS)
        problem.status = ProblemStatus.RECTIFIED
        problem.evidence = evidence.strip()
        problem.rectified_on = _today(rectified_on)
        problem.save()
        scope.ensure_in_scope(actor, scope.CHANGE, problem)
        audit.record_change(
            "problem_rectify",
            actor=actor,
            obj=problem,
            before=before,
            after=audit.snapshot(problem, PROBLEM_FIELDS),
        )
    return problem


def problem_review(
    *, actor, problem: Problem, approve: bool, comment: str = "", closed_on: date | None = None
) -> Problem:
    """The level above closes (销号) a rectified problem, or returns it open with a comment.
    The organisation that owns the problem is refused."""
    ensure_level_above(actor, problem.org, _("close (销号) a problem"))
    errors: dict = {}
    if problem.status != ProblemStatus.RECTIFIED:
        errors["__all__"] = [_("Only a problem reported rectified can be reviewed.")]
    if not approve and not (comment or "").strip():
        errors["comment"] = [_("Say why the rectification is not accepted.")]
    _raise(errors)
    with transaction.atomic():
        before = audit.snapshot(problem, PROBLEM_FIELDS)
        problem.review_comment = (comment or "").strip()
        if approve:
            problem.status = ProblemStatus.CLOSED
            problem.closed_on = _today(closed_on)
            problem.closed_by = actor
        else:
            problem.status = ProblemStatus.OPEN
        problem.save()
        audit.record_change(
            "problem_review",
            actor=actor,
            obj=problem,
            before=before,
            after=audit.snapshot(problem, PROBLEM_FIELDS),
        )
    return problem


# --- key tasks -----------------------------------------------------------------------------

TASK_TARGETS = ("children", "grassroots", "township")


def task_issue(
    *,
    actor,
    org: Organization,
    title: str,
    description: str,
    deadline: date,
    to: str = "children",
    year: int | None = None,
) -> KeyTask:
    """Issue a task to the organisations under `org`: its direct subordinates ("children"),
    every township of its subtree ("township") or every grassroots organisation of its
    subtree ("grassroots"), one assignment each."""
    _ensure_may(actor, scope.ADD, org)
    errors: dict = {}
    _required(errors, title=title, description=description, deadline=deadline)
    _active(org, errors)
    if to not in TASK_TARGETS:
        errors["to"] = [_("Choose whom the task goes to.")]
    targets = Organization.objects.none()
    if not errors:
        targets = Organization.objects.filter(status=OrgStatus.ACTIVE)
        if to == "children":
            targets = targets.filter(parent=org)
        elif to == "township":
            targets = targets.filter(**prefix_range("path", org.path), kind="township")
        else:
            targets = (
                targets.filter(**prefix_range("path", org.path))
                .filter(kind__in=[str(k) for k in GRASSROOTS_KINDS])
                .exclude(pk=org.pk)
            )
        if not targets.exists():
            errors["to"] = [
                _("There is no organisation under %(org)s to give it to.") % {"org": org.name}
            ]
    _raise(errors)
    with transaction.atomic():
        task = KeyTask.objects.create(
            org=org,
            year=year or deadline.year,
            title=title.strip(),
            description=description.strip(),
            deadline=deadline,
            issued_by=actor,
        )
        ids = list(targets.values_list("pk", flat=True))
        TaskAssignment.objects.bulk_create(
            (TaskAssignment(task=task, org_id=pk) for pk in ids), batch_size=1000
        )
        scope.ensure_in_scope(actor, scope.ADD, task)
        audit.record_change(
            "task_issue",
            actor=actor,
            obj=task,
            after=audit.snapshot(task, ("org", "year", "title", "deadline")),
            data={"to": to, "organisations": len(ids)},
        )
    return task


def assignment_report(
    *,
    actor,
    assignment: TaskAssignment,
    status: str,
    evidence: str = "",
    reported_on: date | None = None,
) -> TaskAssignment:
    _ensure_may(actor, scope.CHANGE, assignment)
    errors: dict = {}
    if status not in AssignmentStatus.values:
        errors["status"] = [_("Choose a status.")]
    if status == AssignmentStatus.DONE and not (evidence or "").strip():
        errors["evidence"] = [_("Give the evidence that the task is done.")]
    _raise(errors)
    fields = ("status", "evidence", "reported_on")
    with transaction.atomic():
        before = audit.snapshot(assignment, fields)
        assignment.status = status
        assignment.evidence = (evidence or "").strip()
        assignment.reported_on = _today(reported_on)
        assignment.save()
        scope.ensure_in_scope(actor, scope.CHANGE, assignment)
        audit.record_change(
            "task_report",
            actor=actor,
            obj=assignment,
            before=before,
            after=audit.snapshot(assignment, fields),
        )
    return assignment


# --- weak-and-lax organisations (软弱涣散) -------------------------------------------------


def weak_identify(
    *,
    actor,
    org: Organization,
    reason: str,
    basis: str = WeakBasis.MANUAL,
    year: int | None = None,
    identified_on: date | None = None,
) -> WeakOrg:
    """The level above identifies `org` as weak and lax, with its reason."""
    ensure_level_above(actor, org, _("identify a weak-and-lax organisation"))
    identified_on = _today(identified_on)
    year = year or identified_on.year
    errors: dict = {}
    _required(errors, reason=reason)
    _active(org, errors)
    if basis not in WeakBasis.values:
        errors["basis"] = [_("Choose how it was identified.")]
    if WeakOrg.objects.filter(org=org, year=year).exists():
        errors.setdefault("org", []).append(
            _("%(org)s is already identified for %(year)s.") % {"org": org.name, "year": year}
        )
    _raise(errors)
    with transaction.atomic():
        weak = WeakOrg.objects.create(
            org=org,
            year=year,
            basis=basis,
            reason=reason.strip(),
            identified_on=identified_on,
            identified_by=actor,
        )
        audit.record_change(
            "weak_identify", actor=actor, obj=weak, after=audit.snapshot(weak, WEAK_FIELDS)
        )
    return weak


def weak_plan(
    *,
    actor,
    weak: WeakOrg,
    leader: str,
    work_team: str,
    first_secretary: str,
    plan: str,
    deadline: date,
) -> WeakOrg:
    """The rectification plan with its "四个一": a responsible leader, a work team, a first
    secretary and a plan, and a deadline."""
    _ensure_may(actor, scope.CHANGE, weak)
    errors: dict = {}
    _required(
        errors,
        leader=leader,
        work_team=work_team,
        first_secretary=first_secretary,
        plan=plan,
        deadline=deadline,
    )
    if weak.status == WeakStatus.CLOSED:
        errors["__all__"] = [_("The rectification is closed.")]
    if deadline is not None and deadline < weak.identified_on:
        errors.setdefault("deadline", []).append(_("The deadline is before the identification."))
    _raise(errors)
    with transaction.atomic():
        before = audit.snapshot(weak, WEAK_FIELDS)
        weak.leader, weak.work_team = leader.strip(), work_team.strip()
        weak.first_secretary, weak.plan = first_secretary.strip(), plan.strip()
        weak.deadline = deadline
        weak.status = WeakStatus.RECTIFYING
        weak.save()
        scope.ensure_in_scope(actor, scope.CHANGE, weak)
        audit.record_change(
            "weak_plan",
            actor=actor,
            obj=weak,
            before=before,
            after=audit.snapshot(weak, WEAK_FIELDS),
        )
    return weak


def weak_progress(*, actor, weak: WeakOrg, progress: int, note: str) -> WeakOrg:
    _ensure_may(actor, scope.CHANGE, weak)
    errors: dict = {}
    _required(errors, progress_note=note)
    if progress is None or not 0 <= progress <= 100:
        errors["progress"] = [_("Progress is a percentage from 0 to 100.")]
    if weak.status != WeakStatus.RECTIFYING:
        errors["__all__"] = [_("Record the rectification plan first.")]
    _raise(errors)
    with transaction.atomic():
        before = audit.snapshot(weak, WEAK_FIELDS)
        weak.progress, weak.progress_note = progress, note.strip()
        weak.save()
        scope.ensure_in_scope(actor, scope.CHANGE, weak)
        audit.record_change(
            "weak_progress",
            actor=actor,
            obj=weak,
            before=before,
            after=audit.snapshot(weak, WEAK_FIELDS),
        )
    return weak


def weak_close(*, actor, weak: WeakOrg, closed_on: date | None = None) -> WeakOrg:
    """销号 by the level above, once the plan is carried out (progress 100 %)."""
    ensure_level_above(actor, weak.org, _("close (销号) a weak-and-lax rectification"))
    errors: dict = {}
    if weak.status != WeakStatus.RECTIFYING:
        errors["__all__"] = [_("Only a rectification under way can be closed.")]
    elif weak.progress < 100:
        errors["__all__"] = [_("The rectification is not finished (progress below 100 %).")]
    _raise(errors)
    with transaction.atomic():
        before = audit.snapshot(weak, WEAK_FIELDS)
        weak.status = WeakStatus.CLOSED
        weak.closed_on = _today(closed_on)
        weak.closed_by = actor
        weak.save()
        audit.record_change(
            "weak_close",
            actor=actor,
            obj=weak,
            before=before,
            after=audit.snapshot(weak, WEAK_FIELDS),
        )
    return weak


AUDIT_EVENTS = {
    "project_claim": gettext_lazy("secretary project claimed"),
    "project_report": gettext_lazy("secretary project progress"),
    "project_submit": gettext_lazy("secretary project submitted"),
    "project_review": gettext_lazy("secretary project reviewed"),
    "ledger_create": gettext_lazy("problem ledger created"),
    "problem_open": gettext_lazy("ledger problem opened"),
    "problem_rectify": gettext_lazy("ledger problem rectified"),
    "problem_review": gettext_lazy("ledger problem reviewed"),
    "task_issue": gettext_lazy("key task issued"),
    "task_report": gettext_lazy("key task reported"),
    "rubric_create": gettext_lazy("assessment rubric created"),
    "assessment_start": gettext_lazy("assessment started"),
    "assessment_refresh": gettext_lazy("assessment scored from records"),
    "assessment_self": gettext_lazy("assessment self-scored"),
    "assessment_review": gettext_lazy("assessment reviewed"),
    "weak_identify": gettext_lazy("weak-and-lax organisation identified"),
    "weak_plan": gettext_lazy("weak-and-lax rectification plan"),
    "weak_progress": gettext_lazy("weak-and-lax rectification progress"),
    "weak_close": gettext_lazy("weak-and-lax rectification closed"),
}
