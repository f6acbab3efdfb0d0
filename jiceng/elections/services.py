"""Every write of renewals and elections.

    election_record          a valid election: its record, the new committee posts, the new term
    post_assign / post_end   a post filled or left between elections (appointment, resignation)
    village_committee_record the village/residents' committee of a village or community (两委)
    campaign_create          a renewal campaign

Each validates everything first and raises one ValidationError({field: [messages]}) naming the
rule id of each refusal, so nothing is written when anything is wrong; writes in one
transaction, re-checks scope, and records its audit event last.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import ruleset, scope
from jiceng.core.fields import prefix_range
from jiceng.members.models import Member
from jiceng.orgs import rules as org_rules
from jiceng.orgs import services as org_services
from jiceng.orgs.models import Organization, OrgStatus, UnitType

from . import rules
from .models import (
    Candidate,
    CommitteePost,
    Election,
    Post,
    RenewalCampaign,
    VillageCommitteeSeat,
    VillageRole,
)

ELECTION_FIELDS = (
    "org",
    "held_on",
    "entitled",
    "present",
    "ballots_issued",
    "ballots_returned",
    "seats",
    "term_years",
)
VILLAGE_UNIT_TYPES = (UnitType.VILLAGE, UnitType.COMMUNITY)


class _Errors(defaultdict):
    def __init__(self):
        super().__init__(list)

    def add(self, field: str, message: str) -> None:
        self[field].append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _pk(value):
    return getattr(value, "pk", value)


def _org_for(actor, org, action: str) -> Organization:
    """The organisation, locked, if the actor may `action` it (404 → ValidationError on org,
    visible but not permitted → PermissionDenied)."""
    qs = Organization.objects.filter(pk=_pk(org))
    visible = scope.restrict(qs, actor, scope.VIEW) if actor is not None else qs
    found = visible.first()
    if found is None:
        raise ValidationError({"org": [_("No such organisation within your scope")]})
    scope.ensure_in_scope(actor, action, found)
    if found.status != OrgStatus.ACTIVE:
        raise ValidationError({"org": [_("This organisation has been dissolved")]})
    return Organization.objects.select_for_update().get(pk=found.pk)


def _subtree_members(actor, org: Organization, ids):
    """The members of `org`'s subtree among `ids` that the actor may see, by id."""
    qs = Member.objects.filter(**prefix_range("org__path", org.path)).filter(pk__in=list(ids))
    if actor is not None:
        qs = scope.restrict(qs, actor, scope.VIEW)
    return {m.pk: m for m in qs.only("id", "name", "membership", "standing", "leave_status")}


def _check_date(errors: _Errors, field: str, value: date | None, org: Organization) -> None:
    if value is None:
        errors.add(field, _("Required"))
    elif value > timezone.localdate():
        errors.add(field, _("Cannot be in the future"))
    elif org.founded_on and value < org.founded_on:
        errors.add(field, _("Cannot be before the founding date"))


# --- elections ---------------------------------------------------------------------------------


