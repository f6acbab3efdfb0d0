"""Writing .xlsx workbooks: exports in a template's layout and the annotated error file.

Pure: no models, no requests. `XlsxSheetWriter` writes a workbook sheet by sheet and row by row
with xlsxwriter in constant-memory mode (each sheet's rows go to a temporary file as they are
written), so a city's 322,000 members take bounded memory.

Cells are typed by their Python value, never guessed from text:

- `str` is always a text cell with exactly that value. "=1+1", "+cmd", "@SUM(A1)", "-2", "\\tx"
  and "440802198005171234" stay text: no formula, no number, nothing trimmed. (xlsxwriter's
  `write()` would make the first a formula; its `write_string()` in constant-memory mode writes
  a string that looks like "<r>…</r>" into the sheet XML unescaped.)
- `int`/`float` a number, `bool` a boolean, `date` a real Excel date shown as yyyy-mm-dd,
  `datetime` a date and time, `None` (or "") no cell.

Speed. xlsxwriter's per-cell methods cost ~18 µs a cell on the reference machine: 90 s for
the city's 6 million cells, against an export target of 15 s. So rows are serialised here,
one string per row joined from precomputed pieces, and each column remembers the XML of the
values it has seen (a code, a branch name, a date is rendered once per export; `display`
functions turn a stored value into what the cell shows, also once per value). xlsxwriter still
writes everything around the rows (workbook, styles, shared strings, column widths, frozen
panes, comments) and zips the file, at deflate level 1. `_RowWorksheet` and `_Workbook` rely
on xlsxwriter internals (pinned to 3.3.1 in pyproject.toml); the tests check the cells read
back exactly as those written through xlsxwriter's own methods. `write_rows` hands a long
sheet to a forked second process when a CPU is free, so that reading the rows (the database,
decryption) and writing them overlap.
"""

from __future__ import annotations

import contextlib
import io
import math
import multiprocessing
import os
import re
import shutil
import tempfile
import threading
import traceback
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from itertools import chain, islice, repeat
from typing import TYPE_CHECKING, Any, BinaryIO

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from jiceng.core.parallel import second_cpu_free

from .headers import ERROR_COLUMN, SCAN_ROWS, normalise_header

if TYPE_CHECKING:
    from .read import Sheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK_OPTIONS = {"constant_memory": True, "in_memory": False}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"
ERROR_FILL = "#FFC7CE"  # Excel's own "light red fill" for bad values
ERROR_FONT = "#9C0006"
ERROR_COLUMN_WIDTH = 48
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_SHEET_NAME = 31
MAX_CELL_CHARS = 32_767  # UTF-16 code units
ZIP_LEVEL = 1  # deflate level of the .xlsx (see _Workbook)

_EPOCH = datetime(1899, 12, 31)  # Excel's 1900 date system; serial 60 is the phantom 1900-02-29
_MIN_DATE = date(1900, 1, 1)
# One pass over a string: "_xHHHH_" literals (which Excel would decode), the control characters
# XML 1.0 forbids or normalises (Excel's _xHHHH_ escape; \r would come back as \n), the two
# non-characters, and XML's own & < >. Tab and newline are kept as they are.
_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff&<>]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MEMO_LIMIT = 20_000  # distinct strings and dates whose cell XML is remembered, per column
_SST_LIMIT = 200_000  # distinct strings in the shared strings table (held in memory)
FORK_AFTER = 20_000  # rows: a longer sheet is written by a second process (write_rows)
_PIPE_BATCH = 1000  # rows a message to that process
_PIPE_BYTES = 1 << 20  # room in the pipe to that process (Linux's default limit)


def _escape(match: re.Match) -> str:
    text = match.group()
    if len(text) > 1:
        return "_x005F" + text
    return _ENTITIES.get(text) or f"_x{ord(text):04X}_"


def text_xml(value: str) -> str:
    """The <t> element holding `value` exactly as Excel and readers will give it back."""
    if (  # the usual text: nothing to escape, no space to keep at either end
        value.isprintable()  # no control, format, separator (but " ") or non-character
        and value[:1] != " "
        and value[-1:] != " "
        and "&" not in value
        and "<" not in value
        and ">" not in value
        and "_x" not in value
        and len(value) <= MAX_CELL_CHARS // 2
    ):
        return f"<t>{value}</t>"
    if len(value) > MAX_CELL_CHARS // 2 and _utf16_len(value) > MAX_CELL_CHARS:
        value = _utf16_truncate(value, MAX_CELL_CHARS)
    escaped = _ESCAPE.sub(_escape, value)
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{escaped}</t>'
    return f"<t>{escaped}</t>"


