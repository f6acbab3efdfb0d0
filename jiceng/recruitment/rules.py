"""The rules of membership development (RULES.md §1, DEV-01…DEV-21 and the local DEV-P1/P2),
as pure functions: no database, parameters passed in (their values come from core.ruleset,
defined from PARAMETERS). Services, the record page, findings and the dashboard all call these.

A check returns a list of `Violation`s. `exceptable` says whether an administrator may record a
documented exception to it; bad input (votes that do not add up, an introducer who is the
applicant, …) and hard limits are never exceptable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.core.dates import add_months, full_years

PARAMETERS = (
    ("DEV-01.min_age", 18, gettext_lazy("minimum age (full years) on the application date")),
    ("DEV-03.talk_months", 1, gettext_lazy("months from application to the talk")),
    ("DEV-05.max_contacts", 2, gettext_lazy("most cultivation contacts")),
    ("DEV-06.assessment_months", 6, gettext_lazy("longest gap between assessments (months)")),
    ("DEV-07.activist_months", 12, gettext_lazy("months as activist before development target")),
    ("DEV-10.min_days", 3, gettext_lazy("intensive training: minimum days")),
    ("DEV-10.min_hours", 24, gettext_lazy("intensive training: minimum hours")),
    ("DEV-15.approval_months", 3, gettext_lazy("months from branch resolution to approval")),
    ("DEV-15.cap_months", 6, gettext_lazy("hard cap for approval in special cases (months)")),
    ("DEV-16.probation_months", 12, gettext_lazy("probation (months)")),
    ("DEV-17.extend_min_months", 6, gettext_lazy("shortest extension of probation (months)")),
    ("DEV-17.extend_max_months", 12, gettext_lazy("longest extension of probation (months)")),
    ("DEV-19.decision_months", 3, gettext_lazy("months from branch decision to approval")),
    ("DEV-P1.notice_days", 5, gettext_lazy("public notice: minimum length")),
    (
        "DEV-P1.working_days",
        True,
        gettext_lazy("public notice counted in working days (Mon-Fri) rather than days"),
    ),
    ("DEV-P2.application_months", 6, gettext_lazy("months from application to activist")),
    ("DEV-REMIND.days", 14, gettext_lazy("days before a development deadline to remind")),
)
DEFAULTS = {name: default for name, default, _help in PARAMETERS}


@dataclass(frozen=True)
class Violation:
    rule: str  # "DEV-07"; "" for input that makes no sense whatever the rules
    field: str
    message: str
    exceptable: bool = True

    def text(self) -> str:
        return f"{self.rule}: {self.message}" if self.rule else self.message


@dataclass(frozen=True)
class SponsorInfo:
    """What the rules need to know about a member named as contact or introducer."""

    id: int
    name: str
    membership: str  # "full" | "probationary"
    on_rolls: bool
    standing: str  # "normal" | "suspended"
    id_number_hash: str


def _d(value: date) -> str:
    return value.isoformat()


# ---- dates ------------------------------------------------------------------------------


def working_days(start: date, end: date) -> int:
    """Monday-to-Friday days from start to end, both included (no holiday calendar)."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(rest):
        if (start + timedelta(days=weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


def check_order(*, on: date, previous: date | None, today: date) -> list[Violation]:
    """A step's date is not in the future and not before the step before it."""
    if on > today:
        return [Violation("", "on", _("The date cannot be in the future."), False)]
    if previous is not None and on < previous:
        return [
            Violation(
                "",
                "on",
                _("The date cannot be before the previous step (%(date)s).")
                % {"date": _d(previous)},
                False,
            )
        ]
    return []


# ---- DEV-01 / DEV-03 / DEV-P2: applicant ------------------------------------------------


def check_age(*, birth_date: date, applied_on: date, min_age: int = 18) -> list[Violation]:
    """DEV-01: at least `min_age` full years old on the application date."""
    if full_years(birth_date, applied_on) < min_age:
        return [
            Violation(
                "DEV-01",
                "applied_on",
                _("The applicant must be at least %(age)s full years old on the application date.")
                % {"age": min_age},
                False,
            )
        ]
    return []


def talk_deadline(applied_on: date, months: int = 1) -> date:
    """DEV-03: the talk is due within a month of the application."""
    return add_months(applied_on, months)


def check_talk(*, applied_on: date, on: date, months: int = 1) -> list[Violation]:
    due = talk_deadline(applied_on, months)
    if on > due:
        return [
            Violation(
                "DEV-03",
                "on",
                _("The talk with the applicant is due by %(date)s (a month after applying).")
                % {"date": _d(due)},
            )
        ]
    return []


def activist_earliest(applied_on: date, months: int = 6) -> date:
    """DEV-P2 (local): an activist at least `months` after the application."""
    return add_months(applied_on, months)


def check_activist(*, applied_on: date, on: date, months: int = 6) -> list[Violation]:
    earliest = activist_earliest(applied_on, months)
    if on < earliest:
        return [
            Violation(
                "DEV-P2",
                "on",
                _("An activist can be decided from %(date)s (%(months)s months after applying).")
                % {"date": _d(earliest), "months": months},
            )
        ]
    return []


# ---- DEV-05 / DEV-08: contacts and introducers ------------------------------------------


def _sponsor_problems(sponsors: list[SponsorInfo], applicant_hash: str, rule: str) -> list:
    out = []
    for s in sponsors:
        if s.id_number_hash and s.id_number_hash == applicant_hash:
            out.append(
                Violation(
                    rule, "members", _("%(name)s is the applicant.") % {"name": s.name}, False
                )
            )
        elif not s.on_rolls or s.standing != "normal":
            out.append(
                Violation(
                    rule,
                    "members",
                    _("%(name)s is not a member in good standing.") % {"name": s.name},
                    False,
                )
            )
        elif s.membership != "full":
            out.append(
                Violation(
                    rule,
                    "members",
                    _("%(name)s is a probationary member; a full member is needed.")
                    % {"name": s.name},
                    False,
                )
            )
    return out


def check_contacts(
    *, sponsors: list[SponsorInfo], applicant_hash: str, most: int = 2
) -> list[Violation]:
    """DEV-05: one or two cultivation contacts, each a full member."""
    if not 1 <= len(sponsors) <= most:
        return [
            Violation(
                "DEV-05",
                "members",
                _("Name one to %(most)s cultivation contacts.") % {"most": most},
                False,
            )
        ]
    return _sponsor_problems(sponsors, applicant_hash, "DEV-05")


def check_introducers(*, sponsors: list[SponsorInfo], applicant_hash: str) -> list[Violation]:
    """DEV-08: exactly two introducers, each a full member in good standing, not the applicant."""
    if len(sponsors) != 2:
        return [Violation("DEV-08", "members", _("Name exactly two introducers."), False)]
    return _sponsor_problems(sponsors, applicant_hash, "DEV-08")


# ---- DEV-06 / DEV-07: activist to development target ------------------------------------


def assessment_due(last: date, months: int = 6) -> date:
    """DEV-06: the next assessment is due `months` after the last one (or the activist date)."""
    return add_months(last, months)


def check_assessment(*, last: date, on: date, months: int = 6) -> list[Violation]:
    due = assessment_due(last, months)
    if on > due:
        return [
            Violation(
                "DEV-06",
                "on",
                _("An assessment was due by %(date)s (every %(months)s months at least).")
                % {"date": _d(due), "months": months},
            )
        ]
    return []


def target_earliest(activist_on: date, months: int = 12) -> date:
    """DEV-07: a development target at least a year after becoming an activist."""
    return add_months(activist_on, months)


def check_target(
    *, activist_on: date, last_assessed: date, on: date, months: int = 12, gap: int = 6
) -> list[Violation]:
    earliest = target_earliest(activist_on, months)
    out = []
    if on < earliest:
        out.append(
            Violation(
                "DEV-07",
                "on",
                _(
                    "A development target can be decided from %(date)s (%(months)s months as an activist)."
                )
                % {"date": _d(earliest), "months": months},
            )
        )
    out += check_assessment(last=last_assessed, on=on, months=gap)
    return out


# ---- DEV-09 / DEV-10 / DEV-11 / DEV-P1: before admission ---------------------------------


def check_review(*, passed: bool) -> list[Violation]:
    """DEV-09: the political review must be passed before admission."""
    if not passed:
        return [
            Violation("DEV-09", "passed", _("The political review must be passed to go on."), False)
        ]
    return []


def check_training(
    *, days: int | None, hours: int | None, min_days: int = 3, min_hours: int = 24
) -> list[Violation]:
    """DEV-10: intensive training of at least 3 days or 24 hours."""
    if (days or 0) >= min_days or (hours or 0) >= min_hours:
        return []
    return [
        Violation(
            "DEV-10",
            "days",
            _("Intensive training must last at least %(days)s days or %(hours)s hours.")
            % {"days": min_days, "hours": min_hours},
        )
    ]


def notice_length(start: date, end: date, working: bool = True) -> int:
    return working_days(start, end) if working else max(0, (end - start).days + 1)


def check_notice(
    *, notice_from: date, notice_to: date, on: date, days: int = 5, working: bool = True
) -> list[Violation]:
    """DEV-P1 (local): a public notice of `days` (working) days, after the branch committee's
    review began; its end is not before its start."""
    if notice_to < notice_from:
        return [Violation("", "notice_to", _("The notice cannot end before it starts."), False)]
    if notice_from < on:
        return [
            Violation(
                "",
                "notice_from",
                _("The notice cannot start before the branch committee's review."),
                False,
            )
        ]
    length = notice_length(notice_from, notice_to, working)
    if length < days:
        unit = _("working days") if working else _("days")
        return [
            Violation(
                "DEV-P1",
                "notice_to",
                _("The public notice must last at least %(days)s %(unit)s (this one: %(length)s).")
                % {"days": days, "unit": unit, "length": length},
            )
        ]
    return []


def check_prereview(*, passed: bool, notice_to: date | None, on: date) -> list[Violation]:
    """DEV-11: the pre-review is passed before the 入党志愿书 is issued; after the notice."""
    out = []
    if not passed:
        out.append(
            Violation(
                "DEV-11",
                "passed",
                _("The pre-review must be passed before the application form is issued."),
                False,
            )
        )
    if notice_to is not None and on <= notice_to:
        out.append(
            Violation(
                "DEV-P1",
                "on",
                _("The pre-review comes after the public notice, which ends on %(date)s.")
                % {"date": _d(notice_to)},
            )
        )
    return out


# ---- DEV-12 / DEV-13: the branch meeting's vote -----------------------------------------


def check_votes(
    *,
    entitled: int,
    present: int,
    yes: int,
    no: int,
    abstain: int,
    written_yes: int = 0,
) -> list[Violation]:
    """Votes that add up; DEV-12 quorum: present > half of entitled; DEV-13: yes votes (with
    written votes of absentees) > half of entitled."""
    out = []
    if present > entitled:
        out.append(
            Violation(
                "",
                "present",
                _("More members present (%(present)s) than entitled to vote (%(entitled)s).")
                % {"present": present, "entitled": entitled},
                False,
            )
        )
    if yes + no + abstain > present:
        out.append(
            Violation(
                "",
                "yes",
                _("Yes + no + abstain (%(votes)s) is more than the members present (%(present)s).")
                % {"votes": yes + no + abstain, "present": present},
                False,
            )
        )
    if written_yes > max(0, entitled - present):
        out.append(
            Violation(
                "",
                "written_yes",
                _("More written votes than absent members."),
                False,
            )
        )
    if out:
        return out
    if present * 2 <= entitled:
        out.append(
            Violation(
                "DEV-12",
                "present",
                _("No quorum: more than half of the %(entitled)s members entitled must be present.")
                % {"entitled": entitled},
                False,
            )
        )
    if (yes + written_yes) * 2 <= entitled:
        out.append(
            Violation(
                "DEV-13",
                "yes",
                _(
                    "Not passed: yes votes must be more than half of the %(entitled)s members entitled."
                )
                % {"entitled": entitled},
                False,
            )
        )
    return out


# ---- DEV-14 / DEV-15 / DEV-16 / DEV-17 / DEV-19 / DEV-20 --------------------------------

APPROVING_KINDS = frozenset({"city", "county", "township", "primary"})


def check_approver(*, kind: str, unit_type: str, above_branch: bool) -> list[Violation]:
    """DEV-14: approval by a Party committee above the branch; a general branch (党总支) or a
    village/community committee cannot approve."""
    if not above_branch:
        return [
            Violation(
                "DEV-14",
                "approving_org",
                _("The approving committee must be above the person's branch."),
                False,
            )
        ]
    if kind not in APPROVING_KINDS or (kind == "primary" and unit_type in ("village", "community")):
        return [
            Violation(
                "DEV-14",
                "approving_org",
                _("A general branch or a village or community committee cannot approve."),
                False,
            )
        ]
    return []


def approval_deadline(resolution_on: date, months: int = 3) -> date:
    """DEV-15: the higher committee approves within 3 months of the branch resolution."""
    return add_months(resolution_on, months)


def check_approval(
    *, resolution_on: date, on: date, months: int = 3, cap: int = 6
) -> list[Violation]:
    hard = add_months(resolution_on, cap)
    if on > hard:
        return [
            Violation(
                "DEV-15",
                "on",
                _("Approval after %(date)s (%(months)s months) is not possible.")
                % {"date": _d(hard), "months": cap},
                False,
            )
        ]
    due = approval_deadline(resolution_on, months)
    if on > due:
        return [
            Violation(
                "DEV-15",
                "on",
                _("Approval was due by %(date)s (%(months)s months after the branch resolution).")
                % {"date": _d(due), "months": months},
            )
        ]
    return []


def probation_end(resolution_on: date, months: int = 12) -> date:
    """DEV-16: probation starts on the branch resolution date and lasts a year."""
    return add_months(resolution_on, months)


def check_probation_decision(
    *,
    decision: str,
    on: date,
    probation_ends_on: date,
    extended: bool,
    extend_months: int | None,
    shortest: int = 6,
    longest: int = 12,
) -> list[Violation]:
    """DEV-17: at the end of probation, full membership, one extension of 6-12 months, or
    revocation (revocation is possible at any time: ST-07)."""
    out = []
    if decision in ("full", "extend") and on < probation_ends_on:
        out.append(
            Violation(
                "DEV-17",
                "on",
                _("Probation ends on %(date)s: the branch decides at its end, not before.")
                % {"date": _d(probation_ends_on)},
            )
        )
    if decision == "extend":
        if extended:
            out.append(
                Violation(
                    "DEV-17",
                    "decision",
                    _("Probation can be extended once only."),
                    False,
                )
            )
        elif extend_months is None or not shortest <= extend_months <= longest:
            out.append(
                Violation(
                    "DEV-17",
                    "extend_months",
                    _("An extension is %(shortest)s to %(longest)s months.")
                    % {"shortest": shortest, "longest": longest},
                    False,
                )
            )
    elif extend_months:
        out.append(
            Violation(
                "",
                "extend_months",
                _("Months of extension only go with an extension."),
                False,
            )
        )
    return out


def decision_deadline(decision_on: date, months: int = 3) -> date:
    """DEV-19: the committee decides within 3 months of the branch's resolution."""
    return add_months(decision_on, months)


def check_decision_approval(*, decision_on: date, on: date, months: int = 3) -> list[Violation]:
    due = decision_deadline(decision_on, months)
    if on > due:
        return [
            Violation(
                "DEV-19",
                "on",
                _(
                    "The committee's decision was due by %(date)s (%(months)s months after the branch's)."
                )
                % {"date": _d(due), "months": months},
            )
        ]
    return []


def standing_from(probation_ends_on: date) -> date:
    """DEV-20: Party standing (党龄) counts from the day probation ends (or its extended end)."""
    return probation_ends_on


# ---- what is due next ---------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    rule: str
    on: date
    kind: str  # "deadline": by then at the latest; "earliest": not before
    what: str


def next_due(record, params: dict) -> list[Due]:
    """What is due next for an open record (any object with the record's date attributes and
    `step`), and by when: DEV-03, DEV-P2, DEV-06, DEV-07, DEV-P1, DEV-15, DEV-16, DEV-19."""
    p = {**DEFAULTS, **params}
    step = record.step
    out: list[Due] = []
    if step == 1:
        out.append(
            Due(
                "DEV-03",
                talk_deadline(record.applied_on, p["DEV-03.talk_months"]),
                "deadline",
                _("talk with the applicant"),
            )
        )
    if step == 2:
        out.append(
            Due(
                "DEV-P2",
                activist_earliest(record.applied_on, p["DEV-P2.application_months"]),
                "earliest",
                _("may be decided an activist"),
            )
        )
    if 3 <= step < 15 and record.activist_on:
        last = record.assessed_on or record.activist_on
        out.append(
            Due(
                "DEV-06",
                assessment_due(last, p["DEV-06.assessment_months"]),
                "deadline",
                _("assessment of the activist"),
            )
        )
    if 3 <= step < 7 and record.activist_on:
        out.append(
            Due(
                "DEV-07",
                target_earliest(record.activist_on, p["DEV-07.activist_months"]),
                "earliest",
                _("may be decided a development target"),
            )
        )
    if step == 12 and record.notice_ends_on:
        out.append(
            Due(
                "DEV-P1",
                record.notice_ends_on + timedelta(days=1),
                "earliest",
                _("pre-review after the public notice"),
            )
        )
    if 15 <= step < 17 and record.resolution_on:
        out.append(
            Due(
                "DEV-15",
                approval_deadline(record.resolution_on, p["DEV-15.approval_months"]),
                "deadline",
                _("approval by the higher committee"),
            )
        )
    if 17 <= step < 23 and record.probation_ends_on:
        out.append(
            Due(
                "DEV-16",
                record.probation_ends_on,
                "deadline",
                _("branch meeting at the end of probation"),
            )
        )
    if step == 23 and record.decision_on:
        out.append(
            Due(
                "DEV-19",
                decision_deadline(record.decision_on, p["DEV-19.decision_months"]),
                "deadline",
                _("the committee's decision on probation"),
            )
        )
    return out


def urgency(due: Due, as_of: date, remind_days: int) -> str | None:
    """Whether one due item is "overdue", "due_soon" or neither (None) on `as_of`."""
    if due.kind == "deadline":
        if as_of > due.on:
            return "overdue"
        if (due.on - as_of).days <= remind_days:
            return "due_soon"
        return None
    if 0 < (due.on - as_of).days <= remind_days:
        return "due_soon"
    return None
