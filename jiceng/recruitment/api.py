"""REST endpoints of membership development, mounted at /api/recruitment/ (jiceng.api.api):
the list (the list page's filters), one record with its steps and what is due next, opening a
record (step 1) and recording the next step — the same selectors and services as the pages.
ID numbers are masked. A refused step is a 422 whose messages start with the rule id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from jiceng.api.auth import require_anywhere
from jiceng.api.errors import ApiValidationError, get_or_404
from jiceng.api.filters import query_schema
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.core import ruleset, scope
from jiceng.core.codes import Education, Occupation
from jiceng.core.masking import mask

from . import selectors, services
from .filters import RecordFilterSet
from .models import DevelopmentRecord

router = Router(tags=["recruitment"])


class _RecordFields(Schema):
    id: int
    name: str
    id_number: str = Field(description="masked")
    org: int
    org_name: str
    stage: str
    step: int = Field(description="the last step done (1-25)")
    applied_on: date
    activist_on: date | None
    target_on: date | None
    resolution_on: date | None
    approved_on: date | None
    probation_ends_on: date | None
    extended: bool
    full_on: date | None
    member: int | None
    updated_at: datetime


class RecordOut(_RecordFields):
    @staticmethod
    def resolve_id_number(obj) -> str:
        return mask("id_number", obj.id_number)

    @staticmethod
    def resolve_org(obj) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.org.name

    @staticmethod
    def resolve_member(obj) -> int | None:
        return obj.member_id


class StepOut(Schema):
    id: int
    number: int
    on: date
    data: dict[str, Any]
    exceptions: list[dict[str, str]]

    @staticmethod
    def resolve_exceptions(obj) -> list[dict[str, str]]:
        return [{"rule": e.rule, "reason": e.reason} for e in obj.exceptions.all()]


class DueOut(Schema):
    rule: str
    on: date
    kind: str = Field(description="deadline: by then; earliest: not before")
    what: str
    level: str | None = Field(description="overdue | due_soon | null")


class RecordDetailOut(_RecordFields):
    steps: list[StepOut]
    next_steps: list[int]
    due: list[DueOut]


RecordFilters = query_schema("RecordFilters", RecordFilterSet)


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class RecordOpen(_Input):
    name: str = Field(max_length=40)
    id_number: str = Field(max_length=40)
    org: int = Field(description="the branch (党支部)")
    applied_on: date
    education: Education
    occupation: Occupation
    ethnicity: str = Field("01", max_length=2)


class StepIn(_Input):
    number: int = Field(ge=2, le=25)
    on: date
    data: dict[str, Any] = Field(default_factory=dict, description="the step's own data")
    exception_reason: str = Field(
        "", max_length=300, description="a documented exception (administrators only)"
    )


def _visible(request):
    return selectors.records_visible_to(request.user)


def _detail(request, record: DevelopmentRecord) -> dict:
    today = timezone.localdate()
    out = {name: getattr(record, name, None) for name in _RecordFields.model_fields}
    out.update(
        id_number=mask("id_number", record.id_number),
        org=record.org_id,
        org_name=record.org.name,
        member=record.member_id,
    )
    out["steps"] = list(record.steps.prefetch_related("exceptions").order_by("on", "id"))
    out["next_steps"] = services.next_steps(record)
    out["due"] = [
        {
            "rule": d["due"].rule,
            "on": d["due"].on,
            "kind": d["due"].kind,
            "what": d["due"].what,
            "level": d["level"],
        }
        for d in selectors.due_for(record, today, ruleset.snapshot(on=today))
    ]
    return out


@router.get("/", response=Page(RecordOut), summary="List development records")
def development_record_list(request, filters: Query[RecordFilters], page: Query[PageParams]):
    filterset = RecordFilterSet(request.GET, queryset=_visible(request), user=request.user)
    if not filterset.is_valid():
        raise ApiValidationError(filterset.errors)
    qs = filterset.qs.order_by("org__path", "name", "id")
    return page_of(qs, page, qs.count())


@router.post("/", response={201: RecordDetailOut}, summary="Open a record (step 1)")
def development_record_open(request, payload: RecordOpen):
    require_anywhere(request.user, scope.ADD)
    record = services.record_open(actor=request.user, **payload.dict())
    return Status(201, _detail(request, get_or_404(_visible(request), pk=record.pk)))


@router.get("/{record_id}", response=RecordDetailOut, summary="One record with its steps")
def development_record_detail(request, record_id: int):
    return _detail(request, get_or_404(_visible(request), pk=record_id))


@router.post(
    "/{record_id}/steps",
    response={201: RecordDetailOut},
    summary="Record the next step (refused with the rule id when a rule is broken)",
)
def development_step_record(request, record_id: int, payload: StepIn):
    record = get_or_404(_visible(request), pk=record_id)
    services.step_record(actor=request.user, record=record, **payload.dict())
    return Status(201, _detail(request, get_or_404(_visible(request), pk=record_id)))
