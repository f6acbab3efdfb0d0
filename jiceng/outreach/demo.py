"""A year of the service system for the demo city (jiceng.demo.extensions), at the source's
figures at scale 1: a service centre in each of the 121 townships and 1,934 villages and
communities; a weekly on-site duty shift for every township cadre at a village of their
township and a three-days-a-week rota of village cadres (attendance about 96.5 %, a few
townships below the 95 % target); about 1.32 million household visits, one in ten raising a
request, plus requests at centres and by phone, 85 % of them resolved; 1,608 village work
teams with about 4,500 stationed cadres and a first secretary each; the poverty figures of
their villages (79,000 people lifted out, 32 % of the poor; 4.1 billion yuan); a
computer-skills rotation for 4,500 village cadres.

Deterministic for a seed; written set-based with core.bulk.Inserter.
"""

from __future__ import annotations

import random
from collections import defaultdict
from contextlib import ExitStack
from datetime import date, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from jiceng.core import crypto
from jiceng.core.bulk import Inserter, deferred_indexes, should_defer_indexes
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import Organization, OrgStatus

from .models import (
    DutyShift,
    HouseholdVisit,
    PovertyRecord,
    RequestEvent,
    ResidentRequest,
    ServiceCentre,
    TeamMember,
    TrainingAttendance,
    TrainingCourse,
    WorkTeam,
)

VISITS, TEAMS, TEAM_CADRES, TRAINED = 1_320_000, 1_608, 4_500, 4_500
LIFTED, SHARE, FUNDS = 79_000, 0.32, 4_100_000_000
TOWNSHIP_CADRES = 40  # at most, per township
BATCH = 50_000
SURNAMES = "陈李黄林张吴梁刘杨王何莫庞邓冯谭蔡周许郑"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
PROBLEMS = (
    ("路灯损坏", "已联系供电所更换"),
    ("村道坑洼", "已纳入村道修缮计划并完成修补"),
    ("低保申请咨询", "已协助提交低保申请材料"),
    ("饮水管道漏水", "已组织维修"),
    ("医保缴费咨询", "已讲解政策并协助办理"),
    ("邻里纠纷", "已调解，双方签订调解协议"),
    ("垃圾清运不及时", "已协调保洁公司增加清运频次"),
    ("危房改造申请", "已上报乡镇并纳入改造计划"),
    ("子女入学咨询", "已协调学校办理"),
    ("农田灌溉用水", "已协调水利站放水"),
)
UNITS = (
    "市委组织部",
    "市财政局",
    "市农业农村局",
    "市教育局",
    "市卫生健康委",
    "市交通运输局",
    "市住建局",
    "湛江供电局",
    "市税务局",
    "农业银行湛江分行",
)


def estimate(ctx) -> int:
    return max(1, int(VISITS * ctx.scale * 1.8))


def _scaled(n: float, scale: float) -> int:
    return max(1, round(n * scale))


def _name(rng) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    )


class _Places:
    """Townships, their villages and communities, and their cadres, read once."""

    def __init__(self):
        rows = list(
            Organization.objects.filter(status=OrgStatus.ACTIVE)
            .filter(depth__in=(3, 4))
            .values_list("id", "path", "name", "kind", "unit_type", "region_code", "parent_id")
            .order_by("path")
        )
        self.towns = [r for r in rows if r[3] == "township"]
        town_ids = {r[0] for r in self.towns}
        self.villages = [r for r in rows if r[6] in town_ids and r[4] in ("village", "community")]
        agencies = {r[1] for r in rows if r[6] in town_ids and r[4] == "agency"}
        village_paths = {r[1]: r for r in self.villages}
        town_paths = {r[1]: r for r in self.towns}
        self.village_cadres: dict[int, list[int]] = defaultdict(list)
        self.town_cadres: dict[int, list[int]] = defaultdict(list)
        members = (
            Member.objects.filter(leave_status=LeaveStatus.ON_ROLLS)
            .order_by("org__path", "id")
            .values_list("id", "org__path")
        )
        for pk, path in members.iterator(20_000):
            head = path[:16]
            village = village_paths.get(head)
            if village is not None:
                cadres = self.village_cadres[village[0]]
                if len(cadres) < 4:
                    cadres.append(pk)
                continue
            town = town_paths.get(path[:12])
            if head in agencies and town is not None:
                cadres = self.town_cadres[town[0]]
                if len(cadres) < TOWNSHIP_CADRES:
                    cadres.append(pk)
        self.by_town: dict[int, list[tuple]] = defaultdict(list)
        for v in self.villages:
            self.by_town[v[6]].append(v)


