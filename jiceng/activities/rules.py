"""Pure rules of organisational life (RULES.md §3 LIFE-01…10, §5 LOST-01/02, §6 ST-03).

No database here: every function takes plain values and its parameters (core.ruleset) as
arguments, so a test can pin each rule at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from jiceng.core.dates import add_months

from .models import Grade, Kind

MONTH, QUARTER, YEAR = "month", "quarter", "year"
BRANCH, COMMITTEE_BRANCH, GROUP_BRANCH, LEADING = "branch", "committee", "groups", "leading"


@dataclass(frozen=True)
class Requirement:
    rule: str
    kind: str
    period: str
    applies_to: str  # BRANCH: every branch with members; COMMITTEE_BRANCH, GROUP_BRANCH; LEADING


# What each organisation must hold, and how often (LIFE-01…09).
REQUIREMENTS = (
    Requirement("LIFE-01", Kind.GENERAL, QUARTER, BRANCH),
    Requirement("LIFE-02", Kind.COMMITTEE, MONTH, COMMITTEE_BRANCH),
    Requirement("LIFE-03", Kind.GROUP, MONTH, GROUP_BRANCH),
    Requirement("LIFE-04", Kind.LECTURE, QUARTER, BRANCH),
    Requirement("LIFE-05", Kind.PARTY_DAY, MONTH, BRANCH),
    Requirement("LIFE-06", Kind.LIFE_MEETING, YEAR, BRANCH),
    Requirement("LIFE-07", Kind.APPRAISAL, YEAR, BRANCH),
    Requirement("LIFE-08", Kind.TALK, YEAR, BRANCH),
    Requirement("LIFE-09", Kind.LEADERSHIP, YEAR, LEADING),
)
RULE_OF_KIND = {r.kind: r.rule for r in REQUIREMENTS}
# Kinds held by the whole branch: the attendance roster defaults to every member on the rolls.
WHOLE_BRANCH_KINDS = frozenset(
    {Kind.GENERAL, Kind.LECTURE, Kind.PARTY_DAY, Kind.LIFE_MEETING, Kind.APPRAISAL}
)


# --- periods ---------------------------------------------------------------------------------


def period_start(d: date, period: str) -> date:
    if period == MONTH:
        return d.replace(day=1)
    if period == QUARTER:
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return date(d.year, 1, 1)


def period_end(d: date, period: str) -> date:
    """The last day of the period holding `d`."""
    months = {MONTH: 1, QUARTER: 3, YEAR: 12}[period]
    return add_months(period_start(d, period), months) - timedelta(days=1)


def previous_period_start(d: date, period: str) -> date:
    return period_start(period_start(d, period) - timedelta(days=1), period)


def period_label(start: date, period: str) -> str:
    if period == MONTH:
        return f"{start:%Y-%m}"
    if period == QUARTER:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def periods_in_year(year: int, period: str) -> list[tuple[date, date]]:
    """(start, end) of every period of a year: the yearly plan's slots."""
    step = {MONTH: 1, QUARTER: 3, YEAR: 12}[period]
    out = []
    for month in range(1, 13, step):
        start = date(year, month, 1)
        out.append((start, add_months(start, step) - timedelta(days=1)))
    return out


# --- compliance of one requirement for one organisation ---------------------------------------


def requirement_state(
    *, held_current: bool, held_previous: bool, as_of: date, period: str, warn_days: int
) -> tuple[str, date] | None:
    """(level, due) for LIFE-01…09, or None when nothing is wrong.

    overdue: the last completed period passed without the meeting; due_soon: the current
    period has no meeting yet and at most `warn_days` days are left in it (事前提醒).
    """
    if not held_previous:
        return "overdue", period_start(as_of, period) - timedelta(days=1)
    end = period_end(as_of, period)
    if not held_current and (end - as_of).days < warn_days:
        return "due_soon", end
    return None


