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
PARTS = 2

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"
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
    PARTS threads, or None where the sheet is small, cannot be cut safely, or a second CPU is
    not free (unless `force`, for tests)."""
    if not force and not (can_fork() and second_cpu_free()):
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        paths = worksheet_paths(archive)
        if paths is None or index >= len(paths) or paths[index] not in archive.NameToInfo:
            return None
        entry = archive.getinfo(paths[index])
        if entry.file_size < (1 if force else SPLIT_MIN_BYTES):
            return None
        xml = archive.read(entry)
        cuts = _cuts(xml, PARTS)
        if cuts is None:
            return None
        books = _books(archive, entry.filename, xml, cuts)
        del xml
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return None  # a damaged archive: the one parse says what is wrong
    first_rows = [1] + [number for _at, number in cuts[1:-1]]
    results: list = [None] * len(books)

    def parse(i: int) -> None:
        try:
            results[i] = _parse_part(books, i, index, skip_empty=i > 0)
        except python_calamine.CalamineError:
            results[i] = None

    threads = [threading.Thread(target=parse, args=(i,)) for i in range(1, len(books))]
    for thread in threads:
        thread.start()
    parse(0)
    for thread in threads:
        thread.join()
    if any(result is None for result in results):
        return None
    return _joined(results, first_rows)


def _cuts(xml: bytes, parts: int) -> list[tuple[int, int]] | None:
    """[(offset, row number)] of the cuts: the start of <sheetData>'s content, a <row> element
    near each PARTS-th of it, and its end."""
    start = xml.find(_OPEN)
    end = xml.rfind(_CLOSE)
    if start < 0 or end < start or xml.find(_OPEN, start + 1) >= 0:
        return None
    start += len(_OPEN)
    cuts = [(start, 1)]
    for k in range(1, parts):
        at = xml.find(b"<row", start + (end - start) * k // parts, end)
        if at < 0:
            return None
        number = _ROW_NUMBER.match(xml, at, min(end, at + 512))
        if number is None or at <= cuts[-1][0]:
            return None
        cuts.append((at, int(number.group(1))))
    cuts.append((end, 0))
    return cuts


def _books(archive: zipfile.ZipFile, path: str, xml: bytes, cuts: list) -> list[io.BytesIO]:
    """One stored workbook per part: every entry as it is, the worksheet's <sheetData> holding
    only the part's rows."""
    others = [(info, archive.read(info)) for info in archive.infolist() if info.filename != path]
    view = memoryview(xml)
    head, tail = view[: cuts[0][0]], view[cuts[-1][0] :]
    books = []
    for (lo, _n), (hi, _m) in zip(cuts, cuts[1:], strict=False):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as book:
            for info, content in others:
                book.writestr(info.filename, content)
            part = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            part.file_size = len(head) + (hi - lo) + len(tail)
            with book.open(part, "w") as sheet:
                sheet.write(head)
                sheet.write(view[lo:hi])
                sheet.write(tail)
        out.seek(0)
        books.append(out)
    view.release()
    return books


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
