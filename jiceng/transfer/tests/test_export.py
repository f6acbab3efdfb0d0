"""Exports of the member and organisation lists and the annotated error file: the template's
columns in order, exactly the page's filter and scope, masking, text that never turns into a
formula, an audit row per export, a bounded number of queries, and a file that imports again
unchanged."""

import hashlib
import io
import multiprocessing
import pickle
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jiceng.audit.models import AuditEvent
from jiceng.core.masking import mask
from jiceng.core.testing import build_small_city, make_member
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.sheets.headers import ERROR_COLUMN, match_header
from jiceng.sheets.read import Sheet, read_sheets
from jiceng.sheets.values import converter
from jiceng.sheets.write import XlsxSheetWriter, write_annotated, write_rows
from jiceng.transfer.export import export_members, member_rows, org_rows
from jiceng.transfer.importing import import_sheets
from jiceng.transfer.layout import MEMBERS, ORGS
from jiceng.web.tests.browser import BROWSER_MARKS, log_in
from jiceng.web.tests.personas import LOGIN, login_as, persona_test

pytestmark = pytest.mark.django_db

MEMBER_HEADERS = [c.header for c in MEMBERS.columns]
ORG_HEADERS = [c.header for c in ORGS.columns]
FORMULA_LIKE = ["=1+1", "+cmd", "@SUM(A1)", "-2", "\tx", "\rx", '=HYPERLINK("http://x")']
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def members_url(**params) -> str:
    url = reverse("transfer:export_members")
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else url


def orgs_url(**params) -> str:
    url = reverse("transfer:export_orgs")
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else url


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def read(data: bytes) -> dict[str, list[list]]:
    """{sheet name: rows} as python-calamine reads them (empty cells are "")."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def rows_of(data: bytes) -> list[list]:
    (rows,) = read(data).values()
    return rows


def export(client, city, persona: str, url: str) -> tuple[object, bytes]:
    login_as(client, city, persona)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response, content(response)


def by_name(rows: list[list]) -> dict[str, dict]:
    header, *data = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in data}


def sheet_xml(data: bytes, number: int = 1) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{number}.xml").decode()


def last_export() -> AuditEvent:
    return AuditEvent.objects.filter(event="export").order_by("-seq").first()


def on_rolls(**filters) -> set[str]:
    return set(Member.objects.on_rolls().filter(**filters).values_list("name", flat=True))


# ---- access: as the list pages -----------------------------------------------------------

test_member_export_access = persona_test(
    lambda city: members_url(),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 200,
        "secretary": 200,
        "member_user": 200,
        "outsider": 200,
    },
)
test_org_export_access = persona_test(
    lambda city: orgs_url(),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 200,
        "secretary": 200,
        "member_user": 200,
        "outsider": 200,
    },
)


@pytest.mark.parametrize("url", [members_url, orgs_url])
def test_outsider_exports_nothing(client, city, url):
    """Like the list page (an empty list), the outsider's file holds the header and no row."""
    response, data = export(client, city, "outsider", url())
    headers = MEMBER_HEADERS if url is members_url else ORG_HEADERS
    assert rows_of(data) == [headers]
    event = last_export()
    assert event.username == "outsider" and event.data["rows"] == 0


def test_each_persona_exports_what_its_list_page_lists(client, city):
    expected = {
        "city_admin": {"张三", "李四"},
        "viewer": {"张三", "李四"},
        "county_admin": {"张三"},
        "secretary": {"张三"},
        "member_user": {"张三"},
        "outsider": set(),
    }
    for persona, names in expected.items():
        _response, data = export(client, city, persona, members_url())
        assert set(by_name(rows_of(data))) == names, persona


# ---- layout --------------------------------------------------------------------------------