def _utf16_len(value: str) -> int:
    return len(value) + sum(1 for ch in value if ord(ch) > 0xFFFF)


def _utf16_truncate(value: str, limit: int) -> str:
    units = 0
    for index, ch in enumerate(value):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return value[:index]
    return value


def excel_serial(value: date | datetime) -> float | int | None:
    """The Excel (1900 system) serial of a date or date-time; None before 1900."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if value.date() < _MIN_DATE:
            return None
        delta = value - _EPOCH
        serial = delta.days + delta.seconds / 86_400 + delta.microseconds / 86_400e6
        return serial + 1 if serial >= 60 else serial
    if value < _MIN_DATE:
        return None
    days = value.toordinal() - 693_595  # date(1899, 12, 31).toordinal()
    return days + 1 if days >= 60 else days


def display_width(text: str) -> int:
    """Columns a text takes in Excel: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_name(name: str, taken: Collection[str] = ()) -> str:
    """A valid, unused Excel sheet name: no []:*?/\\, at most 31 characters, not blank."""
    name = _BAD_SHEET_CHARS.sub("_", str(name or "")).strip("'").strip() or "Sheet"
    name = name[:MAX_SHEET_NAME]
    lowered = {t.lower() for t in taken}
    candidate, n = name, 1
    while candidate.lower() in lowered:
        n += 1
        suffix = f" ({n})"
        candidate = name[: MAX_SHEET_NAME - len(suffix)] + suffix
    return candidate


class _RowWorksheet(Worksheet):
    """A worksheet whose rows arrive whole, as XML (constant-memory mode only).

    xlsxwriter's constant-memory mode writes each row to the sheet's temporary file once a
    later row is started, and copies that file into the sheet's XML on close. Rows from
    `append_rows` go to the same file and the sheet's dimensions are kept here. No cell may be
    written through xlsxwriter's own methods; comments may (they are kept apart and written on
    close)."""

    def _initialize(self, init_data: dict) -> None:
        super()._initialize(init_data)
        if not self.constant_memory:
            raise ValueError("rows are appended in constant-memory mode only")

    def _write_optimized_sheet_data(self) -> None:
        """As xlsxwriter's, but the rows are copied as bytes, not decoded and encoded again."""
        if self.dim_rowmin is None or not hasattr(self.fh, "buffer"):
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.fh.flush()
        self.row_data_fh.close()
        self.row_data_fh_closed = True
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, self.fh.buffer, 1 << 20)
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def append_rows(self, xml: list[str], next_row: int, bounds: Sequence[int] | None) -> None:
        """Write the <row> elements `xml`, which end before `next_row`; `bounds` is (first
        row, last row, first column, last column) of all the cells written so far."""
        if self.table:
            raise ValueError("cells were written through xlsxwriter's own methods")
        if xml:
            self.fh.write("".join(xml))
        self.previous_row = next_row
        if bounds is not None:
            first_row, last_row, first_col, last_col = bounds
            for row in (first_row, last_row):
                self._check_dimensions(row, 0, ignore_col=True)
            for col in (first_col, last_col):
                self._check_dimensions(0, col, ignore_row=True)


_EMPTY = '">'  # the tail of an empty cell: <c r="B2"></c>
_BATCH = 2000  # rows joined into one write


