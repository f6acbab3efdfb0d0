"""Generation of the demo city, in memory and deterministically from a seed.

`plan_city()` builds the organisation tree (city → 11 county-level units → townships →
grassroots organisations) with materialised paths, depths and ids computed here, not by the
services; `generate_members()` then yields every branch's members as row tuples ready for
insertion (see build.py). Nothing here touches the database.

At scale 1 the city has the source document's figures: 11 county-level units, 121 townships
and streets, 1,629 villages, 305 communities, 13,000 grassroots organisations and 322,000
members. `scale` shrinks every count proportionally (the 11 county-level units and at least
one township per county are always there).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from jiceng.core import idnumber
from jiceng.core.codes import HAN, Education, Occupation, OrgCategory
from jiceng.core.dates import add_months, full_years
from jiceng.core.pinyin import name_pinyin
from jiceng.orgs.models import SEGMENT, OrgKind, UnitType
from jiceng.orgs.rules import default_term_years

from . import data

TARGET_GRASSROOTS = 13_000
TARGET_MEMBERS = 322_000
TARGET_VILLAGES = 1_629
TARGET_COMMUNITIES = 305
BRANCH_MIN, BRANCH_MAX = 3, 50  # ORG-01
GENERAL_MAX = 100  # ORG-04: 50–100 members → general branch; ≥ 100 → primary committee

CITY_KIND = OrgKind.CITY.value
COUNTY = OrgKind.COUNTY.value
TOWNSHIP = OrgKind.TOWNSHIP.value
PRIMARY = OrgKind.PRIMARY.value
GENERAL = OrgKind.GENERAL_BRANCH.value
BRANCH = OrgKind.BRANCH.value
JOINT = OrgKind.JOINT_BRANCH.value
TEMPORARY = OrgKind.TEMPORARY_BRANCH.value
BRANCH_KINDS = (BRANCH, JOINT, TEMPORARY)
GRASSROOTS_KINDS = (PRIMARY, GENERAL, BRANCH, JOINT, TEMPORARY)

C = OrgCategory
E = Education
Occ = Occupation

SUFFIX = {  # kind → (full-name suffix, short-name suffix)
    PRIMARY: ("委员会", "党委"),
    GENERAL: ("总支部委员会", "党总支"),
    BRANCH: ("支部委员会", "党支部"),
    JOINT: ("联合支部委员会", "联合党支部"),
    TEMPORARY: ("临时支部委员会", "临时党支部"),
}
SECRETARY_TITLE = {
    PRIMARY: "党委书记",
    GENERAL: "党总支书记",
    TOWNSHIP: "党委书记",
    COUNTY: "书记",
    CITY_KIND: "书记",
}


# --------------------------------------------------------------------------------------------
# Small helpers


class Weighted:
    """A weighted choice that costs one random number and one bisect."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs):
        self.values, self.cum, acc = [], [], 0.0
        for value, weight in pairs:
            acc += weight
            self.values.append(value)
            self.cum.append(acc)
        self.total = acc

    def pick(self, rnd: float):
        return self.values[bisect_right(self.cum, rnd * self.total)]


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder, stable)."""
    mass = sum(weights)
    if total <= 0 or mass <= 0:
        return [0] * len(weights)
    raw = [total * w / mass for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _saturate(x: float, high: int) -> float:
    """x, bending smoothly below `high` over its last few units (no pile-up at the cap)."""
    knee = high - min(10, high // 3)
    if x <= knee:
        return x
    span = high - knee
    return knee + span * (1 - math.exp(-(x - knee) / span))


def bounded_apportion(
    total: int, desired: list[float], low: list[int], high: list[int], rng: random.Random
) -> list[int]:
    """Integers near `desired` × a common factor, each within [low, high], summing exactly to
    `total`; values pushed towards `high` bend smoothly below it rather than pile up there."""
    if not desired:
        if total:
            raise ValueError("no branches to hold the members")
        return []
    if not sum(low) <= total <= sum(high):
        raise ValueError(f"cannot place {total} members in {len(desired)} branches")

    def sizes_at(factor: float) -> list[int]:
        return [
            min(hi, max(lo, round(_saturate(d * factor, hi))))
            for d, lo, hi in zip(desired, low, high, strict=True)
        ]

    lo_f, hi_f = 0.0, 1.0
    while sum(sizes_at(hi_f)) < total and hi_f < 1e6:
        lo_f, hi_f = hi_f, hi_f * 2
    for _ in range(24):  # bisect the factor; the last few members are placed one by one
        mid = (lo_f + hi_f) / 2
        if sum(sizes_at(mid)) < total:
            lo_f = mid
        else:
            hi_f = mid
    sizes = sizes_at(lo_f)
    order = list(range(len(sizes)))
    rng.shuffle(order)
    diff = total - sum(sizes)
    step = 1 if diff > 0 else -1
    while diff:
        for i in order:
            if diff == 0:
                break
            if low[i] <= sizes[i] + step <= high[i]:
                sizes[i] += step
                diff -= step
    return sizes


def years_after(d: date, years: int) -> date:
    """The same day `years` later (29 Feb → 1 Mar), so full_years(d, result) == years."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return date(d.year + years, 3, 1)


