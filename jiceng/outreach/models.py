"""The service system (服务体系): service centres, on-site duty, household visits, residents'
requests, village work teams and first secretaries, poverty-alleviation figures, training."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core.fields import EncryptedTextField
from jiceng.core.models import TimeStampedModel, object_url

ORG = "orgs.Organization"
MEMBER = "members.Member"


class ServiceCentre(TimeStampedModel):
    """A 党群服务中心 of one township/street or one village/community (SRV-01: "四有")."""

    scope_path = "org__path"

    org = models.OneToOneField(
        ORG, on_delete=models.PROTECT, related_name="service_centre", verbose_name=_("served by")
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200)
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    staff = models.CharField(_("staff"), max_length=200, blank=True)
    staff_count = models.PositiveSmallIntegerField(_("number of staff"), default=0)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    # The "四有" checklist: each item counts only with its evidence.
    has_place = models.BooleanField(_("has a place"), default=False)
    place_evidence = models.CharField(_("evidence of the place"), max_length=200, blank=True)
    has_sign = models.BooleanField(_("has a sign"), default=False)
    sign_evidence = models.CharField(_("evidence of the sign"), max_length=200, blank=True)
    has_system = models.BooleanField(_("has rules and systems"), default=False)
    system_evidence = models.CharField(_("evidence of the systems"), max_length=200, blank=True)
    has_funds = models.BooleanField(_("has funds"), default=False)
    funds_evidence = models.CharField(_("evidence of the funds"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")
        ordering = ["org__path"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("outreach:centre_detail", self.pk)

    @property
    def meets_four(self) -> bool:
        return self.has_place and self.has_sign and self.has_system and self.has_funds


class DutySource(models.TextChoices):
    ENTERED = "entered", _("entered")
    IMPORTED = "imported", _("imported")


class DutyShift(TimeStampedModel):
    """One cadre on duty at one township or village on one day (the roster), with the
    check-in and check-out once they happen."""

    scope_path = "org__path"

    # (indexed by the composite index and the unique constraint below)
    org = models.ForeignKey(
        ORG,
        on_delete=models.PROTECT,
        related_name="duty_shifts",
        verbose_name=_("on duty at"),
        db_index=False,
    )
    cadre = models.ForeignKey(
        MEMBER,
        on_delete=models.PROTECT,
        related_name="duty_shifts",
        verbose_name=_("cadre"),
        db_index=False,
    )
    on = models.DateField(_("date"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=DutySource.choices, default=DutySource.ENTERED
    )
    region_code = models.CharField(max_length=6, editable=False, default="")

    @classmethod
    def scope_self(cls, user):
        return models.Q(cadre__user=user)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["-on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cadre", "on"], name="outreach_one_shift_a_day")
        ]
        indexes = [
            models.Index(fields=["org", "on"], name="outreach_shift_org_on"),
            # the part of a month a figure reads from the records (figures.py)
            models.Index(fields=["on"], name="outreach_shift_on"),
        ]

    def __str__(self):
        return f"{self.cadre_id} @ {self.org_id} {self.on}"

    @property
    def attended(self) -> bool:
        return self.checked_in_at is not None


class HouseholdVisit(TimeStampedModel):
    """A cadre's visit to one household (走访); the address is personal data (encrypted)."""

    scope_path = "village__path"

    # (indexed by the composite indexes below)
    village = models.ForeignKey(
        ORG,
        on_delete=models.PROTECT,
        related_name="household_visits",
        verbose_name=_("village"),
        db_index=False,
    )
    visitor = models.ForeignKey(
        MEMBER,
        on_delete=models.PROTECT,
        related_name="household_visits",
        verbose_name=_("visitor"),
        db_index=False,
    )
    visited_on = models.DateField(_("visited on"))
    household = models.CharField(_("household (head)"), max_length=40)
    address = EncryptedTextField(_("address"), blank=True)
    raised = models.TextField(_("what was raised"), blank=True)
    region_code = models.CharField(max_length=6, editable=False, default="")

    @classmethod
    def scope_self(cls, user):
        return models.Q(visitor__user=user)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["village", "visited_on"], name="outreach_visit_village_on"),
            models.Index(fields=["visitor", "visited_on"], name="outreach_visit_visitor_on"),
            models.Index(fields=["visited_on"], name="outreach_visit_on"),
        ]

    def __str__(self):
        return f"{self.household} {self.visited_on}"

    def get_absolute_url(self):
        return object_url("outreach:visit_detail", self.pk)


class Channel(models.TextChoices):
    VISIT = "visit", _("at a household visit")
    CENTRE = "centre", _("at a service centre")
    PHONE = "phone", _("by phone")


class RequestStatus(models.TextChoices):
    REGISTERED = "registered", _("registered")
    ASSIGNED = "assigned", _("assigned")
    ESCALATED = "escalated", _("escalated")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (RequestStatus.REGISTERED, RequestStatus.ASSIGNED, RequestStatus.ESCALATED)
DONE_STATUSES = (RequestStatus.RESOLVED, RequestStatus.CLOSED)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASIC = "basic", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