class RowSheet:
    """One sheet of an `XlsxSheetWriter`: rows are appended in order.

    A plain row is joined from each column's prefix (`</c><c r="B`), the row number and each
    value's cell tail (`" t="s"><v>7</v>`, `" s="2"><v>29358</v>`, …): no per-cell
    formatting. The tails of strings and dates are remembered per column, so a branch name or
    a code is rendered once per export."""

    def __init__(
        self,
        writer: XlsxSheetWriter,
        worksheet: _RowWorksheet,
        shared: Collection[int] = (),
        display: Mapping[int, Callable[[Any], Any]] | None = None,
    ):
        self._writer = writer
        self.worksheet = worksheet
        self.rows = 0  # rows written so far, the header included
        self._letters: list[str] = []
        self._prefixes: list[str] = []  # per column: what comes before its row number
        self._shared = frozenset(shared)
        self._display = dict(display or {})
        self._tails: list[dict] = []  # per column: value → cell tail
        self._pending: list[str] = []  # <row> elements not yet written to the worksheet
        self._bounds: list[int] | None = None  # first row, last row, first col, last col

    def _letters_for(self, count: int) -> list[str]:
        letters = self._letters
        while len(letters) < count:
            letters.append(xl_col_to_name(len(letters)))
        return letters

    def _grow(self, count: int) -> None:
        letters = self._letters_for(count)
        prefixes, tails = self._prefixes, self._tails
        while len(prefixes) < count:
            col = len(prefixes)
            prefixes.append(f'{"</c>" if col else ""}<c r="{letters[col]}')
            tails.append({None: _EMPTY, "": _EMPTY})

    def set_widths(self, widths: Sequence[float | None], first_col: int = 0) -> None:
        for offset, width in enumerate(widths):
            if width:
                col = first_col + offset
                self.worksheet.set_column(col, col, width)

    def append(
        self,
        values: Sequence,
        *,
        marked: Collection[int] = (),
        comments: Mapping[int, str] | None = None,
        header: bool = False,
    ) -> int:
        """Write one row (see the module's docstring for how values become cells); return its
        0-based index. `marked` columns get the light red error fill (even when empty),
        `comments` maps a column to a cell comment, `header` makes the row bold."""
        row = self.rows
        if row >= MAX_ROWS:
            raise ValueError("more rows than an Excel sheet holds")
        count = len(values)
        if count > MAX_COLUMNS:
            raise ValueError("more columns than an Excel sheet holds")
        if comments:
            options = self._writer.comment_options
            for col, comment in comments.items():
                self.worksheet.write_comment(row, col, comment, options)
        r = str(row + 1)
        if marked or header:
            if marked and max(marked) >= count:  # a bad cell past the row's last value
                values = [*values, *[None] * (max(marked) + 1 - count)]
            first, last, xml = self._styled_row(values, r, marked, header)
        elif count:
            if len(self._prefixes) < count:
                self._grow(count)
            cells = list(map(dict.get, self._tails, values))
            col = -1
            for _ in range(cells.count(None)):
                col = cells.index(None, col + 1)
                cells[col] = self._tail(col, values[col])
            cells = "".join(chain.from_iterable(zip(self._prefixes, repeat(r), cells)))
            first, last, xml = 0, count - 1, f'<row r="{r}">{cells}</c></row>'
        else:
            first = last = 0
            xml = f'<row r="{r}"/>' if comments else ""
        self.rows = row + 1
        if xml:
            self._pending.append(xml)
            bounds = self._bounds
            if bounds is None:
                self._bounds = [row, row, first, last]
            else:
                bounds[1] = row
                if first < bounds[2]:
                    bounds[2] = first
                if last > bounds[3]:
                    bounds[3] = last
            if len(self._pending) >= _BATCH:
                self.flush()
        return row

    def extend(self, rows: Iterable[Sequence]) -> int:
        """Append plain rows (no marks, comments or header style), as `append` would, in one
        tight loop: the export's path. Returns the number of rows written."""
        tails, prefixes, pending = self._tails, self._prefixes, self._pending
        join, flatten, get = "".join, chain.from_iterable, dict.get
        misses: list[Callable[[Any], str]] = []  # per column: the tail of a value not seen
        written = widest = 0
        first = last = -1  # 0-based rows of this loop's cells not yet noted in the bounds
        row = self.rows  # rows so far: the next row's 0-based index
        for values in rows:
            if row >= MAX_ROWS:
                raise ValueError("more rows than an Excel sheet holds")
            count = len(values)
            row += 1
            if not count:
                continue
            if count > widest:
                if count > MAX_COLUMNS:
                    raise ValueError("more columns than an Excel sheet holds")
                if len(prefixes) < count:
                    self._grow(count)
                widest = count
                while len(misses) < count:
                    misses.append(self._miss(len(misses)))
            cells = list(map(get, tails, values))
            col = -1
            for _ in range(cells.count(None)):
                col = cells.index(None, col + 1)
                cells[col] = misses[col](values[col])
            r = str(row)
            pending.append(
                f'<row r="{r}">{join(flatten(zip(prefixes, repeat(r), cells)))}</c></row>'
            )
            written += 1
            last = row - 1
            if first < 0:
                first = last
            if len(pending) >= _BATCH:
                self._note(first, last, widest - 1)
                first = -1
                self.rows = row
                self.flush()
                pending = self._pending
        if first >= 0:
            self._note(first, last, widest - 1)
        self.rows = row
        return written

    def _miss(self, col: int) -> Callable[[Any], str]:
        """What `extend` calls for a value of column `col` that has no remembered tail: `_tail`,
        or for a column of plain text (no display function, not shared; most of its values
        unique, as ID numbers, phones, addresses) the same inline string without the memo."""
        tail_of = self._tail
        if col in self._display or col in self._shared:
            return lambda value: tail_of(col, value)

        remembered = self._tails[col]

        def plain(value) -> str:
            if type(value) is str and value:
                tail = f'" t="inlineStr"><is>{text_xml(value)}</is>'
                if len(remembered) < _MEMO_LIMIT:
                    remembered[value] = tail
                return tail
            return tail_of(col, value)

        return plain

    def _note(self, first_row: int, last_row: int, last_col: int) -> None:
        """Widen the recorded bounds by plain rows first_row..last_row (0-based) of cells
        0..last_col."""
        bounds = self._bounds
        if bounds is None:
            self._bounds = [first_row, last_row, 0, last_col]
        else:
            bounds[0] = min(bounds[0], first_row)
            bounds[1] = max(bounds[1], last_row)
            bounds[2] = 0
            bounds[3] = max(bounds[3], last_col)

    def flush(self) -> None:
        """Hand the pending rows to the worksheet (done every few thousand rows and on close)."""
        self.worksheet.append_rows(self._pending, self.rows, self._bounds)
        self._pending = []

    def _tail(self, col: int, value: Any) -> str:
        """The cell tail of a value not seen before in this column, remembered for the value
        when it is a string or a date, or whatever it is in a column with a display function
        (a column of one type; elsewhere 1 == 1.0 == True would share a key)."""
        writer = self._writer
        show = self._display.get(col)
        shown = value if show is None else show(value)
        kind = type(shown)
        if shown is None or shown == "":
            tail = _EMPTY
        elif kind is str:
            index = writer._share(shown) if col in self._shared else -1
            if index >= 0:
                tail = f'" t="s"><v>{index}</v>'
            else:
                tail = f'" t="inlineStr"><is>{text_xml(shown)}</is>'
        elif kind is date and shown >= _MIN_DATE:
            days = shown.toordinal() - 693_595  # days since 1899-12-31
            if days >= 60:  # Excel counts a 29 February 1900
                days += 1
            tail = f'" s="{writer._xf["date"]}"><v>{days}</v>'
        else:
            tail = '"' + _typed_tail(shown, writer._xf)
        if show is not None or type(value) in (str, date):
            remembered = self._tails[col]
            if len(remembered) < _MEMO_LIMIT:
                remembered[value] = tail
        return tail

    def _styled_row(self, values: Sequence, r: str, marked: Collection[int], header: bool):
        writer = self._writer
        letters = self._letters_for(len(values))
        base = writer._xf_header if header else writer._xf
        parts: list[str] = []
        first = last = -1
        display = {} if header else self._display  # a header is shown as it is
        for col, value in enumerate(values):
            styles = writer._xf_marked if col in marked else base
            if col in display and value is not None and value != "":
                value = display[col](value)
            if value is None or (type(value) is str and not value):
                if styles is base:
                    continue
                tail = f' s="{styles["text"]}">'
            else:
                tail = _typed_tail(value, styles)
            parts.append(f'<c r="{letters[col]}{r}"{tail}</c>')
            last = col
            if first < 0:
                first = col
        xml = f'<row r="{r}">{"".join(parts)}</row>' if parts else ""
        return max(first, 0), max(last, 0), xml


