"""Every write of the service system: keyword-only, validated, atomic, audited, scope
re-checked; a refusal raises ValidationError({field: [message]}) and writes nothing."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.audit import services as audit
from jiceng.core import ruleset, scope
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import Organization

from . import counts, rules
from .models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Channel,
    DutyShift,
    HouseholdVisit,
    PovertyRecord,
    RequestEvent,
    RequestStatus,
    ResidentRequest,
    Satisfaction,
    ServiceCentre,
    TeamMember,
    TrainingAttendance,
    TrainingCourse,
    WorkTeam,
)

CENTRE_FIELDS = (
    "name",
    "address",
    "opening_hours",
    "staff",
    "staff_count",
    "opened_on",
    "has_place",
    "place_evidence",
    "has_sign",
    "sign_evidence",
    "has_system",
    "system_evidence",
    "has_funds",
    "funds_evidence",
)
REQUEST_FIELDS = ("status", "org", "assignee", "resolved_on", "resolution_note", "closed_on")
ITEM_LABELS = {
    "place": gettext_lazy("place"),
    "sign": gettext_lazy("sign"),
    "system": gettext_lazy("systems"),
    "funds": gettext_lazy("funds"),
}


def may(actor, action: str, org: Organization) -> bool:
    return actor is None or scope.can(actor, action, org)


def require(actor, action: str, org: Organization) -> None:
    """The actor's roles must allow `action` at `org` (403 otherwise; views have already
    answered 404 for what the actor cannot see)."""
    if not may(actor, action, org):
        raise PermissionDenied(_("You may not do this at %(org)s.") % {"org": org.name})


def _service_place(org: Organization, field: str, villages_only: bool = False) -> None:
    parent_kind = org.parent.kind if org.parent_id else None
    if not rules.is_service_place(org.kind, org.unit_type, parent_kind):
        raise ValidationError(
            {field: [_("%(org)s is neither a township nor a village or community.") % {"org": org}]}
        )
    if villages_only and org.kind == "township":
        raise ValidationError({field: [_("Choose a village or community, not a township.")]})


def township_of(org: Organization) -> Organization | None:
    return (
        Organization.objects.filter(path__in=org.ancestor_paths(), kind="township")
        .order_by("-depth")
        .first()
    )


# --- service centres -----------------------------------------------------------------------


@transaction.atomic
def centre_save(*, actor, org: Organization, **fields) -> ServiceCentre:
    """Create or update the service centre of a township or village (SRV-01)."""
    unknown = set(fields) - set(CENTRE_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field")] for f in sorted(unknown)})
    centre = ServiceCentre.objects.select_for_update().filter(org=org).first()
    require(actor, scope.CHANGE if centre else scope.ADD, org)
    _service_place(org, "org")
    values = {f: getattr(centre, f) for f in CENTRE_FIELDS} if centre else {}
    values.update(fields)
    errors = {}
    for item in rules.ticked_without_evidence(values):
        errors[f"{item}_evidence"] = [
            _("SRV-01: the item “%(item)s” counts only with its evidence.")
            % {"item": ITEM_LABELS[item]}
        ]
    if not str(values.get("name", "")).strip():
        errors["name"] = [_("This field is required.")]
    if not str(values.get("address", "")).strip():
        errors["address"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(centre, CENTRE_FIELDS) if centre else None
    was = counts.centre_keys(org.kind, centre.meets_four) if centre else counts.Counter()
    if centre is None:
        centre = ServiceCentre(org=org)
    for f, v in values.items():
        setattr(centre, f, v)
    centre.full_clean()
    centre.save()
    counts.bump(org.pk, counts.change(counts.centre_keys(org.kind, centre.meets_four), was))
    scope.ensure_in_scope(actor, scope.VIEW, centre)
    audit.record_change(
        "centre_save",
        actor=actor,
        obj=centre,
        before=before,
        after=audit.snapshot(centre, CENTRE_FIELDS),
    )
    return centre


# --- on-site duty --------------------------------------------------------------------------


def _check_cadre(cadre: Member, field: str = "cadre") -> None:
    if cadre.leave_status != LeaveStatus.ON_ROLLS:
        raise ValidationError({field: [_("%(name)s is not on the rolls.") % {"name": cadre.name}]})


@transaction.atomic
def duty_schedule(*, actor, org: Organization, cadre: Member, on: date) -> DutyShift:
    """Put a cadre on the duty roster of a township or village for a day."""
    require(actor, scope.ADD, org)
    _service_place(org, "org")
    _check_cadre(cadre)
    if DutyShift.objects.filter(cadre=cadre, on=on).exists():
        raise ValidationError(
            {"on": [_("%(name)s is already on duty on %(day)s.") % {"name": cadre.name, "day": on}]}
        )
    shift = DutyShift.objects.create(org=org, cadre=cadre, on=on, region_code=org.region_code)
    counts.bump(org.pk, counts.shift_keys(on, False))
    scope.ensure_in_scope(actor, scope.ADD, shift)
    audit.record_change(
        "duty_schedule", actor=actor, obj=shift, after={"org": org.pk, "cadre": cadre.pk, "on": on}
    )
    return shift


TIME_MESSAGES = {
    "out_without_in": gettext_lazy("SRV-03: a check-out needs a check-in first."),
    "not_that_day": gettext_lazy("SRV-03: the time must be on the duty day (%(day)s)."),
    "out_before_in": gettext_lazy(
        "SRV-03: the check-out (%(out)s) is before the check-in (%(in)s)."
    ),
}


def _time_errors(on, checked_in_at, checked_out_at) -> dict:
    problems = rules.check_times(on, checked_in_at, checked_out_at)
    fmt = "%Y-%m-%d %H:%M"
    params = {
        "day": on,
        "in": checked_in_at.strftime(fmt) if checked_in_at else "",
        "out": checked_out_at.strftime(fmt) if checked_out_at else "",
    }
    return {field: [TIME_MESSAGES[code] % params] for field, code in problems.items()}


def _local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return timezone.localtime(value) if timezone.is_aware(value) else value


@transaction.atomic
def duty_record(
    *, actor, shift: DutyShift, checked_in_at: datetime | None, checked_out_at: datetime | None
) -> DutyShift:
    """Record (or correct) a shift's check-in and check-out times (SRV-03)."""
    shift = DutyShift.objects.select_for_update().select_related("org").get(pk=shift.pk)
    require(actor, scope.CHANGE, shift.org)
    errors = _time_errors(shift.on, _local(checked_in_at), _local(checked_out_at))
    if errors:
        raise ValidationError(errors)
    was = shift.attended
    before = audit.snapshot(shift, ("checked_in_at", "checked_out_at"))
    shift.checked_in_at, shift.checked_out_at = checked_in_at, checked_out_at
    shift.save(update_fields=["checked_in_at", "checked_out_at", "updated_at"])
    if was != shift.attended:
        counts.bump(
            shift.org_id,
            counts.shift_keys(shift.on, True) - counts.shift_keys(shift.on, False),
            1 if shift.attended else -1,
        )
    scope.ensure_in_scope(actor, scope.CHANGE, shift)
    audit.record_change(
        "duty_record",
        actor=actor,
        obj=shift,
        before=before,
        after=audit.snapshot(shift, ("checked_in_at", "checked_out_at")),
    )
    return shift


