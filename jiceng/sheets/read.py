"""Reading a checked upload (see safety.py) into plain rows of cells, fast.

.xlsx and .xls go through python-calamine (Rust): its `to_python` builds the rows in one call
(a large .xlsx worksheet is parsed in parts on two CPUs, split.py),
and the one Python pass over the cells turns integral floats into ints, so that phone numbers
and ID-like numbers Excel stores as 13800138000.0 come back as 13800138000, not 1.38e10.
Dates in date-formatted cells come back as `date`/`datetime` objects; later stages (values.py)
convert everything else. A .csv is decoded as UTF-8 (with or without BOM) or GB18030, what
Excel and WPS write on Chinese Windows, and read with the csv module.

Leading empty rows and columns are kept, so `rows[i]` is spreadsheet row i + 1 and error
messages can name the row the user sees; trailing rows of empty or blank cells are dropped.
Empty cells, and formula errors such as #DIV/0!, are "". Rows of one sheet all have the same
length. Merged cells carry their value in the top-left cell only. Calamine's errors, and a
password-protected workbook, become `UploadRefused`.
"""

import csv
import gc
import io
from contextlib import contextmanager
from dataclasses import dataclass

import python_calamine
from django.utils.translation import gettext as _

from .safety import UploadRefused, not_a_spreadsheet, text_encoding
from .split import parallel_rows

SNIFF_CHARS = 8192
# A password-protected .xlsx is an OLE2 file holding this stream instead of a workbook.
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")


@dataclass
class Sheet:
    name: str  # "" for a .csv
    # cells: str | int | float | bool | date | datetime (| time | timedelta for durations)
    rows: list[list]
    visible: bool = True  # False for sheets hidden in Excel (often code lists for drop-downs)


def read_sheets(data: bytes, kind: str) -> list[Sheet]:
    """The worksheets of a file `safety.check_upload` has accepted as `kind`, in workbook order."""
    if kind == "csv":
        return [Sheet(name="", rows=_csv_rows(decode_csv(data)))]
    if kind not in ("xlsx", "xls"):
        raise ValueError(f"unknown spreadsheet kind {kind!r}")
    sheets = []
    try:
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            for index, meta in enumerate(workbook.sheets_metadata):
                if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue  # chart sheets, dialog sheets, Excel 4 macro sheets
                with _gc_paused():
                    rows = parallel_rows(data, index) if kind == "xlsx" else None
                    if rows is None:
                        sheet = workbook.get_sheet_by_index(index)
                        rows = sheet.to_python(skip_empty_area=False)
                    rows = _tidy(rows)
                visible = meta.visible == python_calamine.SheetVisibleEnum.Visible
                sheets.append(Sheet(name=meta.name, rows=rows, visible=visible))
    except python_calamine.CalamineError as error:
        if isinstance(error, python_calamine.PasswordError) or _ENCRYPTED_OOXML in data:
            raise UploadRefused(
                _("The workbook is password-protected: remove the password and upload it again."),
                "encrypted",
            ) from None
        # python-calamine detects the format itself and reports a protected .xls (FilePass
        # record) only as "Cannot detect file format", so the message names both causes.
        raise UploadRefused(_unreadable(), "damaged") from None
    return sheets


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM stripped) if it decodes, else GB18030; UploadRefused if neither."""
    encoding = text_encoding(data)
    if encoding is None:
        raise UploadRefused(not_a_spreadsheet(), "not_spreadsheet")
    return data.decode(encoding).removeprefix("\ufeff")  # GB18030 has a BOM too


def _unreadable() -> str:
    return _("The file could not be read as a spreadsheet: it is damaged or password-protected.")


@contextmanager
def _gc_paused():
    """Allocating 322,000 row lists triggers the cyclic collector thousands of times, over rows
    that cannot form cycles; pausing it saves ~0.5 s on such a sheet."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _tidy(rows: list[list]) -> list[list]:
    """Integral floats → int (the one pass over the cells), then drop trailing empty rows."""
    for i, row in enumerate(rows):
        if float in set(map(type, row)):  # most rows have no number cell: a pass in C
            rows[i] = [
                (int(cell) if cell.is_integer() else cell) if type(cell) is float else cell
                for cell in row
            ]
    _drop_trailing_empty(rows)
    return rows


def _drop_trailing_empty(rows: list[list]) -> None:
    while rows and all(
        cell is None or (isinstance(cell, str) and not cell.strip()) for cell in rows[-1]
    ):
        rows.pop()


def _csv_rows(text: str) -> list[list]:
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        with _gc_paused():
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:  # with newline="" and no NUL (refused before), only the field size limit
        raise UploadRefused(
            _("The file has a cell longer than %(limit)s characters; it is probably not a table.")
            % {"limit": f"{csv.field_size_limit():,}"},
            "damaged",
        ) from None
    _drop_trailing_empty(rows)
    width = max(map(len, rows), default=0)
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    return rows