def test_member_export_is_the_template_layout(client, city):
    response, data = export(client, city, "city_admin", members_url())
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(MEMBERS.title)}-" in disposition
    assert "no-store" in response["Cache-Control"]
    sheets = read(data)
    assert list(sheets) == [MEMBERS.title]
    rows = sheets[MEMBERS.title]
    assert rows[0] == MEMBER_HEADERS  # the header in row 1: no title row above it
    zhang = by_name(rows)["张三"]
    a1 = city.member_a1
    assert zhang["性别"] == "男"
    assert zhang["民族"] == "汉族"
    assert zhang["公民身份号码"] == mask("id_number", a1.id_number)
    assert zhang["出生日期"] == date(1980, 5, 17)  # a real date, not text
    assert zhang["学历"] == "大学本科" or zhang["学历"] == a1.get_education_display()
    assert zhang["人员类别"] == a1.get_occupation_display()
    assert zhang["所在党支部"] == "寸金社区党支部"  # the branch's full name
    assert zhang["加入党组织日期"] == a1.join_date
    assert zhang["转为正式党员日期"] == a1.full_member_date
    assert zhang["联系电话"] == mask("phone", a1.phone)
    assert zhang["家庭住址"] == mask("address", a1.address)
    assert zhang["党籍状态"] == "正常"
    assert zhang["是否失联"] == "否" and zhang["是否流动"] == "否"
    assert zhang["失联日期"] == "" and zhang["申请入党日期"] == ""
    xml = sheet_xml(data)
    assert '<pane ySplit="1"' in xml and 'state="frozen"' in xml  # the header stays in view


def test_org_export_is_the_template_layout(client, city):
    Organization.objects.filter(pk=city.branch_a1.pk).update(
        secretary=city.member_a1, term_years=3, founded_on=date(2001, 7, 1)
    )
    response, data = export(client, city, "city_admin", orgs_url())
    assert f"filename*=UTF-8''{quote(ORGS.title)}-" in response["Content-Disposition"]
    sheets = read(data)
    assert list(sheets) == [ORGS.title]
    rows = sheets[ORGS.title]
    assert rows[0] == ORG_HEADERS
    assert [row[0] for row in rows[1:]] == list(
        Organization.objects.order_by("path").values_list("name", flat=True)
    )
    branch = by_name(rows)["寸金社区党支部"]
    assert branch["上级党组织"] == "中华街道党工委"  # the parent's full name
    assert branch["党组织类型"] == "党支部"
    assert branch["所在单位情况"] == "社区"
    assert branch["书记"] == "张三"  # the secretary by name
    assert branch["成立日期"] == date(2001, 7, 1)
    assert branch["任期年限"] == 3
    assert by_name(rows)["湛江市委"]["上级党组织"] == ""


def test_the_rows_api_gives_the_files_cells(client, city):
    from jiceng.members.selectors import members_visible_to
    from jiceng.orgs.selectors import orgs_visible_to

    def blank_is_none(rows):
        return [[None if cell == "" else cell for cell in row] for row in rows]

    user = city.city_admin
    _response, data = export(client, city, "city_admin", members_url())
    rows = member_rows(members_visible_to(user).on_rolls())
    assert blank_is_none(rows) == blank_is_none(rows_of(data)[1:])
    _response, data = export(client, city, "city_admin", orgs_url())
    rows = org_rows(orgs_visible_to(user).active())
    assert blank_is_none(rows) == blank_is_none(rows_of(data)[1:])


def test_an_unmasked_export_needs_the_permission(city):
    with pytest.raises(PermissionDenied):
        export_members(city.viewer, Member.objects.all(), unmasked=True, target=io.BytesIO())


# ---- the page's filter and scope -----------------------------------------------------------


def test_the_pages_filter_is_respected(client, city):
    for n in range(4):
        make_member(city.branch_b1, sex="2", name=f"女党员{n}")
        make_member(city.branch_a2, sex="1", name=f"男党员{n}")
    _response, data = export(client, city, "city_admin", members_url(sex=2, page=2, per_page=25))
    names = set(by_name(rows_of(data)))
    assert names == on_rolls(sex="2") and "女党员0" in names and "男党员0" not in names
    assert last_export().data["filter"] == {"sex": "2"}  # page and page size are not filters

    _response, data = export(client, city, "city_admin", members_url(org=city.county_a.pk))
    assert set(by_name(rows_of(data))) == on_rolls(org__path__startswith=city.county_a.path)