def build(ctx, phase) -> dict:
    visits = _scaled(VISITS, ctx.scale)
    big = {HouseholdVisit: visits, DutyShift: visits // 4, ResidentRequest: visits // 9}
    big[RequestEvent] = big[ResidentRequest] * 3
    # One transaction (SQLite would commit every row otherwise); the large tables' indexes
    # and constraints are rebuilt once at the end instead of row by row (core.bulk).
    with transaction.atomic(), ExitStack() as stack:
        for model, rows in big.items():
            stack.enter_context(deferred_indexes(model, enabled=should_defer_indexes(model, rows)))
        result = _build(ctx, phase)
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Run the queued foreign-key checks now: a later phase may ALTER a referenced table.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return result


def _build(ctx, phase) -> dict:
    rng = random.Random(ctx.seed * 104_729 + 7)
    places = _Places()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    as_of = ctx.as_of
    start = as_of - timedelta(days=364)
    days = [start + timedelta(days=i) for i in range(365)]
    iso = {d: d.isoformat() for d in days}
    result = {}
    result["centres"] = _centres(rng, places, now, start)
    phase.update(1)
    result["shifts"] = _shifts(rng, places, now, days, iso, phase)
    result.update(_visits_and_requests(rng, places, ctx, now, days, iso, phase))
    result.update(_teams(rng, places, ctx, now, as_of))
    result["trained"] = _training(rng, places, ctx, now, as_of)
    with connection.cursor() as cursor:
        models = [ResidentRequest, RequestEvent, HouseholdVisit, DutyShift, WorkTeam, TeamMember]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
    return result


def _centres(rng, places, now, start) -> int:
    out = Inserter(
        ServiceCentre,
        (
            "org",
            "name",
            "address",
            "opening_hours",
            "staff",
            "staff_count",
            "opened_on",
            "has_place",
            "place_evidence",
            "has_sign",
            "sign_evidence",
            "has_system",
            "system_evidence",
            "has_funds",
            "funds_evidence",
            "created_at",
            "updated_at",
        ),
    )
    rows = []
    for org in places.towns + places.villages:
        short = org[2].removeprefix("中共").split("委员会")[0].split("支部")[0]
        full = rng.random() < 0.93
        evidence = "现场照片、挂牌照片、制度上墙照片、经费拨付凭证"
        rows.append(
            (
                org[0],
                f"{short}党群服务中心",
                f"{short}综合楼一楼",
                "周一至周五 8:30-12:00 14:30-17:30",
                "驻点干部、村(社区)干部",
                rng.randint(3, 12) if org[3] == "township" else rng.randint(2, 5),
                (start - timedelta(days=rng.randint(30, 900))).isoformat(),
                True,
                evidence,
                True,
                evidence,
                full,
                evidence if full else "",
                True,
                evidence,
                now,
                now,
            )
        )
    out.write(rows)
    return out.rows


def _moments(hour_utc: int) -> list[str]:
    """ " HH:MM:00" of every minute of an hour (UTC), as the backend stores it."""
    suffix = "+00:00" if connection.vendor == "postgresql" else ""
    return [f" {hour_utc:02d}:{m:02d}:00{suffix}" for m in range(60)]


def _shifts(rng, places, now, days, iso, phase) -> int:
    out = Inserter(
        DutyShift,
        (
            "org",
            "cadre",
            "on",
            "checked_in_at",
            "checked_out_at",
            "source",
            "region_code",
            "created_at",
            "updated_at",
        ),
    )
    rows = []
    # 08:00–08:59 and 17:00–17:59 in Asia/Shanghai are 00:xx and 09:xx UTC.
    ins, outs = _moments(0), _moments(9)
    random = rng.random

    def add(org, cadre, day, rate):
        d = iso[day]
        if random() < rate:
            came, left = d + ins[int(random() * 60)], d + outs[int(random() * 60)]
            rows.append((org[0], cadre, d, came, left, "entered", org[5], now, now))
        else:
            rows.append((org[0], cadre, d, None, None, "entered", org[5], now, now))
        if len(rows) >= BATCH:
            out.write(rows)
            phase.update(len(rows))
            rows.clear()

    for town in places.towns:
        villages = places.by_town.get(town[0]) or [town]
        # most townships keep above the 95 % target; a few do not (findings)
        rate = 0.90 if rng.random() < 0.08 else rng.uniform(0.955, 0.99)
        for i, cadre in enumerate(places.town_cadres.get(town[0], [])):
            village = villages[i % len(villages)]
            weekday = i % 5
            for day in days:
                if day.weekday() == weekday:
                    add(village, cadre, day, rate)
    for village in places.villages:
        cadres = places.village_cadres.get(village[0], [])
        if not cadres:
            continue
        rate = rng.uniform(0.95, 0.995)
        turn = 0
        for day in days:
            if day.weekday() in (0, 2, 4):
                add(village, cadres[turn % len(cadres)], day, rate)
                turn += 1
    out.write(rows)
    phase.update(len(rows))
    return out.rows


def _visits_and_requests(rng, places, ctx, now, days, iso, phase) -> dict:
    visits_out = Inserter(
        HouseholdVisit,
        (
            "id",
            "village",
            "visitor",
            "visited_on",
            "household",
            "address",
            "raised",
            "region_code",
            "created_at",
            "updated_at",
        ),
    )
    req_out = Inserter(
        ResidentRequest,
        (
            "id",
            "origin",
            "org",
            "assignee",
            "channel",
            "visit",
            "resident_name",
            "resident_phone",
            "subject",
            "details",
            "registered_on",
            "deadline",
            "status",
            "resolved_on",
            "resolution_note",
            "closed_on",
            "satisfaction",
            "region_code",
            "created_at",
            "updated_at",
        ),
    )
    ev_out = Inserter(
        RequestEvent,
        ("request", "actor", "action", "status", "org", "on", "note", "created_at", "updated_at"),
    )
    visit_id = (HouseholdVisit.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    req_id = (ResidentRequest.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    villages = [v for v in places.villages if places.village_cadres.get(v[0])]
    total = _scaled(VISITS, ctx.scale)
    per_village = total // max(1, len(villages))
    extra = total - per_village * len(villages)
    visits, requests, events = [], [], []
    counts = {"visits": 0, "requests": 0, "resolved": 0}
    town_of = {v[0]: v[6] for v in places.villages}
    town_rows = {t[0]: t for t in places.towns}
    last = days[-1]

    def flush():
        # All three together, parents first: a row written before the row it refers to is a
        # deferred foreign-key violation, and while one is outstanding SQLite checks every
        # new parent row against the child table — a full scan each, its index being
        # deferred (a load of a few seconds took over twenty minutes that way).
        for rows, out in ((visits, visits_out), (requests, req_out), (events, ev_out)):
            out.write(rows)
            if out is visits_out:
                phase.update(len(rows))
            rows.clear()

    def request(village, visit, channel, day, name):
        nonlocal req_id
        subject, resolution = PROBLEMS[rng.randrange(len(PROBLEMS))]
        deadline = day + timedelta(days=15)
        cadres = places.village_cadres[village[0]]
        handler, assignee = village, rng.choice(cadres)
        r = rng.random()
        escalated = r < 0.06
        if escalated:
            handler, assignee = town_rows[town_of[village[0]]], None
        age = (last - day).days
        done = rng.random() < (0.875 if age > 20 else 0.4)  # 85 % in all
        status, resolved_on, note, closed_on, satisfied = (
            "assigned" if assignee else "escalated",
            None,
            "",
            None,
            "",
        )
        if done:
            took = rng.randint(1, 14) if rng.random() < 0.9 else rng.randint(16, 40)
            resolved = min(day + timedelta(days=took), last)
            resolved_on, note = resolved.isoformat(), resolution
            closed = rng.random() < 0.8
            status = "closed" if closed else "resolved"
            if closed:
                closed_on = resolved_on
                satisfied = (
                    "satisfied" if rng.random() < 0.9 else rng.choice(("basic", "unsatisfied"))
                )
            counts["resolved"] += 1
        requests.append(
            (
                req_id,
                village[0],
                handler[0],
                assignee,
                channel,
                visit,
                name,
                "",
                subject,
                "",
                iso[day],
                deadline.isoformat(),
                status,
                resolved_on,
                note,
                closed_on,
                satisfied,
                village[5],
                now,
                now,
            )
        )
        events.append((req_id, None, "register", "registered", village[0], iso[day], "", now, now))
        if escalated:
            events.append(
                (
                    req_id,
                    None,
                    "escalate",
                    "escalated",
                    handler[0],
                    iso[day],
                    "需乡镇协调",
                    now,
                    now,
                )
            )
        elif assignee:
            events.append((req_id, None, "assign", "assigned", handler[0], iso[day], "", now, now))
        if done:
            events.append(
                (req_id, None, "resolve", "resolved", handler[0], resolved_on, note, now, now)
            )
            if closed_on:
                events.append(
                    (req_id, None, "close", "closed", handler[0], closed_on, "", now, now)
                )
        req_id += 1
        counts["requests"] += 1

    names = [_name(rng) for _ in range(4096)]
    random = rng.random
    for index, village in enumerate(villages):
        cadres = places.village_cadres[village[0]]
        town_cadres = places.town_cadres.get(village[6], [])
        pool = cadres + town_cadres[:4]
        addresses = [crypto.encrypt(f"{village[2][:8]}{n}号") for n in range(1, 21)]
        n = per_village + (1 if index < extra else 0)
        k = len(pool)
        for _ in range(n):
            day = days[int(random() * 365)]
            name = names[int(random() * 4096)]
            raises = random() < 0.1
            problem = PROBLEMS[int(random() * 10)][0] if raises else ""
            row = (visit_id, village[0], pool[int(random() * k)], iso[day], name)
            visits.append(row + (addresses[int(random() * 20)], problem, village[5], now, now))
            if raises:
                request(village, visit_id, "visit", day, name)
            elif random() < 0.012:
                request(village, None, rng.choice(("centre", "phone")), day, name)
            visit_id += 1
            counts["visits"] += 1
        if len(visits) >= BATCH:
            flush()
    flush()
    return counts


def _teams(rng, places, ctx, now, as_of) -> dict:
    villages = [v for v in places.villages if v[3] != "township"]
    rng.shuffle(villages)
    n = min(len(villages), _scaled(TEAMS, ctx.scale))
    chosen = sorted(villages[:n], key=lambda v: v[1])
    team_id = (WorkTeam.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    started = date(as_of.year - 1, 3, 1)
    teams, people, poverty = [], [], []
    cadres = _scaled(TEAM_CADRES, ctx.scale)
    lifted_total = _scaled(LIFTED, ctx.scale)
    poor_total = round(lifted_total / SHARE)
    funds_total = FUNDS * ctx.scale
    weights = [rng.uniform(0.5, 1.5) for _ in chosen]
    wsum = sum(weights) or 1
    for i, v in enumerate(chosen):
        unit = UNITS[i % len(UNITS)]
        teams.append((team_id, v[0], unit, started.isoformat(), None, now, now))
        size = cadres // n + (1 if i < cadres % n else 0)
        for k in range(max(1, size)):
            people.append(
                (
                    team_id,
                    None,
                    _name(rng),
                    unit,
                    k == 0,
                    k == 0,
                    started.isoformat(),
                    None,
                    now,
                    now,
                )
            )
        share = weights[i] / wsum
        poor = max(1, round(poor_total * share))
        lifted = round(poor * SHARE)
        funds = funds_total * share
        poverty.append(
            (
                v[0],
                as_of.year,
                as_of.isoformat(),
                max(1, round(poor / 3.2)),
                poor,
                min(lifted, poor),
                f"{funds * 0.6:.2f}",
                f"{funds * 0.25:.2f}",
                f"{funds * 0.15:.2f}",
                now,
                now,
            )
        )
        team_id += 1
    Inserter(
        WorkTeam,
        ("id", "village", "dispatching_unit", "started_on", "ended_on", "created_at", "updated_at"),
    ).write(teams)
    Inserter(
        TeamMember,
        (
            "team",
            "member",
            "external_name",
            "external_unit",
            "is_leader",
            "is_first_secretary",
            "started_on",
            "ended_on",
            "created_at",
            "updated_at",
        ),
    ).write(people)
    Inserter(
        PovertyRecord,
        (
            "village",
            "year",
            "recorded_on",
            "poor_households",
            "poor_people",
            "lifted_people",
            "funds_government",
            "funds_enterprise",
            "funds_social",
            "created_at",
            "updated_at",
        ),
    ).write(poverty)
    return {"teams": len(teams), "stationed": len(people), "poverty_records": len(poverty)}


def _training(rng, places, ctx, now, as_of) -> int:
    counties = list(
        Organization.objects.filter(kind="county", status=OrgStatus.ACTIVE)
        .order_by("path")
        .values_list("id", "path", "name")
    )
    if not counties:
        return 0
    courses = []
    for i, county in enumerate(counties):
        courses.append(
            TrainingCourse(
                org_id=county[0],
                title="村干部计算机技能轮训",
                starts_on=as_of - timedelta(days=200 - 7 * i),
                hours=24,
            )
        )
    TrainingCourse.objects.bulk_create(courses)
    by_path = {c[1]: course for c, course in zip(counties, courses, strict=True)}
    want = _scaled(TRAINED, ctx.scale)
    rows, seen = [], set()
    villages = places.villages
    per = max(1, -(-want // max(1, len(villages))))
    for v in villages:
        course = by_path.get(v[1][:8])
        if course is None:
            continue
        for member in places.village_cadres.get(v[0], [])[:per]:
            if len(rows) >= want or member in seen:
                break
            seen.add(member)
            rows.append((course.pk, member, True, now, now))
    Inserter(
        TrainingAttendance, ("course", "member", "completed", "created_at", "updated_at")
    ).write(rows)
    return len(rows)