@transaction.atomic
def election_record(
    *,
    actor,
    org,
    held_on: date,
    entitled: int,
    present: int,
    ballots_issued: int,
    ballots_returned: int,
    seats: int,
    candidates: list[dict],
    secretary=None,
    deputies=(),
    term_years: int | None = None,
    notes: str = "",
) -> Election:
    """Record a renewal election (换届选举) and start the new term.

    `candidates`: [{"member": id, "votes": n}, …]. The elected (ELEC-05) take the committee's
    posts from `held_on`: `secretary` (an elected member's id; the one elected when one seat),
    `deputies` (elected members' ids), the rest 委员. The previous posts end that day, and the
    organisation's term starts anew (term_started_on, term_years; secretary kept in step).
    Refused with every problem at once, naming its rule, if the election is not valid.
    """
    org = _org_for(actor, org, scope.CHANGE)
    params = ruleset.snapshot(on=held_on)
    errors = _Errors()
    _check_date(errors, "held_on", held_on, org)
    if held_on and org.term_started_on and held_on < org.term_started_on:
        errors.add(
            "held_on",
            _("Before the start of the current term (%(date)s)")
            % {"date": org.term_started_on.isoformat()},
        )
    numbers = {
        "entitled": entitled,
        "present": present,
        "ballots_issued": ballots_issued,
        "ballots_returned": ballots_returned,
        "seats": seats,
    }
    for field, value in numbers.items():
        if value is None or value < 0:
            errors.add(field, _("A number, zero or more"))
    if term_years is not None and not 1 <= term_years <= 5:
        errors.add("term_years", _("Between 1 and 5 years"))
    errors.raise_if_any()
    for field, message in rules.count_problems(
        entitled=entitled,
        present=present,
        issued=ballots_issued,
        returned=ballots_returned,
        seats=seats,
    ).items():
        errors.add(field, message)
    if "entitled" not in errors and "present" not in errors:
        problem = rules.quorum_problem(entitled, present, params["ELEC-03.quorum_percent"])
        if problem:
            errors.add("present", problem)

    # The candidates: members of this organisation's subtree, each once, eligible (ELEC-02).
    ids = [_pk(c.get("member")) for c in candidates]
    found = _subtree_members(actor, org, [i for i in ids if i is not None])
    seen: set[int] = set()
    votes: list[tuple[int, int]] = []
    for c in candidates:
        pk, n = _pk(c.get("member")), c.get("votes")
        member = found.get(pk)
        if member is None:
            errors.add("candidates", _("No such member in this organisation: %(id)s") % {"id": pk})
            continue
        if pk in seen:
            errors.add("candidates", _("%(name)s is listed twice") % {"name": member.name})
            continue
        seen.add(pk)
        problem = rules.eligibility_problem(
            member.name, member.membership, member.standing, member.leave_status == ""
        )
        if problem:
            errors.add("candidates", problem)
        if n is None or n < 0:
            errors.add(
                "candidates", _("%(name)s: votes must be zero or more") % {"name": member.name}
            )
            continue
        votes.append((pk, n))
    if not candidates:
        errors.add("candidates", _("At least one candidate"))
    elif seats and seats > 0:
        problem = rules.margin_problem(
            seats, len(candidates), params["ELEC-04.margin_percent"], params["ELEC-04.min_seats"]
        )
        if problem:
            errors.add("candidates", problem)
    if ballots_returned <= ballots_issued and present <= entitled:
        for problem in rules.vote_problems(
            [(found[pk].name, n) for pk, n in votes],
            present=present,
            returned=ballots_returned,
            seats=max(seats, 1),
        ):
            errors.add("candidates", problem)
    errors.raise_if_any()

    outcome = rules.elect(
        [(str(pk), n) for pk, n in votes],
        seats=seats,
        present=present,
        majority_percent=params["ELEC-05.majority_percent"],
    )
    if outcome.problem:
        errors.add("candidates", outcome.problem)
    elected = [int(k) for k in outcome.elected]
    if not elected and not outcome.problem:
        errors.add(
            "candidates",
            _("ELEC-05: no candidate has more yes votes than half of the %(present)d present.")
            % {"present": present},
        )
    secretary = _pk(secretary)
    deputies = [_pk(d) for d in deputies or () if _pk(d) is not None]
    if secretary is None and len(elected) == 1:
        secretary = elected[0]
    if elected and secretary is None:
        errors.add("secretary", _("Choose the secretary from the elected"))
    elif secretary is not None and secretary not in elected:
        errors.add("secretary", _("The secretary must be one of the elected"))
    for d in deputies:
        if d not in elected or d == secretary:
            errors.add(
                "deputies", _("A deputy secretary must be one of the elected, not the secretary")
            )
            break
    errors.raise_if_any()

    term = term_years or org_rules.default_term_years(org.kind, org.unit_type)
    election = Election.objects.create(
        org=org,
        held_on=held_on,
        entitled=entitled,
        present=present,
        ballots_issued=ballots_issued,
        ballots_returned=ballots_returned,
        seats=seats,
        term_years=term,
        notes=(notes or "").strip(),
        recorded_by=actor,
        region_code=org.region_code,
    )
    Candidate.objects.bulk_create(
        Candidate(election=election, member_id=pk, votes=n, elected=pk in elected)
        for pk, n in votes
    )
    CommitteePost.objects.filter(org=org, ended_on__isnull=True).update(ended_on=held_on)
    posts = {pk: Post.MEMBER for pk in elected}
    posts.update(dict.fromkeys(deputies, Post.DEPUTY))
    posts[secretary] = Post.SECRETARY
    CommitteePost.objects.bulk_create(
        CommitteePost(org=org, member_id=pk, post=post, started_on=held_on, election=election)
        for pk, post in posts.items()
    )
    org_services.org_update(
        actor=actor, org=org, term_started_on=held_on, term_years=term, secretary=secretary
    )
    scope.ensure_in_scope(actor, scope.CHANGE, election)
    audit.record_change(
        "election_record",
        actor=actor,
        obj=election,
        after={
            **audit.snapshot(election, ELECTION_FIELDS),
            "candidates": len(votes),
            "elected": [found[pk].name for pk in elected],
            "secretary": found[secretary].name,
        },
    )
    return election


