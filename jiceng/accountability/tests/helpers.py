"""Records of the responsibility system for tests, made through the services."""

from datetime import date, timedelta

from django.utils import timezone

from jiceng.accountability import example_rubric, scoring, services
from jiceng.accountability.models import Ledger, Problem, Project, WeakOrg

TODAY = date(2026, 11, 29)


def today():
    return timezone.localdate()


def claim(org, actor=None, *, due=None, title="村集体经济增收项目") -> Project:
    due = due or today() + timedelta(days=60)
    return services.project_claim(
        actor=actor,
        org=org,
        title=title,
        problem="集体经济薄弱",
        goals="年增收5万元",
        targets="村集体收入≥10万元",
        milestones=[("完成调研", due), ("项目落地", due + timedelta(days=60))],
    )


def open_problem(org, actor=None, *, deadline=None, found_on=None) -> Problem:
    ledger = Ledger.objects.filter(org=org, year=today().year).first()
    if ledger is None:
        ledger = services.ledger_create(actor=actor, org=org, year=today().year, title="问题台账")
    return services.problem_open(
        actor=actor,
        ledger=ledger,
        source="inspection",
        description="三会一课记录不规范",
        category="life",
        severity="minor",
        measure="建立记录本，逐月检查",
        owner="张三",
        deadline=deadline or today() + timedelta(days=30),
        found_on=found_on,
    )


def identify(org, actor=None) -> WeakOrg:
    return services.weak_identify(actor=actor, org=org, reason="班子不团结，组织生活不正常")


def example(year=None):
    return scoring.rubric_create(
        actor=None,
        year=year or today().year,
        org_kind="branch",
        name=example_rubric.NAME,
        categories=example_rubric.categories(),
    )
