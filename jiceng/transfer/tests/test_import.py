"""Importing members and organisations: every class of bad input refuses the whole file,
good files add and update exactly what they say, and nothing escapes the uploader's scope."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from jiceng.core import idnumber
from jiceng.members.models import Member, StatusChange
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization
from jiceng.sheets.read import read_sheets
from jiceng.transfer.importing import import_sheets

from .sheetfiles import MEMBER_HEADERS, ORG_HEADERS, csv_bytes, member_row, members_sheet, xlsx

pytestmark = pytest.mark.django_db


def run(data: bytes, actor, *, write=True, kind="xlsx"):
    return import_sheets(read_sheets(data, kind), actor=actor, write=write)


def messages(outcome) -> list[tuple[int, str, str]]:
    return [(p.row, p.header, p.message) for p in outcome.problems]


def snapshot():
    return (
        sorted(Member.objects.values_list("id_number", "name", "org_id", "phone")),
        sorted(Organization.objects.values_list("name", "parent_id")),
        StatusChange.objects.count(),
    )


# --------------------------------------------------------------------------------------------
# Good files


def test_new_members_are_registered_with_derived_keys_and_rollups(city):
    branch = city.branch_a1.name
    a = member_row(branch, name="欧阳娜娜", born=date(1990, 2, 3), sex="女")
    a[MEMBER_HEADERS.index("公民身份号码")] = idnumber.make("440803", date(1990, 2, 3), 2)
    b = member_row(branch, name="王小明", 转为正式党员日期="")
    outcome = run(xlsx(members_sheet(a, b)), city.city_admin)
    assert outcome.ok, messages(outcome)
    assert outcome.written
    assert outcome.summary["members"] == {"rows": 2, "create": 2, "update": 0, "unchanged": 0}
    nana = Member.objects.get(name="欧阳娜娜")
    assert nana.org == city.branch_a1
    assert nana.sex == "2" and nana.birth_date == date(1990, 2, 3)
    assert nana.name_initials == "oynn" and nana.phone_tail == "5678"
    assert nana.membership == "full" and nana.full_member_date == date(2011, 7, 1)
    assert Member.objects.get(name="王小明").membership == "probationary"
    assert rollups.check() == []
    assert rollups.subtree_counts(city.city)["members"] == 4


def test_headers_tolerated_title_rows_fullwidth_and_variants(city):
    headers = list(MEMBER_HEADERS)
    headers[headers.index("公民身份号码")] = " 身份证号码 *"
    headers[headers.index("加入党组织日期")] = "入党时间（yyyy-mm-dd）"
    headers[headers.index("姓名")] = "姓　名"  # an ideographic space
    row = member_row(city.branch_a1.name, 加入党组织日期="2010年7月1日")
    row[MEMBER_HEADERS.index("公民身份号码")] = idnumber.normalise(
        row[MEMBER_HEADERS.index("公民身份号码")]
    ).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    data = xlsx(("Sheet1", [["湛江市党员基本信息采集表"], ["填报单位：寸金社区"], headers, row]))
    outcome = run(data, city.city_admin)
    assert outcome.ok, messages(outcome)
    assert Member.objects.filter(join_date=date(2010, 7, 1), name="王小明").exists()


@pytest.mark.parametrize(
    "written,expected",
    [
        (42916, date(2017, 6, 30)),  # an Excel serial number
        ("2017-06-25", date(2017, 6, 25)),
        ("2017/6/25", date(2017, 6, 25)),
        ("2017年6月25日", date(2017, 6, 25)),
        ("2017.06.25", date(2017, 6, 25)),
        ("20170625", date(2017, 6, 25)),
        (20170625, date(2017, 6, 25)),
        (date(2017, 6, 25), date(2017, 6, 25)),  # a date cell
    ],
)
def test_dates_as_people_and_excel_write_them(city, written, expected):
    row = member_row(city.branch_a1.name, 转为正式党员日期=written, 加入党组织日期="2016-06-01")
    outcome = run(xlsx(members_sheet(row)), city.city_admin)
    assert outcome.ok, messages(outcome)
    assert Member.objects.get(name="王小明").full_member_date == expected


def test_codes_by_name_or_by_code(city):
    row = member_row(city.branch_a1.name, 民族="08", 学历="本科", 人员类别="3", 性别="1")
    outcome = run(xlsx(members_sheet(row)), city.city_admin)
    assert outcome.ok, messages(outcome)
    m = Member.objects.get(name="王小明")
    assert (m.ethnicity, m.education, m.occupation, m.sex) == ("08", "20", "03", "1")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_and_gb18030(city, encoding):
    data = csv_bytes([MEMBER_HEADERS, member_row(city.branch_a1.name)], encoding)
    outcome = run(data, city.city_admin, kind="csv")
    assert outcome.ok, messages(outcome)
    assert Member.objects.filter(name="王小明", org=city.branch_a1).exists()


def test_existing_member_matched_by_id_number_is_updated_with_field_changes(city):
    m = city.member_a1
    row = member_row(
        city.branch_a2.name,
        name=m.name,
        公民身份号码=m.id_number.lower(),
        出生日期=m.birth_date.isoformat(),
        加入党组织日期=m.join_date.isoformat(),
        转为正式党员日期=m.full_member_date.isoformat(),
        联系电话="13700001111",
        是否失联="是",
        失联日期="2026-01-05",
    )
    preview = run(xlsx(members_sheet(row)), city.city_admin, write=False)
    assert preview.ok, messages(preview)
    assert not preview.written
    assert preview.summary["members"]["update"] == 1
    changes = {c["field"]: c for c in preview.preview["members"]["update"][0]["changes"]}
    assert changes["org"]["old"] == city.branch_a1.name
    assert changes["org"]["new"] == city.branch_a2.name
    assert changes["phone"]["new"] == "137****1111"  # personal data masked in the preview
    m.refresh_from_db()
    assert m.org == city.branch_a1 and m.phone == "13812345678"  # the dry run wrote nothing

    outcome = run(xlsx(members_sheet(row)), city.city_admin)
    assert outcome.ok and outcome.written
    m.refresh_from_db()
    assert m.org == city.branch_a2 and m.phone == "13700001111"
    assert m.is_lost_contact and m.lost_contact_since == date(2026, 1, 5)
    history = StatusChange.objects.get(member=m, field="is_lost_contact")
    assert history.effective_on == date(2026, 1, 5)
    assert rollups.check() == []
    assert Member.objects.count() == 2


def test_partial_sheet_updates_only_its_columns(city):
    m = city.member_a1
    data = xlsx(("Sheet1", [["公民身份号码", "联系电话"], [m.id_number, "13600002222"]]))
    outcome = run(data, city.city_admin)
    assert outcome.ok, messages(outcome)
    m.refresh_from_db()
    assert m.phone == "13600002222" and m.org == city.branch_a1 and m.name == "张三"


def test_partial_sheet_cannot_register_new_members(city):
    data = xlsx(("Sheet1", [["公民身份号码", "联系电话"], [member_row("x")[3], "13600002222"]]))
    outcome = run(data, city.city_admin)
    assert not outcome.ok
    assert "new members need these columns" in outcome.problems[0].message


def test_unchanged_rows_are_counted_and_write_nothing(city):
    m = city.member_a1
    row = member_row(
        city.branch_a1.name,
        name=m.name,
        公民身份号码=m.id_number,
        出生日期=m.birth_date,
        加入党组织日期=m.join_date,
        转为正式党员日期=m.full_member_date,
        联系电话=m.phone,
        家庭住址=m.address,
        学历=m.education,
        人员类别=m.occupation,
        工作岗位=m.job,
    )
    outcome = run(xlsx(members_sheet(row)), city.city_admin)
    assert outcome.ok, messages(outcome)
    assert outcome.summary["members"]["unchanged"] == 1


# --------------------------------------------------------------------------------------------
# Bad input: each refuses the whole file and says where


def refused(city, rows, actor=None):
    good = member_row(city.branch_a1.name, name="好人")
    before = snapshot()
    outcome = run(xlsx(members_sheet(good, *rows)), actor or city.city_admin)
    assert not outcome.ok and not outcome.written
    assert snapshot() == before, "a refused file must change nothing"
    return outcome


def test_invalid_id_number_reported_with_row_column_value_reason(city):
    bad = member_row(city.branch_a1.name, 公民身份号码="440803198504120010")
    outcome = refused(city, [bad])
    (p,) = outcome.problems
    # the value is shown masked: a job's stored problems never hold personal data
    assert (p.sheet, p.row, p.header, p.value) == ("党员", 3, "公民身份号码", "4408**********0010")
    assert p.column == MEMBER_HEADERS.index("公民身份号码")
    assert "check character" in p.message


@pytest.mark.parametrize(
    "values,header,fragment",
    [
        ({"出生日期": "1985-04-13"}, "出生日期", "Does not match the ID number"),
        ({"性别": "女"}, "性别", "Does not match"),
        ({"加入党组织日期": "2000-01-01"}, "加入党组织日期", "at least 18"),
        ({"加入党组织日期": "2099-01-01"}, "加入党组织日期", "future"),
        ({"转为正式党员日期": "2009-01-01"}, "转为正式党员日期", "before the joining date"),
        ({"申请入党日期": "2002-01-01"}, "申请入党日期", "at least 18"),
        ({"申请入党日期": "2010-08-01"}, "申请入党日期", "after the joining date"),
        ({"加入党组织日期": "2010-13-01"}, "加入党组织日期", "Not a real date"),
        ({"加入党组织日期": "last year"}, "加入党组织日期", "Not a date"),
        ({"学历": "幼儿园"}, "学历", "Not a known value"),
        ({"姓名": ""}, "姓名", "Required"),
        ({"联系电话": "call me"}, "联系电话", "7 to 15 digits"),
        ({"是否失联": "是"}, "失联日期", "Required for a member who lost contact"),
        ({"是否失联": "也许"}, "是否失联", "是 or 否"),
        ({"所在党支部": "不存在党支部"}, "所在党支部", "No organisation has this name"),
        ({"所在党支部": "中华街道党工委"}, "所在党支部", "not a branch"),
    ],
)
def test_each_bad_value_refuses_the_file(city, values, header, fragment):
    outcome = refused(city, [member_row(city.branch_a1.name, **values)])
    assert any(p.header == header and fragment in p.message for p in outcome.problems), messages(
        outcome
    )


def test_duplicate_id_numbers_inside_the_file(city):
    one = member_row(city.branch_a1.name)
    two = member_row(city.branch_a1.name, 公民身份号码=one[3].lower())
    outcome = refused(city, [one, two])
    assert messages(outcome) == [(4, "公民身份号码", "The same ID number is on row 3")]


def test_org_outside_the_uploaders_scope_refuses_the_whole_file(city):
    outside = member_row(city.branch_b1.name)
    outcome = refused(city, [outside], actor=city.county_admin)
    assert messages(outcome) == [(3, "所在党支部", "This organisation is outside your scope")]


def test_existing_member_outside_scope_cannot_be_changed(city):
    theirs = member_row(
        city.branch_a1.name,
        name="李四",
        公民身份号码=city.member_b1.id_number,
        出生日期=city.member_b1.birth_date,
        性别="女",
        加入党组织日期=city.member_b1.join_date,
        转为正式党员日期=city.member_b1.full_member_date,
    )
    outcome = refused(city, [theirs], actor=city.county_admin)
    assert "outside your scope" in outcome.problems[0].message


@pytest.mark.parametrize("persona", ["viewer", "member_user", "outsider"])
def test_users_who_cannot_add_import_nothing(city, persona):
    outcome = refused(city, [], actor=getattr(city, persona))
    assert "outside your scope" in outcome.problems[0].message


def test_a_sheet_without_a_recognised_header(city):
    outcome = run(xlsx(("Sheet1", [["a", "b"], [1, 2]])), city.city_admin)
    assert "No sheet has a recognised header row" in outcome.problems[0].message


def test_every_problem_is_listed_not_just_the_first(city):
    rows = [member_row(city.branch_a1.name, 学历="?") for _ in range(30)]
    outcome = refused(city, rows)
    assert len(outcome.problems) == 30
    assert [p.row for p in outcome.problems] == list(range(3, 33))


# --------------------------------------------------------------------------------------------
# Organisations


def org_row(**values) -> list:
    row = dict.fromkeys(ORG_HEADERS, "")
    row.update(values)
    return [row[h] for h in ORG_HEADERS]


def test_orgs_and_their_members_in_one_workbook(city):
    orgs = (
        "组织",
        [
            ORG_HEADERS,
            org_row(
                党组织名称="中共某某村第一党支部",
                上级党组织=city.town_a.name,
                党组织类型="党支部",
                组织类别="农村",
                所在单位情况="行政村",
                书记="赵六",
                成立日期="2015-03-01",
            ),
        ],
    )
    members = members_sheet(member_row("中共某某村第一党支部", name="赵六"))
    outcome = run(xlsx(orgs, members), city.county_admin)
    assert outcome.ok, messages(outcome)
    branch = Organization.objects.get(name="中共某某村第一党支部")
    assert branch.parent == city.town_a and branch.kind == "branch"
    assert branch.secretary.name == "赵六"
    assert branch.term_years == 5  # a village branch: ORG-05
    assert rollups.check() == []


def test_org_sheet_problems(city):
    orgs = (
        "组织",
        [
            ORG_HEADERS,
            org_row(
                党组织名称="新支部",
                上级党组织=city.branch_a1.name,
                党组织类型="党支部",
                组织类别="农村",
                所在单位情况="行政村",
            ),
            org_row(
                党组织名称="另一支部",
                上级党组织=city.town_b.name,
                党组织类型="党支部",
                组织类别="农村",
                所在单位情况="行政村",
            ),
        ],
    )
    before = snapshot()
    outcome = run(xlsx(orgs), city.county_admin)
    assert [(p.row, p.header) for p in outcome.problems] == [(2, "上级党组织"), (3, "上级党组织")]
    assert "a branch cannot contain" in outcome.problems[0].message
    assert "outside your scope" in outcome.problems[1].message
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# The command


def test_command_dry_run_and_write(city, tmp_path, capsys):
    path = tmp_path / "members.xlsx"
    path.write_bytes(xlsx(members_sheet(member_row(city.branch_a1.name))))
    call_command("import", str(path), "--dry-run", verbosity=0)
    assert "1 new" in capsys.readouterr().out
    assert not Member.objects.filter(name="王小明").exists()
    call_command("import", str(path), verbosity=0)
    assert Member.objects.filter(name="王小明").exists()


def test_command_writes_the_annotated_file_and_fails(city, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(members_sheet(member_row(city.branch_a1.name, 学历="?"))))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", str(path), verbosity=0)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "党员 row 2, 学历 (?)" in out
    annotated = read_sheets((tmp_path / "bad-errors.xlsx").read_bytes(), "xlsx")
    assert "错误说明" in annotated[0].rows[0]


def test_checks_split_over_two_processes_give_the_same_outcome(city, monkeypatch):
    from jiceng.transfer import members_import

    rows = [member_row(city.branch_a1.name, name=f"张{'伟芳娜敏静'[i % 5]}{i}") for i in range(6)]
    rows[1][MEMBER_HEADERS.index("学历")] = "?"  # a cell problem, first half
    rows[4][MEMBER_HEADERS.index("加入党组织日期")] = "2000-01-01"  # a rule problem, second half
    data = xlsx(members_sheet(*rows))
    serial = run(data, city.city_admin, write=False)
    monkeypatch.setattr(members_import, "PARALLEL_MIN_ROWS", 2)
    monkeypatch.setattr(members_import, "second_cpu_free", lambda: True)
    parallel = run(data, city.city_admin, write=False)
    assert messages(parallel) == messages(serial)
    assert [p.row for p in parallel.problems] == [3, 6]
    rows[1][MEMBER_HEADERS.index("学历")] = "本科"
    rows[4][MEMBER_HEADERS.index("加入党组织日期")] = "2010-07-01"
    outcome = run(xlsx(members_sheet(*rows)), city.city_admin)
    assert outcome.ok and outcome.summary["members"]["create"] == 6
    assert rollups.check() == []


def test_a_large_load_with_branches_from_the_same_workbook(city, monkeypatch):
    """The path a city-scale file takes, on a small one: checks and insert rows built in two
    processes and written part by part while the child still checks, the member table's indexes rebuilt after the load, members of a branch that
    the same workbook creates; every value, index and rollup as it should be."""
    from jiceng.core import bulk
    from jiceng.transfer import members_import

    monkeypatch.setattr(members_import, "PARALLEL_MIN_ROWS", 2)
    monkeypatch.setattr(members_import, "second_cpu_free", lambda: True)
    monkeypatch.setattr(members_import, "WRITE_PART", 2)  # several parts, each written as it comes
    monkeypatch.setattr(bulk, "DEFER_MIN_ROWS", 2)
    indexes = sorted(index.name for index in Member._meta.indexes)
    orgs = (
        "组织",
        [
            ORG_HEADERS,
            org_row(
                党组织名称="中共某某村第一党支部",
                上级党组织=city.town_a.name,
                党组织类型="党支部",
                组织类别="农村",
                所在单位情况="行政村",
            ),
        ],
    )
    rows = []
    for i in range(8):
        branch = "中共某某村第一党支部" if i % 2 else city.branch_a1.name
        row = member_row(branch, name=f"张{'伟芳娜敏静'[i % 5]}{i}", born=date(1980, 1, 1 + i))
        row[MEMBER_HEADERS.index("联系电话")] = f"1391234560{i}"
        rows.append(row)
    outcome = run(xlsx(orgs, members_sheet(*rows)), city.county_admin)
    assert outcome.ok, messages(outcome)
    assert outcome.summary["members"] == {"rows": 8, "create": 8, "update": 0, "unchanged": 0}
    assert [c["row"] for c in outcome.preview["members"]["create"]] == list(range(2, 10))
    branch = Organization.objects.get(name="中共某某村第一党支部")
    assert Member.objects.filter(org=branch).count() == 4
    zhang = Member.objects.get(name="张芳1")
    assert zhang.org == branch and zhang.phone == "13912345601" and zhang.birth_date.day == 2
    assert zhang.name_initials == "zf" and zhang.phone_tail == "5601"
    assert rollups.check() == []
    with connection.cursor() as cursor:
        described = connection.introspection.get_constraints(cursor, Member._meta.db_table)
    assert set(indexes) <= set(described)
    assert any(c["unique"] and c["columns"] == ["id_number_hash"] for c in described.values())


def test_a_branch_name_with_full_width_characters_is_found(city):
    """Cells are read NFKC ("（集团）" becomes "(集团)"); the stored name still matches."""
    Organization.objects.filter(pk=city.branch_a1.pk).update(name="中共某某（集团）公司第一支部")
    outcome = run(xlsx(members_sheet(member_row("中共某某（集团）公司第一支部"))), city.city_admin)
    assert outcome.ok, messages(outcome)
    assert Member.objects.get(name="王小明").org_id == city.branch_a1.pk


def test_the_column_wise_screen_gives_what_the_row_by_row_checks_give(city, monkeypatch):
    """New members pass through members_screen (column by column) or, when it cannot prove a
    row good, through the per-row checks: both ways give the same rows, counts, preview and
    problems, whatever mix of values the file holds."""
    from jiceng.core import crypto
    from jiceng.transfer import importing, members_import

    def row(i: int) -> list:
        born = date(1960 + i % 30, 1 + i % 12, 1 + i % 27)
        values = {
            "name": f"{'欧阳张王李单'[i % 6]}{'伟芳娜敏静'[i % 5]}{i}",
            "born": born,
            "性别": ("男", "", "男")[i % 3],
            "出生日期": born.isoformat() if i % 4 else "",
            "转为正式党员日期": "" if i % 5 == 0 else "2011-07-01",
            "联系电话": ("13912345678", "139-1234-5678", "", "0759 1234567")[i % 4],
            "是否失联": "是" if i % 7 == 0 else "否",
            "失联日期": "2020-03-04" if i % 7 == 0 else "",
            "是否流动": "是" if i % 3 == 0 else "否",
            "外出流向": "广州" if i % 6 == 0 else "",
            "申请入党日期": "2009-05-01" if i % 2 else "",
            "工作岗位": "村委委员" if i % 2 else "",
        }
        branch = (city.branch_a1.name, city.branch_a2.name)[i % 2]
        cells = member_row(branch, **values)
        cells[MEMBER_HEADERS.index("公民身份号码")] = idnumber.make("440803", born, 2 * i + 1)
        return cells

    rows = [row(i) for i in range(60)]
    rows[10][MEMBER_HEADERS.index("加入党组织日期")] = "1970-01-01"  # too young
    rows[11][MEMBER_HEADERS.index("性别")] = "女"  # disagrees with the number
    rows[12][MEMBER_HEADERS.index("所在党支部")] = "没有这个支部"
    rows[13][MEMBER_HEADERS.index("联系电话")] = "12-34"
    rows[14][MEMBER_HEADERS.index("是否失联")] = "否"  # but a date of losing contact
    data = xlsx(members_sheet(*rows))
    plans = []
    check = importing.check_members

    def keeping(*args, **kwargs):
        plans.append(check(*args, **kwargs))
        return plans[-1]

    monkeypatch.setattr(importing, "check_members", keeping)
    fast = run(data, city.city_admin, write=False)
    monkeypatch.setattr(
        members_import, "screen", lambda offsets, *_a: ([], list(offsets), {"born": []})
    )
    slow = run(data, city.city_admin, write=False)
    assert messages(fast) == messages(slow) and len(messages(fast)) == 5
    assert fast.summary == slow.summary and fast.preview == slow.preview
    sealed = [i for i, c in enumerate(members_import.INSERT_COLUMNS) if c in PERSONAL]

    def opened(plan) -> list[tuple]:
        stamps = len(members_import.INSERT_COLUMNS) - 2  # the check's time: differs by run
        return [
            tuple(crypto.decrypt(v) if i in sealed else v for i, v in enumerate(r[:stamps]))
            for r in plan.new_rows
        ]

    assert len(plans[0].new_rows) == 55
    assert opened(plans[0]) == opened(plans[1])
    assert plans[0].new_counts == plans[1].new_counts
    rows = [r for i, r in enumerate(rows) if not 10 <= i <= 14]
    monkeypatch.undo()
    outcome = run(xlsx(members_sheet(*rows)), city.city_admin)
    assert outcome.ok and outcome.summary["members"]["create"] == 55
    assert rollups.check() == []


PERSONAL = ("id_number", "phone", "address")


def test_a_problem_in_a_late_part_undoes_the_parts_already_written(city, monkeypatch):
    from jiceng.transfer import members_import

    monkeypatch.setattr(members_import, "PARALLEL_MIN_ROWS", 2)
    monkeypatch.setattr(members_import, "second_cpu_free", lambda: True)
    monkeypatch.setattr(members_import, "WRITE_PART", 2)
    written = []
    write = members_import.MemberWriter.write
    monkeypatch.setattr(
        members_import.MemberWriter,
        "write",
        lambda self, rows: (written.append(len(rows)), write(self, rows)),
    )
    rows = [member_row(city.branch_a1.name, name=f"张{'伟芳娜敏静'[i % 5]}{i}") for i in range(8)]
    rows[7][MEMBER_HEADERS.index("加入党组织日期")] = "2000-01-01"  # too young, the last part
    before = Member.objects.count()
    outcome = run(xlsx(members_sheet(*rows)), city.city_admin)
    assert sum(written) >= 6  # the earlier parts were written before the problem was found
    assert not outcome.written and [p.row for p in outcome.problems] == [9]
    assert Member.objects.count() == before and rollups.check() == []
