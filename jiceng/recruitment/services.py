"""Every write of membership development: open a record (step 1), record the next step.

`step_record` advances a record one step at a time. It refuses, with a ValidationError whose
messages start with the rule id, a step out of order, a date out of order, data that makes no
sense, or a step that breaks a rule (rules.py). An administrator of the record's organisation
may record a documented exception to an exceptable rule (`exception_reason`): each rule
excepted becomes a RuleException row (listed, counted, a finding). Nothing is written when a
step is refused. Admission (step 17) registers the probationary member through
members.services; the committee's approval of 转正 (step 24) makes them a full member from the
end of probation (DEV-20), of an extension extends probation once, of a revocation takes them
off the rolls (ST-07).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import crypto, idnumber, ruleset, scope
from jiceng.core.codes import ETHNICITIES, Education, Occupation
from jiceng.core.dates import add_months
from jiceng.members import rules as member_rules
from jiceng.members import services as member_services
from jiceng.members.models import LeaveStatus, Member, Membership
from jiceng.orgs.models import Organization, OrgStatus

from . import rules, stats, steps
from .models import OPEN_STAGES, DevelopmentRecord, RuleException, Sponsor, SponsorRole, Stage, Step

OPEN_FIELDS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "education",
    "occupation",
    "org",
    "applied_on",
    "user",
)
RECORD_DATES = (
    "stage",
    "step",
    "talked_on",
    "activist_on",
    "assessed_on",
    "target_on",
    "notice_ends_on",
    "resolution_on",
    "approved_on",
    "probation_ends_on",
    "extended",
    "decision_on",
    "full_on",
    "closed_on",
    "member",
)
MIN_REASON = 4


def _today() -> date:
    return timezone.localdate()


def _refuse(violations) -> None:
    errors: dict[str, list[str]] = {}
    for v in violations:
        errors.setdefault(v.field, []).append(v.text())
    raise ValidationError(errors)


def _branch(actor, org, action: str) -> tuple[Organization | None, str]:
    org_id = getattr(org, "pk", org)
    qs = Organization.objects.filter(pk=org_id)
    found = (scope.restrict(qs, actor, action) if actor is not None else qs).first()
    if found is None:
        return None, _("No such organisation within your scope")
    if not found.is_branch:
        return None, _("A development record belongs to a branch (党支部); choose a branch")
    if found.status != OrgStatus.ACTIVE:
        return None, _("This organisation has been dissolved")
    return found, ""


@transaction.atomic
def record_open(
    *,
    actor,
    org,
    name: str,
    id_number: str,
    applied_on: date,
    education: str,
    occupation: str,
    ethnicity: str = "01",
    sex: str | None = None,
    birth_date: date | None = None,
    user=None,
    note: str = "",
) -> DevelopmentRecord:
    """Step 1: an application for membership is received; the record is opened."""
    today = _today()
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Required")
    elif len(name) > 40:
        errors["name"] = _("At most 40 characters")
    id_errors, info = member_rules.check_identity(
        id_number=id_number or "", birth_date=birth_date, sex=sex or None, today=today
    )
    errors.update(id_errors)
    branch, org_error = _branch(actor, org, scope.ADD)
    if org_error:
        errors["org"] = org_error
    if not applied_on:
        errors["applied_on"] = _("Required")
    elif applied_on > today:
        errors["applied_on"] = _("The date cannot be in the future.")
    if education not in Education.values:
        errors["education"] = _("Not a valid choice")
    if occupation not in Occupation.values:
        errors["occupation"] = _("Not a valid choice")
    if ethnicity not in {code for code, _label in ETHNICITIES}:
        errors["ethnicity"] = _("Not a valid choice")
    if info is not None and applied_on and "applied_on" not in errors:
        params = ruleset.snapshot(on=applied_on)
        for v in rules.check_age(
            birth_date=info.birth_date, applied_on=applied_on, min_age=params["DEV-01.min_age"]
        ):
            errors["applied_on"] = v.text()
    if info is not None and "id_number" not in errors:
        digest = crypto.lookup_hash(info.number)
        if Member.objects.filter(id_number_hash=digest).exists():
            errors["id_number"] = _("This person is already a Party member")
        elif DevelopmentRecord.objects.filter(
            id_number_hash=digest, stage__in=OPEN_STAGES
        ).exists():
            errors["id_number"] = _("This person already has an open development record")
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    record = DevelopmentRecord.objects.create(
        name=name,
        id_number=idnumber.normalise(info.number),
        sex=sex or info.sex,
        birth_date=birth_date or info.birth_date,
        ethnicity=ethnicity,
        education=education,
        occupation=occupation,
        org=branch,
        user=user,
        stage=Stage.APPLICANT,
        step=1,
        applied_on=applied_on,
    )
    Step.objects.create(
        record=record, number=1, on=applied_on, data={"note": note} if note else {}, actor=actor
    )
    scope.ensure_in_scope(actor, scope.ADD, record)
    stats.apply_change(record, Counter())
    audit.record_change(
        "dev_open", actor=actor, obj=record, after=audit.snapshot(record, OPEN_FIELDS)
    )
    return record


def next_steps(record: DevelopmentRecord) -> list[int]:
    """The steps that may be recorded now: the next one, and an assessment (6, 21) again."""
    if record.stage == Stage.REVOKED or record.step >= steps.LAST:
        return []
    out = [record.step + 1]
    if 6 <= record.step < 15:
        out.append(6)
    if 21 <= record.step < 23:
        out.append(21)
    return sorted(set(out))


def may_except(actor, record: DevelopmentRecord) -> bool:
    """Documented exceptions are for administrators of the record's organisation."""
    return actor is None or scope.can(actor, scope.DELETE, record)


