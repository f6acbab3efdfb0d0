"""Membership development (发展党员): one record per person from application to full membership,
one row per recorded step, the members named in a step, and documented rule exceptions.

The record keeps the dates the rules and deadlines need (application, activist, last
assessment, …) next to the steps, so that what is due next can be computed for a whole subtree
from one query. The person may not be a member yet: name, ID number (encrypted, found by its
keyed hash) and the items the registry needs at admission are kept here.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core import crypto
from jiceng.core.codes import ETHNICITIES, Education, Occupation, Sex
from jiceng.core.fields import BinaryCharField, EncryptedTextField
from jiceng.core.models import RestrictedQuerySet, TimeStampedModel, object_url


class Stage(models.TextChoices):
    APPLICANT = "applicant", _("applicant")  # steps 1-2
    ACTIVIST = "activist", _("activist")  # steps 3-6
    TARGET = "target", _("development target")  # steps 7-11
    ADMISSION = "admission", _("admission")  # steps 12-18
    PROBATION = "probation", _("probationary member")  # steps 19-24
    FULL = "full", _("full member")  # 转正 approved (step 24), archived at 25
    REVOKED = "revoked", _("probation revoked")


OPEN_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.TARGET, Stage.ADMISSION, Stage.PROBATION)


class DevelopmentRecord(TimeStampedModel):
    scope_path = "org__path"

    name = BinaryCharField(_("name"), max_length=40)
    id_number = EncryptedTextField(_("ID number"))
    id_number_hash = models.CharField(max_length=64, editable=False, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, default="01")
    education = models.CharField(_("education"), max_length=2, choices=Education.choices)
    occupation = models.CharField(
        _("occupation category"), max_length=2, choices=Occupation.choices
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="development_records",
        verbose_name=_("branch"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="development_records",
        verbose_name=_("the person's account"),
    )
    member = models.OneToOneField(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="development_record",
        verbose_name=_("member record"),
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    step = models.PositiveSmallIntegerField(_("last step done"), default=0)
    # The dates the rules and deadlines need (kept by the services from the steps).
    applied_on = models.DateField(_("applied on"))
    talked_on = models.DateField(_("talk on"), null=True, blank=True)
    activist_on = models.DateField(_("activist on"), null=True, blank=True)
    assessed_on = models.DateField(_("last assessment on"), null=True, blank=True)
    target_on = models.DateField(_("development target on"), null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice ends on"), null=True, blank=True)
    resolution_on = models.DateField(_("branch resolution on"), null=True, blank=True)
    approved_on = models.DateField(_("admission approved on"), null=True, blank=True)
    probation_ends_on = models.DateField(_("probation ends on"), null=True, blank=True)
    extended = models.BooleanField(_("probation extended"), default=False)
    decision_on = models.DateField(_("branch decision on probation"), null=True, blank=True)
    full_on = models.DateField(_("full member on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("development record")
        verbose_name_plural = _("development records")
        ordering = ["org_id", "id"]
        indexes = [
            models.Index(fields=["org", "stage"], name="devrec_org_stage"),
            models.Index(fields=["stage", "step"], name="devrec_stage_step"),
            models.Index(fields=["name"], name="devrec_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("recruitment:record_detail", self.pk)

    def save(self, *args, **kwargs):
        self.id_number_hash = crypto.lookup_hash(self.id_number)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @classmethod
    def scope_self(cls, user):
        return models.Q(user=user)


class Step(models.Model):
    """One recorded step (1-25) with its date, who recorded it and its own data (validated per
    step by recruitment.steps). Steps 6 and 21 (assessments) repeat; 21-24 repeat after an
    extension of probation."""

    record = models.ForeignKey(DevelopmentRecord, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("step"))
    on = models.DateField(_("date"))
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "record__org__path"

    class Meta:
        ordering = ["record_id", "on", "id"]
        verbose_name = _("development step")
        indexes = [models.Index(fields=["record", "number"], name="devstep_record_number")]

    def __str__(self) -> str:
        return f"{self.record_id} step {self.number} on {self.on}"

    @classmethod
    def scope_self(cls, user):
        return models.Q(record__user=user)


class SponsorRole(models.TextChoices):
    CONTACT = "contact", _("cultivation contact")  # 培养联系人, step 5 (DEV-05)
    INTRODUCER = "introducer", _("introducer")  # 入党介绍人, step 9 (DEV-08)


class Sponsor(models.Model):
    """A member named in a step: a cultivation contact or an introducer."""

    record = models.ForeignKey(DevelopmentRecord, on_delete=models.CASCADE, related_name="sponsors")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="sponsors")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=12, choices=SponsorRole.choices)

    class Meta:
        ordering = ["record_id", "role", "id"]

    def __str__(self) -> str:
        return f"{self.role} {self.member_id} of {self.record_id}"


class RuleException(models.Model):
    """A rule knowingly not followed at a step: who allowed it, why, which rule. Listed and
    counted on the dashboard, shown as a finding: never silent."""

    record = models.ForeignKey(
        DevelopmentRecord, on_delete=models.CASCADE, related_name="exceptions"
    )
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="exceptions")
    rule = models.CharField(_("rule"), max_length=12)
    message = models.CharField(_("what the rule says"), max_length=300)
    reason = models.CharField(_("why"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "record__org__path"

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("rule exception")

    def __str__(self) -> str:
        return f"{self.rule} at {self.step_id}"