def _typed_tail(value: Any, styles: dict[str, int]) -> str:
    """What follows `<c r="A1"` in the XML of a non-empty cell, up to `</c>`, with the style
    indexes `styles`."""
    text_style = f' s="{styles["text"]}"' if styles["text"] else ""
    if isinstance(value, str):
        return f'{text_style} t="inlineStr"><is>{text_xml(value)}</is>'
    if isinstance(value, bool):
        return f'{text_style} t="b"><v>{int(value)}</v>'
    if isinstance(value, (int, float)):
        number = float(value) if isinstance(value, int) and abs(value) >= 2**53 else value
        if isinstance(number, float) and not math.isfinite(number):
            return _typed_tail(str(value), styles)
        return f"{text_style}><v>{number!r}</v>"
    if isinstance(value, datetime):
        serial, style = excel_serial(value), styles["datetime"]
    elif isinstance(value, date):
        serial, style = excel_serial(value), styles["date"]
    elif isinstance(value, time):
        serial = (value.hour * 3600 + value.minute * 60 + value.second) / 86_400
        serial += value.microsecond / 86_400e6
        style = styles["time"]
    elif isinstance(value, timedelta):
        serial, style = value.total_seconds() / 86_400, styles["duration"]
    else:
        return _typed_tail(str(value), styles)
    if serial is None:  # before 1900: Excel has no such date
        return _typed_tail(value.isoformat(), styles)
    return f' s="{style}"><v>{serial!r}</v>'


