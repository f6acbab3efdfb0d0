"""Checking and writing a sheet of members (the national 党员基本信息采集表).

`check_members` reads every row, applies the same pure rules the member services use
(jiceng.members.rules) and the checks that need the whole file or the database — the branch
exists, is a branch and lies in the uploader's scope; an ID number appears once in the file;
an ID number already registered is an update of that member, allowed only in scope — and
returns a plan. Nothing is written. `write_members` writes a plan that has no problems, inside
the caller's transaction: new members with COPY (PostgreSQL) or executemany through a TEMP table
(SQLite, core.bulk.StagedInserter), changed members with one executemany, status changes into
the dated history, and the subtree rollups.

New members, the bulk of a large file, are checked column by column (members_screen); only
the rows that screen cannot pass, and existing members, go through the per-row checks.

A column missing from the sheet leaves that field of existing members alone, so a sheet of
ID numbers and phones updates phones. New members need the columns in CREATE_COLUMNS.
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, repeat
from operator import itemgetter

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core import bulk, crypto, idnumber
from jiceng.core.bulk import Inserter
from jiceng.core.masking import PERSONAL_FIELDS, mask
from jiceng.core.parallel import fork_imap, second_cpu_free
from jiceng.core.pinyin import name_pinyin
from jiceng.members import rules
from jiceng.members.models import LeaveStatus, Member, Membership, Standing, StatusChange
from jiceng.members.stats import (
    COMPLETE,
    DIMENSIONS,
    FLAGS,
    YEAR_OF,
    complete_column,
    is_complete,
)
from jiceng.sheets.headers import HeaderMatch
from jiceng.sheets.values import CellError, convert_column, converter

from .layout import MEMBERS
from .members_screen import screen
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
PREVIEW_ROWS = 100
BUILD_BATCH = 20_000  # new members turned into insert rows at a time
WRITE_CHUNK = 10_000  # rows per executemany / COPY
# Above this many rows the row checks run in two processes (jiceng.core.parallel).
PARALLEL_MIN_ROWS = 40_000
# An import that writes checks its rows in parts of this many, and this process checks this
# share of them itself (it also writes them all): measured best on two CPUs.
WRITE_PART = 20_000
HERE_SHARE = 0.2
_NOT_DIGIT = re.compile(r"\D")


@dataclass
class MemberPlan:
    sheet: str
    # New members as rows ready to insert (INSERT_COLUMNS: personal fields already encrypted,
    # dates in the backend's form, the check's time as both timestamps), built by the
    # checking workers.
    new_rows: list[tuple] = field(default_factory=list)
    # What the new members add to their branches' rollups: {org key: Counter}.
    new_counts: dict = field(default_factory=dict)
    new_preview: list[dict] = field(default_factory=list)  # the first PREVIEW_ROWS new ones
    updates: list[tuple[int, dict, dict]] = field(default_factory=list)  # id, before, after
    unchanged: int = 0
    rows: int = 0
    written: int = 0  # new members already handed to a MemberWriter while checking

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "create": self.written + len(self.new_rows),
            "update": len(self.updates),
            "unchanged": self.unchanged,
        }

    def preview(self, limit: int = PREVIEW_ROWS) -> dict:
        return {
            "create": self.new_preview[:limit],
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


def _existing(hashes: list[str]) -> dict[str, dict]:
    """The registered members with these ID numbers' keyed hashes, as {id_number: values}
    (the numbers themselves are stored encrypted)."""
    wanted = (*FIELDS, "id", "org_id", "leave_status", "org__name")
    wanted = tuple(f for f in wanted if f != "org")
    qn = connection.ops.quote_name
    table = qn(Member._meta.db_table)
    column = qn(Member._meta.get_field("id_number_hash").column)
    # All the hashes in one statement, as one parameter (an array; JSON text on SQLite): the
    # ORM's `__in` prepares each value through the field (~20 µs a value), and chunks of
    # plain parameters still cost a parse per chunk (1 s for a city of new members).
    if connection.vendor == "postgresql":
        sql, params = f"SELECT id FROM {table} WHERE {column} = ANY(%s)", [hashes]
    else:
        sql = f"SELECT id FROM {table} WHERE {column} IN (SELECT value FROM json_each(%s))"
        params = [json.dumps(hashes)]
    out = {}
    if hashes:
        ids = RawSQL(sql, params)
        for row in Member.objects.filter(pk__in=ids).order_by().values(*wanted):
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
    writer: MemberWriter | None = None,
) -> MemberPlan:
    """The plan for one sheet of members; problems go into `problems`. With a `writer` (an
    import that writes, inside its transaction), the new members' rows are written as each
    part of the sheet is checked, while the rest is still being checked, as long as no
    problem has been found; the transaction is rolled back if one is found later."""
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
    # Column by column, each distinct value converted once; the ID numbers also normalised
    # and hashed.
    raw_columns = {
        column.field: list(map(itemgetter(index), body)) for index, column, _f in columns
    }
    converted, bad_rows, numbers, hashes = _convert_columns(
        [column for _index, column, _f in columns], raw_columns
    )
    if progress:
        progress(len(body) // 3, len(body))
    names = list(converted)
    good = _good_rows(body, converted, bad_rows, numbers, header_row, raw_columns, problem, plan)

    existing = _existing([hashes[o] for o in good if hashes[o]]) if hashes else {}
    missing_for_create = [f for f in CREATE_COLUMNS if f not in present]
    # Rows as inserted, the two timestamps included: the time of the check, one value.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    build = _row_builder(INSERT_COLUMNS[:-2], suffix=(now, now))
    pinyin: dict = {}  # name → (pinyin, initials), across the parts of one process
    columns_in_order = [converted[name] for name in names]
    # New members go through the column-wise screen first (members_screen); the rows it
    # cannot pass, and existing members, through the per-row checks below.
    screened = numbers is not None and not missing_for_create

    def check_rows(chunk: list[int]) -> tuple:
        """The row checks of the rows at offsets `chunk`, and the insert rows of the new
        members, in row order — pure: runs here or in a forked child."""
        new_counts: dict = {}
        fast_offsets: list[int] = []
        fast_rows: list[tuple] = []
        fast_preview: list[dict] = []
        if screened:
            candidates = [o for o in chunk if numbers[o] not in existing] if existing else chunk
            fast_offsets, fast_rows, fast_preview = _screened_rows(
                candidates,
                converted,
                numbers,
                hashes,
                orgs,
                today,
                build,
                new_counts,
                first_row=header_row + 1,
                pinyin=pinyin,
            )
            if fast_offsets:
                passed = set(fast_offsets)
                chunk = [o for o in chunk if o not in passed]
        slow_rows, slow_offsets, slow_preview, batch = [], [], [], []
        updates, unchanged, found, without_columns = [], 0, [], 0

        def flush() -> None:
            slow_rows.extend(build(batch))
            add_rollup_keys(new_counts, batch)
            batch.clear()

        for offset in chunk:
            values = dict(zip(names, [column[offset] for column in columns_in_order], strict=True))
            values["_row"] = number = header_row + 1 + offset
            if numbers is not None:
                values["id_number"] = numbers[offset]
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
                after["id_number_hash"] = hashes[offset]
                after["leave_status"] = LeaveStatus.ON_ROLLS
                if len(slow_preview) < PREVIEW_ROWS:
                    slow_preview.append(
                        {"row": number, "name": after["name"], "org": after["_org_name"]}
                    )
                slow_offsets.append(offset)
                batch.append(after)
                if len(batch) >= BUILD_BATCH:
                    flush()
            elif any(after.get(f) != before.get(f) for f in FIELDS):
                updates.append((before["id"], before, after))
            else:
                unchanged += 1
        flush()
        if not slow_rows:
            new_rows, preview = fast_rows, fast_preview
        elif not fast_rows:
            new_rows, preview = slow_rows, slow_preview
        else:  # both: back in row order
            merged = heapq.merge(
                zip(fast_offsets, fast_rows, strict=True),
                zip(slow_offsets, slow_rows, strict=True),
                key=itemgetter(0),
            )
            new_rows = [row for _offset, row in merged]
            preview = sorted(fast_preview + slow_preview, key=itemgetter("row"))[:PREVIEW_ROWS]
        return new_rows, new_counts, preview, updates, unchanged, found, without_columns

    if progress:
        progress(len(body) // 2, len(body))
    # Two processes only when a CPU is idle: on a busy machine the second process would only
    # add its copy-on-write pages and the pickled rows to the same CPUs' work.
    forking = len(good) >= PARALLEL_MIN_ROWS and second_cpu_free()
    chunks = _parts(good, forking=forking, writing=writer is not None)
    if writer is not None:
        writer.start(len(good) - len(existing))
    creates_without_columns = 0
    for done, part in enumerate(fork_imap(check_rows, chunks, fork=forking), 1):
        new_rows, new_counts, preview, updates, unchanged, found, without_columns = part
        if writer is not None and not problems and not found:
            writer.write(new_rows)
            plan.written += len(new_rows)
        else:
            plan.new_rows += new_rows
        _add_counts(plan.new_counts, new_counts)
        plan.new_preview += preview[: PREVIEW_ROWS - len(plan.new_preview)]
        plan.updates += updates
        plan.unchanged += unchanged
        creates_without_columns += without_columns
        for number, name, value, message in found:
            problem(number, name, value, message)
        if progress and done < len(chunks):
            progress(len(body) // 2 + len(body) * done // (2 * len(chunks)), len(body))
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


def _good_rows(body, converted, bad_rows, numbers, header_row, raw_columns, problem, plan):
    """The offsets of the rows to check: not blank, every cell converted, and the first row
    with their ID number. Counts the non-blank rows into `plan.rows`; reports the rows with
    cells that do not convert and the repeated ID numbers, in row order. Whole-column work
    but for the rare rows with a problem."""
    in_use = [
        offset
        for offset, cells in enumerate(body)
        if cells.count("") + cells.count(None) != len(cells)  # not a blank line
    ]
    plan.rows += len(in_use)
    if not bad_rows:
        good = in_use
    else:
        good = [offset for offset in in_use if offset not in bad_rows]
        for offset in sorted(bad_rows.intersection(in_use)):
            for name, cells in converted.items():
                if type(cells[offset]) is CellError:
                    problem(
                        header_row + 1 + offset, name, raw_columns[name][offset], str(cells[offset])
                    )
    if numbers is None:
        return good
    given = [n for n in map(numbers.__getitem__, good) if n]
    if len(set(given)) == len(given):
        return good
    seen: dict[str, int] = {}
    first_good = []
    repeated = []
    for offset in good:
        normalised = numbers[offset]
        number = header_row + 1 + offset
        if normalised:
            first = seen.get(normalised)
            if first is not None:
                repeated.append((number, offset, first))
                continue
            seen[normalised] = number
        first_good.append(offset)
    for number, offset, first in repeated:
        problem(
            number,
            "id_number",
            raw_columns["id_number"][offset],
            _("The same ID number is on row %(row)d") % {"row": first},
        )
    return first_good


def _parts(good: list[int], *, forking: bool, writing: bool) -> list[list[int]]:
    """The row offsets `good` cut into the parts fork_imap checks: the first here, the others
    in one child. Checking only: two halves. Writing: parts of WRITE_PART rows, the first
    HERE_SHARE of the rows here, so that this process writes its part and then each of the
    child's as it arrives while the child still checks."""
    if not writing:
        half = len(good) // 2
        return [good[:half], good[half:]] if forking else [good]
    here = int(len(good) * HERE_SHARE) if forking else 0
    chunks = [good[:here]] if here else []
    chunks += [good[i : i + WRITE_PART] for i in range(here, len(good), WRITE_PART)]
    return chunks or [[]]


