"""Checking and writing a sheet of members (the national 党员基本信息采集表).

`check_members` reads every row, applies the same pure rules the member services use
(jiceng.members.rules) and the checks that need the whole file or the database — the branch
exists, is a branch and lies in the uploader's scope; an ID number appears once in the file;
an ID number already registered is an update of that member, allowed only in scope — and
returns a plan. Nothing is written. `write_members` writes a plan that has no problems, inside
the caller's transaction: new members with one COPY / executemany, changed members with one
executemany, status changes into the dated history, and the subtree rollups.

A column missing from the sheet leaves that field of existing members alone, so a sheet of
ID numbers and phones updates phones. New members need the columns in CREATE_COLUMNS.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core import idnumber
from jiceng.core.bulk import Inserter
from jiceng.core.pinyin import name_pinyin
from jiceng.members import rules
from jiceng.members.models import LeaveStatus, Member, Membership, Standing, StatusChange
from jiceng.members.stats import member_keys
from jiceng.sheets.headers import HeaderMatch
from jiceng.sheets.values import CellError, converter

from .layout import MEMBERS
from .orgindex import OrgIndex
from .problems import Problems

# Columns a sheet needs before it can register new members (their cells may still be empty
# where the record allows it, e.g. no full-membership date for a probationary member).
CREATE_COLUMNS = (
    "name",
    "ethnicity",
    "id_number",
    "education",
    "occupation",
    "org",
    "join_date",
    "full_member_date",
)
REQUIRED_VALUES = ("name", "education", "occupation", "org", "join_date")
# Every field the importer may set; what it derives (pinyin, phone tail, region) follows.
FIELDS = tuple(c.field for c in MEMBERS.columns) + ("membership",)
DERIVED = ("name_pinyin", "name_initials", "phone_tail", "region_code")
DEFAULTS = {
    "sex": "",
    "ethnicity": "01",
    "birth_date": None,
    "full_member_date": None,
    "job": "",
    "phone": "",
    "address": "",
    "standing": Standing.NORMAL,
    "is_lost_contact": False,
    "lost_contact_since": None,
    "is_mobile": False,
    "mobile_destination": "",
    "applied_on": None,
}
# Changes kept in the dated status history (as the status form does).
HISTORY_FIELDS = ("membership", "standing", "is_lost_contact")
LOOKUP_CHUNK = 2000


@dataclass
class MemberPlan:
    sheet: str
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[int, dict, dict]] = field(default_factory=list)  # id, before, after
    unchanged: int = 0
    rows: int = 0

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": self.unchanged,
        }

    def preview(self, limit: int = 100) -> dict:
        return {
            "create": [
                {"row": v["_row"], "name": v["name"], "org": v["_org_name"]}
                for v in self.creates[:limit]
            ],
            "update": [
                {
                    "row": after["_row"],
                    "id": pk,
                    "name": after["name"],
                    "changes": _changes(before, after),
                }
                for pk, before, after in self.updates[:limit]
            ],
        }


def _changes(before: dict, after: dict) -> list[dict]:
    out = []
    for column in (*MEMBERS.columns, None):
        name = column.field if column else "membership"
        if name == "org":
            old, new = before["_org_name"], after["_org_name"]
        else:
            old, new = before.get(name), after.get(name)
        if old != new:
            header = column.header if column else str(Member._meta.get_field(name).verbose_name)
            personal = column is not None and column.personal
            out.append(
                {
                    "field": name,
                    "header": header,
                    "old": _display(name, old, personal),
                    "new": _display(name, new, personal),
                }
            )
    return out


def _display(name: str, value, personal: bool) -> str:
    from jiceng.core.masking import mask

    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if personal:
        return mask(name, str(value))
    labels = _LABELS.get(name)
    return str(labels.get(value, value)) if labels else str(value)


_LABELS = {
    f: {str(v): str(label) for v, label in Member._meta.get_field(f).choices}
    for f in ("sex", "ethnicity", "education", "occupation", "standing", "membership")
}


def _existing(id_numbers: list[str]) -> dict[str, dict]:
    """The registered members with these ID numbers, as {id_number: values}."""
    wanted = (*FIELDS, "id", "org_id", "leave_status", "org__name", "org__path")
    wanted = tuple(f for f in wanted if f != "org")
    out = {}
    for i in range(0, len(id_numbers), LOOKUP_CHUNK):
        chunk = id_numbers[i : i + LOOKUP_CHUNK]
        for row in Member.objects.filter(id_number__in=chunk).order_by().values(*wanted):
            row["org"] = row.pop("org_id")
            row["_org_name"] = row.pop("org__name")
            out[row["id_number"]] = row
    return out


def check_members(
    sheet_name: str,
    rows: list[list],
    match: HeaderMatch,
    orgs: OrgIndex,
    *,
    problems: Problems,
    today: date,
    progress=None,
) -> MemberPlan:
    plan = MemberPlan(sheet=sheet_name)
    columns = [(index, column, converter(column)) for index, column in match.columns.items()]
    present = {column.field: index for index, column in match.columns.items()}
    header_row = match.row_index + 1

    def header(name: str) -> str:
        col = present.get(name)
        return str(rows[match.row_index][col]) if col is not None else MEMBERS.column(name).header

    def problem(row: int, name: str, value, message: str) -> None:
        problems.add(sheet_name, row, present.get(name), header(name), value, message)

    body = rows[match.row_index + 1 :]
    parsed: list[tuple[int, dict, dict]] = []  # (row number, values, raw cells)
    seen: dict[str, int] = {}
    id_col = present["id_number"]
    for offset, cells in enumerate(body):
        number = header_row + 1 + offset
        if not any(c not in (None, "") for c in cells):
            continue  # a blank line
        plan.rows += 1
        values: dict = {"_row": number}
        raw: dict = {}
        bad = False
        for index, column, convert in columns:
            cell = cells[index] if index < len(cells) else None
            raw[column.field] = cell
            try:
                values[column.field] = convert(cell)
            except CellError as exc:
                problem(number, column.field, cell, str(exc))
                bad = True
        number_text = values.get("id_number") or ""
        normalised = idnumber.normalise(number_text)
        if normalised:
            first = seen.get(normalised)
            if first is not None:
                problem(
                    number,
                    "id_number",
                    cells[id_col] if id_col < len(cells) else "",
                    _("The same ID number is on row %(row)d") % {"row": first},
                )
                bad = True
            else:
                seen[normalised] = number
            values["id_number"] = normalised
        if not bad:
            parsed.append((number, values, raw))
        if progress and offset % 5000 == 0:
            progress(offset, len(body))

    existing = _existing([v["id_number"] for _n, v, _r in parsed if v.get("id_number")])
    missing_for_create = [f for f in CREATE_COLUMNS if f not in present]
    creates_without_columns = 0
    for number, values, raw in parsed:
        before = existing.get(values.get("id_number", ""))
        if before is None and missing_for_create:
            creates_without_columns += 1
            continue
        after = _merge(before, values, present)
        errors = _check_row(after, before, orgs, today)
        if errors:
            for name, message in errors.items():
                problem(number, name, raw.get(name, after.get(name)), message)
            continue
        _derive(after, orgs)
        if before is None:
            plan.creates.append(after)
        elif any(after.get(f) != before.get(f) for f in FIELDS):
            plan.updates.append((before["id"], before, after))
        else:
            plan.unchanged += 1
    if creates_without_columns:
        names = "、".join(MEMBERS.column(f).header for f in missing_for_create)
        problems.add(
            sheet_name,
            header_row,
            None,
            "",
            "",
            _(
                "%(n)d rows are new members, and new members need these columns, which the "
                "sheet does not have: %(names)s"
            )
            % {"n": creates_without_columns, "names": names},
        )
    if progress:
        progress(len(body), len(body))
    return plan


def _merge(before: dict | None, values: dict, present: dict) -> dict:
    after = dict(before) if before else dict(DEFAULTS)
    for name in present:
        after[name] = values[name]
    after["_row"] = values["_row"]
    if "full_member_date" in present:
        after["membership"] = (
            Membership.FULL if after.get("full_member_date") else Membership.PROBATIONARY
        )
    return after


def _check_row(after: dict, before: dict | None, orgs: OrgIndex, today: date) -> dict:
    errors: dict[str, str] = {}
    for name in REQUIRED_VALUES:
        if after.get(name) in (None, ""):
            errors[name] = _("Required")
    if not after.get("id_number"):
        errors["id_number"] = _("Required")
        return errors
    if before is not None:
        if before["leave_status"] != LeaveStatus.ON_ROLLS:
            errors["id_number"] = _(
                "This person is registered but no longer on the rolls; an import does not "
                "restore membership"
            )
            return errors
        ref = orgs.by_key.get(before["org"])
        if ref is None or not ref.can_change:
            errors["id_number"] = _(
                "This person is already registered in an organisation outside your scope"
            )
            return errors
        if before["membership"] == Membership.FULL and after["membership"] != Membership.FULL:
            errors["full_member_date"] = _("A full member cannot become probationary again")
    id_errors, info = rules.check_identity(
        id_number=after["id_number"],
        birth_date=after.get("birth_date"),
        sex=after.get("sex") or None,
        today=today,
    )
    errors.update({k: v for k, v in id_errors.items() if k not in errors})
    if info is not None:
        after["birth_date"] = after.get("birth_date") or info.birth_date
        after["sex"] = after.get("sex") or info.sex
    if after.get("birth_date"):
        for source in (
            rules.check_dates(
                birth_date=after["birth_date"],
                join_date=after.get("join_date"),
                full_member_date=after.get("full_member_date"),
                membership=after["membership"],
                today=today,
            ),
            rules.check_application(
                birth_date=after["birth_date"],
                applied_on=after.get("applied_on"),
                join_date=after.get("join_date"),
                today=today,
            ),
        ):
            for k, v in source.items():
                errors.setdefault(k, v)
    errors.update({k: v for k, v in rules.check_phone(after["phone"]).items() if k not in errors})
    if after.get("is_lost_contact"):
        since = after.get("lost_contact_since")
        if not since:
            errors.setdefault("lost_contact_since", _("Required for a member who lost contact"))
        elif since > today:
            errors.setdefault("lost_contact_since", _("Cannot be in the future"))
    elif after.get("lost_contact_since"):
        errors.setdefault(
            "lost_contact_since", _("Only for a member marked as having lost contact")
        )
    org_name = after.get("org")
    if isinstance(org_name, str) and org_name and "org" not in errors:
        ref, message = orgs.resolve(org_name, branch=True)
        if ref is None:
            errors["org"] = message
        else:
            after["org"] = ref.key
            after["_org_name"] = ref.name
    return errors


def _derive(after: dict, orgs: OrgIndex) -> None:
    after["name_pinyin"], after["name_initials"] = name_pinyin(after["name"])
    phone = "".join(ch for ch in after["phone"] if ch.isdigit())
    after["phone"] = phone
    after["phone_tail"] = phone[-4:]
    after["region_code"] = orgs.by_key[after["org"]].region_code


# --------------------------------------------------------------------------------------------
# Writing


INSERT_COLUMNS = (
    *(f for f in FIELDS),
    *DERIVED,
    "leave_status",
    "created_at",
    "updated_at",
)
UPDATE_COLUMNS = (*FIELDS, *DERIVED, "updated_at")


def _adapt(value):
    """Dates as the backend stores them: ISO text for SQLite, date objects for COPY."""
    if isinstance(value, date) and connection.vendor == "sqlite":
        return value.isoformat()
    return value


def _rollup_keys(values: dict) -> Counter:
    keys = {
        f: values.get(f)
        for f in ("membership", "standing", "sex", "ethnicity", "education", "occupation")
    }
    keys.update(
        leave_status=values.get("leave_status", LeaveStatus.ON_ROLLS),
        birth_year=values["birth_date"].year,
        join_year=values["join_date"].year,
        is_lost_contact=values["is_lost_contact"],
        is_mobile=values["is_mobile"],
    )
    return member_keys(keys)


def write_members(plan: MemberPlan, orgs: OrgIndex, *, actor, deltas: dict, reason: str) -> None:
    """Write a checked plan; add rollup changes per organisation id to `deltas`.

    Must run inside the caller's transaction (one per import): a failure leaves nothing.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    inserter = Inserter(Member, INSERT_COLUMNS)
    rows = []
    for values in plan.creates:
        values["org"] = orgs.by_key[values["org"]].key  # provisional keys are resolved by now
        values["leave_status"] = LeaveStatus.ON_ROLLS
        rows.append(
            tuple(_adapt(values[c]) for c in INSERT_COLUMNS[:-2]) + (now, now),
        )
        deltas.setdefault(values["org"], Counter()).update(_rollup_keys(values))
        if len(rows) >= 10_000:
            inserter.write(rows)
            rows = []
    inserter.write(rows)

    if not plan.updates:
        return
    qn = connection.ops.quote_name
    meta = Member._meta
    sets = ", ".join(f"{qn(meta.get_field(c).column)} = %s" for c in UPDATE_COLUMNS)
    sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE id = %s"
    history = Inserter(
        StatusChange,
        (
            "member",
            "field",
            "old_value",
            "new_value",
            "effective_on",
            "reason",
            "actor",
            "recorded_at",
        ),
    )
    today = timezone.localdate()
    changes, events = [], []
    for pk, before, after in plan.updates:
        after["org"] = orgs.by_key[after["org"]].key
        changes.append(tuple(_adapt(after[c]) for c in UPDATE_COLUMNS[:-1]) + (now, pk))
        before_keys = _rollup_keys(before)
        deltas.setdefault(before["org"], Counter()).subtract(before_keys)
        deltas.setdefault(after["org"], Counter()).update(_rollup_keys(after))
        for name in HISTORY_FIELDS:
            if before[name] != after[name]:
                effective = today
                if name == "membership" and after.get("full_member_date"):
                    effective = after["full_member_date"]
                if name == "is_lost_contact" and after.get("lost_contact_since"):
                    effective = after["lost_contact_since"]
                events.append(
                    (
                        pk,
                        name,
                        str(before[name]),
                        str(after[name]),
                        _adapt(effective),
                        reason,
                        getattr(actor, "pk", None),
                        now,
                    )
                )
    with connection.cursor() as cursor:
        for i in range(0, len(changes), 10_000):
            cursor.executemany(sql, changes[i : i + 10_000])
    history.write(events)