# --- household visits ----------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    actor,
    village: Organization,
    visitor: Member,
    visited_on: date,
    household: str,
    address: str = "",
    raised: str = "",
) -> HouseholdVisit:
    """Record a household visit (SRV-07: in the township the visitor serves)."""
    require(actor, scope.ADD, village)
    _service_place(village, "village", villages_only=True)
    _check_cadre(visitor, "visitor")
    errors = {}
    if not household.strip():
        errors["household"] = [_("This field is required.")]
    if visited_on > timezone.localdate():
        errors["visited_on"] = [_("A visit cannot be recorded before it happens.")]
    home = township_of(visitor.org)
    if home is None or not rules.in_subtree(village.path, home.path):
        errors["village"] = [
            _("SRV-07: %(village)s lies outside the township %(name)s serves (%(home)s).")
            % {
                "village": village.name,
                "name": visitor.name,
                "home": home.name if home else visitor.org.name,
            }
        ]
    if errors:
        raise ValidationError(errors)
    visit = HouseholdVisit.objects.create(
        village=village,
        visitor=visitor,
        visited_on=visited_on,
        household=household.strip(),
        address=address.strip(),
        raised=raised.strip(),
        region_code=village.region_code,
    )
    counts.bump(village.pk, counts.visit_keys(visited_on))
    scope.ensure_in_scope(actor, scope.ADD, visit)
    audit.record_change(
        "visit_record",
        actor=actor,
        obj=visit,
        after={
            "village": village.pk,
            "visitor": visitor.pk,
            "visited_on": visited_on,
            "address": visit.address,
        },
    )
    return visit


# --- residents' requests -------------------------------------------------------------------


def _event(request: ResidentRequest, actor, action: str, note: str = "") -> None:
    RequestEvent.objects.create(
        request=request,
        actor=actor,
        action=action,
        status=request.status,
        org_id=request.org_id,
        on=timezone.localdate(),
        note=note,
    )


