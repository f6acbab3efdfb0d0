"""Organisational life (活动体系): meetings with attendance, attachments and appraisal grades,
the yearly plan, each member's last organisational life, lost-contact searches and training."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core.models import RestrictedQuerySet, TimeStampedModel, object_url


class Kind(models.TextChoices):
    GENERAL = "general", "支部党员大会"
    COMMITTEE = "committee", "支部委员会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    PARTY_DAY = "party_day", "主题党日"
    LIFE_MEETING = "life_meeting", "组织生活会"
    APPRAISAL = "appraisal", "民主评议党员"
    TALK = "talk", "谈心谈话"
    LEADERSHIP = "leadership", "民主生活会"
    BASE_VISIT = "base_visit", "教育基地参观"


class Presence(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class Grade(models.TextChoices):  # LIFE-07
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


class LostReason(models.TextChoices):  # LOST-02
    WORK_AWAY = "work_away", "外出务工经商"
    UNIT_CLOSED = "unit_closed", "单位改制或破产"
    GRADUATED = "graduated", "毕业后去向不明"
    UNIT_CHANGED = "unit_changed", "工作单位改变"
    ABROAD = "abroad", "出国(境)"
    MOVED = "moved", "居住地改变"
    OTHER = "other", "其他"


class Meeting(TimeStampedModel):
    scope_path = "org__path"

    org = models.ForeignKey(  # indexed by meeting_org_kind_date
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("organisation"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    host = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("host"),
        db_index=False,
    )
    recorder = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorder"),
        db_index=False,
    )
    topic = models.CharField(_("topic"), max_length=200)
    minutes = models.TextField(_("minutes"), blank=True)
    resolutions = models.TextField(_("resolutions"), blank=True)
    has_vote = models.BooleanField(_("a vote was taken"), default=False)
    # Computed by the service from the attendance (LIFE-01/02 quorum).
    expected = models.PositiveIntegerField(_("expected"), default=0)
    present = models.PositiveIntegerField(_("present"), default=0)
    on_leave = models.PositiveIntegerField(_("on leave"), default=0)
    absent = models.PositiveIntegerField(_("absent"), default=0)
    voting = models.PositiveIntegerField(_("voting members"), default=0)
    voting_present = models.PositiveIntegerField(_("voting members present"), default=0)
    quorum_met = models.BooleanField(_("quorum met"), default=False)
    region_code = models.CharField(max_length=6, editable=False, default="")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["org", "kind", "held_on"], name="meeting_org_kind_date"),
            # covering the compliance queries of a city (the kind's window of dates, with the
            # quorum and the attendance counts): read from the index alone
            models.Index(
                fields=["kind", "held_on", "org", "quorum_met", "expected", "present"],
                name="meeting_kind_date_cover",
            ),
            models.Index(fields=["held_on"], name="meeting_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%Y-%m-%d} {self.topic}"

    def get_absolute_url(self) -> str:
        return object_url("activities:meeting_detail", self.pk)

    @property
    def attendance_share(self) -> float:
        return self.present / self.expected if self.expected else 0.0

    @classmethod
    def scope_self(cls, user):
        """A member sees the meetings of their own branch."""
        return models.Q(org_id__in=_own_branch(user))


def _own_branch(user):
    from jiceng.members.models import Member

    return Member.objects.filter(user=user).values("org_id")


class Attendance(models.Model):
    scope_path = "meeting__org__path"

    # The unique constraint's index starts with the meeting: no separate index for it (ten
    # million rows a year: every index costs the demo build and every write).
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", db_index=False
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="attendance"
    )
    presence = models.CharField(_("attendance"), max_length=8, choices=Presence.choices)
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.meeting_id}: {self.presence}"

    @classmethod
    def scope_self(cls, user):
        return models.Q(meeting__org_id__in=_own_branch(user))


class AppraisalGrade(models.Model):
    """A member's grade in a democratic appraisal (民主评议党员, LIFE-07)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="grades")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="grade_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.grade}"


