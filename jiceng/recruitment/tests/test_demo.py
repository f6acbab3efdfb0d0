"""The demo pipeline: every stage present, consistent with the rules, some overdue, a few
exceptions; deterministic; how long it takes is printed (no timed assertion: see bench/)."""

import time
from collections import Counter
from datetime import date

import pytest

from jiceng.core import findings
from jiceng.core.dates import add_months
from jiceng.demo import build
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.recruitment.models import DevelopmentRecord, RuleException, Sponsor, Step

pytestmark = pytest.mark.django_db(transaction=True)
AS_OF = date(2026, 6, 30)


def test_demo_pipeline():
    started = time.perf_counter()
    result = build.build(seed=5, scale=0.01, as_of=AS_OF, parallel=False)
    elapsed = time.perf_counter() - started
    counts = result.extensions["recruitment"]
    assert counts["records"] == DevelopmentRecord.objects.count() > 0
    stages = Counter(DevelopmentRecord.objects.values_list("stage", flat=True))
    for stage in ("applicant", "activist", "target", "admission", "probation"):
        assert stages[stage] > 0, stages
    # Every probationary member has the record that admitted them, joined on the resolution.
    probationary = Member.objects.filter(membership="probationary", leave_status="")
    assert DevelopmentRecord.objects.filter(member__in=probationary).count() == probationary.count()
    for r in DevelopmentRecord.objects.filter(member__isnull=False).select_related("member")[:50]:
        assert r.member.join_date == r.resolution_on
        assert r.id_number == r.member.id_number
        assert r.step >= 17
    assert (
        Step.objects.filter(number=9).count() <= Sponsor.objects.filter(role="introducer").count()
    )
    city = Organization.objects.get(parent__isnull=True)
    found = findings.in_subtree(city.path, AS_OF, keys=["recruitment"])
    levels = Counter(f.level for f in found)
    assert levels["overdue"] > 0 and levels["due_soon"] > 0
    assert levels["exception"] == RuleException.objects.count()
    print(
        f"demo build {elapsed:.1f} s, of which the pipeline {result.timings['recruitment']:.2f} s"
    )
    _consistent_with_the_rules()
    # Deterministic
    first = sorted(DevelopmentRecord.objects.values_list("name", "stage", "step", "applied_on"))
    build.build(seed=5, scale=0.01, as_of=AS_OF, parallel=False, replace=True)
    again = sorted(DevelopmentRecord.objects.values_list("name", "stage", "step", "applied_on"))
    assert first == again


def _consistent_with_the_rules():
    excepted = set(RuleException.objects.values_list("record_id", flat=True))
    for r in DevelopmentRecord.objects.all():
        dates = list(Step.objects.filter(record=r).order_by("id").values_list("on", flat=True))
        assert dates == sorted(dates) and dates[-1] <= AS_OF, r.pk
        if r.talked_on:
            assert r.talked_on <= add_months(r.applied_on, 1)
        if r.target_on and r.pk not in excepted:
            assert r.target_on >= add_months(r.activist_on, 12), r.pk
        if r.approved_on:
            assert r.approved_on <= add_months(r.resolution_on, 3)
            assert r.probation_ends_on == add_months(r.resolution_on, 12)
        if r.full_on:
            assert r.member.full_member_date == r.full_on == r.probation_ends_on
