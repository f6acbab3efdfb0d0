"""Importing a month's (or several months') dues payments of one branch from .xlsx/.csv.

Reuses jiceng.sheets: the upload is checked by content (`safety.check_upload`), read
(`read.read_sheets`), its header row found tolerantly (`headers.match_header`); every row is
checked with the same rules as the collection grid (`services.check_entries`). One bad row →
nothing is written, and the user gets the workbook back annotated (`write.write_annotated`)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiceng.core import crypto, idnumber
from jiceng.members.models import LeaveStatus, Member
from jiceng.sheets import values
from jiceng.sheets.headers import match_header
from jiceng.sheets.read import read_sheets
from jiceng.sheets.safety import UploadRefused, check_upload
from jiceng.sheets.write import write_annotated
from jiceng.transfer.layout import Column, Layout

from . import rules, services
from .models import Payment

LAYOUT = Layout(
    kind="dues",
    title="党费收缴表",
    identifying=("month",),
    columns=(
        Column("name", "姓名", aliases=("党员姓名",)),
        Column("id_number", "公民身份号码", aliases=("身份证号", "身份证号码")),
        Column("month", "月份", aliases=("所属月份", "缴费月份", "缴纳月份")),
        Column("amount", "金额", aliases=("实缴金额", "缴纳金额", "党费", "实缴党费")),
        Column("paid_on", "缴费日期", aliases=("缴纳日期",)),
    ),
)
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")


@dataclass
class ImportRefused(Exception):
    """The file was refused: `message` for the page, `errors` per row, `annotated` the workbook
    with the bad cells marked (None when the file could not be read at all)."""

    message: str
    errors: list[dict] = field(default_factory=list)
    annotated: bytes | None = None


def parse_month(value) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.replace(day=1)
    raw = values.text(value)
    m = _MONTH.match(raw) or _MONTH_COMPACT.match(raw)
    if m and 1 <= int(m[2]) <= 12:
        return date(int(m[1]), int(m[2]), 1)
    try:
        parsed = values.parse_date(value)
    except values.CellError:
        parsed = None
    if parsed is None:
        raise values.CellError(_("Not a month: write it as 2026-11"))
    return parsed.replace(day=1)


def parse_amount(value):
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        raise values.CellError(_("Not an amount"))
    if isinstance(value, float):
        value = repr(round(value, 6))
    try:
        return rules.money(values.text(value).replace(",", "").removesuffix("元"))
    except rules.RuleError:
        raise values.CellError(_("Not an amount: write it as 50.00")) from None


def payments_import(*, actor, org, filename: str, data: bytes) -> list[Payment]:
    """Check every row of the file, then write all its payments in one transaction, or none."""
    branch = services.branch_for_payments(actor, org)
    try:
        kind = check_upload(filename, data)
        sheets = read_sheets(data, kind)
    except UploadRefused as e:
        raise ImportRefused(str(e)) from None
    found = None
    for sheet in sheets:
        if sheet.visible:
            match = match_header(sheet.rows, LAYOUT)
            if match is not None:
                found = (sheet, match)
                break
    if found is None:
        raise ImportRefused(
            _("No sheet has a header row with 月份 and 姓名 or 公民身份号码 columns."),
            annotated=None,
        )
    sheet, match = found
    col_of = {c.field: i for i, c in match.columns.items()}
    header_of = {c.field: c.header for c in match.columns.values()}
    if "name" not in col_of and "id_number" not in col_of:
        raise ImportRefused(_("Give a 姓名 or a 公民身份号码 column to say whose dues they are."))
    members = list(
        Member.objects.filter(org=branch, leave_status=LeaveStatus.ON_ROLLS).values_list(
            "id", "name", "id_number_hash"
        )
    )
    by_hash = {h: mid for mid, _name, h in members}
    by_name: dict[str, list[int]] = defaultdict(list)
    for mid, name, _h in members:
        by_name[name].append(mid)

    errors: list[dict] = []
    entries: dict[date, dict[int, object]] = defaultdict(dict)
    paid_ons: dict[date, date] = {}
    where: dict[tuple[date, int], int] = {}  # (month, member) → row number

    def bad(row_no: int, fieldname: str | None, message: str, value=None):
        errors.append(
            {
                "sheet": sheet.name,
                "row": row_no,
                "column": col_of.get(fieldname) if fieldname else None,
                "header": header_of.get(fieldname, ""),
                "value": value,
                "message": message,
            }
        )

    def cell(row, fieldname):
        i = col_of.get(fieldname)
        return row[i] if i is not None and i < len(row) else None

    for index in range(match.row_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        row_no = index + 1
        if all(c in (None, "") for c in row):
            continue
        ok = True
        try:
            month = parse_month(cell(row, "month"))
        except values.CellError as e:
            bad(row_no, "month", str(e), cell(row, "month"))
            ok = False
        try:
            amount = parse_amount(cell(row, "amount"))
        except values.CellError as e:
            bad(row_no, "amount", str(e), cell(row, "amount"))
            ok = False
        try:
            paid_on = values.parse_date(cell(row, "paid_on"))
        except values.CellError as e:
            bad(row_no, "paid_on", str(e), cell(row, "paid_on"))
            ok = False
        raw_id = values.text(cell(row, "id_number"))
        name = values.text(cell(row, "name"))
        mid = None
        if raw_id:
            mid = by_hash.get(crypto.lookup_hash(idnumber.normalise(raw_id)))
            if mid is None:
                bad(row_no, "id_number", _("Nobody with this ID number is on the branch's rolls"))
                ok = False
        elif name:
            found_ids = by_name.get(name, [])
            if len(found_ids) == 1:
                mid = found_ids[0]
            else:
                bad(
                    row_no,
                    "name",
                    _("No member of the branch has this name")
                    if not found_ids
                    else _("Several members have this name: give the ID number"),
                    name,
                )
                ok = False
        else:
            bad(row_no, "name", _("Say whose dues these are (name or ID number)"))
            ok = False
        if not ok:
            continue
        if mid in entries[month]:
            bad(
                row_no,
                "month",
                _("The same month appears again for this member (row %(row)s)")
                % {"row": where[(month, mid)]},
            )
            continue
        entries[month][mid] = amount
        where[(month, mid)] = row_no
        if paid_on:
            paid_ons[month] = max(paid_on, paid_ons.get(month, paid_on))

    rows: list[Payment] = []
    for month, month_entries in sorted(entries.items()):
        try:
            paid_on = services.check_paid_on(paid_ons.get(month))
        except ValidationError:
            bad(where[(month, next(iter(month_entries)))], "paid_on", _("In the future"))
            continue
        checked, problems = services.check_entries(
            actor=actor, branch=branch, month=month, entries=month_entries, paid_on=paid_on
        )
        for mid, message in problems.items():
            bad(where[(month, mid)], "amount", message)
        rows.extend(checked)
    if not rows and not errors:
        raise ImportRefused(_("The file holds no payments."))
    if errors:
        errors.sort(key=lambda e: e["row"])
        raise ImportRefused(
            _(
                "%(n)s rows are wrong; nothing was recorded. Fix them in the file and upload it again."
            )
            % {"n": len({e["row"] for e in errors})},
            errors=errors,
            annotated=write_annotated(sheets, errors),
        )
    with transaction.atomic():
        services.write_payments(actor=actor, branch=branch, rows=rows, source="import")
    return rows