def _split(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------------------------
# The tree


@dataclass(slots=True, eq=False)
class County:
    index: int
    name: str
    code: str
    kind: str  # district / county / city / zone
    org: Org | None = None
    townships: list[Township] = field(default_factory=list)

    @property
    def short(self) -> str:
        if self.kind == "zone":
            return "湛江"
        return self.name[:-1] if len(self.name) == 3 else self.name

    @property
    def urban(self) -> bool:
        return self.name in ("赤坎区", "霞山区")


@dataclass(slots=True, eq=False)
class Township:
    index: int
    county: County
    name: str
    kind: str  # street / town / xiang
    code: str  # GB/T 2260 code carried by residents' ID numbers
    org: Org | None = None
    villages: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # for addresses


@dataclass(slots=True, eq=False)
class Org:
    id: int
    parent: Org | None
    path: str
    depth: int
    name: str
    short_name: str
    kind: str
    category: str
    unit_type: str
    unit_name: str
    founded_on: date
    term_started_on: date
    term_years: int
    county: County | None
    township: Township | None
    profile: str = ""  # how a branch's members are drawn (see PROFILES)
    size: int = 0  # desired, then actual number of members (branches only)
    size_max: int = BRANCH_MAX
    place: str = ""  # the village or community a branch's members live in
    n_children: int = 0
    secretary_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""


@dataclass(eq=False)
class CityPlan:
    seed: int
    scale: float
    as_of: date
    orgs: list[Org] = field(default_factory=list)
    counties: list[County] = field(default_factory=list)
    townships: list[Township] = field(default_factory=list)
    branches: list[Org] = field(default_factory=list)
    target_grassroots: int = 0
    target_members: int = 0
    status_changes: list[tuple] = field(default_factory=list)

    def grassroots_count(self) -> int:
        return sum(1 for o in self.orgs if o.kind in GRASSROOTS_KINDS)


class _Builder:
    """Adds organisations to a plan: paths, depths, ids, names, dates."""

    def __init__(self, plan: CityPlan, rng: random.Random, first_id: int):
        self.plan = plan
        self.rng = rng
        self.next_id = first_id
        self.as_of = plan.as_of
        self.grassroots = 0
        self.used_units: set[str] = set()

    # -- dates
    def date_between(self, start: date, end: date) -> date:
        end = min(end, self.as_of)
        if end <= start:
            return end
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def founded(self, years: tuple[int, int]) -> date:
        return self.date_between(date(years[0], 1, 1), date(years[1], 12, 31))

    # -- nodes
    def add(
        self,
        parent: Org | None,
        *,
        name: str,
        short: str,
        kind: str,
        category: str,
        unit_type: str,
        unit_name: str,
        founded: tuple[int, int],
        county=None,
        township=None,
        profile: str = "",
        size: int = 0,
        size_max: int = BRANCH_MAX,
        place: str = "",
    ) -> Org:
        if parent is None:
            path = f"{1:0{SEGMENT}d}"
        else:
            parent.n_children += 1
            path = parent.path + f"{parent.n_children:0{SEGMENT}d}"
        founded_on = self.founded(founded)
        if parent is not None and founded_on < parent.founded_on:
            founded_on = self.date_between(parent.founded_on, self.as_of)
        term_years = default_term_years(kind, unit_type)
        lead = self.rng.randrange(20, term_years * 365 - 20)
        term_started_on = max(founded_on, self.as_of - timedelta(days=lead))
        org = Org(
            id=self.next_id,
            parent=parent,
            path=path,
            depth=len(path) // SEGMENT,
            name=name[:120],
            short_name=short[:40],
            kind=kind,
            category=category,
            unit_type=unit_type,
            unit_name=unit_name[:120],
            founded_on=founded_on,
            term_started_on=term_started_on,
            term_years=term_years,
            county=county if county is not None else (parent.county if parent else None),
            township=township if township is not None else (parent.township if parent else None),
            profile=profile,
            size=size,
            size_max=size_max,
            place=place,
        )
        self.next_id += 1
        self.plan.orgs.append(org)
        if kind in GRASSROOTS_KINDS:
            self.grassroots += 1
        if kind in BRANCH_KINDS:
            self.plan.branches.append(org)
        return org

    def unique_unit(self, make) -> str:
        for _ in range(200):
            name = make()
            if name not in self.used_units:
                self.used_units.add(name)
                return name
        name = make() + str(self.next_id)
        self.used_units.add(name)
        return name

    # -- grassroots units
    def unit(
        self,
        parent: Org,
        unit: str,
        *,
        unit_type: str,
        category: str,
        total: int,
        profile: str,
        style: str = "plain",
        prefix: str = "",
        founded=(1955, 2012),
        unit_name: str | None = None,
        kind: str | None = None,
        place: str = "",
    ) -> Org:
        """One unit's Party organisation, shaped by its number of members (ORG-01, ORG-04):
        ≤ 50 a branch; 50–100 a general branch of 2–4 branches; ≥ 100 a primary committee,
        whose large departments get general branches (or committees) of their own."""
        rng = self.rng
        if kind is None:
            kind = BRANCH if total <= BRANCH_MAX else GENERAL if total < GENERAL_MAX else PRIMARY
        full, short = SUFFIX[kind]
        if style == "agency" and kind == PRIMARY:
            full, short = "机关委员会", "机关党委"
        org = self.add(
            parent,
            name=f"中共{prefix}{unit}{full}",
            short=f"{unit}{short}",
            kind=kind,
            category=category,
            unit_type=unit_type,
            unit_name=unit_name if unit_name is not None else unit,
            founded=founded,
            profile=profile,
            size=max(total, BRANCH_MIN),
            place=place,
        )
        if kind in BRANCH_KINDS:
            return org
        if kind == GENERAL:
            parts = min(4, max(2, round(total / rng.uniform(28, 40))))
        else:
            parts = max(3, round(total / rng.uniform(32, 46)))
        grouped = kind == PRIMARY and (style == "university" or parts > 12)
        if grouped and style != "university":
            parts = math.ceil(parts / 3)
        labels = self.child_labels(style, parts, total, grouped)
        weights = [weight * rng.uniform(0.75, 1.25) for _, _, weight in labels]
        sizes = apportion(total, weights)
        for (label, prof, _), size in zip(labels, sizes, strict=True):
            prof = prof or profile
            if grouped and size > BRANCH_MAX:
                sub_style = "college" if prof == "college" else "plain"
                self.unit(
                    org,
                    f"{unit}{label}",
                    unit_type=unit_type,
                    category=category,
                    total=size,
                    profile="university_staff" if prof == "college" else prof,
                    prefix=prefix,
                    founded=founded,
                    style=sub_style,
                    unit_name=org.unit_name,
                    place=place,
                    kind=None if sub_style == "college" or size >= 150 else GENERAL,
                )
            else:
                if prof == "college":
                    prof = "university_staff"
                self.add(
                    org,
                    name=f"中共{prefix}{unit}{label}{SUFFIX[BRANCH][0]}",
                    short=f"{unit}{label}{SUFFIX[BRANCH][1]}",
                    kind=BRANCH,
                    category=category,
                    unit_type=unit_type,
                    unit_name=org.unit_name,
                    founded=founded,
                    profile=prof,
                    size=max(size, BRANCH_MIN),
                    place=place,
                )
        return org

    def child_labels(
        self, style: str, parts: int, total: int, grouped: bool = False
    ) -> list[tuple[str, str, float]]:
        """(label, member profile or "", relative size) for the sub-organisations."""
        rng = self.rng
        ordinals = data.ORDINALS

        def ordinal(i: int) -> str:
            return ordinals[i % len(ordinals)]

        if style == "agency" and grouped:  # a large bureau: its divisions, then the retired
            out = [(u, "", 1.0) for u in data.AGENCY_DIVISIONS[: max(1, parts - 1)]]
            while len(out) < parts - 1:
                out.append((f"第{ordinal(len(out))}", "", 1.0))
            return out + [("离退休干部", "retired", 0.6)]
        if style == "university":
            n = min(len(data.COLLEGES), max(2, round(total * 0.8 / 130)))
            colleges = rng.sample(data.COLLEGES, n)
            return (
                [("机关", "university_staff", 1.6)]
                + [(c, "college", 1.0) for c in colleges]
                + [("离退休", "retired", 1.2)]
            )
        if style == "college":
            n_students = max(1, parts - 2)
            out = [("教工", "university_staff", 1.0)]
            out += [(f"学生第{ordinal(i)}", "student", 1.0) for i in range(n_students)]
            return (out + [("研究生", "student", 0.6)])[: max(parts, 2)]
        if style == "company":
            units = rng.sample(data.COMPANY_UNITS, min(parts, len(data.COMPANY_UNITS)))
            out = [(u, "", 1.0) for u in units]
            while len(out) < parts:
                out.append((f"第{ordinal(len(out))}", "", 1.0))
            if parts >= 3:
                out[-1] = ("离退休", "retired", 0.7)
            return out
        if style == "hospital":
            out = [(u, "", 1.0) for u in data.HOSPITAL_BRANCHES[: max(1, parts - 1)]]
            while len(out) < parts - 1:
                out.append((f"第{ordinal(len(out))}", "", 1.0))
            return out + [("离退休", "retired", 0.6)]
        if style == "school":
            out = [("行政", "", 0.7)]
            out += [(f"教师第{ordinal(i)}", "", 1.0) for i in range(max(1, parts - 2))]
            return out + [("退休教师", "retired", 0.6)] if parts >= 3 else out[:parts]
        if style == "agency":
            out = [(f"机关第{ordinal(i)}", "", 1.0) for i in range(max(1, parts - 1))]
            return out + [("离退休干部", "retired", 0.6)]
        if style == "village":
            out = [(f"第{ordinal(i)}", "", 1.0) for i in range(parts)]
            if parts >= 3 and rng.random() < 0.4:
                out[-1] = ("老党员", "village_old", 0.8)
            return out
        if style == "community":
            out = [(f"第{ordinal(i)}", "", 1.0) for i in range(parts)]
            if parts >= 2 and rng.random() < 0.6:
                out[-1] = ("离退休党员", "retired", 1.0)
            return out
        return [(f"第{ordinal(i)}", "", 1.0) for i in range(parts)]


# --------------------------------------------------------------------------------------------
# Planning the city


# The template ranges in data.py are a small county's; units here are somewhat larger.
SIZE_BOOST = 1.45


def _size(rng: random.Random, low: int, high: int) -> int:
    return round(rng.randint(low, high) * SIZE_BOOST)


def _scaled(n: int, scale: float) -> int:
    return n if scale >= 1 else int(round(n * scale))


def plan_city(
    seed: int = 2017, scale: float = 1.0, as_of: date | None = None, first_id: int = 1
) -> CityPlan:
    """The whole organisation tree, with every branch's number of members decided."""
    as_of = as_of or date.today()
    plan = CityPlan(seed=seed, scale=scale, as_of=as_of)
    plan.target_grassroots = _scaled(TARGET_GRASSROOTS, scale)
    plan.target_members = _scaled(TARGET_MEMBERS, scale)
    rng = random.Random(f"jiceng-demo:{seed}:orgs")
    b = _Builder(plan, rng, first_id)

    city = data.CITY
    root = b.add(
        None,
        name="中共湛江市委员会",
        short="湛江市委",
        kind=CITY_KIND,
        category=C.OTHER.value,
        unit_type=UnitType.REGION.value,
        unit_name="湛江市",
        founded=(1949, 1949),
    )
    root.founded_on = date(1949, 12, 19)
    root.term_started_on = max(root.term_started_on, root.founded_on)
    _places(plan, b, root, city["code"])
    _villages_and_communities(plan, b)
    _township_units(plan, b)
    _county_units(plan, b)
    _anchors(plan, b)
    _parks(plan, b)
    _two_new(plan, b)
    _temporary(plan, b)
    _private_filler(plan, b)
    _decide_sizes(plan, rng)
    return plan


def _places(plan: CityPlan, b: _Builder, root: Org, city_code: str) -> None:
    rng = b.rng
    for index, (name, code, kind) in enumerate(data.COUNTIES):
        county = County(index=index, name=name, code=code, kind=kind)
        if kind == "zone":
            full, short = f"中共{name}工作委员会", f"{name.removeprefix('湛江')}党工委"
        elif kind == "district":
            full, short = f"中共湛江市{name}委员会", f"{name}委"
        else:
            full, short = f"中共{name}委员会", f"{name}委"
        county.org = b.add(
            root,
            name=full,
            short=short,
            kind=COUNTY,
            category=C.OTHER.value,
            unit_type=UnitType.REGION.value,
            unit_name=name,
            founded=(1950, 1952) if kind != "zone" else (1984, 2012),
            county=county,
        )
        plan.counties.append(county)
        entries = _split(data.TOWNSHIPS[name])
        keep = len(entries) if plan.scale >= 1 else max(1, round(len(entries) * plan.scale))
        for entry in entries[:keep]:
            tname, _, tcode = entry.partition(":")
            tkind = (
                "street" if tname.endswith("街道") else "xiang" if tname.endswith("乡") else "town"
            )
            township = Township(
                index=len(plan.townships), county=county, name=tname, kind=tkind, code=tcode or code
            )
            if tkind == "street":
                full = f"中共{name}{tname}工作委员会"
                short = f"{tname}党工委"
                founded = (1955, 2005)
            else:
                full = f"中共{name}{tname}委员会"
                short = f"{tname}党委"
                founded = (1983, 1987)
            township.org = b.add(
                county.org,
                name=full,
                short=short,
                kind=TOWNSHIP,
                category=C.OTHER.value,
                unit_type=UnitType.REGION.value,
                unit_name=tname,
                founded=founded,
                county=county,
                township=township,
            )
            county.townships.append(township)
            plan.townships.append(township)
    for org in plan.orgs:  # leading organisations' contacts: an office line
        org.contact_name = _person_name(rng, "1" if rng.random() < 0.6 else "2", "mid")
        org.contact_phone = f"0759-{rng.randrange(2_000_000, 3_999_999)}"


def _township_weight(t: Township, what: str, rng: random.Random) -> float:
    core = t.county.urban
    if what == "village":
        if t.kind == "town":
            return rng.uniform(14, 26)
        if t.kind == "xiang":
            return rng.uniform(8, 14)
        return rng.choice([0, 0, 1, 2, 3]) if core else rng.uniform(2, 8)
    if what == "community":
        if t.kind == "street":
            return rng.uniform(6, 12) if core else rng.uniform(3, 8)
        seat = t is t.county.townships[0]
        return rng.uniform(3, 6) if seat else rng.uniform(0.3, 2)
    if what == "firm":
        if t.kind == "street":
            return 6 if core else 4
        return 1.5
    raise ValueError(what)


def _place_names(
    rng: random.Random, first: str, second: str, suffix: str, n: int, taken: set[str]
) -> list[str]:
    a, b2 = _split(first), _split(second)
    out = []
    while len(out) < n:
        name = rng.choice(a) + rng.choice(b2) + suffix
        if name[0] == name[1]:
            continue
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def _villages_and_communities(plan: CityPlan, b: _Builder) -> None:
    rng = b.rng
    n_villages = _scaled(TARGET_VILLAGES, plan.scale)
    n_communities = _scaled(TARGET_COMMUNITIES, plan.scale)
    towns = plan.townships
    per_v = apportion(n_villages, [_township_weight(t, "village", rng) for t in towns])
    per_c = apportion(n_communities, [_township_weight(t, "community", rng) for t in towns])
    roads = _split(data.ROADS)
    for t, nv, nc in zip(towns, per_v, per_c, strict=True):
        taken: set[str] = set()
        t.communities = _place_names(
            rng, data.COMMUNITY_FIRST, data.COMMUNITY_SECOND, "社区", nc, taken
        )
        t.villages = _place_names(rng, data.VILLAGE_FIRST, data.VILLAGE_SECOND, "村", nv, taken)
        t.places = t.communities + t.villages or [rng.choice(roads) for _ in range(3)]
    for t in towns:
        prefix = f"{t.county.name}{t.name}"
        for v in t.villages:
            total = int(min(220, max(10, rng.lognormvariate(math.log(46), 0.38))))
            b.unit(
                t.org,
                v,
                unit_type=UnitType.VILLAGE.value,
                category=C.RURAL.value,
                total=total,
                profile="village",
                style="village",
                prefix=prefix,
                founded=(1950, 1995),
                unit_name=f"{t.name}{v}村民委员会",
                place=v,
            )
        for cname in t.communities:
            total = int(min(260, max(12, rng.lognormvariate(math.log(56), 0.55))))
            b.unit(
                t.org,
                cname,
                unit_type=UnitType.COMMUNITY.value,
                category=C.COMMUNITY.value,
                total=total,
                profile="community",
                style="community",
                prefix=prefix,
                founded=(1998, 2012),
                unit_name=f"{t.name}{cname}居民委员会",
                place=cname,
            )


def _bundle_townships(plan: CityPlan, rng: random.Random, n: int) -> list[Township]:
    order = list(plan.townships)
    if n >= len(order):
        return order
    rng.shuffle(order)
    return sorted(order[:n], key=lambda t: t.index)


def _joint(
    b: _Builder,
    parent: Org,
    units: list[str],
    what: str,
    *,
    unit_type: str,
    category: str,
    profile: str,
    prefix: str,
    founded,
    members: int,
) -> Org:
    head = f"{units[0]}等{len(units)}{what}"
    return b.add(
        parent,
        name=f"中共{prefix}{head}{SUFFIX[JOINT][0]}",
        short=f"{head}{SUFFIX[JOINT][1]}",
        kind=JOINT,
        category=category,
        unit_type=unit_type,
        unit_name="、".join(units),
        founded=founded,
        profile=profile,
        size=max(members, BRANCH_MIN),
    )


def _township_units(plan: CityPlan, b: _Builder) -> None:
    """Each township's own offices, schools, health centre and small institutions."""
    rng = b.rng
    for t in _bundle_townships(plan, rng, _scaled(len(plan.townships), plan.scale)):
        prefix = t.county.name
        street = t.kind == "street"
        b.unit(
            t.org,
            f"{t.name}机关",
            unit_type=UnitType.AGENCY.value,
            category=C.AGENCY.value,
            total=_size(rng, 40, 95) if street else _size(rng, 30, 85),
            profile="agency",
            style="agency",
            prefix=prefix,
            founded=(1984, 2000),
        )
        school_prefix = "" if street else t.name
        if not street:
            b.unit(
                t.org,
                f"{t.name}中心小学",
                unit_type=UnitType.SCHOOL.value,
                category=C.SCHOOL.value,
                total=_size(rng, 8, 32),
                profile="school",
                style="school",
                prefix=prefix,
                founded=(1955, 1995),
            )
            b.unit(
                t.org,
                f"{t.name}中学",
                unit_type=UnitType.SCHOOL.value,
                category=C.SCHOOL.value,
                total=_size(rng, 12, 48),
                profile="school",
                style="school",
                prefix=prefix,
                founded=(1958, 1995),
            )
            if rng.random() < 0.5:
                b.unit(
                    t.org,
                    f"{t.name}第二中学",
                    unit_type=UnitType.SCHOOL.value,
                    category=C.SCHOOL.value,
                    total=_size(rng, 8, 35),
                    profile="school",
                    style="school",
                    prefix=prefix,
                    founded=(1965, 2000),
                )
            # Village primary schools: a branch where there are three members, else pooled.
            pooled = []
            for v in t.villages[: rng.randint(3, 10)]:
                school = f"{t.name}{v.removesuffix('村')}小学"
                n = rng.randint(1, 9)
                if n >= BRANCH_MIN:
                    b.unit(
                        t.org,
                        school,
                        unit_type=UnitType.SCHOOL.value,
                        category=C.SCHOOL.value,
                        total=n,
                        profile="school",
                        prefix=prefix,
                        founded=(1978, 2010),
                    )
                else:
                    pooled.append(school)
            for i in range(0, len(pooled), 4):
                group = pooled[i : i + 4]
                if len(group) >= 2:
                    _joint(
                        b,
                        t.org,
                        group,
                        "所学校",
                        unit_type=UnitType.SCHOOL.value,
                        category=C.SCHOOL.value,
                        profile="school",
                        prefix=prefix,
                        founded=(1990, 2012),
                        members=len(group) * rng.randint(1, 2) + 1,
                    )
            b.unit(
                t.org,
                f"{t.name}卫生院",
                unit_type=UnitType.INSTITUTION.value,
                category=C.INSTITUTION.value,
                total=_size(rng, 6, 30),
                profile="hospital",
                prefix=prefix,
                founded=(1958, 1995),
            )
        else:
            b.unit(
                t.org,
                f"{t.name}社区卫生服务中心",
                unit_type=UnitType.INSTITUTION.value,
                category=C.INSTITUTION.value,
                total=_size(rng, 4, 15),
                profile="hospital",
                prefix=prefix,
                founded=(1998, 2012),
            )
            if rng.random() < 0.6:
                b.unit(
                    t.org,
                    f"{t.name}{rng.choice(['第一', '第二', '中心', '实验'])}小学",
                    unit_type=UnitType.SCHOOL.value,
                    category=C.SCHOOL.value,
                    total=_size(rng, 8, 30),
                    profile="school",
                    style="school",
                    prefix=prefix + school_prefix,
                    founded=(1960, 2005),
                )
        short = t.county.short
        stations = data.TOWN_STATIONS if not street else data.TOWN_STATIONS[:4]
        for tmpl, unit_type, category, lo, hi in rng.sample(
            stations,
            rng.randint(min(3, len(stations)), len(stations) - 2 if not street else len(stations)),
        ):
            profile = (
                "soe"
                if unit_type == "soe"
                else "agency"
                if unit_type == "agency"
                else "institution"
            )
            b.unit(
                t.org,
                tmpl.format(t=t.name, c=t.county.name, s=short),
                unit_type=unit_type,
                category=category,
                total=_size(rng, lo, hi),
                profile=profile,
                prefix=prefix if tmpl.startswith("{t}") else "",
                founded=(1975, 2012),
            )
        small = [f"{t.name}{u}" for u in rng.sample(data.TOWN_SMALL_UNITS, rng.randint(2, 5))]
        _joint(
            b,
            t.org,
            small,
            "个单位",
            unit_type=UnitType.INSTITUTION.value,
            category=C.INSTITUTION.value,
            profile="institution",
            prefix=prefix,
            founded=(1995, 2012),
            members=len(small) + rng.randint(1, 4),
        )


def _per_county(plan: CityPlan, templates_of) -> Iterator[tuple]:
    """(county, template) pairs: every county's list at scale 1, proportionally fewer below."""
    lists = [templates_of(c) for c in plan.counties]
    if plan.scale >= 1:
        counts = [len(x) for x in lists]
    else:
        counts = apportion(_scaled(sum(len(x) for x in lists), plan.scale), [len(x) for x in lists])
    for county, items, n in zip(plan.counties, lists, counts, strict=True):
        for item in items[:n]:
            yield county, item


def _county_units(plan: CityPlan, b: _Builder) -> None:
    rng = b.rng
    zone = lambda c: c.kind == "zone"  # noqa: E731

    def agencies(c):
        return data.ZONE_AGENCIES if zone(c) else data.AGENCIES

    for county, (tmpl, lo, hi) in _per_county(plan, agencies):
        unit = tmpl.format(c=county.name)
        b.unit(
            county.org,
            unit,
            unit_type=UnitType.AGENCY.value,
            category=C.AGENCY.value,
            total=_size(rng, lo, hi),
            profile="agency",
            style="agency",
            founded=(1950, 2005) if not zone(county) else (1985, 2012),
        )
    for county, (tmpl, lo, hi) in _per_county(
        plan, lambda c: data.SCHOOLS[:8] if zone(c) else data.SCHOOLS
    ):
        unit = tmpl.format(c=county.name)
        b.unit(
            county.org,
            unit,
            unit_type=UnitType.SCHOOL.value,
            category=C.SCHOOL.value,
            total=_size(rng, lo, hi),
            profile="school",
            style="school",
            founded=(1950, 2010),
        )
    for county, (tmpl, lo, hi, style) in _per_county(
        plan, lambda c: data.INSTITUTIONS[:12] if zone(c) else data.INSTITUTIONS
    ):
        unit = tmpl.format(c=county.name)
        b.unit(
            county.org,
            unit,
            unit_type=UnitType.INSTITUTION.value,
            category=C.INSTITUTION.value,
            total=_size(rng, lo, hi),
            profile="hospital" if style == "hospital" else "institution",
            style=style or "plain",
            founded=(1950, 2010),
        )
    for county, (tmpl, lo, hi) in _per_county(
        plan, lambda c: data.SOES[:6] if zone(c) else data.SOES
    ):
        unit = tmpl.format(c=county.name, s=county.short if not zone(county) else county.name)
        b.unit(
            county.org,
            unit,
            unit_type=UnitType.SOE.value,
            category=C.SOE.value,
            total=_size(rng, lo, hi),
            profile="soe",
            style="company",
            founded=(1952, 2010),
        )


def _county(plan: CityPlan, name: str) -> County:
    return next(c for c in plan.counties if c.name == name)


def _anchors(plan: CityPlan, b: _Builder) -> None:
    rng = b.rng
    for cname, unit, unit_type, category, lo, hi, style in data.ANCHORS[
        : _scaled(len(data.ANCHORS), plan.scale)
    ]:
        county = _county(plan, cname)
        profile = {"school": "university_staff", "soe": "soe"}.get(unit_type, "hospital")
        if style == "company" and unit_type == "institution":
            profile = "institution"
        b.unit(
            county.org,
            unit,
            unit_type=unit_type,
            category=category,
            total=rng.randint(lo, hi),
            profile=profile,
            style=style,
            founded=(1950, 2008),
        )


def _firm_name(b: _Builder, county: County, trades: list[str] | None = None) -> str:
    rng = b.rng
    brand = _split(data.BRAND)
    pool = trades or (data.TRADES.get(county.name, []) + data.TRADES["default"])

    def make():
        place = (
            rng.choice(["湛江市", "湛江", "广东", county.short])
            if county.kind != "zone"
            else rng.choice(["湛江市", "湛江", "广东"])
        )
        return (
            place
            + rng.choice(brand)
            + rng.choice(brand)
            + rng.choice(pool)
            + rng.choice(data.FIRM_SUFFIX)
        )

    return b.unique_unit(make)


def _parks(plan: CityPlan, b: _Builder) -> None:
    rng = b.rng
    for cname, park in data.PARKS[: _scaled(len(data.PARKS), plan.scale)]:
        county = _county(plan, cname)
        org = b.add(
            county.org,
            name=f"中共{park}委员会",
            short=f"{park}党委",
            kind=PRIMARY,
            category=C.PRIVATE.value,
            unit_type=UnitType.PARK.value,
            unit_name=park,
            founded=(2008, 2016),
            profile="private",
        )
        b.unit(
            org,
            f"{park}管理委员会机关",
            unit_type=UnitType.PARK.value,
            category=C.AGENCY.value,
            total=rng.randint(8, 25),
            profile="agency",
            founded=(2008, 2016),
        )
        for _ in range(rng.randint(5, 12)):
            total = rng.randint(1, 45)
            if total < BRANCH_MIN:
                firms = [_firm_name(b, county) for _ in range(rng.randint(2, 5))]
                _joint(
                    b,
                    org,
                    firms,
                    "家企业",
                    unit_type=UnitType.PRIVATE.value,
                    category=C.PRIVATE.value,
                    profile="private",
                    prefix="",
                    founded=(2008, 2017),
                    members=len(firms) + rng.randint(1, 5),
                )
            else:
                b.unit(
                    org,
                    _firm_name(b, county),
                    unit_type=UnitType.PRIVATE.value,
                    category=C.PRIVATE.value,
                    total=total,
                    profile="private",
                    style="company",
                    founded=(2008, 2017),
                )


def _street_townships(plan: CityPlan) -> list[Township]:
    return [t for t in plan.townships if t.kind == "street"] or plan.townships


def _two_new(plan: CityPlan, b: _Builder) -> None:
    """两新 organisations: business buildings, internet firms, social organisations."""
    rng = b.rng
    streets = _street_townships(plan)
    weights = [6 if t.county.urban else 2 for t in streets]
    for t, n in zip(streets, apportion(_scaled(30, plan.scale), weights), strict=True):
        for _ in range(n):
            building = b.unique_unit(
                lambda t=t: (
                    rng.choice(data.BUILDINGS)
                    if t.county.urban
                    else f"{t.county.short}{rng.choice(data.BUILDINGS)}"
                )
            )
            total = rng.randint(4, 90)
            if total <= BRANCH_MAX and rng.random() < 0.7:
                b.add(
                    t.org,
                    name=f"中共{building}{SUFFIX[JOINT][0]}",
                    short=f"{building}{SUFFIX[JOINT][1]}",
                    kind=JOINT,
                    category=C.PRIVATE.value,
                    unit_type=UnitType.BUILDING.value,
                    unit_name=f"{building}（入驻企业{rng.randint(8, 60)}家）",
                    founded=(2010, 2017),
                    profile="private",
                    size=total,
                )
            else:
                b.unit(
                    t.org,
                    building,
                    unit_type=UnitType.BUILDING.value,
                    category=C.PRIVATE.value,
                    total=max(total, 55),
                    profile="private",
                    founded=(2010, 2017),
                )
    for t, n in zip(streets, apportion(_scaled(40, plan.scale), weights), strict=True):
        for _ in range(n):
            name = _firm_name(b, t.county, data.INTERNET_TRADES)
            b.unit(
                t.org,
                name,
                unit_type=UnitType.INTERNET.value,
                category=C.PRIVATE.value,
                total=rng.randint(3, 40),
                profile="internet",
                founded=(2008, 2017),
            )
    # Social organisations: law firms, associations, chambers of commerce, private schools.
    towns = plan.townships
    tweights = [3 if t.kind == "street" else 0.5 for t in towns]
    n_social = _scaled(420, plan.scale)
    n_county = n_social * 3 // 5
    trades = data.TRADES["default"]
    x_pool = _split(data.BRAND)

    def social_name(where: str) -> str:
        return b.unique_unit(
            lambda: rng.choice(data.SOCIAL_UNITS).format(
                c=where, x=rng.choice(x_pool) + rng.choice(x_pool), t=rng.choice(trades)
            )
        )

    def place_social(parent: Org, where: str, prefix: str, count: int) -> None:
        pending: list[str] = []
        for _ in range(count):
            total = int(min(60, max(1, rng.lognormvariate(math.log(5), 0.8))))
            name = social_name(where)
            if total < BRANCH_MIN:
                pending.append(name)
                if len(pending) == 4:
                    _joint(
                        b,
                        parent,
                        pending,
                        "个社会组织",
                        unit_type=UnitType.SOCIAL.value,
                        category=C.SOCIAL.value,
                        profile="social",
                        prefix=prefix,
                        founded=(2005, 2017),
                        members=len(pending) + rng.randint(2, 6),
                    )
                    pending = []
            else:
                b.unit(
                    parent,
                    name,
                    unit_type=UnitType.SOCIAL.value,
                    category=C.SOCIAL.value,
                    total=total,
                    profile="social",
                    prefix=prefix,
                    founded=(1995, 2017),
                )
        if len(pending) >= 2:
            _joint(
                b,
                parent,
                pending,
                "个社会组织",
                unit_type=UnitType.SOCIAL.value,
                category=C.SOCIAL.value,
                profile="social",
                prefix=prefix,
                founded=(2005, 2017),
                members=len(pending) + rng.randint(2, 6),
            )

    cweights = [3 if c.kind == "district" else 2 for c in plan.counties]
    for county, n in zip(plan.counties, apportion(n_county, cweights), strict=True):
        place_social(county.org, county.name, "", n)
    for t, n in zip(towns, apportion(n_social - n_county, tweights), strict=True):
        place_social(t.org, t.name, t.county.name, n)


def _temporary(plan: CityPlan, b: _Builder) -> None:
    rng = b.rng
    n = _scaled(33, plan.scale)
    items = [(c, tmpl) for tmpl in data.TEMPORARY for c in plan.counties]
    rng.shuffle(items)
    for county, tmpl in sorted(items[:n], key=lambda x: x[0].index):
        unit = tmpl.format(c=county.name).removesuffix("临时党支部")
        org = b.unit(
            county.org,
            unit,
            unit_type=UnitType.OTHER.value,
            category=C.OTHER.value,
            total=rng.randint(3, 15),
            profile="other",
            kind=TEMPORARY,
            founded=(plan.as_of.year - 2, plan.as_of.year),
        )
        org.size_max = 15


def _private_filler(plan: CityPlan, b: _Builder) -> None:
    """Non-public enterprises (非公) until the city has its number of grassroots organisations."""
    rng = b.rng
    towns = plan.townships
    tweights = Weighted([(t, _township_weight(t, "firm", rng)) for t in towns])
    cweights = Weighted([(c, 3 if c.kind == "district" else 1) for c in plan.counties])
    while b.grassroots < plan.target_grassroots:
        room = plan.target_grassroots - b.grassroots
        if rng.random() < 0.75:
            t = tweights.pick(rng.random())
            parent, county, prefix = t.org, t.county, t.county.name
        else:
            county = cweights.pick(rng.random())
            parent, prefix = county.org, ""
        total = int(min(400, max(1, rng.lognormvariate(math.log(14), 0.85))))
        if total < BRANCH_MIN:
            firms = [_firm_name(b, county) for _ in range(rng.randint(2, 5))]
            _joint(
                b,
                parent,
                firms,
                "家企业",
                unit_type=UnitType.PRIVATE.value,
                category=C.PRIVATE.value,
                profile="private",
                prefix=prefix,
                founded=(2003, 2017),
                members=len(firms) + rng.randint(1, 5),
            )
            continue
        kind = BRANCH if room < 20 else None
        b.unit(
            parent,
            _firm_name(b, county),
            unit_type=UnitType.PRIVATE.value,
            category=C.PRIVATE.value,
            total=min(total, BRANCH_MAX) if kind else total,
            profile="private",
            style="company" if total >= GENERAL_MAX else "plain",
            prefix="",
            founded=(1995, 2017),
            kind=kind,
        )


def _decide_sizes(plan: CityPlan, rng: random.Random) -> None:
    """Spread exactly the target number of members over the branches (3–50 each)."""
    branches = plan.branches
    desired = [o.size + rng.random() - 0.5 for o in branches]  # no gaps after scaling
    sizes = bounded_apportion(
        plan.target_members,
        desired,
        [BRANCH_MIN] * len(branches),
        [o.size_max for o in branches],
        rng,
    )
    for org, size in zip(branches, sizes, strict=True):
        org.size = size


# --------------------------------------------------------------------------------------------
# Members


# fmt: off
EDU_TABLES = {  # GB/T 4658 education, weighted, by kind of member
    "rural": [(E.JUNIOR_HIGH, 40), (E.HIGH_SCHOOL, 28), (E.SECONDARY_VOCATIONAL, 8),
              (E.COLLEGE, 10), (E.BACHELOR, 5), (E.PRIMARY, 8), (E.OTHER, 1)],
    "rural_old": [(E.PRIMARY, 38), (E.JUNIOR_HIGH, 37), (E.HIGH_SCHOOL, 15),
                  (E.SECONDARY_VOCATIONAL, 5), (E.COLLEGE, 3), (E.OTHER, 2)],
    "urban": [(E.BACHELOR, 20), (E.COLLEGE, 26), (E.SECONDARY_VOCATIONAL, 14),
              (E.HIGH_SCHOOL, 24), (E.JUNIOR_HIGH, 12), (E.POSTGRADUATE, 2), (E.PRIMARY, 2)],
    "urban_old": [(E.JUNIOR_HIGH, 22), (E.HIGH_SCHOOL, 30), (E.SECONDARY_VOCATIONAL, 18),
                  (E.COLLEGE, 17), (E.BACHELOR, 9), (E.PRIMARY, 4)],
    "agency": [(E.POSTGRADUATE, 12), (E.BACHELOR, 66), (E.COLLEGE, 17),
               (E.SECONDARY_VOCATIONAL, 3), (E.HIGH_SCHOOL, 2)],
    "school": [(E.POSTGRADUATE, 8), (E.BACHELOR, 64), (E.COLLEGE, 24),
               (E.SECONDARY_VOCATIONAL, 4)],
    "university": [(E.POSTGRADUATE, 62), (E.BACHELOR, 33), (E.COLLEGE, 5)],
    "student": [(E.BACHELOR, 88), (E.POSTGRADUATE, 12)],
    "institution": [(E.POSTGRADUATE, 8), (E.BACHELOR, 50), (E.COLLEGE, 27),
                    (E.SECONDARY_VOCATIONAL, 9), (E.HIGH_SCHOOL, 6)],
    "soe": [(E.POSTGRADUATE, 5), (E.BACHELOR, 38), (E.COLLEGE, 30),
            (E.SECONDARY_VOCATIONAL, 13), (E.HIGH_SCHOOL, 12), (E.JUNIOR_HIGH, 2)],
    "private": [(E.POSTGRADUATE, 2), (E.BACHELOR, 25), (E.COLLEGE, 33),
                (E.SECONDARY_VOCATIONAL, 15), (E.HIGH_SCHOOL, 17), (E.JUNIOR_HIGH, 8)],
    "internet": [(E.POSTGRADUATE, 8), (E.BACHELOR, 62), (E.COLLEGE, 26),
                 (E.SECONDARY_VOCATIONAL, 2), (E.HIGH_SCHOOL, 2)],
    "social": [(E.POSTGRADUATE, 6), (E.BACHELOR, 45), (E.COLLEGE, 28),
               (E.SECONDARY_VOCATIONAL, 8), (E.HIGH_SCHOOL, 10), (E.JUNIOR_HIGH, 3)],
    "other": [(E.BACHELOR, 30), (E.COLLEGE, 30), (E.HIGH_SCHOOL, 25), (E.JUNIOR_HIGH, 15)],
}
OCC_TABLES = {  # STAT-04 occupation categories of working-age members, weighted
    "village": [(Occ.FARMER, 80), (Occ.WORKER, 5), (Occ.OTHER, 9), (Occ.MANAGER, 3),
                (Occ.PROFESSIONAL, 3)],
    "community": [(Occ.OTHER, 35), (Occ.WORKER, 20), (Occ.MANAGER, 18), (Occ.PROFESSIONAL, 17),
                  (Occ.FARMER, 5), (Occ.OFFICIAL, 5)],
    "agency": [(Occ.OFFICIAL, 88), (Occ.WORKER, 7), (Occ.PROFESSIONAL, 5)],
    "school": [(Occ.PROFESSIONAL, 86), (Occ.MANAGER, 10), (Occ.WORKER, 4)],
    "university": [(Occ.PROFESSIONAL, 80), (Occ.MANAGER, 18), (Occ.WORKER, 2)],
    "student": [(Occ.STUDENT, 1)],
    "institution": [(Occ.PROFESSIONAL, 68), (Occ.MANAGER, 20), (Occ.WORKER, 12)],
    "soe": [(Occ.WORKER, 40), (Occ.MANAGER, 28), (Occ.PROFESSIONAL, 32)],
    "private": [(Occ.WORKER, 38), (Occ.MANAGER, 32), (Occ.PROFESSIONAL, 25), (Occ.OTHER, 5)],
    "internet": [(Occ.PROFESSIONAL, 60), (Occ.MANAGER, 30), (Occ.OTHER, 10)],
    "social": [(Occ.PROFESSIONAL, 40), (Occ.MANAGER, 35), (Occ.OTHER, 25)],
    "other": [(Occ.OTHER, 40), (Occ.WORKER, 20), (Occ.OFFICIAL, 20), (Occ.FARMER, 20)],
    "retired": [(Occ.RETIRED, 1)],
}
JOBS = {  # 工作岗位, weighted
    "village": [("村民", 60), ("种养户", 15), ("个体经营户", 8), ("村民小组长", 8),
                ("外出务工", 6), ("村委委员", 3)],
    "community": [("居民", 45), ("社区工作者", 12), ("个体经营户", 15), ("企业职工", 20),
                  ("网格员", 8)],
    "agency": [("科员", 35), ("副主任科员", 20), ("主任科员", 15), ("副科长", 12), ("科长", 10),
               ("副局长", 3), ("工勤人员", 5)],
    "school": [("教师", 70), ("班主任", 15), ("教研组长", 8), ("教导主任", 4), ("副校长", 3)],
    "university": [("教师", 40), ("副教授", 20), ("教授", 10), ("辅导员", 12), ("行政人员", 18)],
    "student": [("学生", 1)],
    "institution": [("专业技术人员", 60), ("管理人员", 25), ("工勤人员", 15)],
    "hospital": [("医师", 30), ("主治医师", 20), ("护士", 25), ("护师", 10), ("药剂师", 5),
                 ("行政人员", 10)],
    "soe": [("职员", 30), ("技术员", 15), ("工程师", 15), ("部门经理", 10), ("一线工人", 25),
            ("班组长", 5)],
    "private": [("职员", 30), ("技术员", 15), ("车间主任", 8), ("部门经理", 12), ("一线工人", 25),
                ("销售", 10)],
    "internet": [("程序员", 35), ("产品经理", 15), ("运营专员", 25), ("设计师", 15),
                 ("部门经理", 10)],
    "social": [("执业律师", 25), ("会计师", 15), ("社会工作者", 20), ("行政人员", 25),
               ("负责人", 15)],
    "other": [("干部", 40), ("职员", 30), ("务工人员", 30)],
}
# fmt: on


@dataclass(frozen=True)
class Profile:
    """How the members of one kind of branch are drawn."""

    male: float  # share of men
    old: float  # share aged 61 and over
    ages: tuple[int, int, int]  # working age: low, mode, high
    edu: str  # EDU_TABLES key, and for those aged 61+
    edu_old: str
    occ: str  # OCC_TABLES key
    jobs: str  # JOBS key
    probationary: float  # share of probationary members among those aged 45 or less
    mobile: float  # share of mobile members among those under 56
    lost: float  # share out of contact
    old_retire: float  # share of those aged 61+ counted as 离退休人员


# fmt: off
PROFILES = {  # male, old, working ages, edu, edu_old, occ, jobs, probationary, mobile, lost, retire
    "village":     Profile(0.85, 0.42, (22, 50, 60), "rural", "rural_old", "village", "village", 0.04, 0.09, 0.008, 0.15),
    "village_old": Profile(0.86, 1.0, (55, 60, 60), "rural", "rural_old", "village", "village", 0.0, 0.0, 0.002, 0.15),
    "community":   Profile(0.62, 0.42, (24, 45, 60), "urban", "urban_old", "community", "community", 0.04, 0.04, 0.006, 0.92),
    "agency":      Profile(0.74, 0.08, (24, 42, 60), "agency", "urban_old", "agency", "agency", 0.035, 0.003, 0.001, 0.95),
    "school":      Profile(0.48, 0.05, (23, 40, 60), "school", "urban_old", "school", "school", 0.04, 0.003, 0.001, 0.95),
    "university_staff": Profile(0.55, 0.04, (26, 42, 60), "university", "urban_old", "university", "university", 0.03, 0.003, 0.001, 0.95),
    "student":     Profile(0.44, 0.0, (18, 20, 26), "student", "student", "student", "student", 0.45, 0.0, 0.002, 0.0),
    "institution": Profile(0.56, 0.07, (24, 40, 60), "institution", "urban_old", "institution", "institution", 0.04, 0.005, 0.002, 0.95),
    "hospital":    Profile(0.42, 0.05, (24, 38, 60), "institution", "urban_old", "institution", "hospital", 0.04, 0.003, 0.001, 0.95),
    "soe":         Profile(0.82, 0.06, (23, 40, 60), "soe", "urban_old", "soe", "soe", 0.04, 0.01, 0.002, 0.95),
    "private":     Profile(0.77, 0.03, (22, 35, 58), "private", "urban_old", "private", "private", 0.05, 0.03, 0.012, 0.9),
    "internet":    Profile(0.66, 0.0, (22, 30, 50), "internet", "urban_old", "internet", "internet", 0.08, 0.02, 0.01, 0.9),
    "social":      Profile(0.60, 0.12, (24, 42, 60), "social", "urban_old", "social", "social", 0.05, 0.01, 0.01, 0.9),
    "other":       Profile(0.75, 0.05, (22, 40, 60), "other", "urban_old", "other", "other", 0.04, 0.02, 0.002, 0.9),
    "retired":     Profile(0.70, 1.0, (61, 62, 62), "urban", "urban_old", "retired", "other", 0.0, 0.0, 0.001, 1.0),
}
# fmt: on

_SURNAMES = Weighted(data.SURNAMES)
_GIVEN = {
    key: ([c for c in first.split()], [c for c in second.split()])
    for key, (first, second) in data.GIVEN.items()
}


def _person_name(rng: random.Random, sex: str, era: str) -> str:
    first, second = _GIVEN[(sex, era)]
    surname = _SURNAMES.pick(rng.random())
    # Earlier characters of each pool are commoner: min of two draws skews towards them.
    a = first[min(rng.randrange(len(first)), rng.randrange(len(first)))]
    b = second[min(rng.randrange(len(second)), rng.randrange(len(second)))]
    if rng.random() < 0.18:
        return surname + b
    return surname + a + b


MEMBER_COLUMNS = (
    "id",
    "name",
    "sex",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "occupation",
    "org_id",
    "join_date",
    "full_member_date",
    "job",
    "phone",
    "address",
    "standing",
    "is_lost_contact",
    "lost_contact_since",
    "is_mobile",
    "mobile_destination",
    "membership",
    "phone_tail",
    "name_pinyin",  # the last two are left off with generate_members(pinyin=False)
    "name_initials",
)
STATUS_COLUMNS = ("member_id", "field", "old_value", "new_value", "effective_on", "reason")


class _MemberMaker:
    """Draws members one at a time; written for speed (it runs 322,000 times)."""

    def __init__(self, plan: CityPlan, first_id: int, with_pinyin: bool = True):
        self.with_pinyin = with_pinyin
        self.plan = plan
        self.rng = random.Random(f"jiceng-demo:{plan.seed}:members")
        self.rnd = self.rng.random
        self.next_id = first_id
        self.as_of = plan.as_of
        self.today_ord = plan.as_of.toordinal()
        self.used_ids: set[str] = set()
        self.pinyin: dict[str, tuple[str, str]] = {}  # name_pinyin once per distinct name
        self.edu = {k: Weighted((e.value, w) for e, w in v) for k, v in EDU_TABLES.items()}
        self.occ = {k: Weighted((o.value, w) for o, w in v) for k, v in OCC_TABLES.items()}
        self.jobs = {k: Weighted(v) for k, v in JOBS.items()}
        self.ethnic = Weighted(data.MINORITIES)
        self.dest = Weighted(data.MOBILE_DESTINATIONS)
        self.lost_reasons = data.LOST_REASONS
        self.phone_prefixes = data.PHONE_PREFIXES
        self.surnames = Weighted(data.SURNAMES)
        self.given = _GIVEN

    def name(self, sex: str, era: str) -> str:
        rnd = self.rnd
        first, second = self.given[(sex, era)]
        surname = self.surnames.pick(rnd())
        # Earlier characters of each pool are commoner: the smaller of two draws.
        nb = len(second)
        b = second[int(min(rnd(), rnd()) * nb)]
        if rnd() < 0.18:
            return surname + b
        return surname + first[int(min(rnd(), rnd()) * len(first))] + b

    def person(
        self, org: Org, profile: Profile, township: Township, place: str, leader: bool
    ) -> tuple:
        rng = self.rng
        rnd = self.rnd
        as_of = self.as_of
        today_ord = self.today_ord
        sex = "1" if rnd() < profile.male else "2"
        if leader:
            age = rng.uniform(61, 72) if profile.old >= 1.0 else rng.triangular(30, 59, 47)
        elif rnd() < profile.old:
            age = rng.triangular(61, 95, 68)
        else:
            low, mode, high = profile.ages
            age = rng.triangular(low, high, mode)
        born = date.fromordinal(today_ord - int(age * 365.2425) - 1)
        years = full_years(born, as_of)
        if years < 18:
            born = years_after(born, -1)
            years = 18
        year = born.year
        name = self.name(sex, "old" if year < 1960 else "mid" if year < 1985 else "young")
        if self.with_pinyin:
            pin = self.pinyin.get(name)
            if pin is None:
                pin = self.pinyin[name] = name_pinyin(name)
        else:
            pin = ()
        # ID number: unique across the city; the sequence's parity gives the sex.
        code = township.code
        parity = 1 if sex == "1" else 0
        used = self.used_ids
        while True:
            number = idnumber.make(code, born, (1 + int(rnd() * 499)) * 2 % 1000 + parity)
            if number not in used:
                used.add(number)
                break
        ethnicity = HAN if rnd() >= 0.01 else self.ethnic.pick(rnd())
        is_old = years >= 61
        edu = self.edu[profile.edu_old if is_old else profile.edu].pick(rnd())
        if edu == "10" and profile.occ == "student" and age < 22:
            edu = "20"
        if is_old and rnd() < profile.old_retire:
            occupation, job = "08", "退休"
        else:
            occupation = self.occ[profile.occ].pick(rnd())
            job = self.jobs[profile.jobs].pick(rnd())
            if occupation == "06":
                job = "研究生" if edu == "10" else "本科生"
        # Joining: aged 18 or more, mostly in the twenties; probationary for the first year.
        earliest = years_after(born, 18).toordinal()
        latest = today_ord - 366  # a full member joined more than a year ago
        if (earliest > latest) or (not leader and age <= 45 and rnd() < profile.probationary):
            low = max(earliest, today_ord - 364)
            join_date = date.fromordinal(low + int(rnd() * (today_ord - low + 1)))
            membership, full_date = "probationary", None
        else:
            top = min(max(age, 19), 58)
            join_age = rng.triangular(18, top, min(26, top))
            join_ord = born.toordinal() + int(join_age * 365.2425)
            join_date = date.fromordinal(min(latest, max(earliest, join_ord)))
            membership, full_date = "full", add_months(join_date, 12)
        prefixes = self.phone_prefixes
        phone = f"{prefixes[int(rnd() * len(prefixes))]}{int(rnd() * 100_000_000):08d}"
        address = f"湛江市{township.county.name}{township.name}{place}{1 + int(rnd() * 268)}号"
        standing, lost, lost_since, mobile, destination = "normal", False, None, False, ""
        member_id = self.next_id
        self.next_id += 1
        if not leader:
            if rnd() < profile.lost:
                lost = True
                lost_since = max(join_date, date.fromordinal(today_ord - 90 - int(rnd() * 1700)))
                self.plan.status_changes.append(
                    (
                        member_id,
                        "is_lost_contact",
                        "False",
                        "True",
                        lost_since,
                        f"LOST-02：{self.lost_reasons[int(rnd() * len(self.lost_reasons))]}",
                    )
                )
                if (
                    membership == "full"
                    and today_ord - lost_since.toordinal() > 183
                    and rnd() < 0.5
                ):
                    standing = "suspended"
                    self.plan.status_changes.append(
                        (
                            member_id,
                            "standing",
                            "normal",
                            "suspended",
                            min(add_months(lost_since, 6), as_of),
                            "ST-04：失联超过6个月",
                        )
                    )
            elif age < 56 and rnd() < profile.mobile:
                mobile = True
                destination = self.dest.pick(rnd())
            elif membership == "full" and rnd() < 0.0008:
                standing = "suspended"
                effective = max(full_date, date.fromordinal(today_ord - 30 - int(rnd() * 1470)))
                self.plan.status_changes.append(
                    (
                        member_id,
                        "standing",
                        "normal",
                        "suspended",
                        min(effective, as_of),
                        "ST-04：出国（境）定居",
                    )
                )
        return (
            member_id,
            name,
            sex,
            ethnicity,
            number,
            born,
            edu,
            occupation,
            org.id,
            join_date,
            full_date,
            job,
            phone,
            address,
            standing,
            lost,
            lost_since,
            mobile,
            destination,
            membership,
            phone[-4:],
        ) + pin


def _secretary_job(org: Org, rng: random.Random) -> str:
    if org.unit_type == UnitType.VILLAGE:
        if org.parent and org.parent.kind in (GENERAL, PRIMARY):
            return "党支部书记"
        return "村党支部书记、村委会主任" if rng.random() < 0.6 else "村党支部书记"
    if org.unit_type == UnitType.COMMUNITY:
        if org.parent and org.parent.kind in (GENERAL, PRIMARY):
            return "党支部书记"
        return "社区党支部书记、居委会主任" if rng.random() < 0.6 else "社区党支部书记"
    return "党支部书记"


def generate_members(
    plan: CityPlan, first_id: int = 1, pinyin: bool = True
) -> Iterator[tuple[Org, list[tuple]]]:
    """Yield (branch, member rows) for every branch, in plan order.

    As a side effect sets each grassroots organisation's secretary and contact: a branch's
    first member is its secretary; a committee's secretary is a member of its first branch;
    a township committee's is a member of its own offices' branch. Status changes (lost
    contact, suspension) are collected in plan.status_changes. With pinyin=False the rows
    leave off their last two columns (name_pinyin, name_initials) for the caller to add.
    """
    maker = _MemberMaker(plan, first_id, with_pinyin=pinyin)
    rng = maker.rng
    job_index = MEMBER_COLUMNS.index("job")
    for org in plan.branches:
        township = org.township  # None for county-level units: members live around the county
        county_towns = org.county.townships
        rows = []
        # Who among the first members leads an ancestor that has no secretary yet.
        leaders = [org]
        up = org.parent
        while up is not None and up.secretary_id is None and len(leaders) < org.size:
            if up.kind in (PRIMARY, GENERAL):
                leaders.append(up)
            elif (
                up.kind == TOWNSHIP
                and org.unit_type == UnitType.AGENCY
                and org.parent is not None
                and org.parent.kind != COUNTY
            ):
                leaders.append(up)
                break
            else:
                break
            up = up.parent
        profile = PROFILES[org.profile]
        rnd = maker.rnd
        for i in range(org.size):
            home = township or county_towns[int(rnd() * len(county_towns))]
            place = org.place or home.places[int(rnd() * len(home.places))]
            row = maker.person(org, profile, home, place, leader=i < len(leaders))
            if i < len(leaders):
                led = leaders[i]
                led.secretary_id = row[0]
                led.contact_name, led.contact_phone = row[1], row[12]
                job = _secretary_job(org, rng) if led is org else SECRETARY_TITLE[led.kind]
                row = row[:job_index] + (job,) + row[job_index + 1 :]
            rows.append(row)
        yield org, rows


# --------------------------------------------------------------------------------------------
# Rows for insertion

ORG_COLUMNS = (
    "id",
    "parent_id",
    "path",
    "depth",
    "name",
    "short_name",
    "kind",
    "category",
    "unit_type",
    "unit_name",
    "founded_on",
    "term_started_on",
    "term_years",
)


def org_rows(plan: CityPlan) -> list[tuple]:
    return [
        (
            o.id,
            o.parent.id if o.parent else None,
            o.path,
            o.depth,
            o.name,
            o.short_name,
            o.kind,
            o.category,
            o.unit_type,
            o.unit_name,
            o.founded_on,
            o.term_started_on,
            o.term_years,
        )
        for o in plan.orgs
    ]