def _sponsors(actor, ids: list[int]) -> tuple[list[Member], list[rules.SponsorInfo], str]:
    qs = Member.objects.filter(pk__in=ids)
    if actor is not None:
        qs = scope.restrict(qs, actor, scope.VIEW)
    found = {m.pk: m for m in qs}
    missing = [i for i in ids if i not in found]
    if missing:
        return (
            [],
            [],
            _("No such member within your scope: %(ids)s") % {"ids": ", ".join(map(str, missing))},
        )
    members = [found[i] for i in ids]
    infos = [
        rules.SponsorInfo(
            id=m.pk,
            name=m.name,
            membership=m.membership,
            on_rolls=m.leave_status == LeaveStatus.ON_ROLLS,
            standing=m.standing,
            id_number_hash=m.id_number_hash,
        )
        for m in members
    ]
    return members, infos, ""


def _approver(record: DevelopmentRecord, org_id: int) -> tuple[Organization | None, list]:
    org = Organization.objects.filter(pk=org_id, status=OrgStatus.ACTIVE).first()
    if org is None:
        return None, [
            rules.Violation("", "approving_org", _("No such organisation"), exceptable=False)
        ]
    above = record.org.path.startswith(org.path) and org.path != record.org.path
    return org, rules.check_approver(kind=org.kind, unit_type=org.unit_type, above_branch=above)


def _last_decision(record: DevelopmentRecord) -> dict:
    step = record.steps.filter(number=23).order_by("-on", "-id").first()
    return step.data if step else {}


