"""The responsibility system (责任体系): secretary projects, problem ledgers, key tasks, scored
assessments and weak-and-lax organisations.

Every record belongs to an organisation (`org`) and is scoped by its path. Reviews and
closures (销号) are the level above's: the services check the actor's scope over the owning
organisation's parent (rules.may_review).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core.models import TimeStampedModel, object_url

ORG = "orgs.Organization"
USER = "accounts.User"


def _org_fk(verbose=None, related="+"):
    return models.ForeignKey(
        ORG,
        on_delete=models.PROTECT,
        related_name=related,
        verbose_name=verbose or _("organisation"),
    )


def _user_fk(verbose):
    return models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=verbose,
    )


# --- secretary projects (书记项目) ------------------------------------------------------------


class ProjectStatus(models.TextChoices):
    CLAIMED = "claimed", _("claimed")
    SUBMITTED = "submitted", _("submitted for review")
    RETURNED = "returned", _("returned")
    APPROVED = "approved", _("approved")
    COMPLETED = "completed", _("completed")


class Project(TimeStampedModel):
    scope_path = "org__path"

    org = _org_fk(_("owner organisation"), "secretary_projects")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120)
    problem = models.TextField(_("problem addressed"))
    goals = models.TextField(_("goals"))
    targets = models.TextField(_("measurable targets"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.CLAIMED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    claimed_by = _user_fk(_("claimed by"))
    claimed_on = models.DateField(_("claimed on"))
    reviewed_by = _user_fk(_("reviewed by"))
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)

    class Meta:
        verbose_name = _("secretary project")
        verbose_name_plural = _("secretary projects")
        ordering = ["-year", "org__path", "id"]
        indexes = [models.Index(fields=["status", "year"], name="acc_project_status")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("accountability:project_detail", self.pk)


class Milestone(TimeStampedModel):
    scope_path = "project__org__path"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=120)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"], name="acc_milestone_due")]

    def __str__(self):
        return self.title


class ProgressReport(TimeStampedModel):
    scope_path = "project__org__path"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    reported_on = models.DateField(_("reported on"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    text = models.TextField(_("what was done"))
    evidence = models.TextField(_("evidence"))
    reported_by = _user_fk(_("reported by"))

    class Meta:
        verbose_name = _("progress report")
        ordering = ["-reported_on", "-id"]

    def __str__(self):
        return f"{self.project} {self.reported_on}"


# --- problem ledgers (问题台账) -------------------------------------------------------------


class Ledger(TimeStampedModel):
    scope_path = "org__path"

    org = _org_fk(related="problem_ledgers")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120)

    class Meta:
        verbose_name = _("problem ledger")
        verbose_name_plural = _("problem ledgers")
        ordering = ["-year", "org__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "title"], name="acc_ledger_unique")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("accountability:ledger_detail", self.pk)


class ProblemSource(models.TextChoices):
    INSPECTION = "inspection", _("inspection")
    SELF = "self", _("self-examination")
    SUPERVISION = "supervision", _("supervision group")
    MASSES = "masses", _("raised by the masses")
    ASSESSMENT = "assessment", _("assessment")


class ProblemCategory(models.TextChoices):
    ORGANISATION = "organisation", _("organisation building")
    LIFE = "life", _("organisational life")
    MEMBERS = "members", _("member management")
    DUES = "dues", _("dues")
    SERVICE = "service", _("service to the masses")
    DISCIPLINE = "discipline", _("discipline and style")


class Severity(models.TextChoices):
    MINOR = "minor", _("minor")
    MAJOR = "major", _("major")
    SERIOUS = "serious", _("serious")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("open")
    RECTIFIED = "rectified", _("rectified, awaiting closure")
    CLOSED = "closed", _("closed (销号)")


class Problem(TimeStampedModel):
    scope_path = "org__path"

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="problems")
    org = _org_fk(related="+")  # the ledger's organisation, kept here for scope and counts
    source = models.CharField(_("source"), max_length=12, choices=ProblemSource.choices)
    description = models.TextField(_("problem"))
    category = models.CharField(_("category"), max_length=12, choices=ProblemCategory.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    measure = models.TextField(_("rectification measure"))
    owner = models.CharField(_("person responsible"), max_length=40)
    found_on = models.DateField(_("found on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    evidence = models.TextField(_("evidence of rectification"), blank=True)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = _user_fk(_("closed by"))
    review_comment = models.TextField(_("review comment"), blank=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"], name="acc_problem_status")]

    def __str__(self):
        return self.description[:40]

    def get_absolute_url(self):
        return object_url("accountability:problem_detail", self.pk)


# --- key tasks (重点任务) ----------------------------------------------------------------------


class KeyTask(TimeStampedModel):
    """A task issued by `org` to the organisations of its subtree (one TaskAssignment each)."""

    scope_path = "org__path"

    org = _org_fk(_("issued by"), "issued_tasks")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    deadline = models.DateField(_("deadline"))
    issued_by = _user_fk(_("issued by"))

    class Meta:
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        ordering = ["-year", "deadline", "id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("accountability:task_detail", self.pk)


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("not started")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")


class TaskAssignment(TimeStampedModel):
    scope_path = "org__path"

    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="assignments")
    org = _org_fk(related="+")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.PENDING,
    )
    evidence = models.TextField(_("evidence"), blank=True)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)

    class Meta:
        verbose_name = _("task assignment")
        ordering = ["task", "org__path"]
        constraints = [
            models.UniqueConstraint(fields=["task", "org"], name="acc_assignment_unique")
        ]

    def __str__(self):
        return f"{self.task} · {self.org_id}"

    def get_absolute_url(self):
        return object_url("accountability:assignment_report", self.pk)


# --- scored assessment (量化考核) ------------------------------------------------------------


class Rubric(models.Model):
    """A versioned rubric: one per (year, org kind, version). Rubrics are rules, not records
    of an organisation: every logged-in user may read them."""

    year = models.PositiveSmallIntegerField(_("year"))
    org_kind = models.CharField(_("organisation kind"), max_length=20)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rubric")
        ordering = ["-year", "org_kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "org_kind", "version"], name="acc_rubric_version"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.year} v{self.version})"

    def get_absolute_url(self):
        return object_url("accountability:rubric_detail", self.pk)


class RubricCategory(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="categories")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("category"), max_length=80)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["rubric", "order"]

    def __str__(self):
        return self.name


class ItemKind(models.TextChoices):
    SCORED = "scored", _("scored")
    BONUS = "bonus", _("bonus")
    VETO = "veto", _("one-vote veto")


class RubricItem(models.Model):
    category = models.ForeignKey(RubricCategory, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(_("code"), max_length=12)
    title = models.CharField(_("item"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    check_method = models.CharField(_("how it is checked"), max_length=200)
    deduction = models.DecimalField(
        _("deduction per missing instance"), max_digits=6, decimal_places=2, default=Decimal(0)
    )
    rule = models.CharField(_("rule id"), max_length=12, blank=True)
    subtree = models.BooleanField(_("count the whole subtree"), default=False)

    class Meta:
        ordering = ["category", "order"]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def automatic(self) -> bool:
        return bool(self.rule)


class AssessmentStatus(models.TextChoices):
    OPEN = "open", _("open")
    SELF_SCORED = "self_scored", _("self-scored")
    REVIEWED = "reviewed", _("reviewed")


class Assessment(TimeStampedModel):
    scope_path = "org__path"

    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="assessments")
    org = _org_fk(related="+")
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.OPEN
    )
    auto_total = models.DecimalField(
        _("automatic points"), max_digits=7, decimal_places=2, default=0
    )
    self_total = models.DecimalField(
        _("self-score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    review_total = models.DecimalField(
        _("review score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    vetoed = models.BooleanField(_("vetoed"), default=False)
    computed_at = models.DateTimeField(_("scored automatically at"), null=True, blank=True)
    reviewed_by = _user_fk(_("reviewed by"))

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["rubric", "org__path"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "org"], name="acc_assessment_unique")
        ]

    def __str__(self):
        return f"{self.rubric} · {self.org_id}"

    def get_absolute_url(self):
        return object_url("accountability:assessment_detail", self.pk)

    @property
    def final(self):
        """The score that ranks: the review's, else the self-score, else the automatic."""
        if self.vetoed:
            return Decimal(0)
        for value in (self.review_total, self.self_total):
            if value is not None:
                return value
        return self.auto_total