class _FastZipFile(zipfile.ZipFile):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("compresslevel", ZIP_LEVEL)
        super().__init__(*args, **kwargs)


_ZIP_PATCH = threading.Lock()


class _Workbook(xlsxwriter.Workbook):
    """xlsxwriter's workbook, deflated at level 1 rather than zlib's default 6: a quarter of
    the time for a file a third larger (the city's sheet XML takes 1 s rather than 4.4 s).
    xlsxwriter opens its ZipFile by the module's global name, so the name is swapped while
    this workbook is stored (another thread storing an xlsxwriter workbook at that moment
    would only get a faster, larger file)."""

    def _store_workbook(self) -> None:
        with _ZIP_PATCH:
            saved = xlsxwriter.workbook.ZipFile
            xlsxwriter.workbook.ZipFile = _FastZipFile
            try:
                super()._store_workbook()
            finally:
                xlsxwriter.workbook.ZipFile = saved


class XlsxSheetWriter:
    """An .xlsx workbook written sheet by sheet, row by row, in constant memory.

        with XlsxSheetWriter(target) as writer:            # a path or a binary file object
            sheet = writer.add_sheet("党员基本信息采集表", headers, widths)
            sheet.extend(rows)                     # or sheet.append(values, marked=…, …)

    The header row is bold and frozen. Temporary row data goes to `tmpdir` (the system's
    temporary directory by default)."""

    def __init__(self, target: str | BinaryIO, *, tmpdir: str | None = None):
        options: dict[str, Any] = dict(WORKBOOK_OPTIONS)
        if tmpdir:
            options["tmpdir"] = tmpdir
        self.workbook = _Workbook(target, options)
        self.sheets: list[RowSheet] = []
        self._sst: dict[str, int] = {}  # string → its index in the shared strings table
        self._closed = False
        self.comment_options = {"x_scale": 2, "y_scale": 1.5}
        fmt = self.workbook.add_format
        fill = {"bg_color": ERROR_FILL, "font_color": ERROR_FONT, "pattern": 1}
        self.formats = {
            "header": fmt({"bold": True}),
            "date": fmt({"num_format": DATE_FORMAT}),
            "datetime": fmt({"num_format": DATETIME_FORMAT}),
            "time": fmt({"num_format": TIME_FORMAT}),
            "duration": fmt({"num_format": DURATION_FORMAT}),
            "marked": fmt(fill),
            "marked_date": fmt({**fill, "num_format": DATE_FORMAT}),
            "marked_datetime": fmt({**fill, "num_format": DATETIME_FORMAT}),
            "marked_time": fmt({**fill, "num_format": TIME_FORMAT}),
            "marked_duration": fmt({**fill, "num_format": DURATION_FORMAT}),
        }
        index = {name: f._get_xf_index() for name, f in self.formats.items()}
        self._xf = {
            "text": 0,
            "date": index["date"],
            "datetime": index["datetime"],
            "time": index["time"],
            "duration": index["duration"],
        }
        self._xf_header = {**self._xf, "text": index["header"]}
        self._xf_marked = {
            "text": index["marked"],
            "date": index["marked_date"],
            "datetime": index["marked_datetime"],
            "time": index["marked_time"],
            "duration": index["marked_duration"],
        }

    def add_sheet(
        self,
        name: str,
        headers: Sequence[str] | None = None,
        widths: Sequence[float | None] = (),
        *,
        freeze: bool = True,
        shared: Collection[int] = (),
        display: Mapping[int, Callable[[Any], Any]] | None = None,
    ) -> RowSheet:
        """A new sheet named `name` (made valid and unique); with `headers`, its bold first row,
        frozen when `freeze`. Strings in the `shared` columns (codes, branch names: few values
        repeated on many rows) are written once, in the shared strings table, and referred to;
        the rest are written in their cells. `display` maps a column to a function giving
        what a cell shows for a row's value (a code's name, a masked number); the cell is
        worked out once per distinct value, so the function must depend on the value alone.
        None and "" are empty cells whatever `display` says."""
        name = sheet_name(name, [s.worksheet.name for s in self.sheets])
        worksheet = self.workbook.add_worksheet(name, worksheet_class=_RowWorksheet)
        sheet = RowSheet(self, worksheet, shared, display)
        self.sheets.append(sheet)
        sheet.set_widths(widths)
        if headers is not None:
            sheet.append(list(headers), header=True)
            if freeze:
                worksheet.freeze_panes(1, 0)
        return sheet

    def _share(self, value: str) -> int:
        """A string's index in the shared strings table; -1 when it is to be written in its
        cell instead (the table is full, or xlsxwriter would take it for a rich string)."""
        index = self._sst.get(value)
        if index is None:
            if len(self._sst) >= _SST_LIMIT or (value.startswith("<r>") and value.endswith("</r>")):
                return -1
            index = self._sst[value] = self.workbook.str_table._get_shared_string_index(value)
        return index

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if not self.sheets:
                self.add_sheet("Sheet")
            for sheet in self.sheets:
                sheet.flush()
            self.workbook.close()

    def __enter__(self) -> XlsxSheetWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_rows(
    target: str | BinaryIO,
    name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[float | None] = (),
    *,
    shared: Collection[int] = (),
    display: Mapping[int, Callable[[Any], Any]] | None = None,
    fork_after: int | None = None,
) -> int:
    """One sheet: a bold, frozen header, then `rows` (see `XlsxSheetWriter.add_sheet` for
    `shared` and `display`). Returns the number of rows written below the header.

    Past `fork_after` rows (default FORK_AFTER) on a machine with a second CPU
    (jiceng.core.parallel), a forked child process writes the workbook while this process
    goes on producing the rows (a database cursor, the decryption of personal data): a whole
    city's export takes about the longer of the two halves rather than their sum. `rows` is
    consumed here only; the child gets them through a pipe, in batches, and touches no
    database."""
    fork_after = FORK_AFTER if fork_after is None else fork_after
    spec = (name, list(headers), list(widths), list(shared), dict(display or {}))
    rows = iter(rows)
    head = list(islice(rows, fork_after))
    if len(head) < fork_after or not second_cpu_free():
        return _write_sheet(target, spec, chain(head, rows))
    return _write_sheet_forked(target, spec, chain(head, rows))


