"""What is due next, as findings for a whole subtree: set-based, levels, exceptions, scope."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from jiceng.core import findings
from jiceng.core.dates import add_months
from jiceng.core.findings import Level
from jiceng.recruitment import services, testing

from .conftest import drive

pytestmark = pytest.mark.django_db


def test_an_untalked_applicant_is_overdue_then_due_soon(pipe):
    today = timezone.localdate()
    found = findings.in_subtree(pipe.city.city.path, today, keys=["recruitment"])
    assert [(f.rule, f.level, f.subject) for f in found] == [
        ("DEV-03", Level.OVERDUE, pipe.record.name)
    ]
    assert found[0].org_id == pipe.city.branch_a1.pk
    assert found[0].url == pipe.record.get_absolute_url()
    fresh = testing.open_record(
        pipe.city.branch_a2, applied_on=add_months(today, -1) + timedelta(days=7), name="新人"
    )
    found = findings.in_subtree(pipe.city.town_a.path, today, keys=["recruitment"])
    soon = [f for f in found if f.subject == fresh.name]
    assert [(f.rule, f.level) for f in soon] == [("DEV-03", Level.DUE_SOON)]


def test_findings_stay_within_the_subtree(pipe):
    today = timezone.localdate()
    assert findings.in_subtree(pipe.city.county_b.path, today, keys=["recruitment"]) == []
    with pytest.raises(Http404):
        findings.collect(user=pipe.city.outsider, org=pipe.city.city, keys=["recruitment"])
    assert findings.collect(user=pipe.city.county_admin, org=pipe.city.county_a)


def test_exceptions_are_findings(pipe):
    record = drive(pipe, 6)
    early = add_months(record.activist_on, 12) - timedelta(days=10)
    services.step_record(
        actor=pipe.city.county_admin,
        record=record,
        number=7,
        on=early,
        data={"decided_by": "committee"},
        exception_reason="经批准提前确定",
    )
    today = timezone.localdate()
    found = findings.in_subtree(pipe.city.city.path, today, keys=["recruitment"])
    assert [(f.rule, f.level) for f in found if f.level == Level.EXCEPTION] == [
        ("DEV-07", Level.EXCEPTION)
    ]


def test_provider_is_set_based(pipe, django_assert_max_num_queries):
    for i in range(5):
        testing.open_record(pipe.city.branch_a2, name=f"人{i}")
    today = timezone.localdate()
    with django_assert_max_num_queries(3):
        found = list(findings.in_subtree(pipe.city.city.path, today, keys=["recruitment"]))
    assert len(found) == 6


def test_probation_end_is_due(pipe):
    record = drive(pipe, 22)
    found = findings.in_subtree(pipe.city.city.path, record.probation_ends_on, keys=["recruitment"])
    assert [(f.rule, f.level) for f in found] == [("DEV-16", Level.DUE_SOON)]
    later = findings.in_subtree(
        pipe.city.city.path,
        record.probation_ends_on + timedelta(days=1),
        keys=["recruitment"],
    )
    assert [(f.rule, f.level) for f in later] == [("DEV-16", Level.OVERDUE)]