def _convert_columns(columns: list, raw_columns: dict[str, list]) -> tuple:
    """Every cell of every column converted (values.convert_column, each distinct value once
    and text column-wise). Returns ({field: converted cells}, offsets of rows with a cell that
    does not convert, the normalised ID numbers and their keyed hashes (None if the sheet has
    no ID number column)). In this process: a forked worker would cost more CPU (its copy of
    the pages it touches, the columns pickled back) than it saves."""
    converted, bad_rows, numbers, hashes = {}, set(), None, None
    for column in columns:
        cells = convert_column(column, raw_columns[column.field], bad_rows)
        converted[column.field] = cells
        if column.field == "id_number":
            numbers, hashes = _id_numbers(cells)
    return converted, bad_rows, numbers, hashes


def _screened_rows(
    candidates: list[int],
    converted: dict[str, list],
    numbers: list,
    hashes: list,
    orgs: OrgIndex,
    today: date,
    build,
    counts: dict,
    *,
    first_row: int,
    pinyin: dict,
) -> tuple[list[int], list[tuple], list[dict]]:
    """The new members at `candidates` that members_screen.screen passes, as (their offsets,
    their insert rows, the preview of the first ones); their rollup keys are added to
    `counts`. The columns are built as _merge, _check_row and _derive would build each row."""

    def sub(name: str, offsets: list[int]) -> list | None:
        values = converted.get(name)
        if values is None:
            return None
        if len(offsets) == len(values):  # increasing offsets, as many as rows: every row
            return values
        return list(map(values.__getitem__, offsets))

    passed, _others, derived = screen(
        candidates,
        lambda name: sub(name, candidates),
        list(map(numbers.__getitem__, candidates)),
        orgs,
        today,
    )
    if not passed:
        return [], [], []
    offsets = list(map(candidates.__getitem__, passed))
    n = len(offsets)
    born, refs = derived["born"], derived["refs"]
    org_refs = list(map(refs.__getitem__, sub("org", offsets)))
    names = sub("name", offsets)
    for name in set(names).difference(pinyin):
        pinyin[name] = name_pinyin(name)
    full = sub("full_member_date", offsets)
    phones = sub("phone", offsets)
    special = {
        "sex": lambda: [b[1] for b in born],
        "birth_date": lambda: [b[0] for b in born],
        "id_number": lambda: list(map(numbers.__getitem__, offsets)),
        "org": lambda: [ref.key for ref in org_refs],
        "membership": lambda: [Membership.FULL if f else Membership.PROBATIONARY for f in full],
        "name": lambda: names,
        "phone": lambda: phones if phones is not None else [""] * n,
        "name_pinyin": lambda: [pinyin[name][0] for name in names],
        "name_initials": lambda: [pinyin[name][1] for name in names],
        "phone_tail": lambda: [p[-4:] for p in phones] if phones is not None else [""] * n,
        "region_code": lambda: [ref.region_code for ref in org_refs],
        "id_number_hash": lambda: list(map(hashes.__getitem__, offsets)),
        "leave_status": lambda: [LeaveStatus.ON_ROLLS] * n,
    }
    columns = INSERT_COLUMNS[:-2]
    cols = []
    for name in columns:
        if name in special:
            cols.append(special[name]())
        else:
            values = sub(name, offsets)
            cols.append(values if values is not None else [DEFAULTS.get(name)] * n)
    by_name = dict(zip(columns, cols, strict=True))
    complete = complete_column(lambda f: by_name["phone_tail" if f == "phone" else f])
    add_rollup_columns(counts, by_name.__getitem__, complete)
    preview = [
        {"row": first_row + o, "name": names[i], "org": org_refs[i].name}
        for i, o in enumerate(offsets[:PREVIEW_ROWS])
    ]
    rows = []
    for i in range(0, n, BUILD_BATCH):
        rows += build.from_columns([c[i : i + BUILD_BATCH] for c in cols])
    return offsets, rows, preview


