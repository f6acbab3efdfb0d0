"""Checks an uploaded file before any parser sees it, and says what it really is.

An upload is untrusted bytes with an untrusted name. `check_upload` decides from the content
(magic bytes), never from the extension, whether it is an .xlsx, an .xls or a .csv, and refuses:

- empty files and files over the upload limit;
- zip bombs: an .xlsx is a zip archive, and a small archive can unpack to gigabytes. We refuse
  too many entries, too large a declared total, and any large entry packed suspiciously well.
  The checks use the sizes declared in the archive's central directory, which a forger can
  understate; the reader (calamine's zip crate) stops with an error when an entry inflates past
  its declared size, so understating does not get a bomb through (test_read pins this);
- entry names that climb out of a directory ("..", absolute paths);
- zip archives that are not workbooks (.docx, plain zips) and macro-enabled workbooks (.xlsm);
- XML entity tricks ("billion laughs", external entities reading local files): the XML parts
  are run through defusedxml with DTDs forbidden. A DTD (and so any entity declaration) can
  only come before the root element, so only each part's prologue is parsed, up to the root
  start tag, and that must come within the first 64 KB (Excel writes it in the first few
  hundred bytes). Reading the prologue keeps the check fast and small: a 322,000-row sheet is
  ~200 MB of XML and is never inflated whole here;
- binary content that is none of the three formats, and web pages or XML saved under a
  spreadsheet name (common in exports from old systems), which would otherwise pass as text.

An .xls (OLE2 compound file) is recognised by its magic only; it holds no XML, and its
structure is validated by the reader, whose errors become `UploadRefused` too.
"""

import codecs
import io
import re
import struct
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024
MAX_ENTRIES = 10_000
MAX_TOTAL_UNCOMPRESSED = 1024 * MB
MAX_RATIO = 200  # uncompressed / compressed, for entries over RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1 * MB
PROLOGUE_BYTES = 64 * 1024  # an XML part's root element must start within this
CONTENT_TYPES_MAX = 4 * MB

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Text formats that are not tables but would decode as text.
_NOT_TABLES = (b"%PDF-", b"{\\rtf")
_DRIVE = re.compile(r"^[A-Za-z]:")


class UploadRefused(ValueError):
    """The upload is refused; `str(error)` is a sentence for the user, `code` is for machines."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.code = code


def check_upload(filename: str, data: bytes, *, max_bytes: int | None = None) -> str:
    """Return "xlsx", "xls" or "csv" from the CONTENT, not the extension; raise UploadRefused.

    `filename` is not trusted and does not decide anything; it is kept for callers' logs.
    """
    if not data:
        raise UploadRefused(_("The file is empty."), "empty")
    if max_bytes is None:
        max_bytes = settings.JICENG_MAX_UPLOAD_BYTES
    if len(data) > max_bytes:
        limit = f"{round(max_bytes / MB, 1):g}"
        raise UploadRefused(
            _("The file is larger than %(limit)s MB, the most that can be uploaded.")
            % {"limit": limit},
            "too_large",
        )
    if data.startswith(ZIP_MAGIC):
        _check_xlsx(data)
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    if text_encoding(data) is not None:
        head = data[:512].removeprefix(codecs.BOM_UTF8).lstrip()
        if head.startswith(b"<"):
            raise UploadRefused(
                _(
                    "This is a web page or an XML file saved under a spreadsheet name, not a "
                    "spreadsheet: open it in Excel or WPS and save it as .xlsx."
                ),
                "markup",
            )
        if not head.startswith(_NOT_TABLES):
            return "csv"
    raise UploadRefused(not_a_spreadsheet(), "not_spreadsheet")


def not_a_spreadsheet() -> str:
    return _("Not a spreadsheet: .xlsx, .xls or .csv expected.")


def text_encoding(data: bytes) -> str | None:
    """The codec that decodes `data` as text: "utf-8-sig" or "gb18030"; None for binary."""
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _damaged() -> UploadRefused:
    return UploadRefused(_("The file is damaged or not a valid .xlsx workbook."), "damaged")


def _check_xlsx(data: bytes) -> None:
    if _declared_entry_count(data) > MAX_ENTRIES:
        raise _too_many_entries()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _damaged() from None
    with archive:
        entries = archive.infolist()
        _check_entries(entries)
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise UploadRefused(
                _(
                    "This is a zip archive (for example a Word .docx), not an Excel workbook: "
                    ".xlsx, .xls or .csv expected."
                ),
                "not_spreadsheet",
            )
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise _macro_enabled()
        try:
            _check_content_types(archive)
            for entry in entries:
                if entry.filename.lower().endswith((".xml", ".rels")):
                    _check_prologue(archive, entry)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError):
            # corrupt data, unsupported compression or an encrypted entry
            raise _damaged() from None


def _declared_entry_count(data: bytes) -> int:
    """The entry count in the end-of-central-directory record, read before zipfile builds an
    object per entry (a 64 MB archive can declare a million). 0 when absent (zipfile then
    decides) and 0xFFFF for ZIP64, whose real count the infolist check below sees."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return 0
    return struct.unpack_from("<H", data, end + 10)[0]


