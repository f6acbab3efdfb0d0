import re
import struct
import zipfile

import pytest

from jiceng.sheets import safety
from jiceng.sheets.safety import MB, UploadRefused, check_upload

from . import XLSM_MAIN, minimal_xlsx_parts, xls_bytes, xlsx_bytes, zip_bytes

NOT_SPREADSHEET = "Not a spreadsheet: .xlsx, .xls or .csv expected."
ENTITIES = "The file contains XML entity declarations, which are refused."
MACRO = "Macro-enabled workbooks (.xlsm) are not accepted; save as .xlsx."
DAMAGED = "The file is damaged or not a valid .xlsx workbook."


def refused(filename, data, **kwargs) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        check_upload(filename, data, **kwargs)
    return caught.value


def a_workbook() -> bytes:
    return xlsx_bytes(lambda wb: wb.add_worksheet().write_row(0, 0, ["姓名", "性别"]))


# --- size ----------------------------------------------------------------------------------


def test_empty_file_is_refused():
    error = refused("members.xlsx", b"")
    assert (error.code, str(error)) == ("empty", "The file is empty.")


def test_size_limit_comes_from_settings_and_is_stated_in_mb(settings):
    settings.JICENG_MAX_UPLOAD_BYTES = 3 * MB
    line = b"a,b\n"
    at_limit = line * (3 * MB // len(line))
    assert check_upload("members.csv", at_limit) == "csv"
    error = refused("members.csv", at_limit + b"c")
    assert error.code == "too_large"
    assert str(error) == "The file is larger than 3 MB, the most that can be uploaded."


def test_explicit_size_limit_wins_over_settings(settings):
    settings.JICENG_MAX_UPLOAD_BYTES = 64 * MB
    data = b"a" * (MB // 2 + 1)
    assert check_upload("members.csv", data[:-1], max_bytes=MB // 2) == "csv"
    error = refused("members.csv", data, max_bytes=MB // 2)
    assert str(error) == "The file is larger than 0.5 MB, the most that can be uploaded."


# --- what the content is, whatever the name ------------------------------------------------


def test_xlsx_is_recognised_by_content_even_when_named_csv():
    data = a_workbook()
    assert check_upload("members.xlsx", data) == "xlsx"
    assert check_upload("members.csv", data) == "xlsx"
    assert check_upload("members", data) == "xlsx"


def test_xls_is_recognised_by_its_ole2_magic():
    assert check_upload("members.xls", xls_bytes({(0, 0): "姓名"})) == "xls"
    assert check_upload("members.csv", safety.OLE2_MAGIC + bytes(504)) == "xls"


@pytest.mark.parametrize(
    "data",
    [
        "姓名,性别\n张三,男\n".encode(),
        "\ufeff姓名,性别\n张三,男\n".encode(),
        "姓名,性别\n张三,男\n".encode("gb18030"),
        b"name;sex\r\nZhang;M\r\n",
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "ascii"],
)
def test_text_in_utf8_or_gb18030_is_csv_even_when_named_xlsx(data):
    assert check_upload("members.xlsx", data) == "csv"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48),
        b"\x7fELF\x02\x01\x01" + bytes(9),
        "姓名\n".encode("utf-16"),  # UTF-16 text has NUL bytes: refused
        b"{\\rtf1\\ansi hello}",
        b"\xff\xfe\xfd\x80 not text",
    ],
    ids=["pdf", "png", "exe", "elf", "utf-16", "rtf", "binary"],
)
def test_other_content_is_refused_whatever_its_name(data):
    error = refused("members.xlsx", data)
    assert (error.code, str(error)) == ("not_spreadsheet", NOT_SPREADSHEET)


@pytest.mark.parametrize(
    "data",
    [
        b'<html xmlns:x="urn:schemas-microsoft-com:office:excel"><table><tr><td>1</td></tr>',
        '\ufeff  <?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:'
        'spreadsheet">'.encode(),
    ],
    ids=["html", "spreadsheetml-2003"],
)
def test_web_pages_and_xml_saved_as_xls_are_refused_with_a_hint(data):
    error = refused("export.xls", data)
    assert error.code == "markup"
    assert "save it as .xlsx" in str(error)


@pytest.mark.parametrize(
    "parts",
    [
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": "<w:document xmlns:w='urn:w'/>",
        },
        {"readme.txt": "hello"},
    ],
    ids=["docx", "plain-zip"],
)
def test_zip_archives_that_are_not_workbooks_are_refused(parts):
    error = refused("members.xlsx", zip_bytes(parts))
    assert error.code == "not_spreadsheet"
    assert str(error).startswith("This is a zip archive (for example a Word .docx)")