class ResidentRequest(TimeStampedModel):
    """A resident's request (群众诉求). Seen by the subtree it was raised in and every
    organisation above (scope by `origin`); handled by `org`, which escalation moves up."""

    scope_path = "origin__path"

    origin = models.ForeignKey(
        ORG, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised in"), db_index=False
    )
    org = models.ForeignKey(
        ORG,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handled by"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        MEMBER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_requests",
        verbose_name=_("assigned to"),
    )
    channel = models.CharField(_("raised"), max_length=10, choices=Channel.choices)
    visit = models.ForeignKey(
        HouseholdVisit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("visit"),
    )
    resident_name = models.CharField(_("resident"), max_length=40)
    resident_phone = EncryptedTextField(_("resident's phone"), blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    registered_on = models.DateField(_("registered on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default="registered"
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    satisfaction = models.CharField(
        _("resident's satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    region_code = models.CharField(max_length=6, editable=False, default="")

    @classmethod
    def scope_self(cls, user):
        return models.Q(assignee__user=user)

    class Meta:
        verbose_name = _("resident's request")
        verbose_name_plural = _("residents' requests")
        ordering = ["-registered_on", "-id"]
        indexes = [
            models.Index(fields=["origin", "status"], name="outreach_req_origin_status"),
            models.Index(fields=["org", "status", "deadline"], name="outreach_req_org_status"),
            models.Index(fields=["status", "deadline"], name="outreach_req_status_deadline"),
            models.Index(fields=["registered_on"], name="outreach_req_registered_on"),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return object_url("outreach:request_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestEvent(TimeStampedModel):
    """One step of a request's history: who did what, which organisation held it after."""

    scope_path = "request__origin__path"

    request = models.ForeignKey(ResidentRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(max_length=12)
    status = models.CharField(max_length=12, choices=RequestStatus.choices)
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", db_index=False)
    on = models.DateField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["request", "id"]

    def __str__(self):
        return f"{self.request_id} {self.action}"


class WorkTeam(TimeStampedModel):
    """A village work team (驻村工作队) sent by a unit to one village."""

    scope_path = "village__path"

    village = models.ForeignKey(
        ORG, on_delete=models.PROTECT, related_name="work_teams", verbose_name=_("village served")
    )
    dispatching_unit = models.CharField(_("dispatching unit"), max_length=120)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("village work team")
        verbose_name_plural = _("village work teams")
        ordering = ["village__path", "-started_on"]

    def __str__(self):
        return f"{self.dispatching_unit} → {self.village_id}"

    def get_absolute_url(self):
        return object_url("outreach:team_detail", self.pk)


class TeamMember(TimeStampedModel):
    """A cadre stationed with a team: from the registry (`member`) or external (a name)."""

    scope_path = "team__village__path"

    team = models.ForeignKey(WorkTeam, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(
        MEMBER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stationings",
        verbose_name=_("member"),
    )
    external_name = models.CharField(_("name (not in the registry)"), max_length=40, blank=True)
    external_unit = models.CharField(_("work unit"), max_length=120, blank=True)
    is_leader = models.BooleanField(_("team leader"), default=False)
    is_first_secretary = models.BooleanField(_("first secretary"), default=False)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("stationed cadre")
        verbose_name_plural = _("stationed cadres")
        ordering = ["team", "id"]

    def __str__(self):
        return self.external_name or str(self.member_id)


class PovertyRecord(TimeStampedModel):
    """One village's poverty-alleviation figures for one year, as recorded on a date."""

    scope_path = "village__path"

    village = models.ForeignKey(
        ORG, on_delete=models.PROTECT, related_name="poverty_records", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    recorded_on = models.DateField(_("recorded on"))
    poor_households = models.PositiveIntegerField(_("households registered as poor"))
    poor_people = models.PositiveIntegerField(_("people registered as poor"))
    lifted_people = models.PositiveIntegerField(_("people lifted out of poverty"))
    funds_government = models.DecimalField(
        _("funds from government (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    funds_enterprise = models.DecimalField(
        _("funds from enterprises (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    funds_social = models.DecimalField(
        _("funds from society (yuan)"), max_digits=14, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("poverty-alleviation record")
        verbose_name_plural = _("poverty-alleviation records")
        ordering = ["village__path", "-year", "-recorded_on"]

    def __str__(self):
        return f"{self.village_id} {self.year}"


class TrainingCourse(TimeStampedModel):
    """A training course for village cadres, organised by an organisation."""

    scope_path = "org__path"

    org = models.ForeignKey(
        ORG, on_delete=models.PROTECT, related_name="training_courses", verbose_name=_("organiser")
    )
    title = models.CharField(_("title"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    hours = models.PositiveSmallIntegerField(_("hours"))

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-starts_on", "id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("outreach:course_detail", self.pk)


class TrainingAttendance(TimeStampedModel):
    scope_path = "course__org__path"

    course = models.ForeignKey(TrainingCourse, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        MEMBER, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("member")
    )
    completed = models.BooleanField(_("completed"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "member"], name="outreach_one_attendance")
        ]

    def __str__(self):
        return f"{self.course_id}/{self.member_id}"
