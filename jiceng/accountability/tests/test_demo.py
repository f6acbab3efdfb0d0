"""The demo's responsibility system at a tiny scale: the source's figures scaled,
deterministic, and the city's rollups and findings consistent with it."""

from datetime import date

import pytest

from jiceng.accountability import demo
from jiceng.accountability import figures as acc_figures
from jiceng.accountability.models import (
    Assessment,
    ItemScore,
    KeyTask,
    Ledger,
    Problem,
    Project,
    RubricItem,
    WeakOrg,
)
from jiceng.core import figures, findings
from jiceng.demo import build, extensions
from jiceng.orgs.models import Organization

AS_OF = date(2026, 11, 15)
SCALE = 0.02


def counts():
    return (
        Project.objects.count(),
        Ledger.objects.count(),
        Problem.objects.count(),
        KeyTask.objects.count(),
        WeakOrg.objects.count(),
        Assessment.objects.count(),
        ItemScore.objects.count(),
        sorted(Problem.objects.values_list("org_id", "deadline", "status")),
    )


def test_the_source_figures_at_full_scale():
    assert [demo.scaled(n, 1.0) for n in demo.FIGURES.values()] == [237, 450, 1380, 25, 111]


@pytest.mark.django_db
def test_demo_builds_the_responsibility_system(monkeypatch):
    # only this app's extension: the others have their own tests
    monkeypatch.setattr(
        extensions, "_registry", {"accountability": extensions._registry["accountability"]}
    )
    result = build.build(seed=5, scale=SCALE, as_of=AS_OF, parallel=False)
    acc = result.extensions["accountability"]
    assert acc["projects"] == Project.objects.count() == demo.scaled(237, SCALE)
    assert acc["ledgers"] == Ledger.objects.count() == demo.scaled(450, SCALE)
    assert acc["problems"] == Problem.objects.count() == demo.scaled(1380, SCALE)
    assert KeyTask.objects.count() == demo.scaled(25, SCALE)
    assert WeakOrg.objects.count() == demo.scaled(111, SCALE)
    assert acc["assessments"] > 0
    assert RubricItem.objects.count() == 52
    assert ItemScore.objects.count() == 52 * acc["assessments"]
    root = Organization.objects.get(depth=1)
    found = findings.in_subtree(root.path, AS_OF, keys=["accountability"])
    assert any(f.rule == "ACC-02" and f.level == findings.Level.OVERDUE for f in found)
    # every branch is assessed
    branches = Organization.objects.filter(kind="branch", status="active").count()
    assert acc["assessments"] == Assessment.objects.count() == branches
    # the figures equal the direct counts (at scale 1: 237, 450, 1,380, 25, 52, 111)
    scope = figures.Scope(
        org_id=root.pk,
        path=root.path,
        name=root.name,
        start=date(AS_OF.year, 1, 1),
        end=date(AS_OF.year, 12, 31),
    )
    values = figures.compute(scope, [key for key, *_rest in acc_figures.FIGURES])
    assert values["accountability.projects"].value == demo.scaled(237, SCALE)
    assert values["accountability.ledgers"].value == demo.scaled(450, SCALE)
    assert values["accountability.problems"].value == demo.scaled(1380, SCALE)
    assert values["accountability.key_tasks"].value == demo.scaled(25, SCALE)
    assert values["accountability.rubric_items"].value == 52
    assert values["accountability.weak_lax"].value == demo.scaled(111, SCALE)
    assert values["accountability.assessed"].value == branches
    first = counts()
    build.build(seed=5, scale=SCALE, as_of=AS_OF, parallel=False, replace=True)
    assert counts() == first
    assert RubricItem.objects.count() == 52  # the rubric is reused, not versioned again
