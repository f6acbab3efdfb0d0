"""Every write to dues. Each service validates everything first and writes nothing when it
refuses (ValidationError naming what is wrong and where), writes in one transaction, re-checks
scope inside it and records its audit event as the last statement ("dues_standard",
"dues_reduction", "dues_reduction_decision", "dues_payments")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import ruleset, scope
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import Organization

from . import accounts, rules, stats
from . import params as p
from .models import INCOME_CATEGORIES, Category, Payment, Reduction, ReductionStatus, Standard


def _visible_member(actor, member, action: str) -> Member:
    member_id = getattr(member, "pk", member)
    qs = Member.objects.filter(pk=member_id).select_related("org")
    found = scope.restrict(qs, actor, action).first() if actor is not None else qs.first()
    if found is None:
        raise ValidationError({"member": _("No such member within your scope.")})
    return found


def _month(value, field: str) -> date:
    if not isinstance(value, date):
        raise ValidationError({field: _("Give a month (a date).")})
    return rules.month_of(value)


def _rule_error(field: str, error: rules.RuleError) -> ValidationError:
    return ValidationError({field: str(error)})


# -- standards (FEE-01…07) ------------------------------------------------------------------


@transaction.atomic
def standard_set(
    *, actor, member, category: str, effective_from: date, income_base=None, amount=None, note=""
) -> Standard:
    """Record a member's monthly standard from a month on (FEE-07: a new row; nothing is
    overwritten). `income_base` for the income categories, `amount` for farmers (FEE-06)."""
    member = _visible_member(actor, member, scope.CHANGE)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    month = _month(effective_from, "effective_from")
    params = ruleset.snapshot(on=month)
    try:
        standard = rules.monthly_standard(category, income_base, params=params, amount=amount)
        base = rules.money(income_base) if category in INCOME_CATEGORIES else None
    except rules.RuleError as e:
        raise _rule_error("amount" if category == Category.FARMER else "income_base", e) from None
    row = Standard.objects.create(
        member=member,
        category=category,
        income_base=base,
        effective_from=month,
        amount=standard,
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    scope.ensure_in_scope(actor, scope.CHANGE, row)
    accounts.refresh([member.pk])
    audit.record_change(
        "dues_standard",
        actor=actor,
        obj=row,
        after={
            "member": member.pk,
            "category": category,
            "income_base": str(base) if base is not None else None,
            "from": month.isoformat(),
            "amount": str(standard),
        },
    )
    return row


# -- hardship reductions (FEE-11) -----------------------------------------------------------


@transaction.atomic
def reduction_apply(
    *, actor, member, from_month: date, amount, reason: str, to_month: date | None = None
) -> Reduction:
    """Apply for a hardship reduction: pay `amount` (0 = nothing) a month; pending approval."""
    member = _visible_member(actor, member, scope.CHANGE)
    errors = {}
    start = _month(from_month, "from_month")
    end = _month(to_month, "to_month") if to_month is not None else None
    if end is not None and end < start:
        errors["to_month"] = _("The last month is before the first.")
    try:
        value = rules.money(amount)
        if value < 0:
            errors["amount"] = _("An amount cannot be negative.")
    except (rules.RuleError, TypeError):
        errors["amount"] = _("Give an amount in yuan, e.g. 0.50.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why the member cannot pay the standard.")
    if errors:
        raise ValidationError(errors)
    row = Reduction.objects.create(
        member=member,
        from_month=start,
        to_month=end,
        amount=value,
        reason=reason.strip()[:200],
        applied_by=actor,
    )
    scope.ensure_in_scope(actor, scope.CHANGE, row)
    audit.record_change(
        "dues_reduction",
        actor=actor,
        obj=row,
        after={"member": member.pk, "from": start.isoformat(), "amount": str(value)},
    )
    return row


@transaction.atomic
def reduction_decide(*, actor, reduction, approve: bool, note: str = "") -> Reduction:
    """Approve or reject a pending reduction; the applicant cannot decide their own."""
    qs = Reduction.objects.select_for_update().filter(pk=getattr(reduction, "pk", reduction))
    row = scope.restrict(qs, actor, scope.CHANGE).first() if actor is not None else qs.first()
    if row is None:
        raise ValidationError({"reduction": _("No such application within your scope.")})
    if row.status != ReductionStatus.PENDING:
        raise ValidationError({"reduction": _("This application has already been decided.")})
    if actor is not None and row.applied_by_id == actor.pk:
        raise PermissionDenied(_("Someone other than the applicant decides an application."))
    before = audit.snapshot(row, ("status",))
    row.status = ReductionStatus.APPROVED if approve else ReductionStatus.REJECTED
    row.decided_by = actor
    row.decided_at = timezone.now()
    row.decision_note = (note or "").strip()[:200]
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit.record_change(
        "dues_reduction_decision",
        actor=actor,
        obj=row,
        before=before,
        after=audit.snapshot(row, ("status",)),
    )
    return row


# -- payments (FEE-08…10) -------------------------------------------------------------------


def standards_of(member_ids: Iterable[int]) -> tuple[dict, dict]:
    """(member id → [(from month, amount)] sorted (FEE-07), member id → approved reductions
    [(from, to or None, amount)] (FEE-11)). Two queries."""
    ids = list(member_ids)
    standards = defaultdict(list)
    for mid, start, amount in (
        Standard.objects.filter(member_id__in=ids)
        .order_by("member_id", "effective_from", "id")
        .values_list("member_id", "effective_from", "amount")
    ):
        standards[mid].append((start, amount))
    reductions = defaultdict(list)
    for mid, start, end, amount in Reduction.objects.filter(
        member_id__in=ids, status=ReductionStatus.APPROVED
    ).values_list("member_id", "from_month", "to_month", "amount"):
        reductions[mid].append((start, end, amount))
    return standards, reductions


def due_in(standards: dict, reductions: dict, member_id: int, month: date):
    """The amount due from a member in a month, or None before any standard."""
    return rules.amount_due(
        rules.standard_in_force(standards.get(member_id, ()), month),
        reductions.get(member_id, ()),
        month,
    )


def _branch(actor, org) -> Organization:
    qs = Organization.objects.filter(pk=getattr(org, "pk", org))
    found = scope.restrict(qs, actor, scope.ADD).first() if actor is not None else qs.first()
    if found is None:
        raise ValidationError({"org": _("No such organisation within your scope.")})
    if not found.is_branch:
        raise ValidationError({"org": _("Dues are collected by a branch (党支部); choose one.")})
    return found


def check_entries(
    *, actor, branch: Organization, month: date, entries: dict[int, object], paid_on: date
) -> tuple[list[Payment], dict[int, str]]:
    """The payments `entries` (member id → amount, "" or None = the standard) would write for
    `month`, and what is wrong with each refused entry (member id → message). Reads only."""
    today = timezone.localdate()
    params = ruleset.snapshot(on=month)
    ids = [int(i) for i in entries]
    members = {
        m.pk: m
        for m in Member.objects.filter(
            pk__in=ids, org=branch, leave_status=LeaveStatus.ON_ROLLS
        ).only("id", "name", "join_date", "org_id")
    }
    already = set(
        Payment.objects.filter(member_id__in=ids, month=month).values_list("member_id", flat=True)
    )
    standards, reductions = standards_of(members)
    errors: dict[int, str] = {}
    rows: list[Payment] = []
    for mid, raw in entries.items():
        mid = int(mid)
        member = members.get(mid)
        if member is None:
            errors[mid] = _("Member %(id)s is not on the rolls of %(org)s.") % {
                "id": mid,
                "org": branch.name,
            }
            continue
        if mid in already:
            errors[mid] = _("%(name)s: %(month)s is already paid.") % {
                "name": member.name,
                "month": f"{month:%Y-%m}",
            }
            continue
        amount_due = due_in(standards, reductions, mid, month)
        segs = standards.get(mid)
        try:
            rules.check_month(
                month,
                today=today,
                start=rules.month_of(
                    max(member.join_date, segs[0][0]) if segs else member.join_date
                ),
                months_ahead=int(params[p.MONTHS_AHEAD]),
            )
            if raw is None or str(raw).strip() == "":
                if amount_due is None:
                    raise rules.RuleError(_("no standard set yet; enter the amount paid"))
                amount = amount_due
            else:
                amount = rules.check_payment(raw, amount_due, max_payment=params[p.MAX_PAYMENT])
        except (rules.RuleError, TypeError) as e:
            errors[mid] = f"{member.name}: {e}"
            continue
        rows.append(
            Payment(
                member_id=mid,
                org=branch,
                month=month,
                amount=amount,
                due=amount_due if amount_due is not None else amount,
                paid_on=paid_on,
                recorded_by=actor,
            )
        )
    return rows, errors


def write_payments(*, actor, branch: Organization, rows: list[Payment], source: str) -> None:
    """Write checked payments (inside the caller's transaction), bring the members' dues
    accounts (paid-to month) in line, and record one audit event per month."""
    Payment.objects.bulk_create(rows)
    if actor is not None and not scope.can(actor, scope.ADD, branch):
        raise PermissionDenied
    accounts.refresh(r.member_id for r in rows)
    stats.payments_added(rows)
    by_month: dict[date, list[Payment]] = defaultdict(list)
    for r in rows:
        by_month[r.month].append(r)
    for month, group in sorted(by_month.items()):
        params = ruleset.snapshot(on=month)
        forwarded = [
            r.member_id
            for r in group
            if r.amount > r.due and rules.is_forwarded(r.amount - r.due, params[p.FORWARD_FROM])
        ]
        audit.record(
            "dues_payments",
            actor=actor,
            obj=branch,
            data={
                "month": f"{month:%Y-%m}",
                "source": source,
                "count": len(group),
                "total": str(sum((r.amount for r in group), rules.ZERO)),
                "members": sorted(r.member_id for r in group),
                "forwarded": forwarded,
            },
        )


def branch_for_payments(actor, org) -> Organization:
    return _branch(actor, org)


def check_paid_on(paid_on: date | None) -> date:
    today = timezone.localdate()
    paid_on = paid_on or today
    if paid_on > today:
        raise ValidationError({"paid_on": _("The payment date is in the future.")})
    return paid_on


@transaction.atomic
def payments_record(
    *, actor, org, month: date, entries: dict[int, object], paid_on: date | None = None
) -> list[Payment]:
    """Record one month's dues for members of branch `org` at once (the collection grid):
    `entries` maps member id → amount paid ("" or None = exactly the standard). Every entry is
    checked first; if one is wrong nothing is written, and the errors name the member (keys:
    member ids as strings)."""
    branch = _branch(actor, org)
    month = _month(month, "month")
    paid_on = check_paid_on(paid_on)
    if not entries:
        raise ValidationError({"entries": _("Nobody was ticked: nothing to record.")})
    rows, errors = check_entries(
        actor=actor, branch=branch, month=month, entries=entries, paid_on=paid_on
    )
    if errors:
        raise ValidationError({str(k): v for k, v in errors.items()})
    write_payments(actor=actor, branch=branch, rows=rows, source="grid")
    return rows
