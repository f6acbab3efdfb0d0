"""Every write to the member registry. Each service validates, writes atomically, re-checks
scope inside its transaction, keeps the subtree rollups in step and, as the transaction's last
statement, records its audit event ("member_create", "member_update", "member_status",
"unmask"; before/after of what changed, ID number, phone and address masked by the audit log).
"""

from collections import Counter
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import crypto, idnumber, scope
from jiceng.core.masking import PERSONAL_FIELDS
from jiceng.core.pinyin import name_pinyin
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization, OrgStatus

from . import rules
from .models import LeaveStatus, Member, Membership, Standing, StatusChange, UnmaskEvent
from .stats import keys_of

_CHOICES = {
    f: {str(v) for v, _label in Member._meta.get_field(f).choices}
    for f in ("sex", "ethnicity", "education", "occupation", "membership", "standing")
}

EDITABLE_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "occupation",
    "org",
    "join_date",
    "full_member_date",
    "job",
    "phone",
    "address",
    "membership",
    "is_mobile",
    "mobile_destination",
    "applied_on",
)
AUDITED_FIELDS = (*EDITABLE_FIELDS, "standing", "leave_status", "is_lost_contact", "user")
# What a status change may touch besides the field itself.
STATUS_SIDE_FIELDS = ("full_member_date", "left_on", "lost_contact_since")


def _today() -> date:
    return timezone.localdate()


def _target_org(actor, org, action: str) -> tuple[Organization | None, dict[str, str]]:
    """The branch a member is placed in: must exist, be a branch, be active, be in scope."""
    org_id = getattr(org, "pk", org)
    found = (
        scope.restrict(Organization.objects.filter(pk=org_id), actor, action).first()
        if actor is not None
        else Organization.objects.filter(pk=org_id).first()
    )
    if found is None:
        return None, {"org": _("No such organisation within your scope")}
    if not found.is_branch:
        return None, {"org": _("Members belong to a branch (党支部); choose a branch")}
    if found.status != OrgStatus.ACTIVE:
        return None, {"org": _("This organisation has been dissolved")}
    return found, {}


def _validate(member: Member, *, actor, action: str) -> None:
    today = _today()
    errors: dict[str, str] = {}
    member.name = (member.name or "").strip()
    if not member.name:
        errors["name"] = _("Required")
    id_errors, info = rules.check_identity(
        id_number=member.id_number or "",
        birth_date=member.birth_date,
        sex=member.sex or None,
        today=today,
    )
    errors.update(id_errors)
    if info:
        member.id_number = info.number
        member.birth_date = member.birth_date or info.birth_date
        member.sex = member.sex or info.sex
        duplicate = Member.objects.filter(id_number_hash=crypto.lookup_hash(info.number)).exclude(
            pk=member.pk
        )
        if "id_number" not in errors and duplicate.exists():
            errors["id_number"] = _("A member with this ID number is already registered")
    if member.birth_date:
        errors.update(
            rules.check_dates(
                birth_date=member.birth_date,
                join_date=member.join_date,
                full_member_date=member.full_member_date,
                membership=member.membership,
                today=today,
            )
        )
    errors.update(
        rules.check_application(
            birth_date=member.birth_date,
            applied_on=member.applied_on,
            join_date=member.join_date,
            today=today,
        )
    )
    errors.update(rules.check_phone(member.phone or ""))
    org, org_errors = _target_org(actor, member.org_id, action)
    errors.update(org_errors)
    for field in ("join_date", "membership", "education", "occupation"):
        if not getattr(member, field) and field not in errors:
            errors[field] = _("Required")
    for field in ("sex", "ethnicity", "education", "occupation", "membership", "standing"):
        value = getattr(member, field)
        if value and field not in errors and value not in _CHOICES[field]:
            errors[field] = _("Not a valid choice")
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    member.org = org
    member.region_code = org.region_code
    member.name_pinyin, member.name_initials = name_pinyin(member.name)
    digits = "".join(ch for ch in member.phone if ch.isdigit())
    member.phone = digits
    member.phone_tail = digits[-4:]
    member.id_number = idnumber.normalise(member.id_number)


@transaction.atomic
def member_create(*, actor, **fields) -> Member:
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"standing", "user"}
    if unknown:
        raise ValidationError({f: [_("Unknown field")] for f in sorted(unknown)})
    org = fields.pop("org", None)
    member = Member(org_id=getattr(org, "pk", org), **fields)
    _validate(member, actor=actor, action=scope.ADD)
    member.save()
    scope.ensure_in_scope(actor, scope.ADD, member)
    rollups.apply_delta(member.org.ancestor_paths(), keys_of(member))
    audit.record_change(
        "member_create", actor=actor, obj=member, after=audit.snapshot(member, AUDITED_FIELDS)
    )
    return member


