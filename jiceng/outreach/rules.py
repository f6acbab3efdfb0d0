"""Rules of the service system: pure functions, parameters passed in (core.ruleset).

Local rule ids (the source document's 服务体系; RULES.md has no national article for them):

    SRV-01  a service centre meets the "四有" standard when it has a place, a sign, systems and
            funds — each item counts only with its evidence
    SRV-02  on-site duty attendance ≥ the target (default 95 %) per cadre, township, subtree
    SRV-03  a duty record's check-out is not before its check-in, both on the duty day
    SRV-04  a request is handled within its deadline (default 15 days from registration)
    SRV-05  a request is closed with a resolution note and the resident's satisfaction
    SRV-06  a cadre is stationed in one village at a time
    SRV-07  a cadre visits households within the township they serve
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

FOUR_ITEMS = ("place", "sign", "system", "funds")


def four_items_met(values: dict) -> dict[str, bool]:
    """SRV-01: {item: met} from `has_<item>` and `<item>_evidence` values."""
    return {
        item: bool(values.get(f"has_{item}"))
        and bool(str(values.get(f"{item}_evidence", "")).strip())
        for item in FOUR_ITEMS
    }


def ticked_without_evidence(values: dict) -> list[str]:
    """SRV-01: the items ticked without evidence."""
    return [
        item
        for item in FOUR_ITEMS
        if values.get(f"has_{item}") and not str(values.get(f"{item}_evidence", "")).strip()
    ]


def is_service_place(kind: str, unit_type: str, parent_kind: str | None) -> bool:
    """An organisation that has (or should have) a service centre: a township/street, or the
    Party organisation of a village/community directly under one."""
    if kind == "township":
        return True
    return unit_type in ("village", "community") and parent_kind == "township"


def rate(part: int, whole: int) -> float | None:
    """part / whole as a percentage (one decimal), None when there is nothing to measure."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def attendance_rate(attended: int, scheduled: int) -> float | None:
    """SRV-02: attended shifts over scheduled shifts, in percent; None with no shift."""
    if attended < 0 or attended > scheduled:
        raise ValueError("attended shifts must lie between 0 and the scheduled ones")
    return rate(attended, scheduled)


def meets_target(attended: int, scheduled: int, target: float) -> bool | None:
    """SRV-02: exact comparison in integers (19 of 20 meets 95 %, no rounding lifts 94.9)."""
    if scheduled <= 0:
        return None
    return attended * 100 >= target * scheduled


def check_times(on: date, checked_in_at: datetime | None, checked_out_at: datetime | None):
    """SRV-03: the problems of a duty record's times, as {field: message code}."""
    problems = {}
    if checked_out_at is not None and checked_in_at is None:
        problems["checked_out_at"] = "out_without_in"
    if checked_in_at is not None and checked_in_at.date() != on:
        problems["checked_in_at"] = "not_that_day"
    if checked_out_at is not None and checked_out_at.date() != on:
        problems["checked_out_at"] = "not_that_day"
    if checked_in_at and checked_out_at and checked_out_at < checked_in_at:
        problems["checked_out_at"] = "out_before_in"
    return problems


def request_deadline(registered_on: date, days: int) -> date:
    """SRV-04: the default deadline of a request."""
    return registered_on + timedelta(days=days)


def on_time(resolved_on: date | None, deadline: date) -> bool:
    """SRV-04: resolved on or before the deadline."""
    return resolved_on is not None and resolved_on <= deadline


def overdue_level(deadline: date, as_of: date, due_soon_days: int) -> str | None:
    """SRV-04 for an open request: "overdue" past the deadline, "due_soon" within the lead
    time (the deadline day itself is still due soon), else None."""
    if deadline < as_of:
        return "overdue"
    if deadline <= as_of + timedelta(days=due_soon_days):
        return "due_soon"
    return None


def periods_overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """SRV-06: two stationing periods (open-ended when `to` is None) share a day."""
    return a_from <= (b_to or date.max) and b_from <= (a_to or date.max)


def in_subtree(path: str, ancestor_path: str) -> bool:
    """SRV-07: `path` lies in the subtree at `ancestor_path`."""
    return path.startswith(ancestor_path)
