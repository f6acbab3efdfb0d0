"""Every write of organisational life. Each service validates everything first and raises
ValidationError({field: [message]}) before writing anything, writes in one transaction,
re-checks scope inside it and records its audit event as the transaction's last statement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import ruleset, scope
from jiceng.members import services as member_services
from jiceng.members.models import LeaveStatus, Member, Membership, Standing
from jiceng.orgs.models import Organization, OrgStatus

from . import files, life, rules, stats
from .models import (
    AppraisalGrade,
    Attachment,
    Attendance,
    Kind,
    LostContactSearch,
    LostReason,
    Meeting,
    MemberLife,
    PlanItem,
    Presence,
    Training,
)

MEETING_FIELDS = (
    "org",
    "kind",
    "held_on",
    "place",
    "host",
    "recorder",
    "topic",
    "has_vote",
    "expected",
    "present",
    "on_leave",
    "absent",
    "quorum_met",
)


def _today() -> date:
    return timezone.localdate()


def _fail(errors: dict) -> None:
    if errors:
        raise ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})


def _org_for(actor, org, action: str) -> Organization:
    org_id = getattr(org, "pk", org)
    qs = Organization.objects.filter(pk=org_id)
    if actor is not None:
        qs = scope.restrict(qs, actor, action)
    found = qs.first()
    if found is None:
        raise ValidationError({"org": [_("No such organisation within your scope")]})
    if found.status != OrgStatus.ACTIVE:
        raise ValidationError({"org": [_("This organisation has been dissolved")]})
    return found


def _ids(values) -> list[int]:
    if values is None:
        return []
    if isinstance(values, Mapping):
        values = values.keys()
    return [int(getattr(v, "pk", v)) for v in values]


def update_member_life(present: Iterable[int], held_on: date) -> None:
    """Move each member's last organisational life forward to `held_on` (never back)."""
    ids = set(present)
    if not ids:
        return
    MemberLife.objects.filter(
        Q(last_present_on__lt=held_on) | Q(last_present_on__isnull=True), member_id__in=ids
    ).update(last_present_on=held_on)
    known = set(MemberLife.objects.filter(member_id__in=ids).values_list("member_id", flat=True))
    MemberLife.objects.bulk_create(
        [MemberLife(member_id=i, last_present_on=held_on) for i in sorted(ids - known)]
    )


