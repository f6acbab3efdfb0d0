"""Annual statistics (党内统计, RULES.md §7): snapshots of the registry as of 31 December.

A `Snapshot` is taken once per organisation and year and never changes afterwards. It keeps
one compact row per member counted (`SnapshotMember`: the coded dimensions only, no name and
no personal data) and one row per organisation (`SnapshotOrg`), copied from the live registry
by two INSERT … SELECT statements per county (services.snapshot_build).

Why rows and not aggregated cells: the standard tables are cross-tabulations (each table's
categories per sub-organisation, down to any level of the tree), and the cockpit and the
campaign report will want other cuts later. One row per member with ~12 small coded columns
is ~60 bytes: the city's 322,000 members take ~20 MB with the index per snapshot and year,
and any table of any subtree of the snapshot is one GROUP BY over an index range. Aggregated
cells per organisation and dimension would be about as many rows (13,000 organisations × ~30
non-empty cells) and could not answer a cut nobody fixed in advance.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core.fields import BinaryCharField
from jiceng.core.models import TimeStampedModel, object_url


class SnapshotStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    BUILDING = "building", _("being taken")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Snapshot(TimeStampedModel):
    """The registry of `org`'s subtree as of 31 December of `year` (STAT-01)."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="stat_snapshots",
        verbose_name=_("organisation"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    reference_date = models.DateField(_("reference date"))
    # The organisation's path when taken: the rows' paths are as of then (re-homing later
    # changes the live tree, not the snapshot).
    root_path = BinaryCharField(max_length=64, editable=False)
    root_name = models.CharField(max_length=120, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=SnapshotStatus.choices, default=SnapshotStatus.QUEUED
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    failure = models.TextField(blank=True)
    members = models.PositiveIntegerField(_("members on the rolls"), default=0)
    leavers = models.PositiveIntegerField(_("members who left in the year"), default=0)
    orgs = models.PositiveIntegerField(_("organisations"), default=0)

    class Meta:
        verbose_name = _("statistics snapshot")
        verbose_name_plural = _("statistics snapshots")
        ordering = ["-year", "root_path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="snapshot_org_year"),
        ]

    def __str__(self) -> str:
        return f"{self.root_name} {self.year}"

    def get_absolute_url(self) -> str:
        return object_url("reports:snapshot_detail", self.pk)

    @property
    def is_done(self) -> bool:
        return self.status == SnapshotStatus.DONE


class SnapshotMember(models.Model):
    """One member counted by a snapshot: on the rolls at the reference date, or left during
    the year (`leave_route` set). Coded values only."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    member_id = models.PositiveIntegerField()
    org_path = BinaryCharField(max_length=64)
    sex = models.CharField(max_length=1)
    ethnicity = models.CharField(max_length=2)
    birth_year = models.PositiveSmallIntegerField()
    education = models.CharField(max_length=2)
    occupation = models.CharField(max_length=2)
    join_year = models.PositiveSmallIntegerField()
    membership = models.CharField(max_length=12)
    standing = models.CharField(max_length=10)
    leave_route = models.CharField(max_length=20, blank=True)  # "" = on the rolls

    class Meta:
        indexes = [models.Index(fields=["snapshot", "org_path"], name="snapmember_path")]

    def __str__(self) -> str:
        return f"member {self.member_id} in snapshot {self.snapshot_id}"


class SnapshotOrg(models.Model):
    """One organisation active at the reference date, with its direct members on the rolls."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    org_id = models.PositiveIntegerField()
    path = BinaryCharField(max_length=64)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20)
    category = models.CharField(max_length=2)
    unit_type = models.CharField(max_length=20)
    parent_unit_type = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "path"], name="snaporg_path")]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "org_id"], name="snaporg_org"),
        ]

    def __str__(self) -> str:
        return self.name


class SnapshotTable(models.Model):
    """A table computed from a snapshot, kept: the snapshot never changes, so neither does
    the table (never stale). One per organisation of the snapshot, table and language."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    path = BinaryCharField(max_length=64)
    key = models.CharField(max_length=20)
    language = models.CharField(max_length=10)
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "path", "key", "language"], name="snaptable_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.path} in snapshot {self.snapshot_id}"


from .campaign.models import CampaignReport  # noqa: E402, F401  (the campaign report, kept)
