"""Spreadsheet files built in memory for the tests: .xlsx with xlsxwriter, raw zip archives, and
a minimal .xls (BIFF8 records in an OLE2 compound file), since no .xls writer is installed."""

import datetime
import io
import struct
import zipfile

import xlsxwriter

# The smallest parts calamine needs to read a one-sheet .xlsx.
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
    "</sheetData></worksheet>"
)


def minimal_xlsx_parts(**overrides) -> dict[str, str | bytes]:
    """The parts of a hand-made .xlsx; pass name=content to replace or add, name=None to drop."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.replace("{main}", XLSX_MAIN),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": SHEET,
    }
    parts.update(overrides)
    return {name: content for name, content in parts.items() if content is not None}


def zip_bytes(parts: dict[str, str | bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx_bytes(build) -> bytes:
    """An .xlsx written by xlsxwriter: `build(workbook)` adds the sheets."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    build(workbook)
    workbook.close()
    return buffer.getvalue()


# --- a minimal BIFF8 .xls -------------------------------------------------------------------

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _record(typ: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", typ, len(payload)) + payload


def _unicode_string(text: str, cch_format: str) -> bytes:
    """XLUnicodeString ("<H") or ShortXLUnicodeString ("<B"), stored as UTF-16."""
    return struct.pack(cch_format, len(text)) + b"\x01" + text.encode("utf-16-le")


def _cell(row: int, col: int, value) -> bytes:
    if isinstance(value, str):
        return _record(0x0204, struct.pack("<HHH", row, col, 0) + _unicode_string(value, "<H"))
    if isinstance(value, datetime.date):  # XF 1 has the built-in date format 14
        return _record(0x0203, struct.pack("<HHHd", row, col, 1, (value - EXCEL_EPOCH).days))
    return _record(0x0203, struct.pack("<HHHd", row, col, 0, float(value)))


def xls_bytes(
    cells: dict[tuple[int, int], object],
    *,
    merged=(),
    name="Sheet1",
    password=False,
    stream_name="Workbook",
) -> bytes:
    """A one-sheet .xls: LABEL/NUMBER cells keyed by (row, col), merged ranges as
    (first row, last row, first col, last col); `password` adds a FilePass record;
    `stream_name` names the stream ("EncryptedPackage" mimics a password-protected .xlsx)."""
    rows = max(r for r, _ in cells) + 1
    cols = max(c for _, c in cells) + 1
    sheet = (
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
        + _record(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
        + b"".join(_cell(r, c, v) for (r, c), v in sorted(cells.items()))
        + _record(
            0x00E5,
            struct.pack("<H", len(merged)) + b"".join(struct.pack("<4H", *m) for m in merged),
        )
        + _record(0x000A)
    )
    boundsheet_size = 4 + 6 + len(_unicode_string(name, "<B"))
    head = (
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
        + (_record(0x002F, struct.pack("<HHH", 1, 1, 1)) if password else b"")  # FilePass
        + _record(0x0042, struct.pack("<H", 1200))  # code page: UTF-16
        + _record(0x00E0, struct.pack("<HH", 0, 0) + bytes(16))  # XF 0: General
        + _record(0x00E0, struct.pack("<HH", 0, 14) + bytes(16))  # XF 1: a date
    )
    sheet_offset = len(head) + boundsheet_size + 4  # + the globals' EOF record
    globals_ = (
        head
        + _record(0x0085, struct.pack("<IBB", sheet_offset, 0, 0) + _unicode_string(name, "<B"))
        + _record(0x000A)
    )
    stream = globals_ + sheet
    # At least 4096 bytes keeps the stream out of the mini stream; whole 512-byte sectors.
    stream += bytes(max(4096, -(-len(stream) // 512) * 512) - len(stream))
    return _compound_file(stream, stream_name)


def _compound_file(stream: bytes, stream_name: str) -> bytes:
    """OLE2 v3, 512-byte sectors: sector 0 the FAT, 1 the directory, 2… the one stream."""
    count = len(stream) // 512
    assert count + 2 <= 128, "one FAT sector only"
    header = (
        OLE2_MAGIC
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREESECT) * 108
    )
    chain = [FATSECT, ENDOFCHAIN] + list(range(3, count + 2)) + [ENDOFCHAIN]
    fat = struct.pack("<128I", *(chain + [FREESECT] * (128 - len(chain))))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, NOSTREAM, NOSTREAM, child)
            + bytes(36)
            + struct.pack("<III", start, size, 0)
        )

    directory = (
        entry("Root Entry", 5, 1, ENDOFCHAIN, 0)
        + entry(stream_name, 2, NOSTREAM, 2, len(stream))
        + entry("", 0, NOSTREAM, 0, 0) * 2
    )
    return header + fat + directory + stream