def test_a_county_admins_export_holds_only_their_county(client, city):
    make_member(city.branch_b1, name="遂溪党员")
    _response, data = export(client, city, "county_admin", members_url())
    names = set(by_name(rows_of(data)))
    assert names == on_rolls(org__path__startswith=city.county_a.path)
    assert "遂溪党员" not in names and "李四" not in names
    _response, data = export(client, city, "county_admin", orgs_url())
    orgs = {row[0] for row in rows_of(data)[1:]}
    assert orgs == set(
        Organization.objects.filter(path__startswith=city.county_a.path).values_list(
            "name", flat=True
        )
    )


def test_a_filter_outside_the_scope_exports_nothing(client, city):
    """An org outside the user's scope is not a valid choice: back to the page, which says
    what is wrong; nothing is written or recorded."""
    login_as(client, city, "county_admin")
    response = client.get(members_url(org=city.county_b.pk, page=3))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('members:member_list')}?org={city.county_b.pk}"
    assert last_export() is None


def test_left_members_only_when_the_page_shows_them(client, city):
    Member.objects.filter(pk=city.member_b1.pk).update(leave_status="deceased")
    _response, data = export(client, city, "city_admin", members_url())
    assert set(by_name(rows_of(data))) == {"张三"}
    _response, data = export(client, city, "city_admin", members_url(rolls="all"))
    assert set(by_name(rows_of(data))) == {"张三", "李四"}


# ---- masking ---------------------------------------------------------------------------------


def personal(data: bytes, name: str = "张三") -> tuple:
    row = by_name(rows_of(data))[name]
    return row["公民身份号码"], row["联系电话"], row["家庭住址"]


def test_masked_by_default(client, city):
    a1 = city.member_a1
    _response, data = export(client, city, "city_admin", members_url())
    assert personal(data) == (
        mask("id_number", a1.id_number),
        mask("phone", a1.phone),
        mask("address", a1.address),
    )
    assert a1.id_number.encode() not in zipfile.ZipFile(io.BytesIO(data)).read(
        "xl/worksheets/sheet1.xml"
    )
    assert last_export().data["unmasked"] is False


def test_unmasked_with_the_permission_and_when_asked(client, city):
    a1 = city.member_a1
    _response, data = export(client, city, "city_admin", members_url(unmask=1))
    assert personal(data) == (a1.id_number, a1.phone, a1.address)
    event = last_export()
    assert event.data["unmasked"] is True and "unmask" not in event.data["filter"]


@pytest.mark.parametrize("persona", ["viewer", "county_admin", "secretary", "member_user"])
def test_asking_to_unmask_without_the_permission_gets_masked_data(client, city, persona):
    a1 = city.member_a1
    _response, data = export(client, city, persona, members_url(unmask=1))
    assert personal(data)[0] == mask("id_number", a1.id_number)
    assert last_export().data["unmasked"] is False


def test_a_searched_id_number_is_masked_in_the_audit_log(client, city):
    a1 = city.member_a1
    _response, data = export(client, city, "city_admin", members_url(q=a1.id_number))
    assert set(by_name(rows_of(data))) == {"张三"}
    assert last_export().data["filter"] == {"q": mask("id_number", a1.id_number)}


# ---- text stays text -----------------------------------------------------------------------


def test_formula_like_text_is_exported_as_text(client, city):
    for n, job in enumerate(FORMULA_LIKE):
        member = make_member(city.branch_a1, name=f"公式{n}")
        Member.objects.filter(pk=member.pk).update(job=job)  # exactly, past any tidying
    Member.objects.filter(pk=city.member_a1.pk).update(name="=2*3", address="@cmd|' /C calc'!A0")
    _response, data = export(client, city, "city_admin", members_url(unmask=1))
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    rows = by_name(rows_of(data))
    assert [rows[f"公式{n}"]["工作岗位"] for n in range(len(FORMULA_LIKE))] == FORMULA_LIKE
    assert rows["=2*3"]["家庭住址"] == "@cmd|' /C calc'!A0"
    # ID numbers and phones are text, never numbers
    assert rows["=2*3"]["公民身份号码"] == city.member_a1.id_number
    assert rows["=2*3"]["联系电话"] == "13812345678"