# --- posts between elections ---------------------------------------------------------------------


@transaction.atomic
def post_assign(*, actor, org, member, post: str, started_on: date) -> CommitteePost:
    """A member takes a post on the committee between elections (e.g. an appointed secretary):
    the post's previous holder (a secretary's) leaves it that day."""
    org = _org_for(actor, org, scope.CHANGE)
    errors = _Errors()
    if post not in Post.values:
        errors.add("post", _("Not a valid choice"))
    _check_date(errors, "started_on", started_on, org)
    found = _subtree_members(actor, org, [_pk(member)])
    holder = found.get(_pk(member))
    if holder is None:
        errors.add("member", _("No such member in this organisation"))
    else:
        problem = rules.eligibility_problem(
            holder.name, holder.membership, holder.standing, holder.leave_status == ""
        )
        if problem:
            errors.add("member", problem)
    if started_on and org.term_started_on and started_on < org.term_started_on:
        errors.add(
            "started_on",
            _("Before the start of the current term (%(date)s)")
            % {"date": org.term_started_on.isoformat()},
        )
    open_posts = CommitteePost.objects.filter(org=org, ended_on__isnull=True)
    if holder is not None and started_on and post in Post.values:
        # the posts this one ends (the holder's own, the previous secretary's) began before it
        ending = open_posts.filter(member=holder)
        if post == Post.SECRETARY:
            ending = ending | open_posts.filter(post=Post.SECRETARY)
        if ending.filter(member=holder, post=post).exists():
            errors.add(
                "post",
                _("%(name)s already holds this post") % {"name": holder.name},
            )
        latest = max((p.started_on for p in ending), default=None)
        if latest and started_on < latest:
            errors.add(
                "started_on",
                _("Before the start of the post it ends (%(date)s)") % {"date": latest.isoformat()},
            )
    errors.raise_if_any()
    if open_posts.filter(member=holder).exists():
        open_posts.filter(member=holder).update(ended_on=started_on)
    if post == Post.SECRETARY:
        open_posts.filter(post=Post.SECRETARY).update(ended_on=started_on)
    row = CommitteePost.objects.create(org=org, member=holder, post=post, started_on=started_on)
    if post == Post.SECRETARY or org.secretary_id == holder.pk:
        org_services.org_update(
            actor=actor, org=org, secretary=holder.pk if post == Post.SECRETARY else None
        )
    audit.record_change(
        "post_change",
        actor=actor,
        obj=row,
        after={"org": org.pk, "member": holder.name, "post": post, "started_on": started_on},
    )
    return row


@transaction.atomic
def post_end(*, actor, post: CommitteePost, ended_on: date) -> CommitteePost:
    """A member leaves a post (resignation, transfer, removal)."""
    row = CommitteePost.objects.select_related("org").filter(pk=_pk(post)).first()
    if row is None or (actor is not None and not scope.can(actor, scope.VIEW, row)):
        raise ValidationError({"post": [_("No such post within your scope")]})
    scope.ensure_in_scope(actor, scope.CHANGE, row)
    if row.ended_on is not None:
        raise ValidationError({"ended_on": [_("This post has already ended")]})
    if ended_on is None:
        raise ValidationError({"ended_on": [_("Required")]})
    if ended_on < row.started_on:
        raise ValidationError(
            {
                "ended_on": [
                    _("Cannot be before the post began (%(date)s)")
                    % {"date": row.started_on.isoformat()}
                ]
            }
        )
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": [_("Cannot be in the future")]})
    row.ended_on = ended_on
    row.save(update_fields=["ended_on", "updated_at"])
    if row.post == Post.SECRETARY and row.org.secretary_id == row.member_id:
        org_services.org_update(actor=actor, org=row.org, secretary=None)
    audit.record_change(
        "post_change", actor=actor, obj=row, after={"ended_on": ended_on, "post": row.post}
    )
    return row


