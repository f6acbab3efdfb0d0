"""REST endpoints for the organisation tree, mounted at /api/orgs/ (jiceng.api.api).

Thin: parse → scoped selector or service → schema. Visibility is `restrict()` through
`orgs_visible_to`; an organisation the caller cannot see is a 404, one they see but may not
change is a 403 (the services' `ensure_in_scope`).
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from jiceng.api.auth import require_anywhere
from jiceng.api.errors import ApiValidationError, get_or_404
from jiceng.api.filters import query_schema
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.core import scope
from jiceng.core.codes import OrgCategory
from jiceng.members.selectors import covers_subtree

from . import selectors, services
from .filters import OrgFilterSet
from .models import Organization, OrgKind, UnitType

router = Router(tags=["orgs"])


# ---- schemas -----------------------------------------------------------------------------


class OrgOut(Schema):
    id: int
    parent: int | None
    depth: int
    name: str
    short_name: str
    kind: str
    category: str
    unit_type: str
    unit_name: str
    secretary: int | None
    secretary_name: str
    contact_name: str
    contact_phone: str
    founded_on: date | None
    term_started_on: date | None
    term_years: int | None
    status: str
    dissolved_on: date | None

    @staticmethod
    def resolve_parent(obj: Organization) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_secretary(obj: Organization) -> int | None:
        return obj.secretary_id

    @staticmethod
    def resolve_secretary_name(obj: Organization) -> str:
        return obj.secretary.name if obj.secretary_id else ""


OrgFilters = query_schema("OrgFilters", OrgFilterSet)


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class OrgCreate(_Input):
    parent: int | None = Field(None, description="required except for a superuser's top node")
    name: str = Field(max_length=120)
    short_name: str = Field("", max_length=40)
    kind: OrgKind
    category: OrgCategory
    unit_type: UnitType
    unit_name: str = Field("", max_length=120)
    secretary: int | None = Field(None, description="a member on the rolls, by id")
    contact_name: str = Field("", max_length=40)
    contact_phone: str = Field("", max_length=20)
    founded_on: date | None = None
    term_started_on: date | None = None
    term_years: int | None = None


class OrgPatch(_Input):
    """Only the fields sent are changed. Re-homing is POST /api/orgs/{id}/move."""

    name: str = Field(None, max_length=120)
    short_name: str = Field(None, max_length=40)
    kind: OrgKind = None
    category: OrgCategory = None
    unit_type: UnitType = None
    unit_name: str = Field(None, max_length=120)
    secretary: int | None = None
    contact_name: str = Field(None, max_length=40)
    contact_phone: str = Field(None, max_length=20)
    founded_on: date | None = None
    term_started_on: date | None = None
    term_years: int | None = None


class OrgMove(_Input):
    parent: int = Field(description="the new parent organisation")


class OrgDissolve(_Input):
    dissolved_on: date | None = Field(None, description="default: today")


class CountRow(Schema):
    code: str
    label: str
    count: int


class OrgSummary(Schema):
    reference: date
    members: int
    orgs: int
    grassroots: int
    tertiary: int
    lost_contact: int
    mobile: int
    org_kinds: list[CountRow]
    org_categories: list[CountRow]
    membership: list[CountRow]
    standing: list[CountRow]
    sex: list[CountRow]
    age_bands: list[CountRow]
    education: list[CountRow]
    occupation: list[CountRow]
    ethnicity: list[CountRow]
    top_minorities: list[CountRow]


# ---- helpers -------------------------------------------------------------------------------


def _visible(request):
    return selectors.orgs_visible_to(request.user).select_related("secretary")


def _rows(summary: dict, key: str) -> list[dict]:
    return [{"code": str(code), "label": str(label), "count": n} for code, label, n in summary[key]]


# ---- endpoints -----------------------------------------------------------------------------


@router.get("/", response=Page(OrgOut), summary="List organisations")
def org_list(request, filters: Query[OrgFilters], page: Query[PageParams]):
    filterset = OrgFilterSet(request.GET, queryset=_visible(request), user=request.user)
    if not filterset.is_valid():
        raise ApiValidationError(filterset.errors)
    return page_of(filterset.qs, page, filterset.qs.count())


@router.post("/", response={201: OrgOut}, summary="Create an organisation")
def org_create(request, payload: OrgCreate):
    require_anywhere(request.user, scope.ADD)
    fields = payload.dict(exclude_unset=True)
    org = services.org_create(actor=request.user, parent=fields.pop("parent", None), **fields)
    return Status(201, get_or_404(_visible(request), pk=org.pk))


@router.get("/{org_id}", response=OrgOut, summary="One organisation")
def org_detail(request, org_id: int):
    return get_or_404(_visible(request), pk=org_id)


@router.patch("/{org_id}", response=OrgOut, summary="Change an organisation's fields")
def org_update(request, org_id: int, payload: OrgPatch):
    org = get_or_404(_visible(request), pk=org_id)
    services.org_update(actor=request.user, org=org, **payload.dict(exclude_unset=True))
    return get_or_404(_visible(request), pk=org_id)


@router.get("/{org_id}/children", response=Page(OrgOut), summary="Direct sub-organisations")
def org_children(request, org_id: int, page: Query[PageParams], include_dissolved: bool = False):
    org = get_or_404(selectors.orgs_visible_to(request.user), pk=org_id)
    qs = selectors.org_children(request.user, org, include_dissolved=include_dissolved)
    return page_of(qs.select_related("secretary"), page, qs.count())


@router.get("/{org_id}/summary", response=OrgSummary, summary="Figures over the subtree")
def org_summary(request, org_id: int):
    org = get_or_404(selectors.orgs_visible_to(request.user), pk=org_id)
    if not covers_subtree(request.user, org.path):
        raise PermissionDenied(_("The figures need a role over this organisation"))
    summary = selectors.subtree_summary(org)
    rows = {k: _rows(summary, k) for k, v in summary.items() if isinstance(v, list)}
    return {**summary, **rows}


@router.post("/{org_id}/move", response=OrgOut, summary="Re-home under another parent")
def org_move(request, org_id: int, payload: OrgMove):
    org = get_or_404(_visible(request), pk=org_id)
    services.org_move(actor=request.user, org=org, new_parent=payload.parent)
    return get_or_404(_visible(request), pk=org_id)


@router.post("/{org_id}/dissolve", response=OrgOut, summary="Dissolve (撤销)")
def org_dissolve(request, org_id: int, payload: OrgDissolve | None = None):
    org = get_or_404(_visible(request), pk=org_id)
    services.org_dissolve(
        actor=request.user,
        org=org,
        dissolved_on=(payload and payload.dissolved_on) or timezone.localdate(),
    )
    return get_or_404(_visible(request), pk=org_id)
