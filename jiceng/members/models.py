"""The member registry (党员体系): the national 16 items and more, with dated status history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core import crypto
from jiceng.core.codes import ETHNICITIES, Education, Occupation, Sex
from jiceng.core.fields import BinaryCharField, EncryptedTextField
from jiceng.core.models import RestrictedQuerySet, TimeStampedModel, object_url


class Membership(models.TextChoices):
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


class Standing(models.TextChoices):
    NORMAL = "normal", "正常"
    SUSPENDED = "suspended", "停止党籍"


class LeaveStatus(models.TextChoices):  # RULES.md §6; "" = on the rolls
    ON_ROLLS = "", "在册"
    WITHDREW = "withdrew", "退党除名"
    REMOVED = "removed", "劝退/除名"
    LAPSED = "lapsed", "自行脱党除名"
    EXPELLED = "expelled", "开除党籍"
    PROBATION_REVOKED = "probation_revoked", "取消预备党员资格"
    DECEASED = "deceased", "去世"


class MemberQuerySet(RestrictedQuerySet):
    def on_rolls(self):
        return self.filter(leave_status=LeaveStatus.ON_ROLLS)


class Member(TimeStampedModel):
    scope_path = "org__path"

    # The national 16 items (RULES.md §8)
    name = BinaryCharField(_("name"), max_length=40)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, default="01")
    # Personal data is encrypted in the database (jiceng.core.crypto); the ID number is found
    # by its keyed hash, which also keeps it unique.
    id_number = EncryptedTextField(_("ID number"))
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    birth_date = models.DateField(_("date of birth"))
    education = models.CharField(_("education"), max_length=2, choices=Education.choices)
    occupation = models.CharField(
        _("occupation category"), max_length=2, choices=Occupation.choices
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("branch"),
        # member_org_rolls (org, leave_status) serves every lookup by branch; a second index
        # on org alone only cost every write (and a city-wide import's rebuild) its upkeep.
        db_index=False,
    )
    join_date = models.DateField(_("joined the Party on"))
    full_member_date = models.DateField(_("full membership on"), null=True, blank=True)
    job = models.CharField(_("post"), max_length=80, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    address = EncryptedTextField(_("home address"), blank=True)
    standing = models.CharField(
        _("standing"), max_length=10, choices=Standing.choices, default=Standing.NORMAL
    )
    is_lost_contact = models.BooleanField(_("lost contact"), default=False)
    lost_contact_since = models.DateField(_("lost contact since"), null=True, blank=True)
    is_mobile = models.BooleanField(_("mobile member"), default=False)
    mobile_destination = models.CharField(_("gone to"), max_length=120, blank=True)
    # More than the 16 items
    applied_on = models.DateField(_("applied to join on"), null=True, blank=True)
    membership = models.CharField(_("membership"), max_length=12, choices=Membership.choices)
    leave_status = models.CharField(
        _("leaving status"), max_length=20, choices=LeaveStatus.choices, default="", blank=True
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # Search keys, derived by the services
    name_pinyin = BinaryCharField(max_length=120, editable=False, default="")
    name_initials = BinaryCharField(max_length=20, editable=False, default="")
    phone_tail = models.CharField(max_length=4, editable=False, default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    region_code = models.CharField(max_length=6, editable=False, default="")

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["org_id", "id"]
        permissions = [
            ("unmask_personal_data", "Can reveal a member's ID number, phone or address")
        ]
        indexes = [
            models.Index(fields=["org", "leave_status"], name="member_org_rolls"),
            models.Index(fields=["name"], name="member_name"),
            models.Index(fields=["name_pinyin"], name="member_pinyin"),
            models.Index(fields=["name_initials"], name="member_initials"),
            models.Index(fields=["phone_tail"], name="member_phone_tail"),
            models.Index(fields=["join_date"], name="member_join_date"),
            models.Index(fields=["birth_date"], name="member_birth_date"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("members:member_detail", self.pk)

    def save(self, *args, **kwargs):
        self.id_number_hash = crypto.lookup_hash(self.id_number)
        if kwargs.get("update_fields") is not None and "id_number" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "id_number_hash"}
        super().save(*args, **kwargs)

    @classmethod
    def scope_self(cls, user):
        return models.Q(user=user)


class StatusChange(models.Model):
    """Dated history of membership, standing, leaving, lost-contact and mobility; never deleted."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="status_changes")
    field = models.CharField(max_length=30)
    old_value = models.CharField(max_length=40, blank=True)
    new_value = models.CharField(max_length=40, blank=True)
    effective_on = models.DateField(_("effective on"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path = "member__org__path"

    class Meta:
        ordering = ["-effective_on", "-id"]
        verbose_name = _("status change")

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value} ({self.effective_on})"

    @classmethod
    def scope_self(cls, user):
        return models.Q(member__user=user)


class UnmaskEvent(models.Model):
    """Every reveal of one member's personal field, with who, why and when."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="unmask_events")
    field = models.CharField(max_length=20)
    reason = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} revealed {self.field} of member {self.member_id}"