def _too_many_entries() -> UploadRefused:
    return UploadRefused(
        _("The workbook has more than %(limit)s internal parts, too many to be a real workbook.")
        % {"limit": f"{MAX_ENTRIES:,}"},
        "zip_bomb",
    )


def _check_entries(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise _too_many_entries()
    total = 0
    for entry in entries:
        name = entry.filename
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
            raise UploadRefused(
                _("The workbook contains a part with an unsafe name (%(name)s).")
                % {"name": name[:100]},
                "unsafe_name",
            )
        if entry.flag_bits & 0x1:
            raise UploadRefused(
                _("The workbook is password-protected: remove the password and upload it again."),
                "encrypted",
            )
        size = entry.file_size
        total += size
        if size > RATIO_MIN_SIZE and size > MAX_RATIO * max(entry.compress_size, 1):
            raise UploadRefused(
                _(
                    "The workbook contains a part that unpacks to more than %(ratio)s times its "
                    "packed size, which is how a zip bomb looks; the file is refused."
                )
                % {"ratio": MAX_RATIO},
                "zip_bomb",
            )
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise UploadRefused(
            _("The workbook would unpack to more than %(limit)s MB; the file is refused.")
            % {"limit": MAX_TOTAL_UNCOMPRESSED // MB},
            "zip_bomb",
        )


def _macro_enabled() -> UploadRefused:
    return UploadRefused(
        _("Macro-enabled workbooks (.xlsm) are not accepted; save as .xlsx."), "macro"
    )


def _entities_refused() -> UploadRefused:
    return UploadRefused(
        _("The file contains XML entity declarations, which are refused."), "xml_entities"
    )


def _check_content_types(archive: zipfile.ZipFile) -> None:
    """Parse [Content_Types].xml whole (it is small) and refuse a macro-enabled workbook."""
    entry = archive.getinfo("[Content_Types].xml")
    if entry.file_size > CONTENT_TYPES_MAX:
        raise _damaged()
    parser = DefusedXMLParser(forbid_dtd=True)
    try:
        parser.feed(archive.read(entry))
        root = parser.close()
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise _entities_refused() from None
    except ParseError:
        raise _damaged() from None
    for element in root.iter():
        if "macroenabled" in element.get("ContentType", "").lower():
            raise _macro_enabled()


class _RootReached(Exception):
    pass


class _StopAtRoot:
    """Parser target that stops parsing at the root element's start tag."""

    def start(self, tag, attrs):
        raise _RootReached

    def end(self, tag):
        pass

    def data(self, data):
        pass

    def close(self):
        return None


def _check_prologue(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Parse one XML part with defusedxml (DTDs forbidden) until its root element starts."""
    parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True)
    read = 0
    try:
        with archive.open(entry) as part:
            while read < PROLOGUE_BYTES:
                chunk = part.read(4096)
                if not chunk:
                    parser.close()  # a complete part without a root element: ParseError
                    break
                read += len(chunk)
                parser.feed(chunk)
    except _RootReached:
        return
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise _entities_refused() from None
    except ParseError:
        raise _damaged() from None
    raise _damaged()  # no root element within PROLOGUE_BYTES