def _id_numbers(cells: list) -> tuple[list, list]:
    """The converted ID number column → (normalised numbers, their keyed hashes); None for a
    cell that did not convert, "" for an empty one."""
    normalise = idnumber.normalise
    shaped = idnumber.SHAPE.match
    lookup_hash = crypto.lookup_hash
    numbers, hashes = [], []
    for text in cells:
        if type(text) is not str:
            numbers.append(None)
            hashes.append(None)
        elif not text:
            numbers.append("")
            hashes.append("")
        else:
            text = text if shaped(text) else normalise(text)
            numbers.append(text)
            hashes.append(lookup_hash(text))
    return numbers, hashes


def _add_counts(into: dict, counts: dict) -> None:
    for org, counter in counts.items():
        mine = into.get(org)
        if mine is None:
            into[org] = counter
        else:
            mine.update(counter)


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
    for k, v in id_errors.items():
        errors.setdefault(k, v)
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
    for k, v in rules.check_phone(after["phone"]).items():
        errors.setdefault(k, v)
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


def _row_builder(columns: tuple[str, ...], suffix: tuple = ()):
    """[values dict] → [row in `columns` order, as stored, followed by the constant values
    `suffix` (the timestamps)], column by column: personal fields encrypted
    (crypto.encrypt_many) with the ID number's keyed hash beside it (the hash is taken from
    the values if there, else computed), dates as the backend keeps them (ISO text on SQLite —
    one string per distinct date; date objects for COPY). Pure: the checking workers build the
    new members' rows."""
    dates = [i for i, c in enumerate(columns) if c in _DATE_COLUMNS]
    sealed = [i for i, c in enumerate(columns) if c in PERSONAL_FIELDS]
    hashed = columns.index("id_number_hash")
    as_text = connection.vendor == "sqlite"
    iso: dict = {None: None}

    row_of = itemgetter(*columns)

    def from_columns(cols: list[list]) -> list[tuple]:
        """The rows of `cols` (one list per column, in `columns` order, the hashes filled
        in), sealed and with dates in the backend's form."""
        if not cols:
            return []
        for i in sealed:
            cols[i] = crypto.encrypt_many([v or "" for v in cols[i]])
        if as_text:
            for i in dates:
                column = cols[i]
                for d in set(column).difference(iso):
                    iso[d] = d.isoformat()
                cols[i] = list(map(iso.__getitem__, column))
        n = len(cols[0])
        return list(zip(*cols, *(repeat(value, n) for value in suffix), strict=True))

    def build(batch: list[dict]) -> list[tuple]:
        try:
            cols = [list(column) for column in zip(*map(row_of, batch), strict=True)]
        except KeyError:  # a value the sheet and the defaults leave out: stored as NULL
            cols = [[values.get(c) for values in batch] for c in columns]
        if not cols:
            return []
        cols[hashed] = [
            values.get("id_number_hash") or crypto.lookup_hash(values["id_number"])
            for values in batch
        ]
        return from_columns(cols)

    build.from_columns = from_columns
    return build


