"""The organisation tree (组织体系): city → counties → townships → grassroots organisations."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core.codes import OrgCategory
from jiceng.core.fields import BinaryCharField, prefix_range
from jiceng.core.models import RestrictedQuerySet, TimeStampedModel, object_url

SEGMENT = 4  # characters per level in the materialised path: "0001" "00010003" …


class OrgKind(models.TextChoices):
    CITY = "city", "市委"
    COUNTY = "county", "县(市、区)委"
    TOWNSHIP = "township", "乡镇(街道)党(工)委"
    PRIMARY = "primary", "基层党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"
    TEMPORARY_BRANCH = "temporary_branch", "临时党支部"


BRANCH_KINDS = frozenset({OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH})
GRASSROOTS_KINDS = frozenset({OrgKind.PRIMARY, OrgKind.GENERAL_BRANCH}) | BRANCH_KINDS
LEADING_KINDS = frozenset({OrgKind.CITY, OrgKind.COUNTY, OrgKind.TOWNSHIP})


class UnitType(models.TextChoices):  # 所在单位情况
    VILLAGE = "village", "行政村"
    COMMUNITY = "community", "社区"
    AGENCY = "agency", "党政机关"
    SCHOOL = "school", "学校"
    INSTITUTION = "institution", "事业单位"
    SOE = "soe", "国有企业"
    PRIVATE = "private", "非公有制企业"
    SOCIAL = "social", "社会组织"
    PARK = "park", "园区"
    BUILDING = "building", "商务楼宇"
    INTERNET = "internet", "互联网企业"
    REGION = "region", "行政区域"
    OTHER = "other", "其他"


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    DISSOLVED = "dissolved", _("dissolved")


class OrganizationQuerySet(RestrictedQuerySet):
    def subtree(self, org: "Organization"):
        """The organisation and everything under it: one index range on `path`."""
        return self.filter(**prefix_range("path", org.path))

    def active(self):
        return self.filter(status=OrgStatus.ACTIVE)


class Organization(TimeStampedModel):
    scope_path = "path"

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    path = BinaryCharField(max_length=64, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False)
    name = models.CharField(_("full name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    category = models.CharField(_("category"), max_length=2, choices=OrgCategory.choices)
    unit_type = models.CharField(_("unit type"), max_length=20, choices=UnitType.choices)
    unit_name = models.CharField(_("unit"), max_length=120, blank=True)
    secretary = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("secretary"),
    )
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    term_started_on = models.DateField(_("current term started on"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("term length (years)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    # Top-level region (the city's GB/T 2260 code): the distribution key for a national install.
    region_code = models.CharField(max_length=6, editable=False, default="")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "path"], name="org_parent_path"),
            models.Index(fields=["kind", "path"], name="org_kind_path"),
            # villages and communities of a subtree (the 两委 figures, service places)
            models.Index(fields=["unit_type", "path"], name="org_unit_type_path"),
            # renewals due: one range per term length (elections.provider.renewal_rows)
            models.Index(fields=["term_years", "term_started_on"], name="org_term"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("orgs:org_detail", self.pk)

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS

    def ancestor_paths(self) -> list[str]:
        return [self.path[:i] for i in range(SEGMENT, len(self.path) + 1, SEGMENT)]

    @classmethod
    def scope_self(cls, user):
        """A member sees their own branch. A subquery, not a join over `members`: the join
        repeated each organisation once per member and scanned members on every org query."""
        from jiceng.members.models import Member

        return models.Q(pk__in=Member.objects.filter(user=user).values("org_id"))


class OrgStats(models.Model):
    """Counts over an organisation's whole subtree, kept in step with the records.

    `counts` maps keys such as "members", "sex:1", "birth_year:1975", "org_kind:branch" to
    numbers. Services apply deltas to every ancestor in the same transaction as the record
    change; `jiceng rollups --check` recomputes everything from the records and compares.
    """

    org = models.OneToOneField(
        Organization, primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("subtree statistics")

    def __str__(self) -> str:
        return f"stats of org {self.org_id}"
