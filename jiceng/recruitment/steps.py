"""The 25 steps (RULES.md §1): stage, title and the data each one records.

`clean(number, raw)` turns what a form or the API sent into the JSON stored on the Step, with
errors per field; the web form is built from the same table (forms.StepForm), so the page and
the API accept exactly the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Stage


@dataclass(frozen=True)
class Item:
    name: str
    kind: str  # text | int | bool | date | choice | members | org
    label: object
    required: bool = True
    choices: tuple = ()


@dataclass(frozen=True)
class StepSpec:
    number: int
    stage: str
    title: object
    items: tuple[Item, ...] = ()


METHODS = (
    ("party", gettext_lazy("recommended by Party members")),
    ("mass", gettext_lazy("recommended by a mass organisation (推优)")),
)
DECIDED_BY = (
    ("committee", gettext_lazy("branch committee")),
    ("meeting", gettext_lazy("branch general meeting")),
)
DECISIONS = (
    ("full", gettext_lazy("full membership")),
    ("extend", gettext_lazy("extend probation")),
    ("revoke", gettext_lazy("revoke probationary membership")),
)
VOTES = (
    Item("entitled", "int", gettext_lazy("members entitled to vote (应到会)")),
    Item("present", "int", gettext_lazy("voting members present")),
    Item("yes", "int", gettext_lazy("yes")),
    Item("no", "int", gettext_lazy("no")),
    Item("abstain", "int", gettext_lazy("abstain")),
    Item("written_yes", "int", gettext_lazy("written yes votes of absentees"), required=False),
)
TALKER = Item("talker", "text", gettext_lazy("who talked with the person"))
COMMITTEE = Item("committee", "text", gettext_lazy("higher committee"))
APPROVER = Item("approving_org", "org", gettext_lazy("approving committee"))
NOTE = Item("note", "text", gettext_lazy("note"), required=False)

A, B, C, D, E = Stage.APPLICANT, Stage.ACTIVIST, Stage.TARGET, Stage.ADMISSION, Stage.PROBATION
STEPS: dict[int, StepSpec] = {
    s.number: s
    for s in (
        StepSpec(1, A, gettext_lazy("application for membership submitted"), (NOTE,)),
        StepSpec(2, A, gettext_lazy("talk with the applicant"), (TALKER, NOTE)),
        StepSpec(
            3,
            B,
            gettext_lazy("activist recommended and decided"),
            (
                Item("method", "choice", gettext_lazy("recommended by"), choices=METHODS),
                Item("decided_by", "choice", gettext_lazy("decided by"), choices=DECIDED_BY),
                NOTE,
            ),
        ),
        StepSpec(4, B, gettext_lazy("activist filed with the higher committee"), (COMMITTEE,)),
        StepSpec(
            5,
            B,
            gettext_lazy("cultivation contacts assigned"),
            (Item("members", "members", gettext_lazy("cultivation contacts (1-2 full members)")),),
        ),
        StepSpec(
            6,
            B,
            gettext_lazy("cultivation and assessment"),
            (Item("assessment", "text", gettext_lazy("assessment")),),
        ),
        StepSpec(
            7,
            C,
            gettext_lazy("development target decided"),
            (Item("decided_by", "choice", gettext_lazy("decided by"), choices=DECIDED_BY), NOTE),
        ),
        StepSpec(
            8, C, gettext_lazy("development target filed with the higher committee"), (COMMITTEE,)
        ),
        StepSpec(
            9,
            C,
            gettext_lazy("introducers chosen"),
            (Item("members", "members", gettext_lazy("introducers (two full members)")),),
        ),
        StepSpec(
            10,
            C,
            gettext_lazy("political review"),
            (
                Item("passed", "bool", gettext_lazy("passed")),
                Item("conclusion", "text", gettext_lazy("conclusion")),
            ),
        ),
        StepSpec(
            11,
            C,
            gettext_lazy("intensive training"),
            (
                Item("days", "int", gettext_lazy("days"), required=False),
                Item("hours", "int", gettext_lazy("hours"), required=False),
            ),
        ),
        StepSpec(
            12,
            D,
            gettext_lazy("branch committee review and public notice"),
            (
                Item("passed", "bool", gettext_lazy("passed")),
                Item("notice_from", "date", gettext_lazy("public notice from")),
                Item("notice_to", "date", gettext_lazy("public notice to")),
            ),
        ),
        StepSpec(
            13,
            D,
            gettext_lazy("pre-review by the higher committee"),
            (Item("passed", "bool", gettext_lazy("passed")), COMMITTEE),
        ),
        StepSpec(
            14,
            D,
            gettext_lazy("application form (入党志愿书) filled in"),
            (Item("form_number", "text", gettext_lazy("form number")),),
        ),
        StepSpec(15, D, gettext_lazy("branch general meeting resolution"), VOTES),
        StepSpec(16, D, gettext_lazy("talk by a member of the higher committee"), (TALKER,)),
        StepSpec(17, D, gettext_lazy("admission approved by the higher committee"), (APPROVER,)),
        StepSpec(
            18,
            D,
            gettext_lazy("filed with the organisation department above"),
            (Item("department", "text", gettext_lazy("organisation department")),),
        ),
        StepSpec(
            19,
            E,
            gettext_lazy("placed in the branch and a Party group"),
            (Item("group", "text", gettext_lazy("Party group")),),
        ),
        StepSpec(20, E, gettext_lazy("oath taken"), (NOTE,)),
        StepSpec(
            21,
            E,
            gettext_lazy("education and assessment in probation"),
            (Item("assessment", "text", gettext_lazy("assessment")),),
        ),
        StepSpec(22, E, gettext_lazy("application for full membership"), (NOTE,)),
        StepSpec(
            23,
            E,
            gettext_lazy("branch general meeting on full membership"),
            (
                Item("decision", "choice", gettext_lazy("decision"), choices=DECISIONS),
                Item(
                    "extend_months",
                    "int",
                    gettext_lazy("extension (months, when extending)"),
                    required=False,
                ),
                *VOTES,
            ),
        ),
        StepSpec(24, E, gettext_lazy("decision approved by the higher committee"), (APPROVER,)),
        StepSpec(
            25,
            Stage.FULL,
            gettext_lazy("materials archived"),
            (Item("archive", "text", gettext_lazy("archived at")),),
        ),
    )
}
LAST = 25
MAX_INT = 2**31 - 1
REPEATABLE = {6, 21}


def title(number: int) -> str:
    return f"{number}. {STEPS[number].title}"


def _one(item: Item, raw):
    """(value, error) of one item."""
    if raw is None or raw == "" or raw == []:
        if item.kind == "bool":
            return False, None
        if item.required:
            return None, _("Required")
        return None, None
    try:
        if item.kind == "text":
            value = str(raw).strip()
            if len(value) > 300:
                return None, _("At most 300 characters")
            if not value and item.required:
                return None, _("Required")
            return value, None
        if item.kind in ("int", "org"):
            if isinstance(raw, bool):
                raise ValueError(raw)
            value = int(raw)
            if value < 0:
                return None, _("Cannot be negative")
            if value > MAX_INT:
                return None, _("Not a valid value")
            return value, None
        if item.kind == "bool":
            if isinstance(raw, str):
                return raw.strip().lower() in ("1", "true", "on", "yes"), None
            return bool(raw), None
        if item.kind == "date":
            return (raw if isinstance(raw, date) else date.fromisoformat(str(raw))), None
        if item.kind == "choice":
            if str(raw) not in {c for c, _label in item.choices}:
                return None, _("Not a valid choice")
            return str(raw), None
        if item.kind == "members":
            values = raw if isinstance(raw, list | tuple) else str(raw).replace(",", " ").split()
            ids = [int(v) for v in values]
            if any(not 0 < i <= MAX_INT for i in ids):
                return None, _("Not a valid value")
            if len(set(ids)) != len(ids):
                return None, _("The same member is named twice")
            return ids, None
    except (TypeError, ValueError):
        return None, _("Not a valid value")
    raise AssertionError(item.kind)


def clean(number: int, raw: dict) -> tuple[dict, dict[str, str]]:
    """The step's data from `raw` (unknown keys are errors), and errors per field."""
    spec = STEPS[number]
    names = {item.name for item in spec.items}
    errors = {key: _("Unknown field") for key in raw if key not in names}
    data = {}
    for item in spec.items:
        value, error = _one(item, raw.get(item.name))
        if error:
            errors[item.name] = error
        elif value is not None:
            data[item.name] = value
    return data, errors


def as_json(data: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
