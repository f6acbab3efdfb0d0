"""Every read of renewals and elections: scoped (restrict) and set-based — each figure over a
subtree is one grouped query, split by the root's direct children for the drill-down.

A "unit's organisation" (e.g. a village's Party organisation) is the top Party organisation of
a unit: its unit type differs from its parent's (the branches of a village's general branch
share the village's unit type; the village's organisation sits under a township, unit type
"region"). The 两委 and the campaigns count those.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from jiceng.core import findings, scope
from jiceng.core.fields import prefix_range
from jiceng.orgs import selectors as org_selectors
from jiceng.orgs.models import SEGMENT, Organization, OrgStatus, UnitType

from . import rules
from .models import CommitteePost, Election, RenewalCampaign, VillageCommitteeSeat, VillageRole

VILLAGE_TYPES = (UnitType.VILLAGE.value, UnitType.COMMUNITY.value)


# --- records -----------------------------------------------------------------------------------


def elections_visible_to(user, action: str = scope.VIEW) -> QuerySet:
    return Election.objects.restrict(user, action).select_related("org")


def election_candidates(election: Election) -> list:
    return list(election.candidates.select_related("member").order_by("-votes", "member_id"))


def committee_posts(org: Organization, *, current: bool = True) -> QuerySet:
    qs = CommitteePost.objects.filter(org=org).select_related("member")
    return qs.filter(ended_on__isnull=True) if current else qs.exclude(ended_on__isnull=True)


def village_seats(org: Organization, *, current: bool = True) -> QuerySet:
    qs = VillageCommitteeSeat.objects.filter(org=org).select_related("member")
    return qs.filter(ended_on__isnull=True) if current else qs.exclude(ended_on__isnull=True)


def campaigns_visible_to(user) -> QuerySet:
    return RenewalCampaign.objects.restrict(user).select_related("org")


def unit_orgs(subtree: dict, unit_types=VILLAGE_TYPES) -> QuerySet:
    """The active unit organisations of `unit_types` in the subtree (see the module's doc):
    `subtree` filters organisations: `prefix_range("path", root.path)`, or
    `figures.within(scope)` (empty over the whole tree, read without the path range)."""
    return Organization.objects.filter(
        **subtree, status=OrgStatus.ACTIVE, unit_type__in=list(unit_types)
    ).exclude(parent__unit_type=F("unit_type"))


def _child_key(prefix_field: str, root: Organization):
    return Substr(prefix_field, 1, len(root.path) + SEGMENT)


def roots_within(user, top: Organization | None = None) -> list[Organization]:
    """The top organisations the user sees (inside `top`'s subtree if given): `top` itself when
    visible."""
    if top is not None and org_selectors.orgs_visible_to(user).filter(pk=top.pk).exists():
        return [top]
    roots = org_selectors.org_roots_for(user)
    if top is not None:
        roots = [r for r in roots if r.path.startswith(top.path)]
    return roots


def children_of(user, root: Organization) -> list[Organization]:
    return list(org_selectors.org_children(user, root))


# --- renewals ------------------------------------------------------------------------------------


def renewal_findings(user, org: Organization, as_of: date | None = None) -> list:
    return findings.collect(user=user, org=org, as_of=as_of, keys=["renewals"])


# --- the 两委 ---------------------------------------------------------------------------------------


@dataclass
class TwoCommittees:
    """The 两委 of the villages and communities under one organisation."""

    units: int = 0  # village and community Party organisations
    with_chair: int = 0  # … whose village/residents' committee has a chair on record
    one_shoulder: int = 0  # … whose Party secretary is that chair (一肩挑)
    posts: int = 0  # Party committee posts held
    seats: int = 0  # village/residents' committee seats held
    cross: int = 0  # people on both committees (交叉任职)
    by_type: Counter = field(default_factory=Counter)

    @property
    def people(self) -> int:
        return self.posts + self.seats - self.cross

    @property
    def one_shoulder_ratio(self) -> float | None:
        return rules.ratio(self.one_shoulder, self.units)

    @property
    def cross_rate(self) -> float | None:
        return rules.ratio(self.cross, self.people)

    def add(self, other: TwoCommittees) -> None:
        for name in ("units", "with_chair", "one_shoulder", "posts", "seats", "cross"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_type.update(other.by_type)


def two_committees(root: Organization) -> tuple[TwoCommittees, dict[str, TwoCommittees]]:
    """The 两委 figures over `root`'s subtree, and per child path prefix (root's own path for
    the root itself). Five grouped queries, whatever the subtree's size.

    一肩挑 ratio = villages and communities whose Party secretary chairs the village/residents'
    committee ÷ all of them; 交叉任职 rate = people on both committees ÷ people on either."""
    per: dict[str, TwoCommittees] = defaultdict(TwoCommittees)
    key = _child_key("path", root)
    rows = (
        unit_orgs(prefix_range("path", root.path))
        .annotate(k=key)
        .values("k", "unit_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        per[row["k"]].units += row["n"]
        per[row["k"]].by_type[row["unit_type"]] += row["n"]
    org_ids = unit_orgs(prefix_range("path", root.path)).values("id")
    okey = _child_key("org__path", root)
    open_seats = VillageCommitteeSeat.objects.filter(org_id__in=org_ids, ended_on__isnull=True)
    chairs = (
        open_seats.filter(role=VillageRole.CHAIR)
        .annotate(k=okey)
        .values("k")
        .annotate(n=Count("id"), one=Count("id", filter=Q(member_id=F("org__secretary_id"))))
        .order_by()
    )
    for row in chairs:
        per[row["k"]].with_chair += row["n"]
        per[row["k"]].one_shoulder += row["one"]
    holds_post = CommitteePost.objects.filter(
        org_id=OuterRef("org_id"), member_id=OuterRef("member_id"), ended_on__isnull=True
    )
    seats = (
        open_seats.annotate(k=okey, both=Exists(holds_post))
        .values("k")
        .annotate(n=Count("id"), cross=Count("id", filter=Q(both=True)))
        .order_by()
    )
    for row in seats:
        per[row["k"]].seats += row["n"]
        per[row["k"]].cross += row["cross"]
    posts = (
        CommitteePost.objects.filter(org_id__in=org_ids, ended_on__isnull=True)
        .annotate(k=okey)
        .values("k")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in posts:
        per[row["k"]].posts += row["n"]
    total = TwoCommittees()
    for part in per.values():
        total.add(part)
    return total, dict(per)


def two_committee_rows(root: Organization, *, unit_type: str = "", one_shoulder: str = ""):
    """The villages and communities under `root` with their secretary, chair and whether one
    person holds both (the drill-down of the 两委 figures)."""
    open_chair = VillageCommitteeSeat.objects.filter(
        org_id=OuterRef("pk"), ended_on__isnull=True, role=VillageRole.CHAIR
    )
    qs = (
        unit_orgs(prefix_range("path", root.path))
        .select_related("secretary")
        .annotate(
            has_chair=Exists(open_chair),
            one_shoulder=Exists(open_chair.filter(member_id=OuterRef("secretary_id"))),
        )
        .order_by("path")
    )
    if unit_type in VILLAGE_TYPES:
        qs = qs.filter(unit_type=unit_type)
    if one_shoulder == "yes":
        qs = qs.filter(one_shoulder=True)
    elif one_shoulder == "no":
        qs = qs.filter(one_shoulder=False)
    elif one_shoulder == "no_chair":
        qs = qs.filter(has_chair=False)
    return qs


def two_committee_seats(root: Organization, *, cross: bool = False) -> QuerySet:
    """The open village (residents') committee seats of the villages and communities under
    `root`, each with the Party post its holder holds in the same organisation (if any);
    `cross`: only those held by a member of the Party committee (交叉任职)."""
    posts = CommitteePost.objects.filter(
        org_id=OuterRef("org_id"), member_id=OuterRef("member_id"), ended_on__isnull=True
    )
    qs = (
        VillageCommitteeSeat.objects.filter(
            org__in=unit_orgs(prefix_range("path", root.path)).values("pk"), ended_on__isnull=True
        )
        .select_related("org")
        .annotate(party_post=Subquery(posts.values("post")[:1]))
        .order_by("org__path", "role", "id")
    )
    return qs.filter(Exists(posts)) if cross else qs


def chair_names(orgs: list[Organization]) -> dict[int, str]:
    """The current chair's name of each of these organisations (one query)."""
    rows = VillageCommitteeSeat.objects.filter(
        org_id__in=[o.pk for o in orgs], ended_on__isnull=True, role=VillageRole.CHAIR
    ).values_list("org_id", "name")
    return dict(rows)


# --- campaigns -------------------------------------------------------------------------------------


@dataclass
class Progress:
    targets: Counter = field(default_factory=Counter)  # unit type -> organisations
    completed: Counter = field(default_factory=Counter)

    @property
    def total_targets(self) -> int:
        return sum(self.targets.values())

    @property
    def total_completed(self) -> int:
        return sum(self.completed.values())


def _renewed_in(campaign: RenewalCampaign):
    return Election.objects.filter(
        org_id=OuterRef("pk"), held_on__gte=campaign.starts_on, held_on__lte=campaign.ends_on
    )


def campaign_progress(
    campaign: RenewalCampaign, root: Organization
) -> tuple[Progress, dict[str, Progress]]:
    """Targets and completed renewals per unit type over `root`'s subtree, and per child path
    prefix: one grouped query."""
    per: dict[str, Progress] = defaultdict(Progress)
    rows = (
        unit_orgs(prefix_range("path", root.path), campaign.unit_types)
        .annotate(k=_child_key("path", root), done=Exists(_renewed_in(campaign)))
        .values("k", "unit_type")
        .annotate(n=Count("id"), finished=Count("id", filter=Q(done=True)))
        .order_by()
    )
    total = Progress()
    for row in rows:
        for target in (per[row["k"]], total):
            target.targets[row["unit_type"]] += row["n"]
            target.completed[row["unit_type"]] += row["finished"]
    return total, dict(per)


def campaign_orgs(
    campaign: RenewalCampaign, root: Organization, *, unit_type: str = "", state: str = ""
) -> QuerySet:
    """The campaign's organisations under `root` (a figure's records), each with the date of
    its renewal election in the campaign (None while pending)."""

    renewed = _renewed_in(campaign).order_by("-held_on")
    qs = (
        unit_orgs(prefix_range("path", root.path), campaign.unit_types)
        .select_related("parent", "secretary")
        .annotate(
            renewed_on=Subquery(renewed.values("held_on")[:1]),
            election_id=Subquery(renewed.values("id")[:1]),
        )
        .order_by("path")
    )
    if unit_type:
        qs = qs.filter(unit_type=unit_type)
    if state == "completed":
        qs = qs.filter(Exists(_renewed_in(campaign)))
    elif state == "pending":
        qs = qs.exclude(Exists(_renewed_in(campaign)))
    return qs
