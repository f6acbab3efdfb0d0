"""The demo city's responsibility system, at the source document's figures (scaled with the
city): 237 secretary projects, 450 problem ledgers with 1,380 problems, 25 key tasks, the
52-item example rubric with the scores of every branch, 111 weak-and-lax
organisations. Deterministic for a seed; written set-based (bulk inserts, a few per table)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from jiceng.core.bulk import Inserter, deferred_indexes, should_defer_indexes
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, OrgKind, OrgStatus

from . import example_rubric, rules, scoring
from .models import (
    Assessment,
    AssessmentStatus,
    AssignmentStatus,
    ItemKind,
    ItemScore,
    KeyTask,
    Ledger,
    Milestone,
    Problem,
    ProblemCategory,
    ProblemSource,
    ProblemStatus,
    ProgressReport,
    Project,
    ProjectStatus,
    Rubric,
    Severity,
    TaskAssignment,
    WeakBasis,
    WeakOrg,
    WeakStatus,
)

FIGURES = {"projects": 237, "ledgers": 450, "problems": 1380, "tasks": 25, "weak": 111}
BATCH = 2000

PROJECT_TITLES = [
    "村集体经济增收",
    "党群服务中心提质",
    "软弱涣散党组织整顿",
    "流动党员管理",
    "两新组织党建覆盖",
    "乡村振兴示范点",
    "人居环境整治",
    "党员先锋岗创建",
    "基层治理网格化",
    "红色教育基地建设",
]
PROBLEMS = [
    "三会一课记录不规范",
    "组织生活会未按期召开",
    "党费收缴不及时",
    "发展党员程序不规范",
    "党员信息采集不完整",
    "阵地建设未达四有标准",
    "主题党日活动流于形式",
    "党员教育培训学时不足",
]
TASKS = [
    "基层党建规范提质行动",
    "村两委换届选举",
    "软弱涣散党组织整顿",
    "党员信息采集",
    "党费收缴专项检查",
]


def scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale))


def estimate(ctx) -> int:
    return 6


def _orgs(kinds) -> list[tuple[int, str, str]]:
    return list(
        Organization.objects.filter(status=OrgStatus.ACTIVE, kind__in=[str(k) for k in kinds])
        .order_by("path")
        .values_list("pk", "path", "kind")
    )


def build(ctx, phase) -> dict:
    rng = random.Random(ctx.seed * 7919 + 6)
    as_of = ctx.as_of
    counties = _orgs([OrgKind.COUNTY])
    townships = _orgs([OrgKind.TOWNSHIP])
    grassroots = _orgs(GRASSROOTS_KINDS)
    if not grassroots or not townships:
        phase.update(6)
        return {}
    out = {
        "projects": _projects(rng, ctx, counties, townships, grassroots),
    }
    phase.update(1)
    out["ledgers"], out["problems"] = _ledgers(rng, ctx, townships, grassroots)
    phase.update(1)
    out["tasks"] = _tasks(rng, ctx, townships)
    phase.update(1)
    out["weak"] = _weak(rng, ctx, grassroots)
    phase.update(1)
    out["assessments"] = _assessments(rng, as_of, counties, grassroots)
    phase.update(2)
    return out


def _projects(rng, ctx, counties, townships, grassroots) -> int:
    total = scaled(FIGURES["projects"], ctx.scale)
    n_county = min(len(counties), max(0, total // 20))
    n_town = min(len(townships), total // 4)
    n_grass = max(0, total - n_county - n_town)
    owners = (
        rng.sample(counties, n_county)
        + rng.sample(townships, n_town)
        + rng.sample(grassroots, min(n_grass, len(grassroots)))
    )
    owners.sort(key=lambda o: o[1])
    as_of = ctx.as_of
    statuses = [
        (ProjectStatus.COMPLETED, 25),
        (ProjectStatus.APPROVED, 45),
        (ProjectStatus.SUBMITTED, 15),
        (ProjectStatus.RETURNED, 5),
        (ProjectStatus.CLAIMED, 10),
    ]
    rows = []
    plans = []
    for i, (pk, _path, _kind) in enumerate(owners):
        status = rng.choices([s for s, _w in statuses], [w for _s, w in statuses])[0]
        claimed = as_of - timedelta(days=rng.randint(60, 300))
        progress = 100 if status == ProjectStatus.COMPLETED else rng.randint(0, 9) * 10
        title = f"{PROJECT_TITLES[i % len(PROJECT_TITLES)]}项目"
        reviewed = status in (
            ProjectStatus.COMPLETED,
            ProjectStatus.APPROVED,
            ProjectStatus.RETURNED,
        )
        rows.append(
            Project(
                org_id=pk,
                year=as_of.year,
                title=title,
                problem=f"{title}所针对的问题：基础薄弱、机制不健全",
                goals="一年内见实效，群众满意度提升",
                targets="完成率100%；群众满意度≥90%",
                status=status,
                progress=progress,
                claimed_on=claimed,
                reviewed_on=claimed + timedelta(days=20) if reviewed else None,
                review_comment="目标需进一步量化" if status == ProjectStatus.RETURNED else "",
            )
        )
        plans.append((claimed, progress, status))
    Project.objects.bulk_create(rows, batch_size=BATCH)
    milestones, reports = [], []
    for project, (claimed, progress, status) in zip(rows, plans, strict=True):
        for step in range(3):
            due = claimed + timedelta(days=90 * (step + 1))
            done = status == ProjectStatus.COMPLETED or (
                due <= as_of and rng.random() < 0.75 and progress >= 30 * (step + 1)
            )
            milestones.append(
                Milestone(
                    project=project,
                    title=("调研摸底", "组织实施", "验收总结")[step],
                    due_on=due,
                    done_on=min(due, as_of) if done else None,
                )
            )
        if progress:
            reports.append(
                ProgressReport(
                    project=project,
                    reported_on=min(as_of, claimed + timedelta(days=100)),
                    progress=progress,
                    text="按计划推进",
                    evidence="工作台账、照片",
                )
            )
    Milestone.objects.bulk_create(milestones, batch_size=BATCH)
    ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
    return len(rows)


def _ledgers(rng, ctx, townships, grassroots) -> tuple[int, int]:
    n_ledgers = scaled(FIGURES["ledgers"], ctx.scale)
    n_problems = max(n_ledgers, scaled(FIGURES["problems"], ctx.scale))
    pool = grassroots + townships
    owners = sorted(rng.sample(pool, min(n_ledgers, len(pool))), key=lambda o: o[1])
    ledgers = [
        Ledger(org_id=pk, year=ctx.as_of.year, title=f"{ctx.as_of.year}年问题台账")
        for pk, _path, _kind in owners
    ]
    Ledger.objects.bulk_create(ledgers, batch_size=BATCH)
    # every ledger gets one problem, the rest go at random
    per = [1] * len(ledgers)
    for _ in range(n_problems - len(ledgers)):
        per[rng.randrange(len(ledgers))] += 1
    as_of = ctx.as_of
    rows = []
    sources, categories, severities = (
        ProblemSource.values,
        ProblemCategory.values,
        Severity.values,
    )
    for ledger, count in zip(ledgers, per, strict=True):
        for _ in range(count):
            found = as_of - timedelta(days=rng.randint(20, 330))
            deadline = found + timedelta(days=rng.choice((30, 60, 90)))
            fate = rng.random()
            row = Problem(
                ledger=ledger,
                org_id=ledger.org_id,
                source=rng.choice(sources),
                description=rng.choice(PROBLEMS),
                category=rng.choice(categories),
                severity=rng.choices(severities, (70, 25, 5))[0],
                measure="制定整改措施，明确责任人和时限，逐项销号",
                owner="支部书记",
                found_on=found,
                deadline=deadline,
            )
            if fate < 0.8 and deadline - timedelta(days=10) <= as_of:
                late = fate > 0.7
                closed = (
                    deadline + timedelta(days=rng.randint(1, 20))
                    if late
                    else deadline - timedelta(days=rng.randint(0, 10))
                )
                closed = min(closed, as_of)
                row.status = ProblemStatus.CLOSED
                row.evidence = "整改报告、会议记录"
                row.rectified_on = closed - timedelta(days=3)
                row.closed_on = closed
            elif fate < 0.85:
                row.status = ProblemStatus.RECTIFIED
                row.evidence = "整改报告"
                row.rectified_on = min(as_of, deadline)
            rows.append(row)
    Problem.objects.bulk_create(rows, batch_size=BATCH)
    return len(ledgers), len(rows)


def _tasks(rng, ctx, townships) -> int:
    city = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    n = scaled(FIGURES["tasks"], ctx.scale)
    tasks = [
        KeyTask(
            org=city,
            year=ctx.as_of.year,
            title=f"{TASKS[i % len(TASKS)]}（{i + 1}）",
            description="市委组织部部署的年度重点任务，各乡镇（街道）党（工）委抓好落实",
            deadline=ctx.as_of + timedelta(days=rng.randint(-120, 120)),
        )
        for i in range(n)
    ]
    KeyTask.objects.bulk_create(tasks, batch_size=BATCH)
    rows = []
    for task in tasks:
        for pk, _path, _kind in townships:
            r = rng.random()
            status = (
                AssignmentStatus.DONE
                if r < 0.7
                else AssignmentStatus.IN_PROGRESS
                if r < 0.9
                else AssignmentStatus.PENDING
            )
            done = status == AssignmentStatus.DONE
            rows.append(
                TaskAssignment(
                    task=task,
                    org_id=pk,
                    status=status,
                    evidence="落实情况报告" if done else "",
                    reported_on=min(ctx.as_of, task.deadline)
                    if status != AssignmentStatus.PENDING
                    else None,
                )
            )
    TaskAssignment.objects.bulk_create(rows, batch_size=BATCH)
    return len(tasks)


def _weak(rng, ctx, grassroots) -> int:
    n = min(len(grassroots), scaled(FIGURES["weak"], ctx.scale))
    chosen = sorted(rng.sample(grassroots, n), key=lambda o: o[1])
    as_of = ctx.as_of
    rows = []
    for pk, _path, _kind in chosen:
        identified = as_of - timedelta(days=rng.randint(60, 300))
        r = rng.random()
        status = (
            WeakStatus.CLOSED
            if r < 0.7
            else WeakStatus.RECTIFYING
            if r < 0.95
            else WeakStatus.IDENTIFIED
        )
        planned = status != WeakStatus.IDENTIFIED
        deadline = identified + timedelta(days=180) if planned else None
        rows.append(
            WeakOrg(
                org_id=pk,
                year=as_of.year,
                basis=rng.choices(WeakBasis.values, (30, 50, 20))[0],
                reason="班子软弱、组织生活不正常、群众意见较大",
                identified_on=identified,
                leader="镇党委副书记" if planned else "",
                work_team="镇驻村工作队" if planned else "",
                first_secretary="选派第一书记" if planned else "",
                plan="调整班子、规范组织生活、办好民生实事" if planned else "",
                deadline=deadline,
                progress=100
                if status == WeakStatus.CLOSED
                else rng.randint(2, 9) * 10
                if planned
                else 0,
                status=status,
                closed_on=min(as_of, deadline) if status == WeakStatus.CLOSED else None,
            )
        )
    WeakOrg.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _rubric(year: int) -> Rubric:
    existing = (
        Rubric.objects.filter(year=year, org_kind=example_rubric.ORG_KIND, name=example_rubric.NAME)
        .annotate(n=Count("categories__items"))
        .filter(n=example_rubric.item_count())
        .order_by("-version")
        .first()
    )
    if existing is not None:
        return existing
    return scoring.rubric_create(
        actor=None,
        year=year,
        org_kind=example_rubric.ORG_KIND,
        name=example_rubric.NAME,
        categories=example_rubric.categories(),
    )


def _assessments(rng, as_of: date, counties, grassroots) -> int:
    """Every branch of the city, assessed with the example rubric: automatic items from the
    findings (one sweep of the providers over the whole city), the rest scored by hand.
    Rows are computed as tuples and written with the bulk Inserter (no model instances), the
    item scores with the table's indexes deferred (about 52 rows per branch)."""
    rubric = _rubric(as_of.year)
    if not counties:
        return 0
    orgs = list(
        Organization.objects.filter(status=OrgStatus.ACTIVE, kind=example_rubric.ORG_KIND)
        .only("pk", "path")
        .order_by("path")
    )
    if not orgs:
        return 0
    items = scoring.rubric_items(rubric)
    found = scoring.findings_by_org(orgs, as_of)
    now = timezone.now()
    empty = "[]"
    heads, bodies = [], {}
    for org in orgs:
        auto = self_total = review_total = Decimal(0)
        vetoed = False
        rows = []
        mine, subtree = found.get(org.pk, {}), found.get(-org.pk, {})
        for item in items:
            instances = auto_score = self_value = review_value = None
            explanation, evidence = empty, ""
            if item.rule:
                hits = (subtree if item.subtree else mine).get(item.rule, ())
                instances = len(hits)
                auto_score = rules.item_score(item.kind, item.max_points, item.deduction, instances)
                if hits:
                    explanation = json.dumps(scoring._explain(hits), ensure_ascii=False)
                auto += auto_score
                self_total += auto_score
                review_total += auto_score
                vetoed |= rules.vetoes(item.kind, instances)
            elif item.kind == ItemKind.VETO:
                instances = 1 if rng.random() < 0.003 else 0
                vetoed |= bool(instances)
            else:
                steps = int(item.max_points * 2)
                self_value = Decimal(rng.randint(max(0, steps - 2), steps)) / 2
                if item.kind == ItemKind.BONUS:
                    self_value = Decimal(rng.choice((0, 0, 0, 1))) * min(item.max_points, 1)
                review_value = max(Decimal(0), self_value - Decimal(rng.choice((0, 0, 0, 1))) / 2)
                evidence = "自查材料"
                self_total += self_value
                review_total += review_value
            rows.append(
                (
                    item.pk,
                    instances,
                    _num(auto_score),
                    explanation,
                    _num(self_value),
                    _num(review_value),
                    evidence,
                )
            )
        heads.append(
            (
                rubric.pk,
                org.pk,
                as_of,
                AssessmentStatus.REVIEWED.value,
                _num(auto),
                _num(self_total),
                _num(review_total),
                vetoed,
                now,
                now,
                now,
            )
        )
        bodies[org.pk] = rows
    Inserter(
        Assessment,
        (
            "rubric",
            "org",
            "period_end",
            "status",
            "auto_total",
            "self_total",
            "review_total",
            "vetoed",
            "computed_at",
            "created_at",
            "updated_at",
        ),
    ).write(heads)
    ids = dict(Assessment.objects.filter(rubric=rubric).values_list("org_id", "pk"))
    writer = Inserter(
        ItemScore,
        (
            "assessment",
            "item",
            "instances",
            "auto_score",
            "explanation",
            "self_score",
            "review_score",
            "evidence",
            "created_at",
            "updated_at",
        ),
    )
    total = len(heads) * len(items)
    with (
        transaction.atomic(),
        deferred_indexes(ItemScore, enabled=should_defer_indexes(ItemScore, total)),
    ):
        batch = []
        for org_id, rows in bodies.items():
            assessment = ids[org_id]
            batch.extend((assessment, *row, now, now) for row in rows)
            if len(batch) >= 10 * BATCH:
                writer.write(batch)
                batch = []
        writer.write(batch)
    return len(heads)


def _num(value):
    """A Decimal as the bulk writer passes it (text; the column's type converts it)."""
    return None if value is None else str(value)