@transaction.atomic
def meeting_record(
    *,
    actor,
    org,
    kind: str,
    held_on: date | None,
    topic: str,
    place: str = "",
    host=None,
    recorder=None,
    minutes: str = "",
    resolutions: str = "",
    has_vote: bool = False,
    roster: Iterable | None = None,
    on_leave: Mapping[int, str] | None = None,
    absent: Iterable | Mapping | None = None,
    attachments: Iterable[tuple[str, bytes]] = (),
    grades: Mapping[int, str] | None = None,
) -> Meeting:
    """Record a meeting with its attendance, by exception: everyone on the roster was present
    except those listed `on_leave` ({member: reason}) or `absent`. The roster defaults to every
    member on the rolls of the branch for meetings of the whole branch (LIFE-01, 04, 05, 06,
    07); committee, group and other meetings name their participants."""
    org = _org_for(actor, org, scope.ADD)
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        _fail({"kind": _("Not a valid choice")})
    topic = (topic or "").strip()
    if not topic:
        errors["topic"] = _("Required")
    members = {
        m.pk: m
        for m in Member.objects.filter(org=org, leave_status=LeaveStatus.ON_ROLLS).only(
            "pk", "name", "membership", "standing"
        )
    }
    leave = {int(getattr(k, "pk", k)): (v or "").strip() for k, v in (on_leave or {}).items()}
    absent_reasons = (
        {int(getattr(k, "pk", k)): (v or "").strip() for k, v in absent.items()}
        if isinstance(absent, Mapping)
        else dict.fromkeys(_ids(absent), "")
    )
    if roster is None:
        if kind in rules.WHOLE_BRANCH_KINDS:
            listed = list(members)
        else:
            listed = sorted({*leave, *absent_reasons})
            errors.setdefault(
                "attendance", _("Name the participants of this meeting (committee members…)")
            )
    else:
        listed = list(dict.fromkeys(_ids(roster)))
    outsiders = [i for i in {*listed, *leave, *absent_reasons} if i not in members]
    if outsiders:
        names = dict(Member.objects.filter(pk__in=outsiders).values_list("pk", "name"))
        shown = ", ".join(names.get(i, f"#{i}") for i in sorted(outsiders))
        errors["attendance"] = _(
            "Not members of %(org)s on the rolls, so they cannot attend its meetings: %(names)s"
        ) % {"org": org.name, "names": shown}
    both = set(leave) & set(absent_reasons)
    if both:
        errors["attendance"] = _("A member cannot be both on leave and absent")
    missing_reason = [i for i, r in leave.items() if not r and i in members]
    if missing_reason:
        errors["attendance"] = _("Give the reason of every leave: %(names)s") % {
            "names": ", ".join(members[i].name for i in missing_reason)
        }
    listed_set = set(listed) | set(leave) | set(absent_reasons)
    for field, person in (("host", host), ("recorder", recorder)):
        pk = getattr(person, "pk", person)
        if pk is not None and int(pk) not in members:
            errors[field] = _("Choose a member of this branch")
    presence = {
        i: Presence.LEAVE
        if i in leave
        else Presence.ABSENT
        if i in absent_reasons
        else (Presence.PRESENT)
        for i in listed_set
        if i in members
    }
    present = [i for i, p in presence.items() if p == Presence.PRESENT]
    voters = [
        i
        for i in presence
        if members[i].membership == Membership.FULL and members[i].standing == Standing.NORMAL
    ]
    counts = {
        "expected": len(presence),
        "present": len(present),
        "on_leave": sum(1 for p in presence.values() if p == Presence.LEAVE),
        "absent": sum(1 for p in presence.values() if p == Presence.ABSENT),
        "voting": len(voters),
        "voting_present": sum(1 for i in voters if presence[i] == Presence.PRESENT),
    }
    quorum = rules.quorum_met(
        kind,
        expected=counts["expected"],
        present=counts["present"],
        voting=counts["voting"],
        voting_present=counts["voting_present"],
    )
    for key, message in rules.check_meeting(
        kind=kind,
        held_on=held_on,
        today=_today(),
        has_vote=has_vote,
        quorum=quorum,
        expected=0 if "attendance" in errors else counts["expected"],
    ).items():
        errors.setdefault(key, message)
    checked_files = []
    for name, data in attachments:
        try:
            checked_files.append((name, data, files.check(name, data)))
        except files.AttachmentRefused as exc:
            errors["attachments"] = str(exc)
    if grades:
        if kind != Kind.APPRAISAL:
            errors["grades"] = _("Grades belong to a democratic appraisal (民主评议党员)")
        else:
            grades = {int(getattr(k, "pk", k)): v for k, v in grades.items()}
            if any(i not in members for i in grades):
                errors["grades"] = _("Only members of this branch are appraised")
            else:
                errors.update(rules.check_grades(grades, members=len(members)))
    _fail(errors)

    meeting = Meeting.objects.create(
        org=org,
        kind=kind,
        held_on=held_on,
        place=(place or "").strip(),
        host_id=getattr(host, "pk", host),
        recorder_id=getattr(recorder, "pk", recorder),
        topic=topic,
        minutes=minutes or "",
        resolutions=resolutions or "",
        has_vote=has_vote,
        quorum_met=quorum,
        region_code=org.region_code,
        **counts,
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting,
                member_id=i,
                presence=p,
                reason=leave.get(i) or absent_reasons.get(i, ""),
            )
            for i, p in sorted(presence.items())
        ]
    )
    update_member_life(present, held_on)
    stats.meeting_added(meeting)
    life.meeting_held(meeting)
    if grades:
        AppraisalGrade.objects.bulk_create(
            [AppraisalGrade(meeting=meeting, member_id=i, grade=g) for i, g in grades.items()]
        )
    _add_attachments(actor, meeting, checked_files)
    scope.ensure_in_scope(actor, scope.ADD, meeting)
    audit.record_change(
        "meeting_create",
        actor=actor,
        obj=meeting,
        after=audit.snapshot(meeting, MEETING_FIELDS),
        data={"attachments": len(checked_files), "grades": len(grades or {})},
    )
    return meeting


