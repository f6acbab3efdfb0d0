"""The service system's API, mounted at /api/outreach/: the pages' FilterSets and selectors,
the same services, the same scope (404 outside it, 403 for what the user sees but may not
change). Phones and addresses are masked."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from jiceng.api.auth import require_anywhere
from jiceng.api.errors import ApiValidationError, get_or_404
from jiceng.api.filters import query_schema
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.core import scope
from jiceng.core.masking import mask
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import selectors, services
from .filters import (
    AttendanceFilterSet,
    CourseFilterSet,
    PovertyFilterSet,
    RequestFilterSet,
    ShiftFilterSet,
    VisitFilterSet,
)
from .models import (
    Channel,
    DutyShift,
    HouseholdVisit,
    PovertyRecord,
    ResidentRequest,
    Satisfaction,
    TrainingAttendance,
    TrainingCourse,
)

router = Router(tags=["outreach"])


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class RequestOut(Schema):
    id: int
    subject: str
    details: str
    resident_name: str
    resident_phone: str = Field(description="masked")
    channel: str
    visit: int | None = Field(alias="visit_id")
    origin: int = Field(alias="origin_id")
    origin_name: str = Field(alias="origin.name")
    org: int = Field(alias="org_id", description="the organisation handling it now")
    org_name: str = Field(alias="org.name")
    assignee: int | None = Field(alias="assignee_id")
    status: str
    registered_on: date
    deadline: date
    resolved_on: date | None
    resolution_note: str
    closed_on: date | None
    satisfaction: str

    @staticmethod
    def resolve_resident_phone(obj):
        return mask("phone", obj.resident_phone)


class VisitOut(Schema):
    id: int
    village: int = Field(alias="village_id")
    visitor: int = Field(alias="visitor_id")
    visited_on: date
    household: str
    address: str = Field(description="masked")
    raised: str

    @staticmethod
    def resolve_address(obj):
        return mask("address", obj.address)


class ShiftOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    cadre: int = Field(alias="cadre_id")
    on: date
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class SummaryOut(Schema):
    org: int
    period_from: date
    period_to: date
    places: int
    centres: int
    centres_four: int
    coverage: float | None
    duty_scheduled: int
    duty_attended: int
    attendance: float | None
    attendance_target: float
    visits: int
    requests: int
    requests_done: int
    requests_on_time: int
    requests_overdue: int
    resolution_rate: float | None
    on_time_rate: float | None
    teams_active: int
    stationed_cadres: int
    first_secretaries: int


class RequestIn(_Input):
    origin: int | None = Field(None, description="the township/village where it was raised")
    visit: int | None = Field(None, description="the visit it was raised at (sets origin)")
    channel: Literal[tuple(Channel.values)]
    resident_name: str = Field(max_length=40)
    resident_phone: str = Field("", max_length=20)
    subject: str = Field(max_length=200)
    details: str = ""
    deadline: date | None = None


class AssignIn(_Input):
    assignee: int
    note: str = ""


class NoteIn(_Input):
    note: str = ""


class ResolveIn(_Input):
    resolution_note: str = ""


class CloseIn(_Input):
    satisfaction: Literal[tuple(Satisfaction.values)] | Literal[""] = ""
    resolution_note: str = ""


class VisitIn(_Input):
    village: int
    visitor: int
    visited_on: date
    household: str = Field(max_length=40)
    address: str = Field("", max_length=200)
    raised: str = ""


def _requests(request):
    return ResidentRequest.objects.restrict(request.user).select_related("origin", "org")


def _member(request, pk: int, field: str) -> Member:
    member = Member.objects.restrict(request.user).select_related("org").filter(pk=pk).first()
    if member is None:
        raise ValidationError({field: ["No such member within your scope"]})
    return member


def _listing(request, filterset_class, queryset, page):
    filterset = filterset_class(request.GET, queryset=queryset, user=request.user)
    if not filterset.is_valid():
        raise ApiValidationError(filterset.errors)
    return page_of(filterset.qs, page, filterset.qs.count())


@router.get("/summary/{org_id}", response=SummaryOut, summary="Service figures of a subtree")
def outreach_summary(request, org_id: int):
    org = get_or_404(Organization.objects.restrict(request.user), pk=org_id)
    data = selectors.dashboard(request.user, org)
    t = data["total"]
    return {
        "org": org.pk,
        "period_from": data["window"][0],
        "period_to": data["window"][1],
        "places": t.places,
        "centres": t.centres,
        "centres_four": t.centres_four,
        "coverage": t.coverage,
        "duty_scheduled": t.duty,
        "duty_attended": t.duty_in,
        "attendance": t.attendance,
        "attendance_target": t.target,
        "visits": t.visits,
        "requests": t.requests,
        "requests_done": t.requests_done,
        "requests_on_time": t.requests_ontime,
        "requests_overdue": t.overdue,
        "resolution_rate": t.resolution,
        "on_time_rate": t.on_time,
        "teams_active": t.teams,
        "stationed_cadres": t.stationed,
        "first_secretaries": t.first_secretaries,
    }


RequestFilters = query_schema("RequestFilters", RequestFilterSet)
VisitFilters = query_schema("VisitFilters", VisitFilterSet)
ShiftFilters = query_schema("ShiftFilters", ShiftFilterSet)


@router.get("/requests", response=Page(RequestOut), summary="Residents' requests")
def outreach_request_list(request, filters: Query[RequestFilters], page: Query[PageParams]):
    return _listing(request, RequestFilterSet, _requests(request), page)


@router.post("/requests", response={201: RequestOut}, summary="Register a request")
def outreach_request_create(request, payload: RequestIn):
    require_anywhere(request.user, scope.ADD)
    d = payload.dict()
    visit = origin = None
    if d["visit"] is not None:
        visit = get_or_404(
            HouseholdVisit.objects.restrict(request.user).select_related("village"), pk=d["visit"]
        )
    elif d["origin"] is not None:
        origin = get_or_404(Organization.objects.restrict(request.user), pk=d["origin"])
    obj = services.request_register(
        actor=request.user,
        origin=origin,
        visit=visit,
        channel=d["channel"],
        resident_name=d["resident_name"],
        resident_phone=d["resident_phone"],
        subject=d["subject"],
        details=d["details"],
        deadline=d["deadline"],
    )
    return Status(201, get_or_404(_requests(request), pk=obj.pk))


@router.get("/requests/{request_id}", response=RequestOut, summary="One request")
def outreach_request_detail(request, request_id: int):
    return get_or_404(_requests(request), pk=request_id)


@router.post("/requests/{request_id}/assign", response=RequestOut, summary="Assign a request")
def outreach_request_assign(request, request_id: int, payload: AssignIn):
    obj = get_or_404(_requests(request), pk=request_id)
    services.request_assign(
        actor=request.user,
        request=obj,
        assignee=_member(request, payload.assignee, "assignee"),
        note=payload.note,
    )
    return get_or_404(_requests(request), pk=request_id)


@router.post(
    "/requests/{request_id}/escalate", response=RequestOut, summary="Escalate to the parent"
)
def outreach_request_escalate(request, request_id: int, payload: NoteIn):
    obj = get_or_404(_requests(request), pk=request_id)
    services.request_escalate(actor=request.user, request=obj, note=payload.note)
    return get_or_404(_requests(request), pk=request_id)


@router.post("/requests/{request_id}/resolve", response=RequestOut, summary="Resolve a request")
def outreach_request_resolve(request, request_id: int, payload: ResolveIn):
    obj = get_or_404(_requests(request), pk=request_id)
    services.request_resolve(
        actor=request.user, request=obj, resolution_note=payload.resolution_note
    )
    return get_or_404(_requests(request), pk=request_id)


@router.post("/requests/{request_id}/close", response=RequestOut, summary="Close a request")
def outreach_request_close(request, request_id: int, payload: CloseIn):
    obj = get_or_404(_requests(request), pk=request_id)
    services.request_close(
        actor=request.user,
        request=obj,
        satisfaction=payload.satisfaction,
        resolution_note=payload.resolution_note,
    )
    return get_or_404(_requests(request), pk=request_id)


@router.get("/visits", response=Page(VisitOut), summary="Household visits")
def outreach_visit_list(request, filters: Query[VisitFilters], page: Query[PageParams]):
    return _listing(request, VisitFilterSet, HouseholdVisit.objects.restrict(request.user), page)


@router.post("/visits", response={201: VisitOut}, summary="Record a household visit")
def outreach_visit_create(request, payload: VisitIn):
    require_anywhere(request.user, scope.ADD)
    d = payload.dict()
    village = get_or_404(
        Organization.objects.restrict(request.user).select_related("parent"), pk=d.pop("village")
    )
    visitor = _member(request, d.pop("visitor"), "visitor")
    visit = services.visit_record(actor=request.user, village=village, visitor=visitor, **d)
    return Status(201, visit)


@router.get("/shifts", response=Page(ShiftOut), summary="On-site duty shifts")
def outreach_shift_list(request, filters: Query[ShiftFilters], page: Query[PageParams]):
    return _listing(request, ShiftFilterSet, DutyShift.objects.restrict(request.user), page)


# --- training of village cadres ---------------------------------------------------------------


class CourseOut(Schema):
    id: int
    org: int = Field(alias="org_id")
    org_name: str = Field(alias="org.name")
    title: str
    starts_on: date
    hours: int


class CourseIn(_Input):
    org: int = Field(description="the organising organisation")
    title: str = Field(max_length=120)
    starts_on: date
    hours: int = Field(ge=0, le=10_000)


class CourseAttendanceOut(Schema):
    id: int
    course: int = Field(alias="course_id")
    member: int = Field(alias="member_id")
    member_name: str = Field(alias="member.name")
    completed: bool


class AttendanceIn(_Input):
    member: int
    completed: bool = True


CourseFilters = query_schema("CourseFilters", CourseFilterSet)
AttendanceFilters = query_schema("AttendanceFilters", AttendanceFilterSet)


def _courses(request):
    return TrainingCourse.objects.restrict(request.user).select_related("org")


def _attendance(request):
    return (
        TrainingAttendance.objects.restrict(request.user)
        .select_related("member")
        .order_by("course_id", "id")
    )


@router.get("/courses", response=Page(CourseOut), summary="Training courses")
def outreach_course_list(request, filters: Query[CourseFilters], page: Query[PageParams]):
    return _listing(request, CourseFilterSet, _courses(request), page)


@router.post("/courses", response={201: CourseOut}, summary="Create a training course")
def outreach_course_create(request, payload: CourseIn):
    require_anywhere(request.user, scope.ADD)
    d = payload.dict()
    org = get_or_404(Organization.objects.restrict(request.user), pk=d.pop("org"))
    course = services.course_create(actor=request.user, org=org, **d)
    return Status(201, get_or_404(_courses(request), pk=course.pk))


@router.get("/courses/{course_id}", response=CourseOut, summary="One training course")
def outreach_course_detail(request, course_id: int):
    return get_or_404(_courses(request), pk=course_id)


@router.get("/attendance", response=Page(CourseAttendanceOut), summary="Training attendance")
def outreach_attendance_list(request, filters: Query[AttendanceFilters], page: Query[PageParams]):
    return _listing(request, AttendanceFilterSet, _attendance(request), page)


@router.post(
    "/courses/{course_id}/attendance",
    response={201: CourseAttendanceOut},
    summary="Record a cadre's attendance",
)
def outreach_attendance_add(request, course_id: int, payload: AttendanceIn):
    course = get_or_404(_courses(request), pk=course_id)
    row = services.attendance_add(
        actor=request.user,
        course=course,
        member=_member(request, payload.member, "member"),
        completed=payload.completed,
    )
    return Status(201, get_or_404(_attendance(request), pk=row.pk))


# --- poverty alleviation ----------------------------------------------------------------------


class PovertyOut(Schema):
    id: int
    village: int = Field(alias="village_id")
    village_name: str = Field(alias="village.name")
    year: int
    recorded_on: date
    poor_households: int
    poor_people: int
    lifted_people: int
    funds_government: Decimal
    funds_enterprise: Decimal
    funds_social: Decimal


MONEY = {"ge": 0, "max_digits": 14, "decimal_places": 2}


class PovertyIn(_Input):
    village: int
    year: int = Field(ge=2000, le=2100)
    recorded_on: date
    poor_households: int = Field(ge=0)
    poor_people: int = Field(ge=0)
    lifted_people: int = Field(ge=0)
    funds_government: Decimal = Field(Decimal(0), **MONEY)
    funds_enterprise: Decimal = Field(Decimal(0), **MONEY)
    funds_social: Decimal = Field(Decimal(0), **MONEY)


PovertyFilters = query_schema("PovertyFilters", PovertyFilterSet)


def _poverty(request):
    return PovertyRecord.objects.restrict(request.user).select_related("village")


@router.get("/poverty", response=Page(PovertyOut), summary="Poverty-alleviation records")
def outreach_poverty_list(request, filters: Query[PovertyFilters], page: Query[PageParams]):
    return _listing(request, PovertyFilterSet, _poverty(request), page)


@router.post("/poverty", response={201: PovertyOut}, summary="Record poverty figures")
def outreach_poverty_create(request, payload: PovertyIn):
    require_anywhere(request.user, scope.ADD)
    d = payload.dict()
    village = get_or_404(
        Organization.objects.restrict(request.user).select_related("parent"), pk=d.pop("village")
    )
    row = services.poverty_record(actor=request.user, village=village, **d)
    return Status(201, get_or_404(_poverty(request), pk=row.pk))
