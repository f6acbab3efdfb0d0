"""Building spreadsheet files for import tests: the national member form, organisation sheets,
CSV in UTF-8 and GB18030."""

import io
from datetime import date

import xlsxwriter
from python_calamine import CalamineWorkbook

from jiceng.core import idnumber
from jiceng.transfer.layout import MEMBERS, ORGS

MEMBER_HEADERS = [c.header for c in MEMBERS.columns]
ORG_HEADERS = [c.header for c in ORGS.columns]


def xlsx(*sheets: tuple[str, list[list]]) -> bytes:
    """A workbook with (name, rows) sheets; every string is written as text, dates as dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
    book.close()
    return buffer.getvalue()


def read_xlsx(data: bytes) -> list[list]:
    """The first sheet of a workbook as rows (python-calamine: openpyxl is no dependency)."""
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
    return text.encode(encoding)


_counter = iter(range(1, 10**6))


def person(born: date = date(1985, 4, 12), male: bool = True) -> str:
    """A valid, unused ID number."""
    n = next(_counter)
    seq = (n * 2 + (1 if male else 0)) % 1000
    return idnumber.make("440803", born, seq)


def member_row(branch: str, **values) -> list:
    """One row of the national form, in MEMBER_HEADERS order; values by header or field."""
    born = values.pop("born", date(1985, 4, 12))
    row = {
        "姓名": "王小明",
        "性别": "男",
        "民族": "汉族",
        "公民身份号码": person(born),
        "出生日期": born.isoformat(),
        "学历": "大学本科",
        "人员类别": "企事业单位、社会组织专业技术人员",
        "所在党支部": branch,
        "加入党组织日期": "2010-07-01",
        "转为正式党员日期": "2011-07-01",
        "工作岗位": "",
        "联系电话": "13912345678",
        "家庭住址": "湛江市赤坎区人民大道1号",
        "党籍状态": "正常",
        "是否失联": "否",
        "失联日期": "",
        "是否流动": "否",
        "外出流向": "",
        "申请入党日期": "",
    }
    by_field = {c.field: c.header for c in MEMBERS.columns}
    for key, value in values.items():
        row[by_field.get(key, key)] = value
    return [row[h] for h in MEMBER_HEADERS]


def members_sheet(*rows: list, title: str | None = None) -> tuple[str, list[list]]:
    top = [[title]] if title else []
    return ("党员", [*top, MEMBER_HEADERS, *rows])