def test_a_damaged_zip_is_refused():
    data = a_workbook()
    error = refused("members.xlsx", data[: len(data) // 2])
    assert (error.code, str(error)) == ("damaged", DAMAGED)


def test_a_hand_made_minimal_xlsx_passes():
    assert check_upload("members.xlsx", zip_bytes(minimal_xlsx_parts())) == "xlsx"


# --- macros ----------------------------------------------------------------------------------


def test_a_vba_project_is_refused():
    data = zip_bytes(minimal_xlsx_parts(**{"xl/vbaProject.bin": bytes(100)}))
    error = refused("members.xlsx", data)
    assert (error.code, str(error)) == ("macro", MACRO)


def test_macro_enabled_content_type_is_refused_without_a_vba_part():
    content_types = minimal_xlsx_parts()["[Content_Types].xml"]
    content_types = content_types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", XLSM_MAIN
    )
    data = zip_bytes(minimal_xlsx_parts(**{"[Content_Types].xml": content_types}))
    assert str(refused("members.xlsx", data)) == MACRO


# --- zip bombs and unsafe names --------------------------------------------------------------


def test_a_highly_compressed_large_part_is_a_zip_bomb():
    data = zip_bytes(minimal_xlsx_parts(**{"xl/media/image1.bin": bytes(8 * MB)}))
    assert len(data) < 100_000
    error = refused("members.xlsx", data)
    assert error.code == "zip_bomb"
    assert "more than 200 times its packed size" in str(error)


def test_a_well_compressed_small_part_is_not_a_bomb():
    data = zip_bytes(minimal_xlsx_parts(**{"xl/media/image1.bin": bytes(MB - 1)}))
    assert check_upload("members.xlsx", data) == "xlsx"


def test_total_unpacked_size_is_limited(monkeypatch):
    monkeypatch.setattr(safety, "MAX_TOTAL_UNCOMPRESSED", 2 * MB)
    data = zip_bytes(
        minimal_xlsx_parts(**{"xl/media/image1.bin": b"\x01\x02" * MB}), zipfile.ZIP_STORED
    )
    error = refused("members.xlsx", data)
    assert error.code == "zip_bomb"
    assert str(error) == "The workbook would unpack to more than 2 MB; the file is refused."


def test_number_of_parts_is_limited(monkeypatch):
    monkeypatch.setattr(safety, "MAX_ENTRIES", 10)
    five_more = {f"xl/media/image{i}.png": "x" for i in range(5)}
    assert check_upload("members.xlsx", zip_bytes(minimal_xlsx_parts(**five_more))) == "xlsx"
    six_more = {**five_more, "xl/media/image5.png": "x"}
    error = refused("members.xlsx", zip_bytes(minimal_xlsx_parts(**six_more)))
    assert error.code == "zip_bomb"
    assert str(error) == (
        "The workbook has more than 10 internal parts, too many to be a real workbook."
    )
    # The central directory is counted too, not only the count its end record declares.
    monkeypatch.setattr(safety, "_declared_entry_count", lambda data: 0)
    assert refused("members.xlsx", zip_bytes(minimal_xlsx_parts(**six_more))).code == "zip_bomb"


@pytest.mark.parametrize(
    "name", ["../evil.xml", "xl/../../evil.xml", "/etc/evil.xml", "C:/evil.xml", "xl\\..\\evil"]
)
def test_part_names_that_climb_out_are_refused(name):
    error = refused("members.xlsx", zip_bytes(minimal_xlsx_parts(**{name: "<x/>"})))
    assert error.code == "unsafe_name"
    assert str(error) == f"The workbook contains a part with an unsafe name ({name})."


def test_dots_inside_a_name_are_not_a_climb():
    data = zip_bytes(minimal_xlsx_parts(**{"xl/media/a..b.png": "x"}))
    assert check_upload("members.xlsx", data) == "xlsx"


def _set_encrypted_flag(data: bytes) -> bytes:
    """Set bit 0 (encrypted) of every entry's flags, in the local and central headers."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            struct.pack_into(
                "<H", data, at + offset, struct.unpack_from("<H", data, at + offset)[0] | 1
            )
            at = data.find(signature, at + 4)
    return bytes(data)


def test_encrypted_zip_entries_are_refused_as_password_protected():
    error = refused("members.xlsx", _set_encrypted_flag(zip_bytes(minimal_xlsx_parts())))
    assert error.code == "encrypted"
    assert "password-protected" in str(error)


# --- XML entities ----------------------------------------------------------------------------

LAUGHS = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
EXTERNAL = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


@pytest.mark.parametrize(
    "doctype", [LAUGHS, EXTERNAL, "<!DOCTYPE x>"], ids=["laughs", "xxe", "bare"]
)
@pytest.mark.parametrize(
    "part", ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "_rels/.rels"]
)
def test_a_dtd_in_any_xml_part_is_refused(part, doctype):
    content = minimal_xlsx_parts()[part]
    content = re.sub(r"^<\?xml[^>]*\?>\s*", "", content)  # the DOCTYPE goes after our DECL
    data = zip_bytes(minimal_xlsx_parts(**{part: DECL + doctype + content}))
    error = refused("members.xlsx", data)
    assert (error.code, str(error)) == ("xml_entities", ENTITIES)


def test_a_dtd_in_a_large_sheet_is_found_from_the_start_of_the_part():
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 60_000))
    sheet = DECL + LAUGHS + "<worksheet><sheetData>" + rows + "</sheetData></worksheet>"
    data = zip_bytes(minimal_xlsx_parts(**{"xl/worksheets/sheet1.xml": sheet}))
    assert str(refused("members.xlsx", data)) == ENTITIES


def test_a_dtd_pushed_beyond_the_prologue_window_is_refused_too():
    padding = "<!--" + "x" * safety.PROLOGUE_BYTES + "-->"
    sheet = DECL + padding + LAUGHS + "<worksheet/>"
    data = zip_bytes(minimal_xlsx_parts(**{"xl/worksheets/sheet1.xml": sheet}))
    assert refused("members.xlsx", data).code == "damaged"
    # Without the DTD, a root element starting that late is still refused: nobody writes that.
    sheet = DECL + padding + "<worksheet/>"
    data = zip_bytes(minimal_xlsx_parts(**{"xl/worksheets/sheet1.xml": sheet}))
    assert refused("members.xlsx", data).code == "damaged"


def test_only_the_prologue_of_a_part_is_parsed():
    """What follows the root start tag is the reader's business (and may be huge)."""
    sheet = DECL + "<worksheet><sheetData><<< not parsed here"
    data = zip_bytes(minimal_xlsx_parts(**{"xl/worksheets/sheet1.xml": sheet}))
    assert check_upload("members.xlsx", data) == "xlsx"


@pytest.mark.parametrize("content", ["", "not xml at all", DECL])
def test_a_part_without_a_root_element_is_damaged(content):
    error = refused("members.xlsx", zip_bytes(minimal_xlsx_parts(**{"xl/workbook.xml": content})))
    assert (error.code, str(error)) == ("damaged", DAMAGED)
