"""REST endpoints of organisational life, mounted at /api/activities/ (jiceng.api.api).

The meeting list takes the meeting page's filters (`MeetingFilterSet`); a meeting is recorded
with its attendance by exception, as on the page (`services.meeting_record`); compliance gives
an organisation subtree's findings (core.findings) with its red / amber / green state.
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from jiceng.api.auth import require_anywhere
from jiceng.api.errors import ApiValidationError, get_or_404
from jiceng.api.filters import query_schema
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.core import findings, scope
from jiceng.orgs.models import Organization
from jiceng.web.scoping import permitted_actions

from . import selectors, services
from .filters import MeetingFilterSet
from .models import Kind, Presence

router = Router(tags=["activities"])


class MeetingOut(Schema):
    id: int
    org: int
    org_name: str
    kind: Kind
    held_on: date
    place: str
    topic: str
    has_vote: bool
    expected: int
    present: int
    on_leave: int
    absent: int
    quorum_met: bool

    @staticmethod
    def resolve_org(obj) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name


class AttendanceOut(Schema):
    member: int
    name: str
    presence: Presence
    reason: str

    @staticmethod
    def resolve_member(obj) -> int:
        return obj.member_id

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.member.name


class MeetingDetailOut(MeetingOut):
    minutes: str
    resolutions: str
    attendance: list[AttendanceOut]


class MeetingCreate(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    org: int = Field(description="the branch that held it")
    kind: Kind
    held_on: date
    topic: str = Field(max_length=200)
    place: str = Field("", max_length=120)
    host: int | None = None
    recorder: int | None = None
    minutes: str = ""
    resolutions: str = ""
    has_vote: bool = False
    roster: list[int] | None = Field(
        None, description="participants; default: every member on the rolls (whole-branch kinds)"
    )
    on_leave: dict[int, str] = Field(default_factory=dict, description="member id → reason")
    absent: list[int] = Field(default_factory=list)


class FindingOut(Schema):
    rule: str
    level: str
    org: int
    message: str
    due: date | None
    subject: str
    url: str


class ComplianceOut(Schema):
    org: int
    rag: str
    counts: dict[str, int]
    findings: list[FindingOut]


MeetingFilters = query_schema("MeetingFilters", MeetingFilterSet)


@router.get("/meetings/", response=Page(MeetingOut), summary="List meetings (the page's filters)")
def meeting_list(request, filters: Query[MeetingFilters], page: Query[PageParams]):
    filterset = MeetingFilterSet(
        request.GET, queryset=selectors.meetings_visible_to(request.user), user=request.user
    )
    if not filterset.is_valid():
        raise ApiValidationError(filterset.errors)
    return page_of(filterset.qs, page, filterset.qs.count())


def _detail(request, meeting_id: int):
    meeting = get_or_404(selectors.meetings_visible_to(request.user), pk=meeting_id)
    meeting.attendance_rows = list(selectors.attendance_of(request.user, meeting))
    return meeting


class _Detail(MeetingDetailOut):
    @staticmethod
    def resolve_attendance(obj):
        return obj.attendance_rows


@router.get("/meetings/{meeting_id}", response=_Detail, summary="One meeting with attendance")
def meeting_detail(request, meeting_id: int):
    return _detail(request, meeting_id)


@router.post("/meetings/", response={201: _Detail}, summary="Record a meeting with attendance")
def meeting_create(request, payload: MeetingCreate):
    require_anywhere(request.user, scope.ADD)
    data = payload.dict()
    meeting = services.meeting_record(actor=request.user, **data)
    return Status(201, _detail(request, meeting.pk))


@router.get(
    "/orgs/{org_id}/compliance",
    response=ComplianceOut,
    summary="Findings of organisational life in an organisation's subtree",
)
def compliance(request, org_id: int, rule: str = "", level: str = ""):
    org = get_or_404(Organization.objects.restrict(request.user), pk=org_id)
    if scope.VIEW not in permitted_actions(request.user, org.path):
        raise PermissionDenied(_("You may not see the records of this organisation"))
    every = selectors.compliance_for(request.user, org, rule=rule.upper(), level=level)
    return {
        "org": org.pk,
        "rag": findings.rag(every),
        "counts": {lv.value: sum(1 for f in every if f.level == lv) for lv in findings.Level},
        "findings": [
            {
                "rule": f.rule,
                "level": str(f.level),
                "org": f.org_id,
                "message": f.message,
                "due": f.due,
                "subject": f.subject,
                "url": f.url,
            }
            for f in every
        ],
    }