def _write_sheet(target: str | BinaryIO, spec: tuple, rows: Iterable[Sequence]) -> int:
    name, headers, widths, shared, display = spec
    with XlsxSheetWriter(target) as writer:
        sheet = writer.add_sheet(name, headers, widths, shared=shared, display=display)
        return sheet.extend(rows)


def _write_sheet_forked(target: str | BinaryIO, spec: tuple, rows: Iterator[Sequence]) -> int:
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="jiceng-sheet-") as directory:
        path = os.path.join(directory, "sheet.xlsx")
        rows_in, rows_out = context.Pipe(duplex=False)
        _widen(rows_out)
        result_in, result_out = context.Pipe(duplex=False)
        child = context.Process(
            target=_sheet_child,
            args=(path, spec, rows_in, result_out, (rows_out, result_in)),
            daemon=True,
        )
        child.start()
        rows_in.close()
        result_out.close()
        try:
            try:
                while batch := list(islice(rows, _PIPE_BATCH)):
                    rows_out.send(_packed(batch))
                rows_out.send(None)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the child has stopped: its outcome says why
            rows_out.close()
            try:
                ok, outcome = result_in.recv()
            except EOFError:
                raise RuntimeError("the process writing the sheet died") from None
        finally:  # also when producing the rows failed: the child reads EOF and stops
            rows_out.close()
            result_in.close()
            child.join()
        if not ok:
            raise RuntimeError(f"the process writing the sheet failed:\n{outcome}")
        if isinstance(target, (str, os.PathLike)):
            shutil.copyfile(path, target)
        else:
            with open(path, "rb") as written:
                shutil.copyfileobj(written, target, 1 << 20)
        return outcome


