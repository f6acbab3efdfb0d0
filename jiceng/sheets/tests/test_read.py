import datetime
import io
import struct
import zipfile

import pytest

from jiceng.sheets.read import Sheet, decode_csv, read_sheets
from jiceng.sheets.safety import OLE2_MAGIC, UploadRefused, check_upload

from . import xls_bytes, xlsx_bytes

FULL_WIDTH = "ＡＢＣ１２３（全角）　李　四"
UNREADABLE = "The file could not be read as a spreadsheet: it is damaged or password-protected."


def member_workbook(wb):
    ws = wb.add_worksheet("党员名册")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    time_format = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.merge_range("A1:E1", "湛江市赤坎区党员信息采集表", wb.add_format({"bold": True}))
    ws.write_row(2, 0, ["姓名", "联系电话", "出生日期", "党费基数", "备注"])
    ws.write_row(3, 0, ["张三", 13800138000])
    ws.write_datetime(3, 2, datetime.date(1980, 5, 17), date_format)
    ws.write_number(3, 3, 3500.5)
    ws.write_string(3, 4, FULL_WIDTH)
    ws.write_row(5, 0, ["李四", 13912345678.0, None, 4000.0, "440882199001011234"])
    ws.write_datetime(5, 2, datetime.datetime(1990, 1, 1, 8, 30), time_format)
    ws.write_string(7, 0, "   ")  # looks empty: dropped with the rows after the data
    ws.write_string(8, 3, "")


def read_one(data: bytes, kind: str) -> Sheet:
    (sheet,) = read_sheets(data, kind)
    return sheet


# --- xlsx ----------------------------------------------------------------------------------


def test_xlsx_rows_keep_the_layout_the_user_sees():
    sheet = read_one(xlsx_bytes(member_workbook), "xlsx")
    assert sheet.name == "党员名册"
    assert sheet.visible is True
    # the merged title is a row of its own, its text in the first cell
    assert sheet.rows[0] == ["湛江市赤坎区党员信息采集表", "", "", "", ""]
    assert sheet.rows[1] == ["", "", "", "", ""]  # empty rows inside the data are kept
    assert sheet.rows[2] == ["姓名", "联系电话", "出生日期", "党费基数", "备注"]
    assert len(sheet.rows) == 6  # rows 7-9 hold only blanks: dropped
    assert {len(row) for row in sheet.rows} == {5}


def test_xlsx_values_come_back_typed():
    rows = read_one(xlsx_bytes(member_workbook), "xlsx").rows
    assert rows[3] == ["张三", 13800138000, datetime.date(1980, 5, 17), 3500.5, FULL_WIDTH]
    assert type(rows[3][1]) is int and type(rows[3][2]) is datetime.date
    assert rows[5] == [
        "李四",
        13912345678,
        datetime.datetime(1990, 1, 1, 8, 30),
        4000,
        "440882199001011234",
    ]
    assert type(rows[5][1]) is int and type(rows[5][3]) is int
    assert type(rows[5][2]) is datetime.datetime


def test_xlsx_leading_empty_rows_and_columns_are_kept():
    sheet = read_one(xlsx_bytes(lambda wb: wb.add_worksheet().write("C3", "姓名")), "xlsx")
    assert sheet.rows == [["", "", ""], ["", "", ""], ["", "", "姓名"]]


def test_xlsx_sheets_come_in_workbook_order_with_hidden_ones_marked():
    def build(wb):
        wb.add_worksheet("名册").write("A1", "姓名")
        codes = wb.add_worksheet("代码")
        codes.write_column("A1", ["汉族", "壮族"])
        codes.hide()
        chart = wb.add_chart({"type": "line"})
        chart.add_series({"values": "=名册!$A$1:$A$1"})
        wb.add_chartsheet("图表").set_chart(chart)
        wb.add_worksheet("空白")

    sheets = read_sheets(xlsx_bytes(build), "xlsx")
    assert [(s.name, s.visible) for s in sheets] == [
        ("名册", True),
        ("代码", False),
        ("空白", True),
    ]
    assert sheets[1].rows == [["汉族"], ["壮族"]]
    assert sheets[2].rows == []


def test_non_integral_and_huge_floats():
    def build(wb):
        wb.add_worksheet().write_row(0, 0, [0.1, -2.0, 1e20, 12.000001])

    assert read_one(xlsx_bytes(build), "xlsx").rows == [[0.1, -2, 10**20, 12.000001]]


def _understate_size(data: bytes, name: str, declared: int) -> bytes:
    """Rewrite one entry's uncompressed size in the local and central headers."""
    data = bytearray(data)
    offset = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name).header_offset
    struct.pack_into("<I", data, offset + 22, declared)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name.encode():
            struct.pack_into("<I", data, at + 24, declared)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def test_an_entry_larger_than_declared_stops_the_reader():
    """safety.py trusts declared sizes for its zip-bomb checks because calamine refuses to
    inflate an entry past its declared size. If an upgrade changes that, this fails."""

    def build(wb):
        ws = wb.add_worksheet()
        for row in range(5000):
            ws.write_row(row, 0, ["x" * 20, row])

    real = xlsx_bytes(build)
    assert zipfile.ZipFile(io.BytesIO(real)).getinfo("xl/worksheets/sheet1.xml").file_size > 200_000
    # Declared above the 64 KB safety.py reads (a part it reads to the end fails zipfile's CRC).
    data = _understate_size(real, "xl/worksheets/sheet1.xml", 100_000)
    assert check_upload("bomb.xlsx", data) == "xlsx"  # the declared sizes look harmless
    with pytest.raises(UploadRefused) as caught:
        read_sheets(data, "xlsx")
    assert caught.value.code == "damaged"