def _locked(request: ResidentRequest) -> ResidentRequest:
    return (
        ResidentRequest.objects.select_for_update()
        .select_related("org", "origin")
        .get(pk=request.pk)
    )


def _record(event: str, actor, request: ResidentRequest, before: dict | None, note: str = ""):
    audit.record_change(
        event,
        actor=actor,
        obj=request,
        before=before,
        after=audit.snapshot(request, REQUEST_FIELDS),
        data={"note": note} if note else None,
    )


@transaction.atomic
def request_register(
    *,
    actor,
    origin: Organization | None = None,
    channel: str,
    resident_name: str,
    subject: str,
    details: str = "",
    resident_phone: str = "",
    visit: HouseholdVisit | None = None,
    registered_on: date | None = None,
    deadline: date | None = None,
) -> ResidentRequest:
    """Register a request raised at a visit (origin: the visited village), at a centre or by
    phone; the organisation it was raised in handles it first (SRV-04 deadline)."""
    registered_on = registered_on or timezone.localdate()
    errors = {}
    if visit is not None:
        origin = visit.village
        channel = Channel.VISIT
    if origin is None:
        raise ValidationError({"origin": [_("This field is required.")]})
    require(actor, scope.ADD, origin)
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how the request was raised.")]
    elif channel == Channel.VISIT and visit is None:
        errors["visit"] = [_("A request raised at a visit names the visit.")]
    if not resident_name.strip():
        errors["resident_name"] = [_("This field is required.")]
    if not subject.strip():
        errors["subject"] = [_("This field is required.")]
    days = ruleset.snapshot(registered_on)["SRV-04.deadline_days"]
    deadline = deadline or rules.request_deadline(registered_on, days)
    if deadline < registered_on:
        errors["deadline"] = [_("The deadline cannot be before the registration.")]
    if errors:
        raise ValidationError(errors)
    request = ResidentRequest.objects.create(
        origin=origin,
        org=origin,
        channel=channel,
        visit=visit,
        resident_name=resident_name.strip(),
        resident_phone=resident_phone.strip(),
        subject=subject.strip(),
        details=details.strip(),
        registered_on=registered_on,
        deadline=deadline,
        region_code=origin.region_code,
    )
    _event(request, actor, "register")
    counts.bump(origin.pk, counts.request_keys(registered_on, deadline, False, False))
    scope.ensure_in_scope(actor, scope.ADD, request)
    _record("request_register", actor, request, None)
    return request


def _require_open(request: ResidentRequest) -> None:
    if not request.is_open:
        raise ValidationError(
            {
                "status": [
                    _("The request is already %(status)s.")
                    % {"status": request.get_status_display()}
                ]
            }
        )


@transaction.atomic
def request_assign(
    *, actor, request: ResidentRequest, assignee: Member, note: str = ""
) -> ResidentRequest:
    """The handling organisation assigns the request to one of its people."""
    request = _locked(request)
    require(actor, scope.CHANGE, request.org)
    _require_open(request)
    if not assignee.org.path.startswith(request.org.path):
        raise ValidationError(
            {
                "assignee": [
                    _("%(name)s does not belong to %(org)s.")
                    % {"name": assignee.name, "org": request.org.name}
                ]
            }
        )
    _check_cadre(assignee, "assignee")
    before = audit.snapshot(request, REQUEST_FIELDS)
    request.assignee = assignee
    request.status = RequestStatus.ASSIGNED
    request.save(update_fields=["assignee", "status", "updated_at"])
    _event(request, actor, "assign", note.strip())
    _record("request_assign", actor, request, before, note)
    return request


@transaction.atomic
def request_escalate(*, actor, request: ResidentRequest, note: str) -> ResidentRequest:
    """Hand the request up to the parent of the organisation handling it, with the reason."""
    request = _locked(request)
    require(actor, scope.CHANGE, request.org)
    _require_open(request)
    if not note.strip():
        raise ValidationError({"note": [_("Say why the request goes up a level.")]})
    if request.org.parent_id is None:
        raise ValidationError(
            {"note": [_("%(org)s has no higher level.") % {"org": request.org.name}]}
        )
    before = audit.snapshot(request, REQUEST_FIELDS)
    request.org = request.org.parent
    request.assignee = None
    request.status = RequestStatus.ESCALATED
    request.save(update_fields=["org", "assignee", "status", "updated_at"])
    _event(request, actor, "escalate", note.strip())
    _record("request_escalate", actor, request, before, note)
    return request