def _widen(pipe) -> None:
    """Let the rows pipe hold several batches (Linux: up to 1 MB instead of 64 KB). The
    parent produces its rows in bursts (a chunk of the query, decrypted at once); with room
    for one batch only, the two processes wait for each other in turn instead of working at
    the same time (measured: each idle 6 of the 15 s of a city's export)."""
    with contextlib.suppress(ImportError, AttributeError, OSError):  # not Linux, lower limit
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


def _packed(batch: list[Sequence]) -> tuple[bool, list]:
    """A batch of rows for the pipe: column by column when the rows are of one length, with
    the dates of a column of dates as day numbers. Pickling a `date` goes through its
    __reduce__, a day number is a plain int: a city's 1.3 million dates cost the trip 3 s as
    objects, 0.3 s as numbers. (True, [(is dates, column)]) or (False, the rows as they are)."""
    if len(set(map(len, batch))) != 1:
        return False, batch
    columns = []
    for column in zip(*batch, strict=True):
        kinds = set(map(type, column))
        kinds.discard(type(None))
        if kinds == {date}:
            days = {d: d.toordinal() for d in set(column) if d is not None}
            days[None] = None
            columns.append((True, list(map(days.__getitem__, column))))
        else:
            columns.append((False, column))
    return True, columns


def _unpacked(message: tuple[bool, list]) -> Iterable[Sequence]:
    by_columns, payload = message
    if not by_columns:
        return payload
    columns = []
    for is_dates, column in payload:
        if is_dates:
            dates = {n: date.fromordinal(n) for n in set(column) if n is not None}
            dates[None] = None
            column = list(map(dates.__getitem__, column))
        columns.append(column)
    return zip(*columns)  # noqa: B905 - the columns come from rows of one length


def _received(rows_in) -> Iterator[Sequence]:
    while (message := rows_in.recv()) is not None:  # EOFError: the parent stopped sending
        yield from _unpacked(message)


def _sheet_child(path: str, spec: tuple, rows_in, result_out, parents_ends) -> None:
    for end in parents_ends:  # else the rows pipe has a writer left here and never ends
        end.close()
    try:
        outcome = (True, _write_sheet(path, spec, _received(rows_in)))
    except BaseException:  # reported to the parent, which raises it
        outcome = (False, traceback.format_exc())
    try:
        result_out.send(outcome)
    except OSError:
        pass  # the parent has given up
    finally:
        os._exit(0)  # no atexit handlers, no closing of inherited database connections


# ---- the annotated error file ------------------------------------------------------------


def _header_row(rows: list[list], errors: list[dict]) -> int:
    """0-based index of the sheet's header row: the first of the top rows holding the header
    of a reported bad cell in that cell's column; else the first row with two or more filled
    cells; else the first row."""
    wanted = {
        (e["column"], normalise_header(e.get("header")))
        for e in errors
        if e.get("column") is not None and e.get("header")
    }
    if wanted:
        for index, row in enumerate(rows[:SCAN_ROWS]):
            for col, header in wanted:
                if col < len(row) and normalise_header(row[col]) == header:
                    return index
    for index, row in enumerate(rows[:SCAN_ROWS]):
        if sum(1 for cell in row if cell not in (None, "")) >= 2:
            return index
    return 0


def _message(error: dict, *, with_header: bool) -> str:
    message = str(error.get("message") or "").strip()
    header = str(error.get("header") or "").strip()
    if with_header and header and error.get("column") is not None:
        return f"{header}：{message}"
    return message


