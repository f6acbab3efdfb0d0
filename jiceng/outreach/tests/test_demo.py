"""The demo year of the service system at a tiny scale: deterministic, figures from records."""

from datetime import date

import pytest

from jiceng.core import findings
from jiceng.demo import build
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization
from jiceng.outreach import selectors
from jiceng.outreach.models import DutyShift, HouseholdVisit, ResidentRequest, ServiceCentre

AS_OF = date(2026, 11, 15)


@pytest.mark.django_db
def test_demo_builds_a_year_of_service_records():
    result = build.build(seed=5, scale=0.01, as_of=AS_OF, parallel=False)
    got = result.extensions["outreach"]
    assert got["visits"] == HouseholdVisit.objects.count() == 13_200
    assert got["requests"] == ResidentRequest.objects.count()
    assert 0.75 < got["resolved"] / got["requests"] < 0.95
    assert got["shifts"] == DutyShift.objects.count() > 0
    assert got["teams"] == 16
    root = Organization.objects.get(depth=1)
    assert ServiceCentre.objects.count() == got["centres"]
    assert [d for d in rollups.check() if d[1].startswith("srv_")] == []

    class Everyone:  # the dashboard of the whole city as a superuser sees it
        is_authenticated = is_active = is_superuser = True

    figures = selectors.dashboard(Everyone(), root, as_of=AS_OF)["total"]
    assert figures.coverage == 100.0
    assert 95 <= figures.attendance <= 99.5
    assert 11_000 < figures.visits <= 13_200
    assert 75 < figures.resolution < 95
    poverty = selectors.poverty_totals(root)
    assert 31 <= poverty["share"] <= 33
    found = findings.in_subtree(root.path, AS_OF, keys=["outreach"])
    assert any(f.rule == "SRV-04" for f in found)


@pytest.mark.django_db
def test_demo_is_deterministic():
    first = build.build(seed=9, scale=0.003, as_of=AS_OF, parallel=False).extensions["outreach"]
    second = build.build(seed=9, scale=0.003, as_of=AS_OF, parallel=False, replace=True)
    assert second.extensions["outreach"] == first
