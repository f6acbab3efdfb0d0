"""Renewals and elections (换届选举): election records, the committee posts they fill, the
village/residents' committees of the 两委, and renewal campaigns.

The term itself lives on `orgs.Organization` (term_started_on, term_years; ORG-05/06): an
election recorded here starts the new term there.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiceng.core.models import TimeStampedModel, object_url


class Post(models.TextChoices):  # 党组织委员会职务
    SECRETARY = "secretary", "书记"
    DEPUTY = "deputy", "副书记"
    MEMBER = "member", "委员"


class VillageRole(models.TextChoices):  # 村(居)民委员会职务
    CHAIR = "chair", "主任"
    VICE_CHAIR = "vice_chair", "副主任"
    MEMBER = "member", "委员"


class Election(TimeStampedModel):
    """One election meeting (选举大会) of an organisation: who should and did attend, the
    ballots, the seats. Only valid elections are recorded (ELEC-03…06 are checked first)."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="elections",
        verbose_name=_("organisation"),
    )
    held_on = models.DateField(_("meeting date"))
    entitled = models.PositiveIntegerField(_("voters entitled to attend"))
    present = models.PositiveIntegerField(_("voters present"))
    ballots_issued = models.PositiveIntegerField(_("ballots issued"))
    ballots_returned = models.PositiveIntegerField(_("ballots returned"))
    seats = models.PositiveSmallIntegerField(_("seats"))
    term_years = models.PositiveSmallIntegerField(_("term length (years)"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    region_code = models.CharField(max_length=6, editable=False, default="")

    class Meta:
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["org", "held_on"], name="election_org_held"),
            models.Index(fields=["held_on"], name="election_held"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.held_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return object_url("elections:election_detail", self.pk)

    @classmethod
    def scope_self(cls, user):
        """A member sees the elections of their own branch."""
        from jiceng.members.models import Member

        return Q(org__in=Member.objects.filter(user=user).values("org_id"))


class Candidate(models.Model):
    """A candidate of an election (from the member registry), with the yes votes received."""

    scope_path = "election__org__path"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    votes = models.PositiveIntegerField(_("yes votes"))
    elected = models.BooleanField(_("elected"), default=False)

    class Meta:
        verbose_name = _("candidate")
        ordering = ["election_id", "-votes", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "member"], name="candidate_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.votes})"


class CommitteePost(TimeStampedModel):
    """A member holding a post (书记, 副书记, 委员) on an organisation's committee, from a date
    to a date (open while held). `Organization.secretary` is kept in step with the open
    secretary post by the services."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="committee_posts",
        verbose_name=_("organisation"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="committee_posts",
        verbose_name=_("member"),
    )
    post = models.CharField(pgettext_lazy("elections", "post"), max_length=12, choices=Post.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)
    election = models.ForeignKey(
        Election, null=True, blank=True, on_delete=models.PROTECT, related_name="posts"
    )

    class Meta:
        verbose_name = _("committee post")
        verbose_name_plural = _("committee posts")
        ordering = ["org_id", "-started_on", "post", "id"]
        indexes = [
            models.Index(fields=["org", "ended_on"], name="post_org_open"),
            models.Index(fields=["member", "ended_on"], name="post_member_open"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.get_post_display()} {self.member}"


class VillageCommitteeSeat(TimeStampedModel):
    """A seat on a village's 村民委员会 or a community's 居民委员会, recorded against the
    village's (community's) Party organisation: the other half of the 两委. The holder may be
    outside the Party (`member` empty)."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="village_seats",
        verbose_name=_("village or community Party organisation"),
    )
    name = models.CharField(pgettext_lazy("elections", "name"), max_length=40)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="village_seats",
        verbose_name=_("Party member"),
    )
    role = models.CharField(
        pgettext_lazy("elections", "post"), max_length=12, choices=VillageRole.choices
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("village/residents' committee seat")
        ordering = ["org_id", "-started_on", "role", "id"]
        indexes = [models.Index(fields=["org", "ended_on"], name="vseat_org_open")]

    def __str__(self) -> str:
        return f"{self.org} {self.get_role_display()} {self.name}"


class RenewalCampaign(TimeStampedModel):
    """A renewal drive (集中换届): a period and the unit types whose organisations renew in it,
    run by an organisation over its subtree. Visible to whoever sees the organisation or any
    organisation under it (the drive concerns them), for reading."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="renewal_campaigns",
        verbose_name=_("organised by"),
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    unit_types = models.JSONField(_("unit types"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("renewal campaign")
        verbose_name_plural = _("renewal campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("elections:campaign_detail", self.pk)

    @classmethod
    def scope_self(cls, user):
        """Campaigns run above the user's subtrees (or above a member's own branch)."""
        from jiceng.core import scope
        from jiceng.members.models import Member

        paths = {p for _, p in scope.grants(user)}
        paths.update(Member.objects.filter(user=user).values_list("org__path", flat=True)[:1])
        ancestors = {p[:i] for p in paths for i in range(4, len(p) + 1, 4)}
        return Q(org__path__in=sorted(ancestors)) if ancestors else Q(pk__in=[])