class Attachment(models.Model):
    """A photo or PDF of a meeting, checked by its content; the bytes live under DATA_DIR."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MemberLife(models.Model):
    """The day each member last attended organisational life (NULL: never): kept by the
    meeting services (and the demo), so "absent for N months" over a whole city is one range
    of the `last_present_on` index, not a GROUP BY over ten million attendance rows.

    `life.cover()` (the migration, the demo build) gives every member a row and records the
    highest member id covered in `LifeCoverage`: members above it without a row (created
    since, e.g. by an import) are found by a range of member ids (compliance.absent_members).
    """

    member = models.OneToOneField(
        "members.Member", primary_key=True, on_delete=models.CASCADE, related_name="life"
    )
    last_present_on = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["last_present_on"], name="memberlife_last")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.last_present_on}"


class LifeCoverage(models.Model):
    """One row: every member with an id up to `members_through` has a MemberLife row."""

    members_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"members through {self.members_through}"


class OrgLife(models.Model):
    """Kept state of each organisation's required meetings (LIFE-01…09), so a city's
    compliance reads one row per organisation instead of grouping 450,000 meetings: per
    required kind, the two latest periods (month, quarter or year, as the kind requires) in
    which it held a qualifying meeting (a general meeting only with its quorum, LIFE-01),
    each as the month number (year × 12 + month − 1) of the period's first month; NULL: none.

    Written by the meeting service in the meeting's transaction (`life.meeting_held`),
    rebuilt set-based by the demo build and the migration (`life.rebuild`), and compared
    with a recomputation from the meetings by `life.check()`."""

    org = models.OneToOneField(
        "orgs.Organization", primary_key=True, on_delete=models.CASCADE, related_name="life"
    )
    general_last = models.IntegerField(null=True)
    general_before = models.IntegerField(null=True)
    committee_last = models.IntegerField(null=True)
    committee_before = models.IntegerField(null=True)
    group_last = models.IntegerField(null=True)
    group_before = models.IntegerField(null=True)
    lecture_last = models.IntegerField(null=True)
    lecture_before = models.IntegerField(null=True)
    party_day_last = models.IntegerField(null=True)
    party_day_before = models.IntegerField(null=True)
    life_meeting_last = models.IntegerField(null=True)
    life_meeting_before = models.IntegerField(null=True)
    appraisal_last = models.IntegerField(null=True)
    appraisal_before = models.IntegerField(null=True)
    talk_last = models.IntegerField(null=True)
    talk_before = models.IntegerField(null=True)
    leadership_last = models.IntegerField(null=True)
    leadership_before = models.IntegerField(null=True)

    def __str__(self) -> str:
        return f"life of org {self.org_id}"


class PlanItem(TimeStampedModel):
    """One meeting of a branch's yearly plan, generated from the frequency rules, editable."""

    scope_path = "org__path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    rule = models.CharField(_("rule"), max_length=10)
    due_by = models.DateField(_("due by"))
    planned_on = models.DateField(_("planned on"))
    topic = models.CharField(_("topic"), max_length=200, blank=True)

    class Meta:
        ordering = ["planned_on", "kind", "id"]
        indexes = [models.Index(fields=["org", "year"], name="planitem_org_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.planned_on}"


class LostContactSearch(TimeStampedModel):
    """The secretary's search for a member out of contact (LOST-01/02)."""

    scope_path = "member__org__path"

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="lost_searches"
    )
    searched_on = models.DateField(_("searched on"))
    how = models.TextField(_("how the member was searched for"))
    reason = models.CharField(_("reason code"), max_length=14, choices=LostReason.choices)
    last_seen_on = models.DateField(_("last seen on"), null=True, blank=True)
    found = models.BooleanField(_("found"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-searched_on", "-id"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.searched_on}"


class Training(TimeStampedModel):
    """Hours of training a member took (LIFE-10)."""

    scope_path = "member__org__path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    title = models.CharField(_("course"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["member", "held_on"], name="training_member_date"),
            # the training figure (topics, records and hours of a period) from the index alone
            models.Index(fields=["held_on", "title", "hours"], name="training_date_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.hours} h)"