def test_writer_keeps_every_string_exactly():
    tricky = [
        *FORMULA_LIKE,
        "<r><t>x</t></r>",  # xlsxwriter's own write_string would put this in the XML raw
        "_x0041_",  # Excel's escape syntax, literally
        "a\x01b",
        " leading",
        "trailing ",
        "x\r\ny",
        "&<>\"'",
        "440802198005171234",
        "00123",
        "1e5",
        "TRUE",
        "😀𠀀",
        "\u3000全角",
        "\xa0不换行空格 ",
        "零宽\u200d连接",
        "行\u2028分隔",
        "\ue000私用区",
    ]
    buffer = io.BytesIO()
    with XlsxSheetWriter(buffer) as writer:
        sheet = writer.add_sheet("s", ["value", "shared"], shared=[1])
        for value in tricky:
            sheet.append([value, value])
    data = buffer.getvalue()
    rows = rows_of(data)
    assert [row[0] for row in rows[1:]] == tricky
    assert [row[1] for row in rows[1:]] == tricky
    assert "<f>" not in sheet_xml(data)
    ElementTree.fromstring(sheet_xml(data))  # well-formed


def test_writer_types_and_an_unusual_row():
    values = [
        1,
        2.5,
        True,
        False,
        datetime(2020, 1, 2, 3, 4, 5),
        date(1900, 1, 1),
        date(1900, 3, 1),
        date(1899, 1, 1),  # before Excel's calendar: kept as text
        None,
        "",
        "end",
    ]
    buffer = io.BytesIO()
    with XlsxSheetWriter(buffer) as writer:
        sheet = writer.add_sheet("s")
        sheet.append(values)
        sheet.append([])
        sheet.append([None, None, "third"])
    rows = rows_of(buffer.getvalue())
    assert rows[0] == [
        1,
        2.5,
        True,
        False,
        datetime(2020, 1, 2, 3, 4, 5),
        date(1900, 1, 1),
        date(1900, 3, 1),
        "1899-01-01",
        "",
        "",
        "end",
    ]
    assert rows[1] == [""] * len(values)
    assert rows[2][:3] == ["", "", "third"]


def test_extend_writes_what_append_writes():
    rows = [["a", date(2020, 1, 1), 3], [], [None, "b"], ["c", None, None, "wider"]] * 1500
    files = []
    for method in ("append", "extend"):
        buffer = io.BytesIO()
        with XlsxSheetWriter(buffer) as writer:
            sheet = writer.add_sheet("s", ["h1", "h2"])
            if method == "append":
                for row in rows:
                    sheet.append(row)
            else:
                assert sheet.extend(rows) == 4500  # the empty rows write nothing
            assert sheet.rows == 6001
        files.append(buffer.getvalue())
    assert sheet_xml(files[0]) == sheet_xml(files[1])
    assert '<dimension ref="A1:D6001"/>' in sheet_xml(files[1])
    assert rows_of(files[1])[-1] == ["c", "", "", "wider"]


@pytest.fixture
def second_cpu(monkeypatch):
    """Fork whatever the machine's load (the tests' machine is often busy); counts forks."""
    from jiceng.sheets import write

    forks = []
    forked = write._write_sheet_forked

    def counted(*args):
        forks.append(1)
        return forked(*args)

    monkeypatch.setattr(write, "second_cpu_free", lambda: True)
    monkeypatch.setattr(write, "_write_sheet_forked", counted)
    return forks


