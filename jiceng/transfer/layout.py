"""The column layouts of imported and exported sheets: the national 党员基本信息采集表
(RULES.md §8) for members and the organisation items for organisations.

One table per kind says, for every column, the record field, the Chinese header written on
export, the header variants accepted on import and how the cell's value is read. The importer,
the exporter and the annotated error file all use these tables, so what is exported can be
imported again unchanged.
"""

from dataclasses import dataclass, field

from jiceng.core.codes import ETHNICITIES, Education, Occupation, OrgCategory, Sex
from jiceng.members.models import Standing
from jiceng.orgs.models import OrgKind, UnitType


@dataclass(frozen=True)
class Column:
    field: str  # record field (or a pseudo-field such as "org" / "parent")
    header: str  # the template's header, written on export
    kind: str = "text"  # text | date | code | bool | int | id_number | phone | org
    aliases: tuple[str, ...] = ()  # other headers accepted on import
    required: bool = False
    codes: tuple[tuple[str, str], ...] = ()  # (stored code, name) for kind == "code"
    max_length: int | None = None
    width: int = 12  # export column width (characters)
    personal: bool = False  # masked on export unless the user may unmask

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class Layout:
    kind: str  # "members" | "orgs"
    title: str  # sheet title and the export's title row
    columns: tuple[Column, ...]
    # Headers whose presence identifies a sheet of this kind.
    identifying: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)


def _choices(choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), str(label)) for v, label in choices)


YES_NO = (("1", "是"), ("0", "否"))

MEMBERS = Layout(
    kind="members",
    title="党员基本信息采集表",
    identifying=("id_number",),
    columns=(
        Column("name", "姓名", required=True, max_length=40, width=10, aliases=("党员姓名",)),
        Column("sex", "性别", "code", codes=_choices(Sex.choices), width=6),
        Column("ethnicity", "民族", "code", codes=_choices(ETHNICITIES), width=8),
        Column(
            "id_number",
            "公民身份号码",
            "id_number",
            required=True,
            width=21,
            personal=True,
            aliases=("身份证号", "身份证号码", "公民身份证号", "公民身份证号码", "身份证"),
        ),
        Column("birth_date", "出生日期", "date", aliases=("出生年月",)),
        Column(
            "education",
            "学历",
            "code",
            required=True,
            codes=_choices(Education.choices),
            aliases=("文化程度", "最高学历"),
        ),
        Column(
            "occupation",
            "人员类别",
            "code",
            required=True,
            codes=_choices(Occupation.choices),
            width=20,
            aliases=("职业", "工作岗位类别"),
        ),
        Column(
            "org",
            "所在党支部",
            "org",
            required=True,
            width=36,
            aliases=("所在党组织", "党支部", "所在支部", "党组织名称"),
        ),
        Column(
            "join_date",
            "加入党组织日期",
            "date",
            required=True,
            aliases=("入党日期", "入党时间", "加入党组织时间"),
        ),
        Column(
            "full_member_date",
            "转为正式党员日期",
            "date",
            aliases=("转正日期", "转正时间", "转为正式党员时间"),
        ),
        Column("job", "工作岗位", max_length=80, width=16, aliases=("职务", "岗位")),
        Column(
            "phone",
            "联系电话",
            "phone",
            personal=True,
            aliases=("手机号码", "手机号", "电话", "联系方式"),
        ),
        Column(
            "address",
            "家庭住址",
            max_length=200,
            width=30,
            personal=True,
            aliases=("住址", "家庭地址", "现居住地"),
        ),
        Column("standing", "党籍状态", "code", codes=_choices(Standing.choices)),
        Column("is_lost_contact", "是否失联", "bool", codes=YES_NO, aliases=("失联党员",)),
        Column("lost_contact_since", "失联日期", "date", aliases=("失去联系日期",)),
        Column("is_mobile", "是否流动", "bool", codes=YES_NO, aliases=("流动党员",)),
        Column(
            "mobile_destination",
            "外出流向",
            max_length=120,
            width=16,
            aliases=("流向", "外出地点"),
        ),
        # Beyond the 16 items: checked when present (≥ 18 at application, application ≤ join).
        Column("applied_on", "申请入党日期", "date", aliases=("入党申请日期", "申请入党时间")),
    ),
)

ORGS = Layout(
    kind="orgs",
    title="党组织基本信息",
    identifying=("name", "kind"),
    columns=(
        Column(
            "name",
            "党组织名称",
            required=True,
            max_length=120,
            width=36,
            aliases=("党组织全称", "组织名称"),
        ),
        Column("short_name", "简称", max_length=40, width=14, aliases=("党组织简称",)),
        Column(
            "parent",
            "上级党组织",
            "org",
            width=36,
            aliases=("上级党组织名称", "上级组织"),
        ),
        Column(
            "kind",
            "党组织类型",
            "code",
            required=True,
            codes=_choices(OrgKind.choices),
            width=16,
            aliases=("组织类型", "党组织类别"),
        ),
        Column(
            "category",
            "组织类别",
            "code",
            required=True,
            codes=_choices(OrgCategory.choices),
            aliases=("单位类别",),
        ),
        Column(
            "unit_type",
            "所在单位情况",
            "code",
            required=True,
            codes=_choices(UnitType.choices),
            aliases=("单位情况", "所在单位类型"),
        ),
        Column("unit_name", "单位名称", max_length=120, width=24, aliases=("所在单位",)),
        Column("secretary", "书记", "member", width=10, aliases=("书记姓名", "党组织书记")),
        Column("contact_name", "联系人", max_length=40, width=10),
        Column("contact_phone", "电话", "phone", aliases=("联系电话", "联系人电话")),
        Column("founded_on", "成立日期", "date", aliases=("成立时间",)),
        Column("term_started_on", "本届任期开始日期", "date", aliases=("换届日期", "本届换届时间")),
        Column("term_years", "任期年限", "int", aliases=("任期",)),
    ),
)

LAYOUTS = {layout.kind: layout for layout in (MEMBERS, ORGS)}