def add_rollup_keys(deltas: dict, members: list[dict], sign: int = 1) -> None:
    """Add (sign=1) or take away (-1) what `members` (on the rolls) count towards their
    branch's rollups: the keys of jiceng.members.stats.member_keys, tallied per dimension by
    Counter over (branch, value) pairs, which runs in C."""
    add_rollup_columns(
        deltas,
        lambda name: [m[name] for m in members],
        [is_complete(m) for m in members],
        sign,
    )


def add_rollup_columns(deltas: dict, column, complete: list[bool], sign: int = 1) -> None:
    """`add_rollup_keys` of members given column by column: `column(field)` is the list of
    their values of `field` (the organisation's key for "org"), `complete` their
    `is_complete`."""
    orgs = column("org")

    def tally(pairs, key_of: dict) -> None:
        """Add the (organisation, value) `pairs`, counted in C, under each value's key."""
        for (org, value), n in Counter(pairs).items():
            counts = deltas.get(org)
            if counts is None:
                counts = deltas[org] = Counter()
            key = key_of[value]
            counts[key] = counts.get(key, 0) + sign * n  # .get: no __missing__ call

    tally(zip(orgs, repeat(None)), {None: "members"})
    for dim in DIMENSIONS:
        source = YEAR_OF.get(dim)
        if source:
            dates = column(source)
            years = {d: d.year for d in set(dates)}
            values = list(map(years.__getitem__, dates))
        else:
            values = column(dim)
        tally(zip(orgs, values, strict=True), {v: f"{dim}:{v}" for v in set(values)})
    for key, field_name in FLAGS.items():
        tally(compress(zip(orgs, repeat(None)), column(field_name)), {None: key})
    tally(compress(zip(orgs, repeat(None)), complete), {None: COMPLETE})