def _add_attachments(actor, meeting: Meeting, checked: list[tuple[str, bytes, str]]) -> None:
    for name, data, mime in checked:
        sha = files.digest(data)
        Attachment.objects.create(
            meeting=meeting,
            name=name[:200],
            content_type=mime,
            size=len(data),
            sha256=sha,
            uploaded_by=actor,
        )
        # The bytes are written once the meeting is committed: a refused or rolled-back
        # meeting leaves nothing behind.
        transaction.on_commit(lambda data=data, sha=sha: files.store(data, sha))


@transaction.atomic
def meeting_attach(*, actor, meeting: Meeting, name: str, data: bytes) -> Attachment:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    scope.ensure_in_scope(actor, scope.CHANGE, meeting)
    try:
        mime = files.check(name, data)
    except files.AttachmentRefused as exc:
        raise ValidationError({"attachments": [str(exc)]}) from None
    _add_attachments(actor, meeting, [(name, data, mime)])
    audit.record(
        "meeting_update",
        actor=actor,
        obj=meeting,
        data={"attachment": name, "sha256": files.digest(data)},
    )
    return meeting.attachments.order_by("-id").first()


@transaction.atomic
def meeting_grades(*, actor, meeting: Meeting, grades: Mapping[int, str]) -> Meeting:
    """Record (replace) the grades of a democratic appraisal (LIFE-07)."""
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    scope.ensure_in_scope(actor, scope.CHANGE, meeting)
    if meeting.kind != Kind.APPRAISAL:
        _fail({"grades": _("Grades belong to a democratic appraisal (民主评议党员)")})
    grades = {int(getattr(k, "pk", k)): v for k, v in grades.items() if v}
    members = set(
        Member.objects.filter(org=meeting.org, leave_status=LeaveStatus.ON_ROLLS).values_list(
            "pk", flat=True
        )
    )
    if any(i not in members for i in grades):
        _fail({"grades": _("Only members of this branch are appraised")})
    _fail(rules.check_grades(grades, members=len(members)))
    AppraisalGrade.objects.filter(meeting=meeting).delete()
    AppraisalGrade.objects.bulk_create(
        [AppraisalGrade(meeting=meeting, member_id=i, grade=g) for i, g in grades.items()]
    )
    audit.record("meeting_grades", actor=actor, obj=meeting, data={"grades": len(grades)})
    return meeting


# --- the yearly plan ------------------------------------------------------------------------


@transaction.atomic
def plan_generate(*, actor, org, year: int) -> list[PlanItem]:
    """A branch's yearly plan from the frequency rules (LIFE-01…08 that apply to it); items
    already planned are kept. Each item is planned on the 15th of its period's last month."""
    org = _org_for(actor, org, scope.ADD)
    if not org.is_branch:
        _fail({"org": _("Plans are made by branches")})
    if not 2000 <= year <= _today().year + 1:
        _fail({"year": _("Choose this year or the next")})
    params = ruleset.snapshot(on=date(year, 1, 1))
    org_stats = getattr(org, "stats", None)
    counts = org_stats.counts if org_stats else {}
    existing = set(PlanItem.objects.filter(org=org, year=year).values_list("kind", "due_by"))
    new = []
    for req in rules.REQUIREMENTS:
        if not rules.applies(
            req.applies_to,
            is_branch=True,
            kind=org.kind,
            members=max(1, counts.get("members", 0)),
            full_members=counts.get("membership:full", 0),
            params=params,
        ):
            continue
        for start, end in rules.periods_in_year(year, req.period):
            if (req.kind, end) in existing:
                continue
            planned = (
                end.replace(day=min(15, end.day)) if req.period != "year" else date(year, 11, 15)
            )
            new.append(
                PlanItem(
                    org=org,
                    year=year,
                    kind=req.kind,
                    rule=req.rule,
                    due_by=end,
                    planned_on=max(planned, start),
                )
            )
    PlanItem.objects.bulk_create(new)
    audit.record("plan_generate", actor=actor, obj=org, data={"year": year, "items": len(new)})
    return list(PlanItem.objects.filter(org=org, year=year))


