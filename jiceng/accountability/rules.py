"""Pure rules of the responsibility system (RULES.md §10, and the findings below).

RULES.md gives no ids to the responsibility system's own deadlines; the findings of this app
use these (the lead time of every "due soon" warning is a rule-set parameter, `<id>.lead_days`):

    ACC-01  a secretary project's milestone is past its date and not done
    ACC-02  a ledger problem is past its rectification deadline and not closed (销号)
    ACC-03  a weak-and-lax organisation's rectification is past its deadline and not closed
    ACC-04  a key task is past its deadline and the organisation has not reported it done

Assessment (RULES.md §10): `category → item (max points) → how it is checked → deduction per
missing instance (floored at 0) → optional bonus or one-vote veto`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

MILESTONE, PROBLEM, WEAK, TASK = "ACC-01", "ACC-02", "ACC-03", "ACC-04"
RULE_IDS = (MILESTONE, PROBLEM, WEAK, TASK)
DEFAULT_LEAD_DAYS = 14
RULE_ID = re.compile(r"^[A-Z]{2,5}-[A-Z0-9]{1,4}$")


def deadline_level(deadline: date | None, as_of: date, lead_days: int) -> str | None:
    """ "overdue" after the deadline, "due_soon" within `lead_days` before it, else None."""
    if deadline is None:
        return None
    if deadline < as_of:
        return "overdue"
    if deadline <= as_of + timedelta(days=lead_days):
        return "due_soon"
    return None


def closed_on_time(deadline: date, closed_on: date | None) -> bool:
    return closed_on is not None and closed_on <= deadline


# --- scoring ----------------------------------------------------------------------------------


def item_score(kind: str, max_points: Decimal, deduction: Decimal, instances: int) -> Decimal:
    """Points of an automatically checked item given the missing instances (RULES.md §10):
    scored items lose `deduction` per instance, floored at 0 (a deduction of 0 means the item
    is all or nothing: "组织生活会未召开不得分"); a veto item scores 0 and vetoes when any
    instance exists (see `vetoes`); a bonus item is never automatic, but would score 0."""
    if kind != "scored" or instances < 0:
        return Decimal(0)
    if instances == 0:
        return max_points
    if deduction <= 0:
        return Decimal(0)
    return max(Decimal(0), max_points - deduction * instances)


def vetoes(kind: str, instances: int) -> bool:
    return kind == "veto" and instances > 0


def score_in_range(value: Decimal, max_points: Decimal) -> bool:
    return Decimal(0) <= value <= max_points


@dataclass(frozen=True)
class CategorySpec:
    name: str
    max_points: Decimal
    items: list  # of ItemSpec


@dataclass(frozen=True)
class ItemSpec:
    code: str
    title: str
    kind: str
    max_points: Decimal
    check_method: str
    deduction: Decimal = Decimal(0)
    rule: str = ""
    subtree: bool = False


def rubric_problems(categories: list[CategorySpec]) -> list[tuple[str, str]]:
    """What is wrong with a rubric, as (where, what) pairs; [] when it is valid.

    A category's scored items may not add up to more than the category's maximum; an item's
    maximum and deduction are ≥ 0; a veto item carries no points; codes are unique."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    if not categories:
        out.append(("categories", _("A rubric needs at least one category.")))
    for ci, cat in enumerate(categories):
        where = f"categories.{ci}"
        if not (cat.name or "").strip():
            out.append((where, _("Every category needs a name.")))
        if cat.max_points <= 0:
            out.append((where, _("A category's maximum must be more than 0.")))
        scored = sum((i.max_points for i in cat.items if i.kind == "scored"), Decimal(0))
        if scored > cat.max_points:
            out.append(
                (
                    where,
                    _(
                        "The items of %(name)s add up to %(sum)s points, more than the "
                        "category's maximum of %(max)s."
                    )
                    % {"name": cat.name, "sum": scored, "max": cat.max_points},
                )
            )
        for ii, item in enumerate(cat.items):
            at = f"{where}.items.{ii}"
            if not (item.code or "").strip() or not (item.title or "").strip():
                out.append((at, _("Every item needs a code and a title.")))
            if item.rule and not RULE_ID.match(item.rule):
                out.append(
                    (at, _("%(rule)s is not a rule id (such as LIFE-01).") % {"rule": item.rule})
                )
            if item.code in seen:
                out.append((at, _("Code %(code)s is used twice.") % {"code": item.code}))
            seen.add(item.code)
            if item.kind not in ("scored", "bonus", "veto"):
                out.append((at, _("Unknown kind %(kind)s.") % {"kind": item.kind}))
            if item.max_points < 0 or item.deduction < 0:
                out.append((at, _("Points and deductions cannot be negative.")))
            if item.kind == "veto" and item.max_points != 0:
                out.append((at, _("A one-vote veto item carries no points.")))
            if item.kind == "bonus" and item.rule:
                out.append((at, _("A bonus item is scored by hand: it names no rule.")))
    return out


def rank(values: list[tuple[int, Decimal]]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of (key, score) pairs, highest first."""
    ordered = sorted(values, key=lambda kv: (-kv[1], kv[0]))
    ranks: dict[int, int] = {}
    previous, position = None, 0
    for index, (key, score) in enumerate(ordered, start=1):
        if score != previous:
            position, previous = index, score
        ranks[key] = position
    return ranks
