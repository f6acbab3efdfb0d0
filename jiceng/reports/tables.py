"""The standard tables of the annual statistics, computed from a snapshot's rows.

Each table has categories (its columns) and one row per sub-organisation of the organisation
asked about (as the snapshot recorded the tree), with the total first. A table is one or two
GROUP BY queries over the snapshot's index range, whatever the subtree's size. The two-year
comparison sets the total row beside the same organisation's snapshot of the year before.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jiceng.core.codes import (
    AGE_BANDS,
    HAN,
    JOIN_ERAS,
    TERTIARY,
    Education,
    Occupation,
    OrgCategory,
    Sex,
    age_band,
)
from jiceng.core.fields import prefix_range
from jiceng.members.models import LeaveStatus, Membership
from jiceng.orgs.models import BRANCH_KINDS, GRASSROOTS_KINDS, SEGMENT, OrgKind, UnitType

from .models import Snapshot, SnapshotMember, SnapshotOrg, SnapshotTable

TOTAL = "total"


@dataclass
class Row:
    label: str
    org_id: int | None  # the sub-organisation (None: the total row, or "directly")
    path: str
    cells: list  # ints, or a float share for a "%" column


@dataclass
class Table:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    @property
    def total(self) -> Row:
        return self.rows[0]


@dataclass(frozen=True)
class Spec:
    key: str
    title: object
    build: Callable  # (snapshot, path) -> (columns, {child path: {column: n}})
    note: object = ""
    shares: tuple[tuple[str, str, str], ...] = ()  # (column, numerator, denominator)


# --- member tables --------------------------------------------------------------------------


def _members(snapshot: Snapshot, path: str, **where):
    return SnapshotMember.objects.filter(
        snapshot=snapshot, **prefix_range("org_path", path), **where
    )


def _grouped(queryset, path: str, dimension: str) -> list[tuple[str, object, int]]:
    child = Substr("org_path", 1, len(path) + SEGMENT)
    return list(
        queryset.annotate(child=child)
        .values_list("child", dimension)
        .annotate(n=Count("*"))
        .order_by()
    )


def _by(dimension: str, columns, classify=None, *, extra=None, where=None):
    """A table builder: on-roll members of the subtree by `dimension`, mapped to a column by
    `classify(value, year)` (default: the value itself)."""

    def build(snapshot: Snapshot, path: str):
        cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        rows = _grouped(_members(snapshot, path, **(where or {"leave_route": ""})), path, dimension)
        for child, value, n in rows:
            column = classify(value, snapshot.year) if classify else value
            cells[child][column] += n
            cells[child][TOTAL] += n
            if extra:
                for key, test in extra.items():
                    if test(value):
                        cells[child][key] += n
        return columns(), cells

    return build


def _sex_columns():
    return list(Sex.choices)


def _ethnicity_columns():
    return [("han", "汉族"), ("minority", "少数民族")]


def _age_columns():
    return [(label, label) for label, _low, _high in AGE_BANDS]


def _education_columns():
    return [*Education.choices, ("tertiary", "大专及以上")]


def _era_key(start, end) -> str:
    return f"{start or ''}-{end or ''}"


def _era_columns():
    return [(_era_key(start, end), str(label)) for label, start, end in JOIN_ERAS]


def _era_of(year: int, _reference_year: int) -> str:
    for _label, start, end in JOIN_ERAS:
        if (start is None or year >= start) and (end is None or year < end):
            return _era_key(start, end)
    return _era_key(*JOIN_ERAS[-1][1:])


def _membership_columns():
    return list(Membership.choices)


def _new_member_columns():
    return [
        ("female", "女"),
        ("minority", "少数民族"),
        ("young", "35岁及以下"),
        ("tertiary", "大专及以上"),
        ("worker", "工人"),
        ("farmer", "农牧渔民"),
    ]


def _new_members(snapshot: Snapshot, path: str):
    """Members whose join date falls in the year (developed in the year), whether or not they
    are still on the rolls at its end."""
    queryset = _members(snapshot, path, join_year=snapshot.year)
    child = Substr("org_path", 1, len(path) + SEGMENT)
    rows = (
        queryset.annotate(child=child)
        .values_list("child", "sex", "ethnicity", "birth_year", "education", "occupation")
        .annotate(n=Count("*"))
        .order_by()
    )
    cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for child_path, sex, ethnicity, birth_year, education, occupation, n in rows:
        c = cells[child_path]
        c[TOTAL] += n
        c["female"] += n if sex == Sex.FEMALE else 0
        c["minority"] += n if ethnicity != HAN else 0
        c["young"] += n if snapshot.year - birth_year <= 35 else 0
        c["tertiary"] += n if education in TERTIARY else 0
        c["worker"] += n if occupation == Occupation.WORKER else 0
        c["farmer"] += n if occupation == Occupation.FARMER else 0
    return _new_member_columns(), cells


def _leaving_columns():
    return [(k, label) for k, label in LeaveStatus.choices if k]


# --- organisation tables -----------------------------------------------------------------------


def _orgs(snapshot: Snapshot, path: str):
    return SnapshotOrg.objects.filter(snapshot=snapshot, **prefix_range("path", path))


def _org_grouped(queryset, path: str, dimension: str):
    child = Substr("path", 1, len(path) + SEGMENT)
    return list(
        queryset.annotate(child=child)
        .values_list("child", dimension)
        .annotate(n=Count("*"))
        .order_by()
    )


KIND_COLUMNS = [
    (OrgKind.PRIMARY.value, "基层党委"),
    (OrgKind.GENERAL_BRANCH.value, "党总支"),
    (OrgKind.BRANCH.value, "党支部"),
]


def _org_kinds(snapshot: Snapshot, path: str):
    """Grassroots organisations by kind (STAT-05/06); joint and temporary branches count as
    branches."""
    cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    grassroots = _orgs(snapshot, path).filter(kind__in=GRASSROOTS_KINDS)
    for child, kind, n in _org_grouped(grassroots, path, "kind"):
        column = OrgKind.BRANCH.value if kind in BRANCH_KINDS else kind
        cells[child][column] += n
        cells[child][TOTAL] += n
        if kind == OrgKind.JOINT_BRANCH:
            cells[child]["joint"] += n
    return [*KIND_COLUMNS, ("joint", "其中联合党支部")], cells


def _org_categories(snapshot: Snapshot, path: str):
    cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    grassroots = _orgs(snapshot, path).filter(kind__in=GRASSROOTS_KINDS)
    for child, category, n in _org_grouped(grassroots, path, "category"):
        cells[child][category] += n
        cells[child][TOTAL] += n
    return list(OrgCategory.choices), cells


MIN_FULL_MEMBERS = 3  # Party Constitution art. 30: three full members form a branch
UNIT_TYPES = (UnitType.VILLAGE.value, UnitType.COMMUNITY.value)


def _coverage(snapshot: Snapshot, path: str):
    """Villages and communities, and those with a Party organisation of their own.

    A village or community is the top organisation of its unit in the tree (unit type village
    or community, its parent not of the same unit type), active at the reference date. It has
    a Party organisation of its own when that organisation is not a joint branch and its
    subtree has at least three full members on the rolls (one can form a branch)."""
    units = list(
        _orgs(snapshot, path)
        .filter(unit_type__in=UNIT_TYPES)
        .values_list("path", "unit_type", "parent_unit_type", "kind")
    )
    units = [u for u in units if u[2] != u[1]]
    full = defaultdict(int)
    for org_path, n in (
        _members(snapshot, path, leave_route="", membership=Membership.FULL)
        .values_list("org_path")
        .annotate(n=Count("*"))
        .order_by()
    ):
        full[org_path] += n
    # Full members per unit: the sum over the paths inside it (sorted paths, one pass each).
    paths = sorted(full)
    cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_path, unit_type, _parent, kind in units:
        lo = bisect.bisect_left(paths, unit_path)
        hi = bisect.bisect_left(paths, unit_path + "\U0010ffff")
        members = sum(full[p] for p in paths[lo:hi])
        child = unit_path[: len(path) + SEGMENT]
        c = cells[child]
        c[unit_type] += 1
        if kind != OrgKind.JOINT_BRANCH and members >= MIN_FULL_MEMBERS:
            c[f"{unit_type}_covered"] += 1
    columns = [
        ("village", "行政村"),
        ("village_covered", "其中单独建立党组织"),
        ("village_share", "覆盖率(%)"),
        ("community", "社区"),
        ("community_covered", "其中单独建立党组织"),
        ("community_share", "覆盖率(%)"),
    ]
    return columns, cells


# --- the catalogue ------------------------------------------------------------------------------


SPECS = [
    Spec("sex", _("Members by sex"), _by("sex", _sex_columns)),
    Spec(
        "ethnicity",
        _("Members by ethnicity"),
        _by("ethnicity", _ethnicity_columns, lambda v, _y: "han" if v == HAN else "minority"),
    ),
    Spec(
        "age",
        _("Members by age band"),
        _by("birth_year", _age_columns, lambda v, y: age_band(y - v)),
        note=_("Ages on 31 December of the year (STAT-01, STAT-03)."),
    ),
    Spec(
        "education",
        _("Members by education"),
        _by("education", _education_columns, extra={"tertiary": lambda v: v in TERTIARY}),
        note=_("大专及以上 = postgraduate, bachelor and college (GB/T 4658)."),
    ),
    Spec(
        "occupation",
        _("Members by occupation category"),
        _by("occupation", lambda: list(Occupation.choices)),
        note=_("Occupation categories of STAT-04."),
    ),
    Spec(
        "join_era",
        _("Members by joining era"),
        _by("join_year", _era_columns, _era_of),
    ),
    Spec("membership", _("Full and probationary members"), _by("membership", _membership_columns)),
    Spec(
        "new_members",
        _("New members developed in the year"),
        _new_members,
        note=_("Members whose date of joining falls in the year."),
    ),
    Spec(
        "leaving",
        _("Members leaving the Party in the year, by route"),
        _by(
            "leave_route",
            _leaving_columns,
            where={"leave_route__gt": ""},
        ),
        note=_("Members whose leaving was recorded with a date in the year."),
    ),
    Spec("org_kinds", _("Grassroots organisations by kind"), _org_kinds),
    Spec("org_categories", _("Grassroots organisations by category"), _org_categories),
    Spec(
        "coverage",
        _("Coverage of villages and communities"),
        _coverage,
        note=_(
            "A village or community has a Party organisation of its own when its organisation "
            "is not a joint branch and has at least three full members."
        ),
        shares=(
            ("village_share", "village_covered", "village"),
            ("community_share", "community_covered", "community"),
        ),
    ),
]
BY_KEY = {spec.key: spec for spec in SPECS}


def catalogue() -> list[tuple[str, str]]:
    return [(spec.key, str(spec.title)) for spec in SPECS]


def _share(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def build(snapshot: Snapshot, key: str, node: SnapshotOrg | None = None) -> Table:
    """Table `key` of the snapshot for `node` (an organisation of the snapshot; default its
    root): the total row first, then one row per sub-organisation with anything counted.

    Computed once and kept (`SnapshotTable`): a snapshot never changes, so its tables never
    go stale, and a city table is one indexed read after the first time."""
    path = node.path if node is not None else snapshot.root_path
    language = get_language() or ""
    stored = (
        SnapshotTable.objects.filter(snapshot=snapshot, path=path, key=key, language=language)
        .values_list("data", flat=True)
        .first()
    )
    if stored is not None:
        return _from_data(stored)
    table = _compute(snapshot, key, node, path)
    SnapshotTable.objects.bulk_create(
        [
            SnapshotTable(
                snapshot=snapshot, path=path, key=key, language=language, data=asdict(table)
            )
        ],
        ignore_conflicts=True,
    )
    return table


def _from_data(data: dict) -> Table:
    rows = [Row(**row) for row in data["rows"]]
    columns = [tuple(c) for c in data["columns"]]
    return Table(data["key"], data["title"], columns, rows, data["note"])


def _compute(snapshot: Snapshot, key: str, node: SnapshotOrg | None, path: str) -> Table:
    spec = BY_KEY[key]
    columns, cells = spec.build(snapshot, path)
    columns = [(TOTAL, str(_("Total"))), *[(k, str(label)) for k, label in columns]]
    if spec.shares:  # no meaningful "total" of villages and communities together
        columns = columns[1:]
    known = {  # the sub-organisations' names and ids, as the snapshot recorded them
        p: (name, org_id)
        for p, name, org_id in SnapshotOrg.objects.filter(
            snapshot=snapshot, path__in=[p for p in cells if p != path]
        ).values_list("path", "name", "org_id")
    }
    total: dict[str, int] = defaultdict(int)
    for per in cells.values():
        for column, n in per.items():
            total[column] += n
    table = Table(key=key, title=str(spec.title), columns=columns, note=str(spec.note or ""))

    def values(per) -> list:
        out = []
        for column, _label in columns:
            share = next((s for s in spec.shares if s[0] == column), None)
            out.append(
                _share(per.get(share[1], 0), per.get(share[2], 0)) if share else per.get(column, 0)
            )
        return out

    root_label = node.name if node is not None else snapshot.root_name
    total_label = _("total")
    table.rows.append(Row(f"{root_label}（{total_label}）", None, path, values(total)))
    for child in sorted(cells):
        if child == path:
            table.rows.append(Row(str(_("directly")), None, path, values(cells[child])))
        else:
            name, org_id = known.get(child, (child, None))
            table.rows.append(Row(name, org_id, child, values(cells[child])))
    return table


@dataclass
class Comparison:
    this_year: int
    last_year: int
    last: Snapshot | None
    rows: list[tuple[str, object, object, object, object]]  # label, last, this, change, %


def compare(snapshot: Snapshot, table: Table, node: SnapshotOrg | None = None) -> Comparison:
    """The total row of `table` beside the same organisation's snapshot of the year before:
    counts, change and change in per cent (shares: change in points, no per cent)."""
    last = (
        Snapshot.objects.filter(org_id=snapshot.org_id, year=snapshot.year - 1, status="done")
        .order_by("-pk")
        .first()
    )
    before: dict[str, object] = {}
    if last is not None:
        last_node = None
        if node is not None:
            last_node = SnapshotOrg.objects.filter(snapshot=last, org_id=node.org_id).first()
        if node is None or last_node is not None:
            previous = build(last, table.key, last_node)
            before = dict(zip((k for k, _l in previous.columns), previous.total.cells, strict=True))
    rows = []
    for (column, label), now in zip(table.columns, table.total.cells, strict=True):
        was = before.get(column) if last is not None else None
        change = pct = None
        if was is not None and now is not None:
            change = (
                round(now - was, 1)
                if isinstance(now, float) or isinstance(was, float)
                else now - was
            )
            is_share = any(s[0] == column for s in BY_KEY[table.key].shares)
            pct = None if is_share or not was else round(100 * (now - was) / was, 1)
        rows.append((label, was, now, change, pct))
    return Comparison(snapshot.year, snapshot.year - 1, last, rows)