def _resolve(request: ResidentRequest, resolution_note: str, resolved_on: date) -> None:
    request.status = RequestStatus.RESOLVED
    request.resolution_note = resolution_note.strip()
    request.resolved_on = resolved_on
    on, due = request.registered_on, request.deadline
    counts.bump(
        request.origin_id,
        counts.change(
            counts.request_keys(on, due, True, rules.on_time(resolved_on, due)),
            counts.request_keys(on, due, False, False),
        ),
    )


@transaction.atomic
def request_resolve(
    *, actor, request: ResidentRequest, resolution_note: str, resolved_on: date | None = None
) -> ResidentRequest:
    """The handling organisation resolves the request and says how (SRV-05)."""
    request = _locked(request)
    require(actor, scope.CHANGE, request.org)
    _require_open(request)
    resolved_on = resolved_on or timezone.localdate()
    errors = {}
    if not resolution_note.strip():
        errors["resolution_note"] = [_("SRV-05: say how the request was resolved.")]
    if resolved_on < request.registered_on or resolved_on > timezone.localdate():
        errors["resolved_on"] = [_("The date lies between the registration and today.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(request, REQUEST_FIELDS)
    _resolve(request, resolution_note, resolved_on)
    request.save()
    _event(request, actor, "resolve", request.resolution_note)
    _record("request_resolve", actor, request, before)
    return request


@transaction.atomic
def request_close(
    *, actor, request: ResidentRequest, satisfaction: str, resolution_note: str = ""
) -> ResidentRequest:
    """Close a request with the resident's satisfaction (SRV-05): it needs a resolution note,
    given now or when it was resolved."""
    request = _locked(request)
    require(actor, scope.CHANGE, request.org)
    errors = {}
    if request.status == RequestStatus.CLOSED:
        raise ValidationError({"status": [_("The request is already closed.")]})
    if not resolution_note.strip() and not request.resolution_note.strip():
        errors["resolution_note"] = [_("SRV-05: a request is closed with a resolution note.")]
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("SRV-05: record the resident's satisfaction.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(request, REQUEST_FIELDS)
    today = timezone.localdate()
    if request.status in OPEN_STATUSES:
        _resolve(request, resolution_note, today)
    elif resolution_note.strip():
        request.resolution_note = resolution_note.strip()
    request.status = RequestStatus.CLOSED
    request.closed_on = today
    request.satisfaction = satisfaction
    request.save()
    _event(request, actor, "close", resolution_note.strip())
    _record("request_close", actor, request, before)
    return request


# --- village work teams ----------------------------------------------------------------------


def _period_errors(started_on: date, ended_on: date | None) -> dict:
    if ended_on is not None and ended_on < started_on:
        return {"ended_on": [_("The end is before the start.")]}
    return {}


@transaction.atomic
def team_create(
    *,
    actor,
    village: Organization,
    dispatching_unit: str,
    started_on: date,
    ended_on: date | None = None,
) -> WorkTeam:
    require(actor, scope.ADD, village)
    _service_place(village, "village", villages_only=True)
    errors = _period_errors(started_on, ended_on)
    if not dispatching_unit.strip():
        errors["dispatching_unit"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    team = WorkTeam.objects.create(
        village=village,
        dispatching_unit=dispatching_unit.strip(),
        started_on=started_on,
        ended_on=ended_on,
    )
    scope.ensure_in_scope(actor, scope.ADD, team)
    audit.record_change(
        "team_create",
        actor=actor,
        obj=team,
        after={
            "village": village.pk,
            "unit": team.dispatching_unit,
            "from": started_on,
            "to": ended_on,
        },
    )
    return team


@transaction.atomic
def team_member_add(
    *,
    actor,
    team: WorkTeam,
    member: Member | None = None,
    external_name: str = "",
    external_unit: str = "",
    is_leader: bool = False,
    is_first_secretary: bool = False,
    started_on: date,
    ended_on: date | None = None,
) -> TeamMember:
    """Station a cadre with a team (SRV-06: in one village at a time)."""
    team = WorkTeam.objects.select_related("village").get(pk=team.pk)
    require(actor, scope.CHANGE, team.village)
    errors = _period_errors(started_on, ended_on)
    external_name = external_name.strip()
    if (member is None) == (not external_name):
        errors["member"] = [_("Name a member of the registry or an external cadre, one of them.")]
    if errors:
        raise ValidationError(errors)
    others = TeamMember.objects.select_related("team__village")
    if member is not None:
        others = others.filter(member=member)
    else:
        others = others.filter(
            member__isnull=True, external_name=external_name, external_unit=external_unit.strip()
        )
    for other in others:
        if rules.periods_overlap(started_on, ended_on, other.started_on, other.ended_on):
            raise ValidationError(
                {
                    "started_on": [
                        _(
                            "SRV-06: %(name)s is stationed in %(village)s from %(start)s; "
                            "a cadre is stationed in one village at a time."
                        )
                        % {
                            "name": member.name if member else external_name,
                            "village": other.team.village.name,
                            "start": other.started_on,
                        }
                    ]
                }
            )
    row = TeamMember.objects.create(
        team=team,
        member=member,
        external_name=external_name,
        external_unit=external_unit.strip(),
        is_leader=is_leader,
        is_first_secretary=is_first_secretary,
        started_on=started_on,
        ended_on=ended_on,
    )
    scope.ensure_in_scope(actor, scope.CHANGE, row)
    audit.record_change(
        "team_member_add",
        actor=actor,
        obj=row,
        after={
            "team": team.pk,
            "member": member.pk if member else None,
            "name": external_name,
            "from": started_on,
        },
    )
    return row


@transaction.atomic
def poverty_record(
    *,
    actor,
    village: Organization,
    year: int,
    recorded_on: date,
    poor_households: int,
    poor_people: int,
    lifted_people: int,
    funds_government=0,
    funds_enterprise=0,
    funds_social=0,
) -> PovertyRecord:
    require(actor, scope.ADD, village)
    _service_place(village, "village", villages_only=True)
    errors = {}
    numbers = {
        "poor_households": poor_households,
        "poor_people": poor_people,
        "lifted_people": lifted_people,
        "funds_government": funds_government,
        "funds_enterprise": funds_enterprise,
        "funds_social": funds_social,
    }
    for field, value in numbers.items():
        if value < 0:
            errors[field] = [_("A number of zero or more.")]
    if lifted_people > poor_people:
        errors["lifted_people"] = [_("More people lifted out than were registered as poor.")]
    if poor_households > poor_people:
        errors["poor_households"] = [_("More households than people registered as poor.")]
    if recorded_on.year < year:
        errors["recorded_on"] = [_("A year's figures are recorded in that year or later.")]
    elif recorded_on > timezone.localdate():
        errors["recorded_on"] = [_("The recording date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    row = PovertyRecord.objects.create(
        village=village,
        year=year,
        recorded_on=recorded_on,
        poor_households=poor_households,
        poor_people=poor_people,
        lifted_people=lifted_people,
        funds_government=funds_government,
        funds_enterprise=funds_enterprise,
        funds_social=funds_social,
    )
    scope.ensure_in_scope(actor, scope.ADD, row)
    audit.record_change(
        "poverty_record",
        actor=actor,
        obj=row,
        after={"village": village.pk, "year": year, "lifted": lifted_people, "poor": poor_people},
    )
    return row


# --- training --------------------------------------------------------------------------------


@transaction.atomic
def course_create(
    *, actor, org: Organization, title: str, starts_on: date, hours: int
) -> TrainingCourse:
    require(actor, scope.ADD, org)
    errors = {}
    if not title.strip():
        errors["title"] = [_("This field is required.")]
    if hours <= 0:
        errors["hours"] = [_("A course lasts at least an hour.")]
    if errors:
        raise ValidationError(errors)
    course = TrainingCourse.objects.create(
        org=org, title=title.strip(), starts_on=starts_on, hours=hours
    )
    scope.ensure_in_scope(actor, scope.ADD, course)
    audit.record_change(
        "course_create", actor=actor, obj=course, after={"org": org.pk, "title": course.title}
    )
    return course


@transaction.atomic
def attendance_add(
    *, actor, course: TrainingCourse, member: Member, completed: bool = True
) -> TrainingAttendance:
    course = TrainingCourse.objects.select_related("org").get(pk=course.pk)
    require(actor, scope.CHANGE, course.org)
    if not member.org.path.startswith(course.org.path):
        raise ValidationError(
            {
                "member": [
                    _("%(name)s is not within %(org)s.")
                    % {"name": member.name, "org": course.org.name}
                ]
            }
        )
    try:
        with transaction.atomic():
            row = TrainingAttendance.objects.create(
                course=course, member=member, completed=completed
            )
    except IntegrityError:
        raise ValidationError(
            {"member": [_("%(name)s is already on this course.") % {"name": member.name}]}
        ) from None
    audit.record_change(
        "attendance_add", actor=actor, obj=row, after={"course": course.pk, "member": member.pk}
    )
    return row


__all__ = ["DONE_STATUSES"]
