"""Reading one large .xlsx worksheet on two CPUs.

python-calamine parses a worksheet in Rust with the GIL released, but one worksheet is one
parse on one CPU (~8 s for 322,000 members). `parallel_rows` cuts the worksheet's XML at row
boundaries into parts, wraps each part in a workbook of its own (the same parts — shared
strings, styles, workbook — with the sheet replaced, stored without compression), and parses
the parts in threads. The rows come out exactly as the one parse gives them (test_split pins
it): each part's rows are placed by their row numbers, gaps between parts filled with empty
rows, and every row padded to the widest part.

Only a plainly written worksheet is cut: <sheetData> without a namespace prefix, and every
cut at a <row> element that carries its row number (r="…"). Anything else — and any part
whose parse fails or does not start where its row number says — returns None, and the caller
reads the sheet whole as before, so the verdict on a damaged file is the one parse's. The
upload has passed `safety.check_upload` (entry sizes, ratios, DTDs) before this inflates the
sheet.
"""

from __future__ import annotations

import io
import posixpath
import re
import threading
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

import python_calamine
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from jiceng.core.parallel import can_fork, second_cpu_free

# A worksheet's XML below this size is parsed whole: the cutting costs more than it saves.
SPLIT_MIN_BYTES = 48 * 1024 * 1024

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"
_FIRST_TAIL = b"</sheetData></worksheet>"
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')


def worksheet_paths(archive: zipfile.ZipFile) -> list[str] | None:
    """The zip entry of each sheet, in workbook order (calamine's sheet indexes); None if the
    package is not laid out as the ECMA-376 transitional schema says."""
    try:
        book = next(
            target
            for kind, target in _relationships(archive, "_rels/.rels", "").values()
            if kind.endswith(_OFFICE_DOCUMENT)
        )
        folder, name = posixpath.split(book)
        targets = _relationships(archive, posixpath.join(folder, "_rels", name + ".rels"), folder)
        sheets = fromstring(archive.read(book)).iter(f"{_MAIN}sheet")
        return [targets[sheet.get(_REL_ID)][1] for sheet in sheets]
    except (KeyError, StopIteration, ParseError, DefusedXmlException):
        return None


def _relationships(archive: zipfile.ZipFile, path: str, folder: str) -> dict:
    """{id: (type, entry name)} of a .rels part; targets resolved against `folder`."""
    out = {}
    for rel in fromstring(archive.read(path)).iter(f"{_PKG_RELS}Relationship"):
        target = rel.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", ""), target)
    return out


def parallel_rows(data: bytes, index: int, *, force: bool = False) -> list[list] | None:
    """The rows of worksheet `index` (calamine's `to_python(skip_empty_area=False)`) read in
    two threads, or None where the sheet is small, cannot be cut safely, or a second CPU is
    not free (unless `force`, for tests).

    The sheet is inflated as a stream: the first half of its XML, cut at its last <row>,
    is parsed in a thread while the rest is inflated (zlib releases the GIL too) and parsed
    here."""
    if not force and not (can_fork() and second_cpu_free()):
        return None
    results: list = [None, None]
    thread = None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        paths = worksheet_paths(archive)
        if paths is None or index >= len(paths) or paths[index] not in archive.NameToInfo:
            return None
        entry = archive.getinfo(paths[index])
        if entry.file_size < (1 if force else SPLIT_MIN_BYTES):
            return None
        others = [(i, archive.read(i)) for i in archive.infolist() if i.filename != entry.filename]
        with archive.open(entry) as stream:
            first = stream.read(entry.file_size // 2)
            cut = _cut(first)
            if cut is None:
                return None
            start, at, number = cut
            # The first part's sheet ends where its rows do: what follows <sheetData> (merged
            # ranges, margins) does not change the values.
            view = memoryview(first)
            books = [_book(others, entry.filename, view[:at], _FIRST_TAIL), None]
            thread = threading.Thread(target=_parse_into, args=(results, books, 0, index))
            thread.start()
            rest = stream.read()
        if rest.rfind(_CLOSE) < 0 or rest.find(_OPEN) >= 0:
            return None
        books[1] = _book(others, entry.filename, view[:start], view[at:], rest)
        view.release()
        del first, rest
        _parse_into(results, books, 1, index)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return None  # a damaged archive: the one parse says what is wrong
    finally:
        if thread is not None:
            thread.join()
    if any(result is None for result in results):
        return None
    return _joined(results, [1, number])


def _cut(first: bytes) -> tuple[int, int, int] | None:
    """(where <sheetData>'s content starts, where its last complete <row> element starts, that
    row's number) in the first half of a worksheet's XML; None if the sheet is not written
    plainly (no unprefixed <worksheet> and <sheetData>, two <sheetData>, a row without its
    number) or holds no second row to cut at."""
    start = first.find(_OPEN)
    if start < 0 or b"<worksheet" not in first[:start] or first.find(_OPEN, start + 1) >= 0:
        return None
    start += len(_OPEN)
    at = first.rfind(b"<row", start + 1, max(start + 1, len(first) - 512))
    if at < 0 or first.find(_CLOSE, start, at) >= 0:
        return None
    number = _ROW_NUMBER.match(first, at, at + 512)
    if number is None or first.find(b"<row", start) == at:
        return None
    return start, at, int(number.group(1))


def _book(others: list, path: str, *pieces) -> io.BytesIO:
    """A stored workbook: the `others` entries as they are and the worksheet at `path` made
    of `pieces` (bytes), written without joining them first."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as book:
        for info, content in others:
            book.writestr(info.filename, content)
        part = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        part.file_size = sum(map(len, pieces))
        with book.open(part, "w") as sheet:
            for piece in pieces:
                sheet.write(piece)
    out.seek(0)
    return out


def _parse_into(results: list, books: list, i: int, index: int) -> None:
    try:
        results[i] = _parse_part(books, i, index, skip_empty=i > 0)
    except python_calamine.CalamineError:
        results[i] = None


def _parse_part(books: list, i: int, index: int, *, skip_empty: bool) -> tuple | None:
    """(first row index, first column index, rows) of part `i`; its workbook bytes are
    dropped once calamine holds them."""
    source, books[i] = books[i], None
    with python_calamine.CalamineWorkbook.from_filelike(source) as workbook:
        del source
        sheet = workbook.get_sheet_by_index(index)
        start = sheet.start
        rows = sheet.to_python(skip_empty_area=skip_empty)
    if start is None or not rows:
        return (None, 0, [])
    return (start[0] if skip_empty else 0, start[1] if skip_empty else 0, rows)


def _joined(results: list, first_rows: list[int]) -> list[list] | None:
    """The parts' rows as one sheet's: placed by row number, padded to one width."""
    rows: list[list] = []
    width = max(
        (column + len(part[0]) for _row, column, part in results if part),
        default=0,
    )
    for (first, column, part), expected in zip(results, first_rows, strict=True):
        if not part:
            continue
        if first < expected - 1 or first < len(rows):
            return None  # the rows are not where their numbers say: read it whole
        rows.extend([] for _ in range(first - len(rows)))
        if column:
            part = [[""] * column + row for row in part]
        rows.extend(part)
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    return rows