@pytest.mark.parametrize(
    "rows",
    [
        # a column of dates with gaps goes as day numbers; datetimes and mixed columns as
        # they are
        [
            ["甲", date(1980, 1, 1), datetime(2020, 5, 6, 7, 8), 1],
            ["乙", None, datetime(2021, 1, 2), "x"],
            ["丙", date(1999, 12, 31), None, date(2001, 1, 1)],
        ],
        # rows of different lengths go as rows
        [["甲", date(1980, 1, 1)], ["乙"], [], ["丙", None, 3]],
    ],
)
def test_rows_cross_the_pipe_to_the_second_process_unchanged(rows):
    from jiceng.sheets.write import _packed, _unpacked

    received = [list(row) for row in _unpacked(pickle.loads(pickle.dumps(_packed(rows))))]
    assert received == rows
    assert [type(v) for row in received for v in row] == [type(v) for row in rows for v in row]


def test_a_long_sheet_is_written_by_a_second_process_with_the_same_result(second_cpu):
    rows = [[f"党员{n}", n, date(1980, 1, 1 + n % 28), "=1+1", None, "男"] for n in range(60)]
    display = {5: {"男": "男性"}.get}
    files, counts = [], []
    for fork_after in (10**6, 7):
        buffer = io.BytesIO()
        counts.append(
            write_rows(
                buffer,
                "s",
                list("abcdef"),
                rows,
                display=display,
                shared=[5],
                fork_after=fork_after,
            )
        )
        files.append(buffer.getvalue())
    assert counts == [60, 60] and second_cpu == [1]
    assert sheet_xml(files[0]) == sheet_xml(files[1])
    assert rows_of(files[1])[1] == ["党员0", 0, date(1980, 1, 1), "=1+1", "", "男性"]
    assert multiprocessing.active_children() == []


def test_the_second_processs_failure_and_the_producers_are_raised_here(second_cpu):
    def explode(value):
        raise ValueError(f"cannot show {value}")

    rows = [["a", "b"]] * 30
    with pytest.raises(RuntimeError, match="cannot show b"):
        write_rows(io.BytesIO(), "s", ["x", "y"], rows, display={1: explode}, fork_after=5)

    def produced():
        yield from rows
        raise ZeroDivisionError("the database went away")

    with pytest.raises(ZeroDivisionError, match="went away"):
        write_rows(io.BytesIO(), "s", ["x", "y"], produced(), fork_after=5)
    assert multiprocessing.active_children() == []


def test_a_forked_export_is_the_same_file(client, city, monkeypatch, second_cpu):
    for n in range(12):
        make_member((city.branch_a1, city.branch_b1)[n % 2], name=f"党员{n}", job="@SUM(A1)")
    _response, in_process = export(client, city, "city_admin", members_url(unmask=1))
    monkeypatch.setattr("jiceng.sheets.write.FORK_AFTER", 3)
    _response, forked = export(client, city, "city_admin", members_url(unmask=1))
    assert second_cpu == [1]
    assert sheet_xml(forked) == sheet_xml(in_process)
    assert last_export().data["rows"] == 14
    _response, orgs = export(client, city, "city_admin", orgs_url())
    assert len(rows_of(orgs)) == 1 + Organization.objects.count()


def test_writer_cells_read_back_as_xlsxwriters_own():
    """The rows serialised by write.py read back exactly like the same values written cell by
    cell through xlsxwriter's public methods (a guard for an xlsxwriter upgrade)."""
    import xlsxwriter

    rows = [
        ["张三", "=1+1", 13812345678, 2.5, True, date(1980, 5, 17), datetime(2020, 1, 2, 3, 4)],
        ["", None, "0012", -1, False, date(1900, 3, 1), "_x0041_ \t"],
    ]
    ours = io.BytesIO()
    with XlsxSheetWriter(ours) as writer:
        sheet = writer.add_sheet("s", ["a", "b", "c", "d", "e", "f", "g"], shared=[0, 1])
        for row in rows:
            sheet.append(row)
    theirs = io.BytesIO()
    book = xlsxwriter.Workbook(theirs, {"in_memory": True})
    worksheet = book.add_worksheet("s")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for col, header in enumerate("abcdefg"):
        worksheet.write_string(0, col, header)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                worksheet.write_string(r, col, value)
            elif isinstance(value, bool):
                worksheet.write_boolean(r, col, value)
            elif isinstance(value, datetime):
                worksheet.write_datetime(r, col, value, datetime_format)
            elif isinstance(value, date):
                worksheet.write_datetime(r, col, value, date_format)
            else:
                worksheet.write_number(r, col, value)
    book.close()
    assert rows_of(ours.getvalue()) == rows_of(theirs.getvalue())