class ItemScore(TimeStampedModel):
    scope_path = "assessment__org__path"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="+")
    instances = models.PositiveIntegerField(_("missing instances"), null=True, blank=True)
    auto_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    explanation = models.JSONField(default=list, blank=True)  # [{rule, message, url, due}]
    self_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    review_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        ordering = ["item__category__order", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="acc_score_unique")
        ]

    def __str__(self):
        return f"{self.item.code}"


# --- weak-and-lax organisations (软弱涣散) ----------------------------------------------------


class WeakBasis(models.TextChoices):
    SCORE = "score", _("assessment score")
    CRITERIA = "criteria", _("criteria")
    MANUAL = "manual", _("manual, with reason")


class WeakStatus(models.TextChoices):
    IDENTIFIED = "identified", _("identified")
    RECTIFYING = "rectifying", _("rectifying")
    CLOSED = "closed", _("closed (销号)")


class WeakOrg(TimeStampedModel):
    scope_path = "org__path"

    org = _org_fk(related="+")
    year = models.PositiveSmallIntegerField(_("year"))
    basis = models.CharField(_("identified by"), max_length=10, choices=WeakBasis.choices)
    reason = models.TextField(_("reason"))
    identified_on = models.DateField(_("identified on"))
    identified_by = _user_fk(_("identified by"))
    # the "四个一": a responsible leader, a work team, a first secretary, a plan
    leader = models.CharField(_("responsible leader"), max_length=40, blank=True)
    work_team = models.CharField(_("work team"), max_length=200, blank=True)
    first_secretary = models.CharField(_("first secretary"), max_length=40, blank=True)
    plan = models.TextField(_("rectification plan"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_note = models.TextField(_("progress"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=WeakStatus.choices, default=WeakStatus.IDENTIFIED
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = _user_fk(_("closed by"))

    class Meta:
        verbose_name = _("weak-and-lax organisation")
        verbose_name_plural = _("weak-and-lax organisations")
        ordering = ["-year", "org__path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="acc_weak_unique")]

    def __str__(self):
        return f"{self.org_id} {self.year}"

    def get_absolute_url(self):
        return object_url("accountability:weak_detail", self.pk)