def applies(
    applies_to: str, *, is_branch: bool, kind: str, members: int, full_members: int, params
) -> bool:
    """Whether an organisation must hold a requirement (ORG-03 committees; groups; LIFE-09)."""
    if applies_to == LEADING:
        return kind == "primary"
    if not is_branch or members == 0:
        return False
    if applies_to == COMMITTEE_BRANCH:
        return full_members >= params["LIFE-02.committee_min_full_members"]
    if applies_to == GROUP_BRANCH:
        return members >= params["LIFE-03.groups_min_members"]
    return True


# --- one meeting -----------------------------------------------------------------------------


def quorum_met(kind: str, *, expected: int, present: int, voting: int, voting_present: int):
    """LIFE-01: voting members present > half of the voting members; LIFE-02: committee
    members present > half of the committee; LIFE-09: attendance ≥ 2/3; else any attendance."""
    if kind == Kind.GENERAL:
        return voting > 0 and voting_present * 2 > voting
    if kind == Kind.COMMITTEE:
        return expected > 0 and present * 2 > expected
    if kind == Kind.LEADERSHIP:
        return expected > 0 and present * 3 >= expected * 2
    return present > 0


def check_meeting(
    *, kind: str, held_on: date | None, today: date, has_vote: bool, quorum: bool, expected: int
) -> dict[str, str]:
    errors = {}
    if held_on is None:
        errors["held_on"] = _("Required")
    elif held_on > today:
        errors["held_on"] = _("A meeting cannot be recorded before it is held (date in future)")
    if expected == 0:
        errors["attendance"] = _("Nobody is listed: a meeting needs its participants")
    if has_vote and not quorum:
        rule = "LIFE-02" if kind == Kind.COMMITTEE else "LIFE-01"
        errors["has_vote"] = _(
            "%(rule)s: the quorum was not met (more than half must be present), so no vote "
            "taken at this meeting is valid. Record it without a vote."
        ) % {"rule": rule}
    if has_vote and kind not in (Kind.GENERAL, Kind.COMMITTEE):
        errors["has_vote"] = _("Only a general meeting or a committee meeting takes votes")
    return errors


def check_grades(grades: dict[int, str], *, members: int) -> dict[str, str]:
    """LIFE-07: every grade known; 优秀 at most a third of the members appraised."""
    if any(g not in Grade.values for g in grades.values()):
        return {"grades": _("Not a valid grade")}
    excellent = sum(1 for g in grades.values() if g == Grade.EXCELLENT)
    if excellent * 3 > members:
        return {
            "grades": _(
                "LIFE-07: at most a third of the members may be graded excellent "
                "(%(n)d of %(total)d)"
            )
            % {"n": excellent, "total": members}
        }
    return {}


def low_attendance(*, present: int, expected: int, share: float) -> bool:
    return expected > 0 and present < expected * share


# --- members ---------------------------------------------------------------------------------


def absence_state(
    *, last_seen: date, as_of: date, overdue_months: int, warn_months: int
) -> tuple[str, date] | None:
    """ST-03: no organisational life for `overdue_months` months is overdue; a warning from
    `warn_months` on. The due date is the day the absence becomes overdue."""
    due = add_months(last_seen, overdue_months)
    if due <= as_of:
        return "overdue", due
    if add_months(last_seen, warn_months) <= as_of:
        return "due_soon", due
    return None


def last_seen(life: date | None, dues: date | None, floor: date | None = None) -> date | None:
    """LOST-02: measured from the last organisational life or dues, whichever is later
    (`floor`: the day the member joined, before which nothing could be missed)."""
    days = [d for d in (life, dues, floor) if d is not None]
    return max(days) if days else None


def is_lost_contact(*, last_seen: date | None, as_of: date, months: int) -> bool:
    """LOST-01: neither organisational life nor dues for `months` (6) months."""
    return last_seen is not None and add_months(last_seen, months) <= as_of


def training_required(*, cadre: bool, params) -> Decimal:
    """LIFE-10: 32 hours a year; 56 for secretaries and committee members."""
    return Decimal(params["LIFE-10.cadre_hours" if cadre else "LIFE-10.member_hours"])


def training_short(*, hours: Decimal, cadre: bool, params) -> Decimal:
    """Hours still missing this year (0 when the requirement is met)."""
    return max(Decimal(0), training_required(cadre=cadre, params=params) - hours)
