"""A large worksheet read in parts on two CPUs gives exactly the rows of the one parse."""

import datetime
import io
import random
import zipfile

import pytest
import python_calamine

from jiceng.sheets import read, split
from jiceng.sheets.read import read_sheets

from . import xlsx_bytes


def whole(data: bytes, index: int) -> list[list]:
    with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
        return workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)


def random_sheet(seed: int):
    """A sheet whose layout varies with `seed`: gaps of missing rows (often around the
    middle, where the cut falls), a first or last column filled in the first half only."""
    rng = random.Random(seed)
    rows = rng.randint(150, 400)
    gap_at = rows // 2 + rng.randint(-30, 0)
    gap = range(gap_at, gap_at + rng.choice([0, 1, 7, 30, 60]))
    first_column_early = rng.random() < 0.5
    last_column_early = rng.random() < 0.5

    def build(wb):
        ws = wb.add_worksheet("名册")
        dated = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_row(0, 1, ["姓名", "电话", "出生日期", "基数", "失联"])
        for r in range(1, rows):
            if r in gap or rng.random() < 0.3:
                continue
            early = r < rows // 2
            if early or not first_column_early:
                ws.write_string(r, 0, f"A{r}")
            ws.write_string(r, 1, rng.choice(["张三", "李四", "Ｗａｎｇ", " 王 五 "]))
            ws.write_number(r, 2, 13800000000 + r)
            ws.write_datetime(r, 3, datetime.date(1960, 1, 1) + datetime.timedelta(r), dated)
            ws.write_number(r, 4, rng.choice([3500.5, 0, -1, 2.25]))
            if early or not last_column_early:
                ws.write_boolean(r, 5, rng.random() < 0.5)

    return xlsx_bytes(build)


@pytest.mark.parametrize("seed", range(12))
def test_parts_give_the_rows_of_the_one_parse(seed):
    data = random_sheet(seed)
    assert split.parallel_rows(data, 0, force=True) == whole(data, 0)


def test_the_layouts_above_cut_after_gaps_and_narrower_parts():
    """The cases the joining handles do occur in the parametrised test: a part that starts
    after missing rows, and a part narrower than the other."""
    after_gap = narrower = 0
    for seed in range(12):
        data = random_sheet(seed)
        archive = zipfile.ZipFile(io.BytesIO(data))
        xml = archive.read(split.worksheet_paths(archive)[0])
        _start, at, number = split._cut(xml[: len(xml) // 2])
        previous = xml.rfind(b'<row r="', 0, at)
        after_gap += int(xml[previous + 8 : xml.index(b'"', previous + 8)]) < number - 1
        rows = whole(data, 0)
        narrower += rows[-1][-1] == "" and rows[number - 2][-1] != ""
    assert after_gap >= 2 and narrower >= 2


def test_the_sheet_is_found_by_its_place_in_the_workbook():
    def build(wb):
        wb.add_worksheet("说明").write_string(0, 0, "填表说明")
        data = wb.add_worksheet("名册")
        for r in range(300):
            data.write_row(r, 0, [f"第{r}行", r, r * 1.5])
        codes = wb.add_worksheet("代码")
        for r in range(200):
            codes.write_row(r, 0, [f"{r:02d}", f"代码{r}"])
        codes.hide()

    data = xlsx_bytes(build)
    assert split.parallel_rows(data, 1, force=True) == whole(data, 1)
    assert split.parallel_rows(data, 2, force=True) == whole(data, 2)
    assert split.parallel_rows(data, 0, force=True) is None  # one row: nothing to cut


def test_read_sheets_uses_the_parts_only_for_a_large_sheet_on_an_idle_machine(monkeypatch):
    data = random_sheet(1)
    one = read_sheets(data, "xlsx")
    called = []
    real = split.parallel_rows

    def spy(data, index, **kwargs):
        rows = real(data, index, **kwargs)
        called.append(rows is not None)
        return rows

    monkeypatch.setattr(read, "parallel_rows", spy)
    monkeypatch.setattr(split, "can_fork", lambda: True)
    monkeypatch.setattr(split, "second_cpu_free", lambda: True)
    assert read_sheets(data, "xlsx") == one and called == [False]  # below SPLIT_MIN_BYTES
    monkeypatch.setattr(split, "SPLIT_MIN_BYTES", 1)
    assert read_sheets(data, "xlsx") == one and called == [False, True]
    monkeypatch.setattr(split, "second_cpu_free", lambda: False)
    assert read_sheets(data, "xlsx") == one and called == [False, True, False]


def plain_sheet(rows: int = 200) -> bytes:
    body = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(1, rows)
    )
    return b"<worksheet><sheetData>" + body + b"</sheetData></worksheet>"


@pytest.mark.parametrize(
    ("defect", "replace"),
    [
        ("namespace prefix", lambda x: x.replace(b"<worksheet>", b"<x:worksheet>")),
        ("rows without numbers", lambda x: x.replace(b'<row r="', b'<row s="')),
        ("two sheetData", lambda x: x.replace(b"</row>", b"</row></sheetData><sheetData>", 1)),
        ("one row", lambda x: plain_sheet(rows=2) + b" " * 2000),
    ],
)
def test_a_sheet_that_cannot_be_cut_safely_is_read_whole(defect, replace):
    first = plain_sheet()[: len(plain_sheet()) // 2]
    start, at, number = split._cut(first)  # the plain sheet is cut after its middle row
    assert first[start:].startswith(b'<row r="1"') and 90 < number < 110
    assert first[at:].startswith(b'<row r="%d"' % number)
    xml = replace(plain_sheet())
    assert split._cut(xml[: len(xml) // 2]) is None, defect


def test_a_part_that_does_not_parse_falls_back_to_the_one_parse(monkeypatch):
    data = random_sheet(3)
    cut = split._cut

    def inside_a_tag(first):
        start, at, number = cut(first)
        return start, at + 2, number  # cuts "<row" after "<r"

    monkeypatch.setattr(split, "_cut", inside_a_tag)
    assert split.parallel_rows(data, 0, force=True) is None
    monkeypatch.setattr(split, "second_cpu_free", lambda: True)
    monkeypatch.setattr(split, "SPLIT_MIN_BYTES", 1)
    assert read_sheets(data, "xlsx")[0].rows == read._tidy(whole(data, 0))


def test_a_part_whose_rows_are_not_where_their_numbers_say_is_not_used():
    # the second part claims to start at row 10, but its first row is row 3
    assert split._joined([(0, 0, [["a"], ["b"]]), (2, 0, [["c"]])], [1, 10]) is None
    # missing rows between the parts and a part that starts right of column A
    assert split._joined([(0, 0, [["a", "b"]]), (3, 1, [["c"]])], [1, 4]) == [
        ["a", "b"],
        ["", ""],
        ["", ""],
        ["", "c"],
    ]