@transaction.atomic
def plan_item_update(*, actor, item: PlanItem, planned_on: date, topic: str = "") -> PlanItem:
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    scope.ensure_in_scope(actor, scope.CHANGE, item)
    if planned_on is None or planned_on.year != item.year:
        _fail({"planned_on": _("Choose a day of %(year)s") % {"year": item.year}})
    before = audit.snapshot(item, ("planned_on", "topic"))
    item.planned_on, item.topic = planned_on, (topic or "").strip()[:200]
    item.save(update_fields=["planned_on", "topic", "updated_at"])
    audit.record_change(
        "plan_update",
        actor=actor,
        obj=item,
        before=before,
        after=audit.snapshot(item, ("planned_on", "topic")),
    )
    return item


# --- lost contact (LOST-01/02) ----------------------------------------------------------------


@transaction.atomic
def lost_contact_search(
    *,
    actor,
    member: Member,
    searched_on: date,
    how: str,
    reason: str,
    found: bool = False,
    last_seen_on: date | None = None,
) -> LostContactSearch:
    """Record a search for a member out of contact. Not found: the member is marked lost
    contact from the day last seen (LOST-02), through the member registry's status service.
    Found: the lost-contact flag is cleared. Suspension (LOST-01) is never done here: the
    member's status form offers it."""
    member = Member.objects.select_related("org").get(pk=member.pk)
    scope.ensure_in_scope(actor, scope.CHANGE, member)
    errors = {}
    how = (how or "").strip()
    if len(how) < 4:
        errors["how"] = _("Say how the member was searched for")
    if reason not in LostReason.values:
        errors["reason"] = _("Choose a reason code (LOST-02)")
    today = _today()
    if searched_on is None or searched_on > today:
        errors["searched_on"] = _("Cannot be in the future")
    if last_seen_on is not None and last_seen_on > today:
        errors["last_seen_on"] = _("Cannot be in the future")
    if member.leave_status:
        errors["member"] = _("The member is no longer on the rolls")
    _fail(errors)
    if last_seen_on is None:
        from .selectors import last_seen_of

        last_seen_on = last_seen_of(member)
    search = LostContactSearch.objects.create(
        member=member,
        searched_on=searched_on,
        how=how,
        reason=reason,
        last_seen_on=last_seen_on,
        found=found,
        actor=actor,
    )
    label = LostReason(reason).label
    if not found and not member.is_lost_contact:
        member_services.member_change_status(
            actor=actor,
            member=member,
            field="is_lost_contact",
            value=True,
            effective_on=min(last_seen_on or searched_on, searched_on),
            reason=f"LOST-02 {label}",
        )
    elif found and member.is_lost_contact:
        member_services.member_change_status(
            actor=actor,
            member=member,
            field="is_lost_contact",
            value=False,
            effective_on=searched_on,
            reason=_("found"),
        )
    audit.record(
        "lost_contact_search",
        actor=actor,
        obj=member,
        data={"searched_on": searched_on, "reason": reason, "found": found},
    )
    return search


# --- training (LIFE-10) -----------------------------------------------------------------------


@transaction.atomic
def training_record(
    *, actor, members: Iterable, held_on: date, title: str, hours
) -> list[Training]:
    """Training taken by one or more members (a course attended by a whole branch)."""
    ids = _ids(members)
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Required")
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        hours = None
    if hours is None or not Decimal("0.5") <= hours <= Decimal("200"):
        errors["hours"] = _("Between 0.5 and 200 hours")
    if held_on is None or held_on > _today():
        errors["held_on"] = _("Cannot be in the future")
    if not ids:
        errors["members"] = _("Choose at least one member")
    visible = Member.objects.filter(pk__in=ids, leave_status=LeaveStatus.ON_ROLLS)
    if actor is not None:
        visible = scope.restrict(visible, actor, scope.CHANGE)
    if ids and visible.count() != len(set(ids)):
        errors["members"] = _("Some of these members are not on the rolls within your scope")
    _fail(errors)
    rows = Training.objects.bulk_create(
        [Training(member_id=i, held_on=held_on, title=title, hours=hours) for i in set(ids)]
    )
    for row in rows:
        scope.ensure_in_scope(actor, scope.ADD, row)
    audit.record(
        "training_create",
        actor=actor,
        obj=("training", "", title),
        data={"members": len(rows), "hours": str(hours), "held_on": held_on},
    )
    return rows
