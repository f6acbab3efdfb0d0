"""REST endpoints for the member registry, mounted at /api/members/ (jiceng.api.api).

The list takes exactly the member page's filters (`MemberFilterSet`, same parameter names) and
counts with `member_count`. ID numbers, phones and addresses are masked in every response
(`jiceng.core.masking`); only `POST …/unmask` reveals one field, recorded as an UnmaskEvent
and an "unmask" audit row. Every write is recorded in the audit log by its service; a refusal
(404 of an id out of scope, 403, a bad token) by the audit middleware.
"""

from datetime import date, datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, ValidationInfo, field_validator

from jiceng.api.auth import require_anywhere
from jiceng.api.errors import ApiValidationError, get_or_404
from jiceng.api.filters import query_schema
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.core import scope
from jiceng.core.codes import ETHNICITIES, Education, Occupation, Sex
from jiceng.core.masking import PERSONAL_FIELDS, mask

from . import selectors, services
from .filters import MemberFilterSet
from .models import Member, Membership

router = Router(tags=["members"])

EthnicityCode = Literal[tuple(code for code, _label in ETHNICITIES)]
PersonalField = Literal[PERSONAL_FIELDS]
StatusField = Literal[tuple(services.STATUS_FIELDS)]


# ---- schemas -----------------------------------------------------------------------------


class MemberOut(Schema):
    """A member as every list and detail shows them: personal data masked."""

    id: int
    name: str
    sex: str
    ethnicity: str
    id_number: str = Field(description="masked")
    birth_date: date
    education: str
    occupation: str
    org: int
    org_name: str
    applied_on: date | None
    join_date: date
    full_member_date: date | None
    job: str
    phone: str = Field(description="masked")
    address: str = Field(description="masked")
    membership: str
    standing: str
    leave_status: str
    left_on: date | None
    is_lost_contact: bool
    lost_contact_since: date | None
    is_mobile: bool
    mobile_destination: str
    updated_at: datetime

    @staticmethod
    def resolve_id_number(obj: Member) -> str:
        return mask("id_number", obj.id_number)

    @staticmethod
    def resolve_phone(obj: Member) -> str:
        return mask("phone", obj.phone)

    @staticmethod
    def resolve_address(obj: Member) -> str:
        return mask("address", obj.address)

    @staticmethod
    def resolve_org(obj: Member) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj: Member) -> str:
        return obj.org.name


MemberFilters = query_schema("MemberFilters", MemberFilterSet)


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class MemberCreate(_Input):
    name: str = Field(max_length=40)
    id_number: str = Field(max_length=40, description="18 characters; full-width and x accepted")
    sex: Sex | None = Field(None, description="default: from the ID number")
    birth_date: date | None = Field(None, description="default: from the ID number")
    ethnicity: EthnicityCode = "01"
    education: Education
    occupation: Occupation
    org: int = Field(description="the branch (党支部)")
    applied_on: date | None = None
    join_date: date
    membership: Membership
    full_member_date: date | None = None
    job: str = Field("", max_length=80)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    is_mobile: bool = False
    mobile_destination: str = Field("", max_length=120)


class MemberPatch(_Input):
    """Only the fields sent are changed. Status changes are POST /api/members/{id}/status."""

    name: str = Field(None, max_length=40)
    id_number: str = Field(None, max_length=40)
    sex: Sex | None = None
    birth_date: date | None = None
    ethnicity: EthnicityCode = None
    education: Education = None
    occupation: Occupation = None
    org: int = None
    applied_on: date | None = None
    join_date: date = None
    membership: Membership = None
    full_member_date: date | None = None
    job: str = Field(None, max_length=80)
    phone: str = Field(None, max_length=20)
    address: str = Field(None, max_length=200)
    is_mobile: bool = None
    mobile_destination: str = Field(None, max_length=120)


class StatusIn(_Input):
    field: StatusField
    value: bool | str = Field(description="true/false for is_lost_contact, else a code")
    effective_on: date
    reason: str = Field("", max_length=200)

    @field_validator("value")
    @classmethod
    def _value_type(cls, value, info: ValidationInfo):
        flag = info.data.get("field") == "is_lost_contact"
        if flag and not isinstance(value, bool):
            raise ValueError("must be true or false")
        if not flag and isinstance(value, bool):
            raise ValueError("must be a code, not true or false")
        return value


class StatusChangeOut(Schema):
    id: int
    member: int
    field: str
    old_value: str
    new_value: str
    effective_on: date
    reason: str
    recorded_at: datetime

    @staticmethod
    def resolve_member(obj) -> int:
        return obj.member_id


class UnmaskIn(_Input):
    field: PersonalField
    reason: str = Field(max_length=200, description="why you need to see it (recorded)")


class UnmaskOut(Schema):
    field: str
    value: str


# ---- endpoints -----------------------------------------------------------------------------


def _visible(request):
    return selectors.members_visible_to(request.user)


@router.get("/", response=Page(MemberOut), summary="List members (the member page's filters)")
def member_list(request, filters: Query[MemberFilters], page: Query[PageParams]):
    filterset = MemberFilterSet(request.GET, queryset=_visible(request), user=request.user)
    if not filterset.is_valid():
        raise ApiValidationError(filterset.errors)
    return page_of(filterset.qs, page, selectors.member_count(request.user, filterset))


@router.post("/", response={201: MemberOut}, summary="Register a member")
def member_create(request, payload: MemberCreate):
    require_anywhere(request.user, scope.ADD)
    member = services.member_create(actor=request.user, **payload.dict(exclude_unset=True))
    return Status(201, get_or_404(_visible(request), pk=member.pk))


@router.get("/{member_id}", response=MemberOut, summary="One member")
def member_detail(request, member_id: int):
    return get_or_404(_visible(request), pk=member_id)


@router.patch("/{member_id}", response=MemberOut, summary="Change a member's fields")
def member_update(request, member_id: int, payload: MemberPatch):
    member = get_or_404(_visible(request), pk=member_id)
    services.member_update(actor=request.user, member=member, **payload.dict(exclude_unset=True))
    return get_or_404(_visible(request), pk=member_id)


@router.post(
    "/{member_id}/status", response={201: StatusChangeOut}, summary="Record a dated status change"
)
def member_change_status(request, member_id: int, payload: StatusIn):
    member = get_or_404(_visible(request), pk=member_id)
    change = services.member_change_status(actor=request.user, member=member, **payload.dict())
    return Status(201, change)


@router.post(
    "/{member_id}/unmask",
    response=UnmaskOut,
    summary="Reveal one personal field (recorded, needs the permission)",
)
def member_unmask(request, member_id: int, payload: UnmaskIn, response: HttpResponse):
    member = get_or_404(_visible(request), pk=member_id)
    value = services.member_unmask(
        actor=request.user,
        member=member,
        field=payload.field,
        reason=payload.reason,
        ip=request.META.get("REMOTE_ADDR"),
    )
    response["Cache-Control"] = "no-store"
    return {"field": payload.field, "value": value}