def _move_delta(
    before_paths: list[str], before: Counter, after_paths: list[str], after: Counter
) -> list[tuple[list[str], Counter]]:
    if before_paths == after_paths:
        delta = Counter(after)
        delta.subtract(before)
        return [(after_paths, delta)]
    minus = Counter()
    minus.subtract(before)
    return [(before_paths, minus), (after_paths, after)]


def _apply_member_change(member: Member, before_paths: list[str], before: Counter) -> None:
    for paths, delta in _move_delta(
        before_paths, before, member.org.ancestor_paths(), keys_of(member)
    ):
        rollups.apply_delta(paths, delta)


@transaction.atomic
def member_update(*, actor, member: Member, **changes) -> Member:
    """Change editable fields; moving to another branch needs change rights on both."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field")] for f in sorted(unknown)})
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    scope.ensure_in_scope(actor, scope.CHANGE, member)
    before, before_paths = keys_of(member), member.org.ancestor_paths()
    recorded = audit.snapshot(member, EDITABLE_FIELDS)
    for field, value in changes.items():
        setattr(member, "org_id" if field == "org" else field, getattr(value, "pk", value))
    _validate(member, actor=actor, action=scope.CHANGE)
    member.save()
    scope.ensure_in_scope(actor, scope.CHANGE, member)
    _apply_member_change(member, before_paths, before)
    audit.record_change(
        "member_update",
        actor=actor,
        obj=member,
        before=recorded,
        after=audit.snapshot(member, EDITABLE_FIELDS),
    )
    return member


STATUS_FIELDS = {
    "membership": Membership,
    "standing": Standing,
    "leave_status": LeaveStatus,
    "is_lost_contact": None,
}


@transaction.atomic
def member_change_status(
    *, actor, member: Member, field: str, value, effective_on: date, reason: str = ""
) -> StatusChange:
    """Record a dated change of membership, standing, leaving status or lost contact.

    The old value stays in the history; nothing about a member is ever deleted.
    """
    if field not in STATUS_FIELDS:
        raise ValidationError({"field": [_("Not a status field")]})
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    scope.ensure_in_scope(actor, scope.CHANGE, member)
    choices = STATUS_FIELDS[field]
    if choices is not None and value not in choices.values:
        raise ValidationError({"value": [_("Not a valid choice")]})
    if effective_on > _today():
        raise ValidationError({"effective_on": [_("Cannot be in the future")]})
    old = getattr(member, field)
    if old == value:
        raise ValidationError({"value": [_("The member already has this status")]})
    if field == "standing" and member.leave_status:
        raise ValidationError({"value": [_("The member is no longer on the rolls")]})
    if field == "leave_status" and old in (
        LeaveStatus.REMOVED,
        LeaveStatus.EXPELLED,
        LeaveStatus.LAPSED,
        LeaveStatus.WITHDREW,
    ):
        raise ValidationError(
            {
                "value": [
                    _("ST-05: membership cannot be restored after removal, expulsion or leaving")
                ]
            }
        )
    if (
        field == "leave_status"
        and value == LeaveStatus.PROBATION_REVOKED
        and member.membership != Membership.PROBATIONARY
    ):
        raise ValidationError({"value": [_("ST-07 applies to probationary members only")]})
    before, paths = keys_of(member), member.org.ancestor_paths()
    recorded = audit.snapshot(member, (field, *STATUS_SIDE_FIELDS))
    setattr(member, field, value)
    if field == "membership" and value == Membership.FULL:
        member.full_member_date = effective_on
    if field == "leave_status":
        member.left_on = effective_on if value else None
    if field == "is_lost_contact":
        member.lost_contact_since = effective_on if value else None
    member.save()
    change = StatusChange.objects.create(
        member=member,
        field=field,
        old_value=str(old),
        new_value=str(value),
        effective_on=effective_on,
        reason=reason,
        actor=actor,
    )
    _apply_member_change(member, paths, before)
    audit.record_change(
        "member_status",
        actor=actor,
        obj=member,
        before=recorded,
        after=audit.snapshot(member, (field, *STATUS_SIDE_FIELDS)),
        data={
            "field": field,
            "effective_on": effective_on,
            "reason": reason,
            "status_change": change.pk,
        },
    )
    return change


@transaction.atomic
def member_unmask(*, actor, member: Member, field: str, reason: str, ip: str | None = None) -> str:
    """Reveal one personal field of one member to a user allowed to, recording why: an
    UnmaskEvent (the member's reveal history) and an "unmask" audit row, in one transaction."""
    if field not in PERSONAL_FIELDS:
        raise ValidationError({"field": [_("Not a personal field")]})
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(
            {"reason": [_("Say why you need to see this (at least 4 characters)")]}
        )
    scope.ensure_in_scope(actor, scope.VIEW, member)
    if not actor.has_perm("members.unmask_personal_data"):
        raise PermissionDenied(_("You may not reveal personal data"))
    UnmaskEvent.objects.create(member=member, field=field, reason=reason, user=actor, ip=ip)
    audit.record("unmask", actor=actor, obj=member, data={"field": field, "reason": reason})
    return getattr(member, field)