class MemberWriter:
    """Writes new members' insert rows into the import's transaction as they come (see
    check_members), then the plans' updates (write_members); `finish` ends the load. A large
    load into a table that is mostly new rows afterwards rebuilds the table's indexes once, in
    `finish`, instead of row by row (jiceng.core.bulk.deferred_indexes), so `start` is told how
    many rows to expect. One writer serves every member sheet of an import."""

    def __init__(self, orgs: OrgIndex):
        self.orgs = orgs
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.now = now
        self.inserter = bulk.StagedInserter(Member, INSERT_COLUMNS)
        self.org_at = INSERT_COLUMNS.index("org")
        self.pending = any(key < 0 for key in orgs.by_key)  # branches this import creates
        self.load = ExitStack()
        self.started = False

    def start(self, expected: int) -> None:
        if self.started:
            return
        self.started = True
        defer = bulk.should_defer_indexes(Member, expected)
        self.load.enter_context(bulk.deferred_indexes(Member, enabled=defer))

    def write(self, rows: list[tuple]) -> None:
        self.start(len(rows))
        by_key = self.orgs.by_key
        at = self.org_at
        for i in range(0, len(rows), WRITE_CHUNK):
            chunk = rows[i : i + WRITE_CHUNK]
            if self.pending:
                chunk = [
                    row if row[at] > 0 else (*row[:at], by_key[row[at]].key, *row[at + 1 :])
                    for row in chunk
                ]
            self.inserter.write(chunk)

    def finish(self) -> None:
        self.load.close()


