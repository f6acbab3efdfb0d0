"""Importing duty records (rosters with check-in and check-out times) from .xlsx/.xls/.csv,
with the platform's spreadsheet plumbing (jiceng.sheets: upload safety, reading, tolerant
header matching). Every row is checked first; one bad row and nothing is written.

Columns: 驻点单位 (the township's or village's full name), 身份证号 (the cadre's ID number),
日期, 签到时间, 签退时间 (a time of that day, or a date and time; empty: absent). A row for a
cadre and day already on the roster records its times; otherwise it adds the shift.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import crypto, idnumber, scope
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.sheets import safety
from jiceng.sheets.headers import match_header
from jiceng.sheets.read import read_sheets
from jiceng.sheets.values import CellError, parse_date, text
from jiceng.transfer.layout import Column, Layout

from . import services
from .models import DutyShift, DutySource

LAYOUT = Layout(
    kind="duty",
    title="驻点值班记录",
    columns=(
        Column("org", "驻点单位", aliases=("单位", "组织", "乡镇(村)"), required=True),
        Column("id_number", "身份证号", kind="id_number", aliases=("公民身份号码", "身份证号码")),
        Column("name", "姓名"),
        Column("on", "日期", kind="date", aliases=("值班日期",), required=True),
        Column("checked_in_at", "签到时间", aliases=("签到",)),
        Column("checked_out_at", "签退时间", aliases=("签退",)),
    ),
    identifying=("org", "id_number", "on"),
)
_TIME = re.compile(r"^(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_time(value, on: date) -> datetime | None:
    """A check time on the duty day `on`: a time, a date and time, or text of either."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, time):
        moment = datetime.combine(on, value)
    else:
        m = _TIME.match(text(value))
        if not m:
            raise CellError(_("Not a time: write it as 08:30 or 2026-11-02 08:30"))
        day = date(int(m[1]), int(m[2]), int(m[3])) if m[1] else on
        moment = datetime.combine(day, time(int(m[4]), int(m[5]), int(m[6] or 0)))
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def duty_import(*, actor, filename: str, data: bytes) -> int:
    """Check every row, then write all of them in one transaction; returns the rows written.
    Raises ValidationError({"file": [...]}) listing each bad row ("row 3, 签退时间: ...")."""
    try:
        kind = safety.check_upload(filename, data)
        sheets = read_sheets(data, kind)
    except safety.UploadRefused as refused:
        raise ValidationError({"file": [str(refused)]}) from None
    sheet = next((s for s in sheets if s.visible and s.rows), None)
    match = match_header(sheet.rows, LAYOUT) if sheet else None
    if match is None:
        raise ValidationError(
            {"file": [_("No header row with 驻点单位, 身份证号 and 日期 was found.")]}
        )
    col = {c.field: i for i, c in match.columns.items()}
    orgs = {}
    for o in Organization.objects.restrict(actor, scope.ADD).filter(status="active"):
        orgs.setdefault(o.name, []).append(o)
    first = match.row_index + 1
    hashes = {
        crypto.lookup_hash(idnumber.normalise(text(row[col["id_number"]])))
        for row in sheet.rows[first:]
        if col.get("id_number") is not None and col["id_number"] < len(row)
    }
    cadres = {m.id_number_hash: m for m in Member.objects.filter(id_number_hash__in=hashes - {""})}
    errors: list[str] = []
    parsed = []
    for index in range(match.row_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        cells = {f: (row[i] if i < len(row) else "") for f, i in col.items()}
        if not any(text(v) for v in cells.values()):
            continue
        where = _("row %(row)s") % {"row": index + 1}
        problems = []
        found = orgs.get(text(cells.get("org")), [])
        if len(found) != 1:
            problems.append(
                _("驻点单位: no organisation of that name within your scope")
                if not found
                else _("驻点单位: several organisations have that name")
            )
        number = idnumber.normalise(text(cells.get("id_number")))
        cadre = cadres.get(crypto.lookup_hash(number)) if number else None
        if cadre is None:
            problems.append(_("身份证号: no member with that ID number"))
        try:
            on = parse_date(cells.get("on"))
            if on is None:
                raise CellError(_("required"))
        except CellError as e:
            problems.append(_("日期: %(e)s") % {"e": e})
            on = None
        times = [None, None]
        if on is not None:
            for k, field in enumerate(("checked_in_at", "checked_out_at")):
                try:
                    times[k] = parse_time(cells.get(field), on)
                except CellError as e:
                    problems.append(f"{LAYOUT.column(field).header}: {e}")
            if not problems:
                for field, messages in services._time_errors(
                    on, services._local(times[0]), services._local(times[1])
                ).items():
                    problems.append(f"{LAYOUT.column(field).header}: {messages[0]}")
        if problems:
            errors.append(f"{where}: " + "; ".join(problems))
        else:
            parsed.append((found[0], cadre, on, times[0], times[1]))
    if errors:
        raise ValidationError({"file": errors})
    if not parsed:
        raise ValidationError({"file": [_("The file holds no duty records.")]})
    with transaction.atomic():
        for org, cadre, on, checked_in, checked_out in parsed:
            shift = DutyShift.objects.filter(cadre=cadre, on=on).first()
            if shift is not None and shift.org_id != org.pk:
                raise ValidationError(
                    {
                        "file": [
                            _("%(name)s is on duty elsewhere on %(day)s.")
                            % {"name": cadre.name, "day": on}
                        ]
                    }
                )
            if shift is None:
                shift = services.duty_schedule(actor=actor, org=org, cadre=cadre, on=on)
                DutyShift.objects.filter(pk=shift.pk).update(source=DutySource.IMPORTED)
            services.duty_record(
                actor=actor, shift=shift, checked_in_at=checked_in, checked_out_at=checked_out
            )
        audit.record("duty_import", actor=actor, data={"file": filename, "rows": len(parsed)})
    return len(parsed)