# --- xls -----------------------------------------------------------------------------------


def test_xls_is_read_like_xlsx():
    cells = {
        (0, 0): "湛江市党员名册",
        (2, 0): "姓名",
        (2, 1): "联系电话",
        (2, 2): "出生日期",
        (2, 3): "党费基数",
        (3, 0): FULL_WIDTH,
        (3, 1): 13800138000,
        (3, 2): datetime.date(1980, 5, 17),
        (3, 3): 3500.5,
        (5, 0): "  ",
    }
    data = xls_bytes(cells, merged=[(0, 0, 0, 3)], name="名册")
    assert check_upload("members.xls", data) == "xls"
    sheet = read_one(data, "xls")
    assert sheet.name == "名册"
    assert sheet.rows == [
        ["湛江市党员名册", "", "", ""],
        ["", "", "", ""],
        ["姓名", "联系电话", "出生日期", "党费基数"],
        [FULL_WIDTH, 13800138000, datetime.date(1980, 5, 17), 3500.5],
    ]
    assert type(sheet.rows[3][1]) is int


def test_a_damaged_xls_is_refused_when_read():
    with pytest.raises(UploadRefused) as caught:
        read_sheets(OLE2_MAGIC + bytes(2000), "xls")
    assert caught.value.code == "damaged"
    assert str(caught.value) == UNREADABLE


def test_a_password_protected_xlsx_is_refused_with_a_hint():
    data = xls_bytes({(0, 0): "姓名"}, stream_name="EncryptedPackage")
    assert check_upload("members.xlsx", data) == "xls"  # an OLE2 file: only the reader can tell
    with pytest.raises(UploadRefused) as caught:
        read_sheets(data, "xls")
    assert caught.value.code == "encrypted"
    assert str(caught.value) == (
        "The workbook is password-protected: remove the password and upload it again."
    )


def test_a_password_protected_xls_is_refused_as_unreadable():
    with pytest.raises(UploadRefused) as caught:
        read_sheets(xls_bytes({(0, 0): "姓名"}, password=True), "xls")
    assert caught.value.code == "damaged"
    assert str(caught.value) == UNREADABLE


# --- csv -----------------------------------------------------------------------------------

CSV_TEXT = "姓名,联系电话,备注\r\n张三,13800138000,ＡＢＣ（全角）\r\n李四,,\r\n,,\r\n\r\n"
CSV_ROWS = [
    ["姓名", "联系电话", "备注"],
    ["张三", "13800138000", "ＡＢＣ（全角）"],
    ["李四", "", ""],
]


@pytest.mark.parametrize(
    "data",
    [CSV_TEXT.encode(), b"\xef\xbb\xbf" + CSV_TEXT.encode(), CSV_TEXT.encode("gb18030")],
    ids=["utf-8", "utf-8-bom", "gb18030"],
)
def test_csv_encodings(data):
    assert read_sheets(data, "csv") == [Sheet(name="", rows=CSV_ROWS)]


def test_decode_csv_strips_the_bom_and_falls_back_to_gb18030():
    assert decode_csv(b"\xef\xbb\xbf\xe5\xa7\x93\xe5\x90\x8d") == "姓名"
    assert decode_csv("姓名".encode("gb18030")) == "姓名"
    assert decode_csv("\ufeff姓名".encode("gb18030")) == "姓名"


@pytest.mark.parametrize("data", [b"\xff\xfe\xfd", b"a,b\x00c"], ids=["invalid", "nul"])
def test_decode_csv_refuses_what_is_not_text(data):
    with pytest.raises(UploadRefused) as caught:
        decode_csv(data)
    assert str(caught.value) == "Not a spreadsheet: .xlsx, .xls or .csv expected."


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_sniffed(delimiter):
    text = "\n".join(
        delimiter.join(row) for row in [["姓名", "性别", "民族"], ["张三", "男", "汉族"]]
    )
    assert read_one(text.encode(), "csv").rows == [["姓名", "性别", "民族"], ["张三", "男", "汉族"]]


def test_csv_quoted_fields_ragged_rows_and_single_column():
    text = '姓名,地址\n张三,"湛江市赤坎区, 某路1号\n二楼"\n李四\n'
    assert read_one(text.encode(), "csv").rows == [
        ["姓名", "地址"],
        ["张三", "湛江市赤坎区, 某路1号\n二楼"],
        ["李四", ""],
    ]
    assert read_one("姓名\n张三\n".encode(), "csv").rows == [["姓名"], ["张三"]]


def test_csv_sniffing_looks_at_whole_lines_of_a_long_file():
    text = "姓名;电话\n" + "张三;13800138000\n" * 2000
    rows = read_one(text.encode(), "csv").rows
    assert len(rows) == 2001 and rows[-1] == ["张三", "13800138000"]


def test_a_csv_cell_beyond_the_field_limit_is_refused():
    with pytest.raises(UploadRefused) as caught:
        read_sheets(b"a,b\n" + b"x" * 200_000 + b",y\n", "csv")
    assert str(caught.value) == (
        "The file has a cell longer than 131,072 characters; it is probably not a table."
    )


def test_an_empty_csv_has_no_rows():
    assert read_one(b"\r\n \r\n", "csv").rows == []


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown spreadsheet kind 'ods'"):
        read_sheets(b"x", "ods")
