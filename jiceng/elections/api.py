"""REST endpoints of renewals and elections, mounted at /api/elections/ (jiceng.api.api).

Thin: the same selectors and services as the pages. What the caller cannot see is a 404, what
they see but may not change a 403; a refused election is a 422 with every problem under its
field, each naming its rule (ELEC-02…06).
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from jiceng.api.auth import require_anywhere
from jiceng.api.errors import get_or_404
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.core import scope
from jiceng.core.fields import prefix_range
from jiceng.orgs import selectors as org_selectors
from jiceng.orgs.models import Organization, UnitType
from jiceng.orgs.rules import default_term_years, renewal_due

from . import selectors, services
from .models import CommitteePost, Post, RenewalCampaign, VillageRole

router = Router(tags=["elections"])


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


# ---- schemas ------------------------------------------------------------------------------------


class RenewalOut(Schema):
    rule: str
    level: str
    org: int
    org_name: str
    due: date | None
    message: str


class ElectionOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    held_on: date
    entitled: int
    present: int
    ballots_issued: int
    ballots_returned: int
    seats: int
    term_years: int


class CandidateOut(Schema):
    member: int
    name: str
    votes: int
    elected: bool


class PostOut(Schema):
    id: int
    member: int
    name: str
    post: str
    started_on: date
    ended_on: date | None


class ElectionDetailOut(ElectionOut):
    candidates: list[CandidateOut]
    posts: list[PostOut]


class CandidateIn(_Input):
    member: int
    votes: int = Field(ge=0)


class ElectionIn(_Input):
    org: int
    held_on: date
    entitled: int = Field(ge=0)
    present: int = Field(ge=0)
    ballots_issued: int = Field(ge=0)
    ballots_returned: int = Field(ge=0)
    seats: int = Field(ge=1)
    candidates: list[CandidateIn]
    secretary: int | None = Field(None, description="an elected candidate; required for 2+ seats")
    deputies: list[int] = []
    term_years: int | None = Field(None, ge=1, le=5, description="default: ORG-05")
    notes: str = ""


class SeatOut(Schema):
    name: str
    member: int | None
    role: str
    started_on: date


class SeatIn(_Input):
    role: VillageRole
    member: int | None = None
    name: str = Field("", max_length=40)


class VillageCommitteeIn(_Input):
    started_on: date
    seats: list[SeatIn]


class CommitteeOut(Schema):
    org: int
    org_name: str
    term_started_on: date | None
    term_years: int
    renewal_due: date | None
    secretary: int | None
    posts: list[PostOut]
    village_committee: list[SeatOut]


class TwoCommitteesRow(Schema):
    org: int | None
    org_name: str
    units: int
    villages: int
    communities: int
    one_shoulder: int
    one_shoulder_ratio: float | None
    with_chair: int
    cross: int
    people: int
    cross_rate: float | None


class TwoCommitteesOut(Schema):
    total: TwoCommitteesRow
    children: list[TwoCommitteesRow]


class CampaignOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    name: str
    starts_on: date
    ends_on: date
    unit_types: list[str]


class CampaignIn(_Input):
    org: int
    name: str = Field(max_length=120)
    starts_on: date
    ends_on: date
    unit_types: list[UnitType]


class ProgressRow(Schema):
    org: int
    org_name: str
    unit_type: str
    targets: int
    completed: int


class CampaignProgressOut(Schema):
    campaign: CampaignOut
    within: int
    totals: list[ProgressRow]
    children: list[ProgressRow]


# ---- helpers ------------------------------------------------------------------------------------


def _org(request, org_id: int) -> Organization:
    return get_or_404(org_selectors.orgs_visible_to(request.user), pk=org_id)


def _posts(qs) -> list[dict]:
    return [
        {
            "id": p.pk,
            "member": p.member_id,
            "name": p.member.name,
            "post": p.post,
            "started_on": p.started_on,
            "ended_on": p.ended_on,
        }
        for p in qs
    ]


def _detail(election) -> SimpleNamespace:
    fields = (
        "id",
        "org_id",
        "org",
        "held_on",
        "entitled",
        "present",
        "ballots_issued",
        "ballots_returned",
        "seats",
        "term_years",
    )
    return SimpleNamespace(
        **{f: getattr(election, f) for f in fields},
        candidates=[
            {"member": c.member_id, "name": c.member.name, "votes": c.votes, "elected": c.elected}
            for c in selectors.election_candidates(election)
        ],
        posts=_posts(election.posts.select_related("member").order_by("post", "id")),
    )


def _two_row(org: Organization | None, t) -> dict:
    return {
        "org": org.pk if org else None,
        "org_name": org.name if org else "",
        "units": t.units,
        "villages": t.by_type.get(UnitType.VILLAGE.value, 0),
        "communities": t.by_type.get(UnitType.COMMUNITY.value, 0),
        "one_shoulder": t.one_shoulder,
        "one_shoulder_ratio": t.one_shoulder_ratio,
        "with_chair": t.with_chair,
        "cross": t.cross,
        "people": t.people,
        "cross_rate": t.cross_rate,
    }


# ---- endpoints ------------------------------------------------------------------------------------


@router.get("/renewals", response=Page(RenewalOut), summary="Organisations due for renewal")
def renewal_due_list(request, page: Query[PageParams], org: int | None = None):
    """ORG-06 overdue and ORG-07 due-soon renewals under `org` (default: the caller's first
    top organisation)."""
    if org is not None:
        root = _org(request, org)
    else:
        roots = org_selectors.org_roots_for(request.user)
        root = roots[0] if roots else None
    found = selectors.renewal_findings(request.user, root) if root else []
    rows = [
        {
            "rule": f.rule,
            "level": str(f.level),
            "org": f.org_id,
            "org_name": f.subject,
            "due": f.due,
            "message": f.message,
        }
        for f in found
    ]
    return page_of(rows, page, len(rows))


@router.get("/", response=Page(ElectionOut), summary="List elections")
def election_list(
    request,
    page: Query[PageParams],
    org: int | None = None,
    year: Annotated[int | None, Field(ge=1921, le=2100)] = None,
    start: date | None = None,
    end: date | None = None,
):
    qs = selectors.elections_visible_to(request.user).order_by("-held_on", "-id")
    if start is not None:
        qs = qs.filter(held_on__gte=start)
    if end is not None:
        qs = qs.filter(held_on__lte=end)
    if org is not None:
        qs = qs.filter(**prefix_range("org__path", _org(request, org).path))
    if year is not None:
        qs = qs.filter(held_on__year=year)
    return page_of(qs, page, qs.count())


@router.post("/", response={201: ElectionDetailOut}, summary="Record an election")
def election_record(request, payload: ElectionIn):
    require_anywhere(request.user, scope.CHANGE)
    org = _org(request, payload.org)
    data = payload.dict(exclude={"org"})
    data["candidates"] = [dict(c) for c in data["candidates"]]
    election = services.election_record(actor=request.user, org=org, **data)
    return Status(
        201, _detail(get_or_404(selectors.elections_visible_to(request.user), pk=election.pk))
    )


@router.get("/orgs/{org_id}/committee", response=CommitteeOut, summary="Term and committees")
def org_committee(request, org_id: int):
    org = _org(request, org_id)
    years = org.term_years or default_term_years(org.kind, org.unit_type)
    seats = selectors.village_seats(org) if org.unit_type in selectors.VILLAGE_TYPES else []
    return {
        "org": org.pk,
        "org_name": org.name,
        "term_started_on": org.term_started_on,
        "term_years": years,
        "renewal_due": renewal_due(org.term_started_on, years),
        "secretary": org.secretary_id,
        "posts": _posts(selectors.committee_posts(org)),
        "village_committee": [
            {"name": s.name, "member": s.member_id, "role": s.role, "started_on": s.started_on}
            for s in seats
        ],
    }


@router.put(
    "/orgs/{org_id}/village-committee",
    response=CommitteeOut,
    summary="Record the village/residents' committee (两委)",
)
def village_committee_record(request, org_id: int, payload: VillageCommitteeIn):
    org = _org(request, org_id)
    services.village_committee_record(
        actor=request.user,
        org=org,
        started_on=payload.started_on,
        seats=[dict(s) for s in payload.dict()["seats"]],
    )
    return org_committee(request, org_id)


class PostAssignIn(_Input):
    member: int
    post: Post
    started_on: date


class PostEndIn(_Input):
    ended_on: date


@router.post(
    "/orgs/{org_id}/posts",
    response={201: PostOut},
    summary="Fill a committee post between elections (ELEC-02 applies)",
)
def post_assign(request, org_id: int, payload: PostAssignIn):
    org = _org(request, org_id)
    row = services.post_assign(
        actor=request.user,
        org=org,
        member=payload.member,
        post=payload.post,
        started_on=payload.started_on,
    )
    return Status(201, _posts(CommitteePost.objects.filter(pk=row.pk).select_related("member"))[0])


@router.post("/posts/{post_id}/end", response=PostOut, summary="End a committee post")
def post_end(request, post_id: int, payload: PostEndIn):
    post = get_or_404(CommitteePost.objects.restrict(request.user), pk=post_id)
    row = services.post_end(actor=request.user, post=post, ended_on=payload.ended_on)
    return _posts(CommitteePost.objects.filter(pk=row.pk).select_related("member"))[0]


@router.get(
    "/orgs/{org_id}/two-committees",
    response=TwoCommitteesOut,
    summary="一肩挑 ratio and 交叉任职 rate over a subtree",
)
def two_committees_summary(request, org_id: int):
    org = _org(request, org_id)
    total, per = selectors.two_committees(org)
    children = selectors.children_of(request.user, org)
    return {
        "total": _two_row(org, total),
        "children": [_two_row(c, per[c.path]) for c in children if c.path in per],
    }


class UnitOut(Schema):
    id: int
    name: str
    unit_type: str
    secretary: int | None = Field(alias="secretary_id")
    has_chair: bool
    one_shoulder: bool


class SeatListOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    name: str
    member: int | None = Field(alias="member_id")
    role: str
    party_post: str | None


@router.get(
    "/orgs/{org_id}/two-committees/units",
    response=Page(UnitOut),
    summary="The villages and communities behind the 两委 figures",
)
def two_committee_units(
    request,
    org_id: int,
    page: Query[PageParams],
    unit_type: Literal["", "village", "community"] = "",
    one_shoulder: Literal["", "yes", "no", "no_chair"] = "",
):
    org = _org(request, org_id)
    qs = selectors.two_committee_rows(org, unit_type=unit_type, one_shoulder=one_shoulder)
    return page_of(qs, page, qs.count())


@router.get(
    "/orgs/{org_id}/two-committees/seats",
    response=Page(SeatListOut),
    summary="Village (residents') committee seats; cross=true: those on both committees",
)
def two_committee_seats(request, org_id: int, page: Query[PageParams], cross: bool = False):
    org = _org(request, org_id)
    qs = selectors.two_committee_seats(org, cross=cross)
    return page_of(qs, page, qs.count())


class CampaignOrgOut(Schema):
    id: int
    name: str
    unit_type: str
    parent_name: str | None = Field(None, alias="parent.name")
    renewed_on: date | None
    election_id: int | None


@router.get(
    "/campaigns/{campaign_id}/orgs",
    response=Page(CampaignOrgOut),
    summary="A campaign's organisations (completed or pending) under ?within=",
)
def campaign_orgs(
    request,
    campaign_id: int,
    page: Query[PageParams],
    within: int | None = None,
    unit_type: str = "",
    state: Literal["", "completed", "pending"] = "",
):
    campaign = get_or_404(selectors.campaigns_visible_to(request.user), pk=campaign_id)
    if within is not None:
        root = _org(request, within)
        if not root.path.startswith(campaign.org.path):
            raise PermissionDenied(_("Outside the campaign's organisation"))
    else:
        roots = selectors.roots_within(request.user, campaign.org)
        if not roots:
            return get_or_404(RenewalCampaign.objects.none(), pk=campaign_id)
        root = roots[0]
    qs = selectors.campaign_orgs(campaign, root, unit_type=unit_type, state=state)
    return page_of(qs, page, qs.count())


@router.get("/campaigns", response=list[CampaignOut], summary="Renewal campaigns")
def campaign_list(request):
    return list(selectors.campaigns_visible_to(request.user)[:100])


@router.post("/campaigns", response={201: CampaignOut}, summary="Create a renewal campaign")
def campaign_create(request, payload: CampaignIn):
    require_anywhere(request.user, scope.ADD)
    campaign = services.campaign_create(
        actor=request.user,
        org=payload.org,
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        unit_types=list(payload.unit_types),
    )
    return Status(201, campaign)


@router.get(
    "/campaigns/{campaign_id}/progress",
    response=CampaignProgressOut,
    summary="Renewals completed in a campaign",
)
def campaign_progress(request, campaign_id: int, within: int | None = None):
    campaign = get_or_404(selectors.campaigns_visible_to(request.user), pk=campaign_id)
    if within is not None:
        root = _org(request, within)
        if not root.path.startswith(campaign.org.path):
            raise PermissionDenied(_("Outside the campaign's organisation"))
    else:
        roots = selectors.roots_within(request.user, campaign.org)
        if not roots:
            return get_or_404(RenewalCampaign.objects.none(), pk=campaign_id)
        root = roots[0]
    total, per = selectors.campaign_progress(campaign, root)

    def rows(org, p):
        return [
            {
                "org": org.pk,
                "org_name": org.name,
                "unit_type": t,
                "targets": p.targets[t],
                "completed": p.completed[t],
            }
            for t in campaign.unit_types
        ]

    children = []
    for c in selectors.children_of(request.user, root):
        if c.path in per:
            children += rows(c, per[c.path])
    return {
        "campaign": campaign,
        "within": root.pk,
        "totals": rows(root, total),
        "children": children,
    }


# Last: its path would otherwise catch /campaigns and /renewals.
@router.get("/{election_id}", response=ElectionDetailOut, summary="One election")
def election_detail(request, election_id: int):
    return _detail(get_or_404(selectors.elections_visible_to(request.user), pk=election_id))
