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

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core import crypto, idnumber
from jiceng.core.bulk import Inserter
from jiceng.core.masking import PERSONAL_FIELDS, mask
from jiceng.core.parallel import fork_map
from jiceng.core.pinyin import name_pinyin
from jiceng.members import rules
from jiceng.members.models import LeaveStatus, Member, Membership, Standing, StatusChange
from jiceng.members.stats import DIMENSIONS, FLAGS, YEAR_OF
from jiceng.sheets.headers import HeaderMatch
from jiceng.sheets.values import CellError, convert_column, converter

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
# Above this many rows the row checks run in two processes (jiceng.core.parallel).
PARALLEL_MIN_ROWS = 40_000
_NOT_DIGIT = re.compile(r"\D")


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
    """The registered members with these ID numbers, as {id_number: values}; found by the
    numbers' keyed hashes (the numbers themselves are stored encrypted)."""
    wanted = (*FIELDS, "id", "org_id", "leave_status", "org__name")
    wanted = tuple(f for f in wanted if f != "org")
    hashes = [crypto.lookup_hash(n) for n in id_numbers]
    out = {}
    for i in range(0, len(hashes), LOOKUP_CHUNK):
        chunk = hashes[i : i + LOOKUP_CHUNK]
        for row in Member.objects.filter(id_number_hash__in=chunk).order_by().values(*wanted):
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
        if name in PERSONAL_FIELDS and value not in (None, ""):
            value = mask(name, str(value))  # the job keeps problems; never personal data
        problems.add(sheet_name, row, present.get(name), header(name), value, message)

    body = rows[match.row_index + 1 :]
    width = max((index for index, _c in match.columns.items()), default=0) + 1
    for r, cells in enumerate(body):
        if len(cells) < width:
            body[r] = list(cells) + [None] * (width - len(cells))
    if progress:
        progress(0, len(body))
    # Column by column: each distinct value is converted once.
    raw_columns = {column.field: [cells[index] for cells in body] for index, column, _f in columns}
    converted = {
        column.field: convert_column(column, raw_columns[column.field])
        for _index, column, _convert in columns
    }
    names = list(converted)
    bad_rows = {
        i for values in converted.values() for i, v in enumerate(values) if type(v) is CellError
    }
    parsed: list[tuple[int, dict, dict]] = []  # (row number, values, raw cells)
    seen: dict[str, int] = {}
    normalise = idnumber.normalise
    shaped = idnumber.SHAPE.match
    for offset, row_values in enumerate(zip(*converted.values(), strict=True)):
        number = header_row + 1 + offset
        cells = body[offset]
        if cells.count("") + cells.count(None) == len(cells):
            continue  # a blank line
        plan.rows += 1
        values = dict(zip(names, row_values, strict=True))
        values["_row"] = number
        bad = offset in bad_rows
        if bad:
            for name, value in values.items():
                if isinstance(value, CellError):
                    problem(number, name, raw_columns[name][offset], str(value))
        number_text = values.get("id_number")
        if number_text and not bad:
            normalised = number_text if shaped(number_text) else normalise(number_text)
            first = seen.get(normalised)
            if first is not None:
                problem(
                    number,
                    "id_number",
                    raw_columns["id_number"][offset],
                    _("The same ID number is on row %(row)d") % {"row": first},
                )
                bad = True
            else:
                seen[normalised] = number
            values["id_number"] = normalised
        if not bad:
            parsed.append((number, values, offset))
        if progress and offset % 20000 == 0:
            progress(offset, len(body))

    existing = _existing([v["id_number"] for _n, v, _r in parsed if v.get("id_number")])
    missing_for_create = [f for f in CREATE_COLUMNS if f not in present]

    def check_rows(chunk: list) -> tuple[list, list, int, list, int]:
        """The row checks of `chunk` — pure: runs here or in a forked child."""
        creates, updates, unchanged, found, without_columns = [], [], 0, [], 0
        for number, values, offset in chunk:
            before = existing.get(values.get("id_number", ""))
            if before is None and missing_for_create:
                without_columns += 1
                continue
            after = _merge(before, values, present)
            errors = _check_row(after, before, orgs, today)
            if errors:
                for name, message in errors.items():
                    raw = raw_columns.get(name)
                    found.append((number, name, raw[offset] if raw else after.get(name), message))
                continue
            _derive(after, orgs)
            if before is None:
                creates.append(after)
            elif any(after.get(f) != before.get(f) for f in FIELDS):
                updates.append((before["id"], before, after))
            else:
                unchanged += 1
        return creates, updates, unchanged, found, without_columns

    if progress:
        progress(len(body) // 2, len(body))
    parts = 2 if len(parsed) >= PARALLEL_MIN_ROWS else 1
    size = max(1, -(-len(parsed) // parts))
    chunks = [parsed[i : i + size] for i in range(0, len(parsed), size)] or [[]]
    creates_without_columns = 0
    for creates, updates, unchanged, found, without_columns in fork_map(check_rows, chunks):
        plan.creates += creates
        plan.updates += updates
        plan.unchanged += unchanged
        creates_without_columns += without_columns
        for number, name, value, message in found:
            problem(number, name, value, message)
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
    phone = after["phone"]
    if not phone.isdigit():
        phone = _NOT_DIGIT.sub("", phone)
    after["phone"] = phone
    after["phone_tail"] = phone[-4:]
    after["region_code"] = orgs.by_key[after["org"]].region_code


# --------------------------------------------------------------------------------------------
# Writing


INSERT_COLUMNS = (
    *(f for f in FIELDS),
    *DERIVED,
    "id_number_hash",
    "leave_status",
    "created_at",
    "updated_at",
)
UPDATE_COLUMNS = (*FIELDS, *DERIVED, "id_number_hash", "updated_at")


_DATE_COLUMNS = frozenset(
    f.name for f in Member._meta.concrete_fields if f.get_internal_type() == "DateField"
)


def _row_builder(columns: tuple[str, ...]):
    """values dict → row in `columns` order, as stored: personal fields encrypted with the ID
    number's keyed hash beside it (jiceng.core.crypto), dates as the backend keeps them (ISO
    text on SQLite; date objects for COPY)."""
    dates = [i for i, c in enumerate(columns) if c in _DATE_COLUMNS]
    sealed = [i for i, c in enumerate(columns) if c in PERSONAL_FIELDS]
    hashed = columns.index("id_number_hash")
    as_text = connection.vendor == "sqlite"
    encrypt, lookup_hash = crypto.encrypt, crypto.lookup_hash

    def build(values: dict) -> list:
        row = [values.get(c) for c in columns]
        row[hashed] = lookup_hash(values["id_number"])
        for i in sealed:
            row[i] = encrypt(row[i])
        if as_text:
            for i in dates:
                value = row[i]
                if value is not None:
                    row[i] = value.isoformat()
        return row

    return build


def add_rollup_keys(deltas: dict, members: list[dict], sign: int = 1) -> None:
    """Add (sign=1) or take away (-1) what `members` (on the rolls) count towards their
    branch's rollups: the keys of jiceng.members.stats.member_keys, tallied per dimension by
    Counter over (branch, value) pairs, which runs in C."""
    orgs = [m["org"] for m in members]

    def tally(pairs, name) -> None:
        for (org, value), n in Counter(pairs).items():
            counts = deltas.get(org)
            if counts is None:
                counts = deltas[org] = Counter()
            counts[name(value)] += sign * n

    tally(zip(orgs, orgs, strict=True), lambda _v: "members")
    for dim in DIMENSIONS:
        source = YEAR_OF.get(dim)
        column = [m[source].year for m in members] if source else [m[dim] for m in members]
        tally(zip(orgs, column, strict=True), lambda v, d=dim: f"{d}:{v}")
    for key, field_name in FLAGS.items():
        tally(((m["org"], True) for m in members if m[field_name]), lambda _v, k=key: k)


def write_members(plan: MemberPlan, orgs: OrgIndex, *, actor, deltas: dict, reason: str) -> None:
    """Write a checked plan; add rollup changes per organisation id to `deltas`.

    Must run inside the caller's transaction (one per import): a failure leaves nothing.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    inserter = Inserter(Member, INSERT_COLUMNS)
    build = _row_builder(INSERT_COLUMNS[:-2])
    rows = []
    for values in plan.creates:
        values["org"] = orgs.by_key[values["org"]].key  # provisional keys are resolved by now
        values["leave_status"] = LeaveStatus.ON_ROLLS
        row = build(values)
        row += (now, now)
        rows.append(row)
        if len(rows) >= 10_000:
            inserter.write(rows)
            rows = []
    inserter.write(rows)
    add_rollup_keys(deltas, plan.creates)

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
    build = _row_builder(UPDATE_COLUMNS[:-1])
    for pk, before, after in plan.updates:
        after["org"] = orgs.by_key[after["org"]].key
        row = build(after)
        row += (now, pk)
        changes.append(row)
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
                        effective.isoformat() if connection.vendor == "sqlite" else effective,
                        reason,
                        getattr(actor, "pk", None),
                        now,
                    )
                )
    with connection.cursor() as cursor:
        for i in range(0, len(changes), 10_000):
            cursor.executemany(sql, changes[i : i + 10_000])
    history.write(events)
    add_rollup_keys(deltas, [before for _pk, before, _after in plan.updates], -1)
    add_rollup_keys(deltas, [after for _pk, _before, after in plan.updates])
