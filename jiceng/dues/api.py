"""REST endpoints for dues, mounted at /api/dues/ (jiceng.api.api): standards, payments
(list; record a branch's month at once) and arrears. Thin: reads through scope and the
selectors, writes through the services (which validate, audit and re-check scope)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from jiceng.api.errors import ApiValidationError, get_or_404
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.audit.services import note_denied
from jiceng.core import scope
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.web.scoping import permitted_actions

from . import selectors, services
from .models import Category, Payment, Standard

router = Router(tags=["dues"])


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class StandardOut(Schema):
    id: int
    member: int = Field(alias="member_id")
    category: str
    income_base: Decimal | None
    effective_from: date
    amount: Decimal
    note: str


class StandardIn(_Input):
    member: int
    category: Category
    effective_from: date = Field(description="the month it applies from (any day of it)")
    income_base: Decimal | None = Field(None, description="yuan a month (income categories)")
    amount: Decimal | None = Field(None, description="farmers: the branch's amount (FEE-06)")
    note: str = Field("", max_length=200)


class PaymentOut(Schema):
    id: int
    member: int = Field(alias="member_id")
    org: int = Field(alias="org_id")
    month: date
    amount: Decimal
    due: Decimal
    paid_on: date


class Entry(_Input):
    member: int
    amount: Decimal | None = Field(None, description="empty: exactly the standard")


class PaymentsIn(_Input):
    org: int = Field(description="the branch collecting")
    month: date = Field(description="the month paid (any day of it)")
    paid_on: date | None = None
    entries: list[Entry] = Field(min_length=1, max_length=2000)


class PaymentFilters(Schema):
    org: int | None = None
    member: int | None = None
    month: date | None = None


class StandardFilters(Schema):
    member: int | None = None


class ArrearsOut(Schema):
    member: int
    name: str
    org: int
    standard: Decimal | None
    paid_to: date | None
    months_unpaid: int
    months_owed: int
    arrears: Decimal | None


class ArrearsFilters(Schema):
    org: int = Field(description="the organisation whose subtree is listed")
    min_unpaid: int = Field(0, ge=0, description="only members this many months behind or more")


def _org(request, org_id: int, action: str = scope.VIEW) -> Organization:
    """The organisation, for a user whose role covers it: 404 when not visible, or visible
    only as a member's own branch (no role: its members' dues are not theirs to see); 403 when
    the role may see but not `action`."""
    org = get_or_404(Organization.objects.restrict(request.user), pk=org_id)
    allowed = permitted_actions(request.user, org.path)
    if scope.VIEW not in allowed:
        note_denied(obj=org, action=action, reason="not_visible")
        raise Http404
    if action not in allowed:
        note_denied(obj=org, action=action, reason="not_permitted")
        raise PermissionDenied
    return org


@router.get("/standards", response=Page(StandardOut), summary="Dues standards (FEE-07 history)")
def dues_standard_list(request, filters: Query[StandardFilters], page: Query[PageParams]):
    qs = Standard.objects.restrict(request.user).order_by("member_id", "-effective_from", "-id")
    if filters.member is not None:
        qs = qs.filter(member_id=filters.member)
    return page_of(qs, page, qs.count())


@router.post("/standards", response={201: StandardOut}, summary="Set a member's standard")
def dues_standard_create(request, payload: StandardIn):
    member = get_or_404(Member.objects.restrict(request.user), pk=payload.member)
    if not scope.can(request.user, scope.CHANGE, member):
        note_denied(obj=member, action=scope.CHANGE, reason="not_permitted")
        raise PermissionDenied
    row = services.standard_set(actor=request.user, **payload.dict())
    return Status(201, row)


@router.get("/payments", response=Page(PaymentOut), summary="Dues payments")
def dues_payment_list(request, filters: Query[PaymentFilters], page: Query[PageParams]):
    qs = Payment.objects.restrict(request.user).order_by("member_id", "month")
    if filters.org is not None:
        qs = qs.filter(org_id=filters.org)
    if filters.member is not None:
        qs = qs.filter(member_id=filters.member)
    if filters.month is not None:
        qs = qs.filter(month=filters.month.replace(day=1))
    return page_of(qs, page, qs.count())


@router.post(
    "/payments",
    response={201: list[PaymentOut]},
    summary="Record a branch's payments for a month (all or nothing)",
)
def dues_payment_record(request, payload: PaymentsIn):
    org = _org(request, payload.org, scope.ADD)
    entries: dict[int, object] = {}
    for e in payload.entries:
        entries[e.member] = e.amount if e.amount is not None else ""
    try:
        rows = services.payments_record(
            actor=request.user,
            org=org,
            month=payload.month,
            entries=entries,
            paid_on=payload.paid_on,
        )
    except ValidationError as e:  # errors per member: "entries.<member id>"
        raise ApiValidationError(
            {(f"entries.{k}" if k.isdigit() else k): v for k, v in e.message_dict.items()}
        ) from None
    return Status(201, rows)


@router.get("/arrears", response=Page(ArrearsOut), summary="Paid-to month and arrears per member")
def dues_arrears(request, filters: Query[ArrearsFilters], page: Query[PageParams]):
    org = _org(request, filters.org)
    rows = [
        r
        for r in selectors.accounts(org.path, org_id=org.pk if org.is_branch else None)
        if r.unpaid >= filters.min_unpaid
    ]
    window = rows[page.offset : page.offset + page.limit]
    return {
        "count": len(rows),
        "limit": page.limit,
        "offset": page.offset,
        "results": [
            {
                "member": r.member_id,
                "name": r.name,
                "org": r.org_id,
                "standard": r.standard,
                "paid_to": r.last_paid,
                "months_unpaid": r.unpaid,
                "months_owed": r.owed_months,
                "arrears": r.owed,
            }
            for r in window
        ],
    }