def _join(messages: Iterable[str], sep: str) -> str:
    return sep.join(dict.fromkeys(m for m in messages if m))


def write_annotated(sheets: Sequence[Sheet], errors: Iterable[dict]) -> bytes:
    """The uploaded workbook again, annotated for the user to fix and upload again.

    Every sheet keeps its name, rows and cells. A sheet with errors gets a first column
    `错误说明` (the importer ignores a column of that name): it holds, on every row with
    errors, the messages joined, and its header cell sits in the sheet's header row. Every bad cell gets a
    light red fill and a comment with its message. The first column is used rather than a last
    one because it is seen without scrolling across a wide sheet, sits in the same place on
    every row whatever their lengths, and keeps the rows' numbers; cell letters shift by one,
    which the fill and comments make up for. A sheet whose first column is already `错误说明`
    (an annotated file uploaded again) has that column rewritten rather than another added.

    `errors`: dicts with "sheet", "row" (1-based, as Excel shows it; errors outside the sheet
    go on the header row), "column" (0-based index in the uploaded sheet, None for the whole
    row), "header", "value", "message"; errors naming no uploaded sheet go on the first one.
    """
    by_sheet: dict[str, list[dict]] = defaultdict(list)
    names = [sheet.name for sheet in sheets]
    for error in errors:
        name = error.get("sheet")
        by_sheet[name if name in names else (names[0] if names else "")].append(error)
    buffer = io.BytesIO()
    with XlsxSheetWriter(buffer) as writer:
        if not sheets:
            sheet = writer.add_sheet("Sheet", [ERROR_COLUMN], [ERROR_COLUMN_WIDTH])
            messages = [_message(e, with_header=True) for e in by_sheet.get("", [])]
            if messages:
                sheet.append([_join(messages, "；")], marked=(0,))
        for uploaded in sheets:
            _write_annotated_sheet(writer, uploaded, by_sheet.get(uploaded.name, []))
    return buffer.getvalue()


def _write_annotated_sheet(writer: XlsxSheetWriter, uploaded: Sheet, errors: list[dict]) -> None:
    rows = uploaded.rows
    if not errors:  # nothing to say: the sheet as it came (a code list, an instructions sheet)
        sheet = writer.add_sheet(uploaded.name)
        for cells in rows:
            sheet.append(cells)
        return
    header_index = _header_row(rows, errors)
    header = rows[header_index] if header_index < len(rows) else []
    # An annotated file uploaded again: its error column is rewritten, not shifted.
    reuse = bool(header) and normalise_header(header[0]) == normalise_header(ERROR_COLUMN)
    shift = 0 if reuse else 1

    row_messages: dict[int, list[str]] = defaultdict(list)  # 0-based row → messages
    cell_messages: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for error in errors:
        row = error.get("row")
        index = row - 1 if isinstance(row, int) and 1 <= row <= len(rows) else header_index
        row_messages[index].append(_message(error, with_header=True))
        column = error.get("column")
        if column is not None and column >= 0:
            cell_messages[index][column + shift].append(_message(error, with_header=False))

    sheet = writer.add_sheet(uploaded.name)
    widths: list[float | None] = [ERROR_COLUMN_WIDTH]
    for cell in header[1:] if reuse else header:
        text = "" if cell is None else str(cell)
        widths.append(min(max(display_width(text) + 2, 8), 40) if text else None)
    sheet.set_widths(widths)
    if header:
        sheet.worksheet.freeze_panes(header_index + 1, 1)

    for index in range(max(len(rows), header_index + 1)):
        cells = list(rows[index]) if index < len(rows) else []
        values = cells[1:] if reuse else cells
        marks = cell_messages.get(index, {})
        marked = set(marks)
        comments = {col: _join(messages, "\n") for col, messages in marks.items()}
        if index == header_index:
            first = ERROR_COLUMN
            if index in row_messages:
                # Errors about the sheet itself (no header row, a column twice, …) go in the
                # comment of the error column's header cell.
                marked.add(0)
                comments[0] = _join(row_messages[index], "\n")
        else:
            first = _join(row_messages.get(index, []), "；") or None
            if first:
                marked.add(0)
        sheet.append([first, *values], marked=marked, comments=comments)