# ---- audit and queries -----------------------------------------------------------------------


def test_every_export_is_recorded(client, city):
    response, data = export(client, city, "viewer", members_url(sex=1, education=20))
    event = last_export()
    assert event.username == "viewer" and event.outcome == "ok"
    assert event.data == {
        "list": "members",
        "filter": {"sex": "1", "education": "20"},
        "rows": len(rows_of(data)) - 1,
        "sha256": hashlib.sha256(data).hexdigest(),
        "unmasked": False,
    }
    _response, data = export(client, city, "viewer", orgs_url(kind="branch"))
    event = last_export()
    assert event.data["list"] == "orgs" and event.data["filter"] == {"kind": "branch"}
    assert event.data["rows"] == 3 == len(rows_of(data)) - 1
    assert event.data["sha256"] == hashlib.sha256(data).hexdigest()


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        content(client.get(url))
    return len(queries)


def test_no_query_per_row(client, city, django_assert_max_num_queries):
    login_as(client, city, "city_admin")
    few_members, few_orgs = queries_for(client, members_url()), queries_for(client, orgs_url())
    for n in range(30):
        member = make_member((city.branch_a1, city.branch_a2, city.branch_b1)[n % 3])
        if n < 3:
            Organization.objects.filter(pk=member.org_id).update(secretary=member)
    assert queries_for(client, members_url()) == few_members
    assert queries_for(client, orgs_url()) == few_orgs
    with django_assert_max_num_queries(15):
        content(client.get(members_url(unmask=1, sex=1)))
    with django_assert_max_num_queries(15):
        content(client.get(orgs_url()))


# ---- round trip ------------------------------------------------------------------------------


def test_an_unmasked_export_reads_back_as_the_records(client, city):
    """Every exported cell converts back (the importer's header matching and converters) to
    the value stored."""
    Member.objects.filter(pk=city.member_b1.pk).update(
        is_mobile=True, mobile_destination="广州市", applied_on=date(1999, 1, 5), job="-2"
    )
    _response, data = export(client, city, "city_admin", members_url(unmask=1))
    (sheet,) = read_sheets(data, "xlsx")
    match = match_header(sheet.rows, MEMBERS)
    assert match.row_index == 0 and not match.ignored and not match.problems
    assert [c.field for c in match.columns.values()] == [c.field for c in MEMBERS.columns]
    names = dict(Organization.objects.values_list("name", "pk"))
    members = {m.id_number: m for m in Member.objects.all()}  # stored encrypted: no look-up
    for row in sheet.rows[1:]:
        member = members[row[MEMBER_HEADERS.index("公民身份号码")]]
        for col, column in match.columns.items():
            value = converter(column)(row[col])
            if column.kind == "org":
                assert names[value] == member.org_id
            elif column.kind == "bool":
                assert value is getattr(member, column.field)
            else:
                stored = getattr(member, column.field)
                assert value in ((None, "") if stored is None else (stored,)), column.field


def test_import_of_an_unmasked_export_changes_nothing(client, city):
    make_member(city.branch_a2, name="王五", job="=1+1")
    Organization.objects.filter(pk=city.branch_a1.pk).update(secretary=city.member_a1)
    for url in (orgs_url(), members_url(unmask=1)):
        _response, data = export(client, city, "city_admin", url)
        outcome = import_sheets(read_sheets(data, "xlsx"), actor=city.city_admin, write=False)
        assert outcome.ok, [(p.row, p.header, p.message) for p in outcome.problems]
        (summary,) = outcome.summary.values()
        assert summary.get("create", 0) == 0 and summary.get("update", 0) == 0, summary


# ---- the annotated error file ----------------------------------------------------------------