def write_members(
    plan: MemberPlan,
    orgs: OrgIndex,
    *,
    actor,
    deltas: dict,
    reason: str,
    writer: MemberWriter,
) -> None:
    """Write a checked plan (what `writer` has not written yet); add rollup changes per
    organisation id to `deltas`. Must run inside the caller's transaction (one per import): a
    failure leaves nothing. The caller finishes the writer after the last plan."""
    writer.start(len(plan.new_rows))
    writer.write(plan.new_rows)
    _write_updates(plan, orgs, actor=actor, now=writer.now, reason=reason)
    for key, counts in plan.new_counts.items():
        _add_counts(deltas, {orgs.by_key[key].key: Counter(counts)})
    if plan.updates:
        add_rollup_keys(deltas, [before for _pk, before, _after in plan.updates], -1)
        add_rollup_keys(deltas, [after for _pk, _before, after in plan.updates])


def _write_updates(plan: MemberPlan, orgs: OrgIndex, *, actor, now, reason: str) -> None:
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
    for _pk, _before, after in plan.updates:
        after["org"] = orgs.by_key[after["org"]].key
    for i in range(0, len(plan.updates), WRITE_CHUNK):
        afters = [after for _pk, _before, after in plan.updates[i : i + WRITE_CHUNK]]
        pks = [pk for pk, _before, _after in plan.updates[i : i + WRITE_CHUNK]]
        changes += [row + (now, pk) for row, pk in zip(build(afters), pks, strict=True)]
    for pk, before, after in plan.updates:
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