def _check(record, number: int, on: date, data: dict, p: dict, actor) -> tuple[list, dict]:
    """The violations of recording step `number` with `data` on `on`, and what the step needs
    to write (sponsors, approver)."""
    v: list[rules.Violation] = []
    extra: dict = {}
    last = record.assessed_on or record.activist_on
    if number == 2:
        v += rules.check_talk(applied_on=record.applied_on, on=on, months=p["DEV-03.talk_months"])
    elif number == 3:
        v += rules.check_activist(
            applied_on=record.applied_on, on=on, months=p["DEV-P2.application_months"]
        )
    elif number in (5, 9):
        members, infos, error = _sponsors(actor, data["members"])
        if error:
            v.append(rules.Violation("", "members", error, exceptable=False))
        elif number == 5:
            v += rules.check_contacts(
                sponsors=infos,
                applicant_hash=record.id_number_hash,
                most=p["DEV-05.max_contacts"],
            )
        else:
            v += rules.check_introducers(sponsors=infos, applicant_hash=record.id_number_hash)
        extra["sponsors"] = members
    elif number == 6:
        v += rules.check_assessment(last=last, on=on, months=p["DEV-06.assessment_months"])
    elif number == 7:
        v += rules.check_target(
            activist_on=record.activist_on,
            last_assessed=last,
            on=on,
            months=p["DEV-07.activist_months"],
            gap=p["DEV-06.assessment_months"],
        )
    elif number == 10:
        v += rules.check_review(passed=data["passed"])
    elif number == 11:
        v += rules.check_training(
            days=data.get("days"),
            hours=data.get("hours"),
            min_days=p["DEV-10.min_days"],
            min_hours=p["DEV-10.min_hours"],
        )
    elif number == 12:
        if not data["passed"]:
            v.append(
                rules.Violation(
                    "", "passed", _("The branch committee's review must be passed to go on."), False
                )
            )
        v += rules.check_notice(
            notice_from=data["notice_from"],
            notice_to=data["notice_to"],
            on=on,
            days=p["DEV-P1.notice_days"],
            working=p["DEV-P1.working_days"],
        )
    elif number == 13:
        v += rules.check_prereview(passed=data["passed"], notice_to=record.notice_ends_on, on=on)
    elif number in (15, 23):
        v += rules.check_votes(
            entitled=data["entitled"],
            present=data["present"],
            yes=data["yes"],
            no=data["no"],
            abstain=data["abstain"],
            written_yes=data.get("written_yes", 0),
        )
        if number == 23:
            v += rules.check_probation_decision(
                decision=data["decision"],
                on=on,
                probation_ends_on=record.probation_ends_on,
                extended=record.extended,
                extend_months=data.get("extend_months"),
                shortest=p["DEV-17.extend_min_months"],
                longest=p["DEV-17.extend_max_months"],
            )
    elif number in (17, 24):
        org, problems = _approver(record, data["approving_org"])
        v += problems
        extra["approver"] = org
        if number == 17:
            v += rules.check_approval(
                resolution_on=record.resolution_on,
                on=on,
                months=p["DEV-15.approval_months"],
                cap=p["DEV-15.cap_months"],
            )
        else:
            v += rules.check_decision_approval(
                decision_on=record.decision_on, on=on, months=p["DEV-19.decision_months"]
            )
    elif number == 25 and record.stage != Stage.FULL:
        v.append(
            rules.Violation(
                "DEV-21", "number", _("Materials are archived after full membership."), False
            )
        )
    return v, extra


def _admit(actor, record: DevelopmentRecord) -> Member:
    """Step 17: the probationary member joins the registry from the branch resolution date."""
    user = record.user
    if user is not None and Member.objects.filter(user=user).exists():
        user = None
    return member_services.member_create(
        actor=actor,
        org=record.org,
        name=record.name,
        id_number=record.id_number,
        sex=record.sex,
        birth_date=record.birth_date,
        ethnicity=record.ethnicity,
        education=record.education,
        occupation=record.occupation,
        applied_on=record.applied_on,
        join_date=record.resolution_on,
        membership=Membership.PROBATIONARY,
        user=user,
    )


def _apply(actor, record: DevelopmentRecord, number: int, on: date, data: dict, p: dict) -> None:
    """Move the record's dates and stage on for a step that passed its checks."""
    if number not in steps.REPEATABLE or record.step < number:
        record.step = number
    if number == 2:
        record.talked_on = on
    elif number == 3:
        record.activist_on = on
    elif number == 6:
        record.assessed_on = on
    elif number == 7:
        record.target_on = on
    elif number == 12:
        record.notice_ends_on = data["notice_to"]
    elif number == 15:
        record.resolution_on = on
        record.probation_ends_on = rules.probation_end(on, p["DEV-16.probation_months"])
    elif number == 17:
        record.approved_on = on
        record.member = _admit(actor, record)
    elif number == 23:
        record.decision_on = on
    elif number == 24:
        decision = _last_decision(record)
        if decision.get("decision") == "full":
            record.full_on = rules.standing_from(record.probation_ends_on)
            member_services.member_change_status(
                actor=actor,
                member=record.member,
                field="membership",
                value=Membership.FULL,
                effective_on=record.full_on,
                reason=_("full membership approved (DEV-20: from the end of probation)"),
            )
        elif decision.get("decision") == "extend":
            record.probation_ends_on = add_months(
                record.probation_ends_on, decision["extend_months"]
            )
            record.extended = True
            record.decision_on = None
            record.step = 21  # probation goes on: assessment, application, meeting, approval
        else:
            record.closed_on = on
            member_services.member_change_status(
                actor=actor,
                member=record.member,
                field="leave_status",
                value=LeaveStatus.PROBATION_REVOKED,
                effective_on=on,
                reason=_("probationary membership revoked (DEV-17)"),
            )
            record.stage = Stage.REVOKED
            return
    elif number == 25:
        record.closed_on = on
    if number == 24 and record.full_on:
        record.stage = Stage.FULL
    else:
        record.stage = steps.STEPS[record.step].stage