def styled_cells(data: bytes, number: int = 1) -> dict[str, bool]:
    """{cell reference: has the light red fill} for every cell of a sheet."""
    book = zipfile.ZipFile(io.BytesIO(data))
    styles = ElementTree.fromstring(book.read("xl/styles.xml"))
    fills = styles.findall("m:fills/m:fill", NS)
    red = {
        i
        for i, fill in enumerate(fills)
        if (colour := fill.find("m:patternFill/m:fgColor", NS)) is not None
        and colour.get("rgb", "").upper().endswith("FFC7CE")
    }
    xfs = styles.findall("m:cellXfs/m:xf", NS)
    red_xf = {i for i, xf in enumerate(xfs) if int(xf.get("fillId", 0)) in red}
    sheet = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{number}.xml"))
    return {c.get("r"): int(c.get("s", 0)) in red_xf for c in sheet.iter(f"{{{NS['m']}}}c")}


def comments(data: bytes, number: int = 1) -> dict[str, str]:
    book = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in book.namelist() if re.fullmatch(r"xl/comments\d+\.xml", n)]
    found = {}
    for name in names:
        if f"sheet{number}.xml" not in _comment_owner(book, name):
            continue
        root = ElementTree.fromstring(book.read(name))
        for comment in root.iter(f"{{{NS['m']}}}comment"):
            text = "".join(t.text or "" for t in comment.iter(f"{{{NS['m']}}}t"))
            found[comment.get("ref")] = text
    return found


def _comment_owner(book, comments_name: str) -> str:
    """The sheet whose relationships point at a comments part."""
    target = comments_name.removeprefix("xl/")
    for rels in book.namelist():
        if rels.startswith("xl/worksheets/_rels/") and f"../{target}" in book.read(rels).decode():
            return rels.removeprefix("xl/worksheets/_rels/").removesuffix(".rels")
    return ""


def uploaded_members() -> list[Sheet]:
    header = ["姓名", "性别", "公民身份号码", "出生日期", "工作岗位", "联系电话"]
    return [
        Sheet(
            name="党员",
            rows=[
                ["党员基本信息采集表", "", "", "", "", ""],  # a title row above the header
                header,
                ["张三", "男", "440802198005171234", date(1980, 5, 17), "=1+1", "13812345678"],
                ["李四", "女", "4408021975", "1975年3月2日", "", ""],
                ["王五", "妖", "440802197503020022", "", "+cmd", 138],
            ],
        ),
        Sheet(name="说明", rows=[["填表说明"], ["每人一行"]]),
    ]


ERRORS = [
    {
        "sheet": "党员",
        "row": 4,
        "column": 2,
        "header": "公民身份号码",
        "value": "4408021975",
        "message": "应为18位",
    },
    {
        "sheet": "党员",
        "row": 4,
        "column": 3,
        "header": "出生日期",
        "value": "1975年3月2日",
        "message": "与身份证号不符",
    },
    {
        "sheet": "党员",
        "row": 5,
        "column": 1,
        "header": "性别",
        "value": "妖",
        "message": "应为男或女",
    },
    {
        "sheet": "党员",
        "row": 5,
        "column": 1,
        "header": "性别",
        "value": "妖",
        "message": "应为男或女",
    },
    {"sheet": "党员", "row": 5, "column": None, "header": "", "value": "", "message": "重复的行"},
]


def test_annotated_file_marks_exactly_the_bad_cells():
    sheets = uploaded_members()
    data = write_annotated(sheets, ERRORS)
    book = read(data)
    assert list(book) == ["党员", "说明"]
    rows = book["党员"]
    # Every cell as uploaded, one column to the right; the error column first.
    assert [row[1:] for row in rows] == sheets[0].rows
    assert [row[0] for row in rows] == [
        "",
        ERROR_COLUMN,  # in the header row
        "",
        "公民身份号码：应为18位；出生日期：与身份证号不符",
        "性别：应为男或女；重复的行",
    ]
    assert book["说明"] == sheets[1].rows  # no error: as it came, no error column
    marked = {ref for ref, red in styled_cells(data).items() if red}
    assert marked == {"D4", "E4", "C5", "A4", "A5"}
    assert comments(data) == {"D4": "应为18位", "E4": "与身份证号不符", "C5": "应为男或女"}
    assert not any(styled_cells(data, 2).values()) and comments(data, 2) == {}
    # Text stays text: the "=1+1" job is no formula; the ID number is not a number.
    assert "<f>" not in sheet_xml(data)
    assert rows[2][5] == "=1+1" and rows[2][3] == "440802198005171234"
    # The importer finds the header row and ignores the error column.
    match = match_header(rows, MEMBERS)
    assert match.row_index == 1 and not match.ignored
    assert match.columns[3].field == "id_number"