# --- the village/residents' committee (两委) --------------------------------------------------------


@transaction.atomic
def village_committee_record(
    *, actor, org, started_on: date, seats: list[dict]
) -> list[VillageCommitteeSeat]:
    """The village (residents') committee elected on `started_on`: `seats` is
    [{"name": str, "member": id or None, "role": "chair"|"vice_chair"|"member"}, …], exactly
    one chair. The previous committee's seats end that day."""
    org = _org_for(actor, org, scope.CHANGE)
    errors = _Errors()
    if org.unit_type not in VILLAGE_UNIT_TYPES:
        errors.add("org", _("Only a village's or a community's Party organisation has a 两委"))
    _check_date(errors, "started_on", started_on, org)
    found = _subtree_members(actor, org, [_pk(s.get("member")) for s in seats if s.get("member")])
    chairs = 0
    seen: set[int] = set()
    rows = []
    for i, seat in enumerate(seats, start=1):
        name = (seat.get("name") or "").strip()
        role = seat.get("role")
        pk = _pk(seat.get("member"))
        if role not in VillageRole.values:
            errors.add("seats", _("Row %(row)d: not a valid post") % {"row": i})
        chairs += role == VillageRole.CHAIR
        if pk is not None:
            member = found.get(pk)
            if member is None:
                errors.add(
                    "seats", _("Row %(row)d: no such member in this organisation") % {"row": i}
                )
                continue
            if pk in seen:
                errors.add(
                    "seats",
                    _("Row %(row)d: %(name)s is listed twice") % {"row": i, "name": member.name},
                )
            seen.add(pk)
            name = name or member.name
        if not name:
            errors.add("seats", _("Row %(row)d: a name is required") % {"row": i})
        elif len(name) > 40:
            errors.add("seats", _("Row %(row)d: at most 40 characters") % {"row": i})
        rows.append((name, pk, role))
    if not seats:
        errors.add("seats", _("At least one seat"))
    elif chairs != 1:
        errors.add("seats", _("Exactly one chair (主任), not %(n)d") % {"n": chairs})
    errors.raise_if_any()
    VillageCommitteeSeat.objects.filter(org=org, ended_on__isnull=True).update(ended_on=started_on)
    created = VillageCommitteeSeat.objects.bulk_create(
        VillageCommitteeSeat(org=org, name=n, member_id=pk, role=role, started_on=started_on)
        for n, pk, role in rows
    )
    audit.record_change(
        "village_committee",
        actor=actor,
        obj=org,
        after={"started_on": started_on, "seats": [[n, role] for n, _pk, role in rows]},
    )
    return created


# --- campaigns ---------------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *, actor, org, name: str, starts_on: date, ends_on: date, unit_types: list[str]
) -> RenewalCampaign:
    org = _org_for(actor, org, scope.ADD)
    errors = _Errors()
    name = (name or "").strip()
    if not name:
        errors.add("name", _("Required"))
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", _("Cannot be before the start"))
    types = list(dict.fromkeys(unit_types or ()))
    if not types:
        errors.add("unit_types", _("Choose at least one unit type"))
    elif any(t not in UnitType.values for t in types):
        errors.add("unit_types", _("Not a valid choice"))
    errors.raise_if_any()
    campaign = RenewalCampaign.objects.create(
        org=org,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        unit_types=types,
        created_by=actor,
    )
    if actor is not None and not scope.can(actor, scope.ADD, org):
        raise PermissionDenied
    audit.record_change(
        "campaign_create",
        actor=actor,
        obj=campaign,
        after=audit.snapshot(campaign, ("org", "name", "starts_on", "ends_on", "unit_types")),
    )
    return campaign