@transaction.atomic
def step_record(
    *,
    actor,
    record: DevelopmentRecord,
    number: int,
    on: date,
    data: dict | None = None,
    exception_reason: str = "",
) -> Step:
    """Record step `number` of `record` on `on` with its `data` (see steps.STEPS)."""
    record = (
        # The record's row only: PostgreSQL cannot lock the nullable side of an outer join.
        DevelopmentRecord.objects.select_for_update(of=("self",))
        .select_related("org", "member")
        .get(pk=record.pk)
    )
    scope.ensure_in_scope(actor, scope.CHANGE, record)
    allowed = next_steps(record)
    if number not in allowed:
        if not allowed:
            message = _("This record is closed: no step can be recorded.")
        elif number > max(allowed):
            message = _("Step %(number)s cannot be recorded yet: step %(next)s comes first.") % {
                "number": number,
                "next": min(allowed),
            }
        else:
            message = _("Step %(number)s has already been recorded; step %(next)s comes next.") % {
                "number": number,
                "next": max(allowed),
            }
        raise ValidationError({"number": [message]})
    if on is None:
        raise ValidationError({"on": [_("Required")]})
    data, errors = steps.clean(number, data or {})
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    previous = record.steps.order_by("-on").values_list("on", flat=True).first()
    violations = rules.check_order(on=on, previous=previous, today=_today())
    if violations:
        _refuse(violations)
    p = ruleset.snapshot(on=on)
    violations, extra = _check(record, number, on, data, p, actor)
    hard = [v for v in violations if not v.exceptable]
    soft = [v for v in violations if v.exceptable]
    reason = (exception_reason or "").strip()
    if hard or (soft and not reason):
        if soft and not hard and may_except(actor, record):
            soft = [
                *soft,
                rules.Violation(
                    "",
                    "exception_reason",
                    _("To go on anyway, record a documented exception: say why."),
                ),
            ]
        _refuse(hard + soft)
    if soft:
        if not may_except(actor, record):
            raise PermissionDenied(
                _("Only an administrator of this organisation may record an exception.")
            )
        if len(reason) < MIN_REASON:
            raise ValidationError({"exception_reason": [_("Say why (at least 4 characters).")]})
    before = audit.snapshot(record, RECORD_DATES)
    step = Step.objects.create(
        record=record, number=number, on=on, data=steps.as_json(data), actor=actor
    )
    role = SponsorRole.CONTACT if number == 5 else SponsorRole.INTRODUCER
    Sponsor.objects.bulk_create(
        Sponsor(record=record, step=step, member=m, role=role) for m in extra.get("sponsors", ())
    )
    excepted = RuleException.objects.bulk_create(
        RuleException(
            record=record,
            step=step,
            rule=v.rule or "-",
            message=v.message[:300],
            reason=reason[:300],
            actor=actor,
        )
        for v in soft
    )
    counted = stats.keys_of(record)
    _apply(actor, record, number, on, data, p)
    record.save()
    scope.ensure_in_scope(actor, scope.CHANGE, record)
    stats.apply_change(record, counted)
    audit.record_change(
        "dev_step",
        actor=actor,
        obj=record,
        before=before,
        after=audit.snapshot(record, RECORD_DATES),
        data={
            "step": number,
            "on": on,
            "data": steps.as_json(data),
            "exceptions": [{"rule": e.rule, "reason": e.reason} for e in excepted],
        },
    )
    return step