def test_annotating_an_annotated_file_rewrites_its_error_column():
    first = write_annotated(uploaded_members(), ERRORS)
    sheets = read_sheets(first, "xlsx")
    # The user fixed row 4 and row 5; one new problem is found in row 3.
    error = {
        "sheet": "党员",
        "row": 3,
        "column": 6,  # indexes of the uploaded (annotated) sheet
        "header": "联系电话",
        "value": "13812345678",
        "message": "号码已被使用",
    }
    data = write_annotated(sheets, [error])
    rows = read(data)["党员"]
    assert [row[0] for row in rows] == ["", ERROR_COLUMN, "联系电话：号码已被使用", "", ""]
    assert [row[1:] for row in rows] == [row[1:] for row in sheets[0].rows]
    assert {ref for ref, red in styled_cells(data).items() if red} == {"A3", "G3"}
    assert comments(data) == {"G3": "号码已被使用"}


def test_annotated_file_with_a_whole_file_problem_and_a_csv():
    sheets = [Sheet(name="", rows=[["a", "b"], ["1", "2"]])]
    problem = {
        "sheet": "",
        "row": 0,
        "column": None,
        "header": "",
        "value": "",
        "message": "没有表头",
    }
    data = write_annotated(sheets, [problem])
    book = read(data)
    (name,) = book
    assert name  # a CSV's sheet gets a valid name
    assert book[name] == [[ERROR_COLUMN, "a", "b"], ["", "1", "2"]]
    assert comments(data) == {"A1": "没有表头"}
    assert {ref for ref, red in styled_cells(data).items() if red} == {"A1"}


def test_a_bad_cell_past_the_end_of_its_row_is_still_marked():
    sheets = [Sheet(name="s", rows=[["姓名", "公民身份号码", ""], ["张三", "", ""]])]
    error = {"sheet": "s", "row": 2, "column": 4, "header": "", "value": "", "message": "缺少"}
    data = write_annotated(sheets, [error])
    assert {ref for ref, red in styled_cells(data).items() if red} == {"A2", "F2"}
    assert comments(data) == {"F2": "缺少"}


# ---- in a browser: the button follows the filters -----------------------------------------


def in_browser(test):
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@in_browser
def test_the_export_button_downloads_the_list_as_filtered(
    live_server, transactional_db, browser_page
):
    """The filters change the list through HTMX (only the table is swapped); the button still
    exports what the list shows, without the page number."""
    expect = pytest.importorskip("playwright.sync_api").expect
    build_small_city()
    page = browser_page
    log_in(page, live_server.url, "city_admin")
    page.goto(live_server.url + reverse("members:member_list") + "?per_page=50")
    rows = page.locator("#member-table tbody tr")
    expect(rows).to_have_count(2)
    page.select_option("#id_sex", "2")
    expect(rows).to_have_count(1)
    button = page.locator("a[data-export-link]:not([data-export-unmask])")
    expect(button).to_have_attribute("href", re.compile(r"sex=2"))
    assert "page" not in button.get_attribute("href")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.startswith(MEMBERS.title)
    data = Path(download.value.path()).read_bytes()
    assert set(by_name(rows_of(data))) == {"李四"}
    unmasked = page.locator("a[data-export-unmask]")
    expect(unmasked).to_have_attribute("href", re.compile(r"sex=2.*unmask=1|unmask=1.*sex=2"))
