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


@pytest.mark.django_db
def test_each_figure_of_the_demo_equals_the_count_of_its_records(client):
    """At a small scale: every figure's value is the number of records its list shows, and
    the ratios are those of the records (the source's proportions)."""
    from datetime import timedelta

    from jiceng.core import figures
    from jiceng.core.testing import make_user
    from jiceng.outreach.models import PovertyRecord, TeamMember, TrainingAttendance, WorkTeam

    build.build(seed=5, scale=0.01, as_of=AS_OF, parallel=False)
    root = Organization.objects.get(depth=1)
    scope = figures.Scope(root.pk, root.path, root.name, AS_OF - timedelta(days=364), AS_OF)
    keys = [f.key for f in figures.registered("services") if f.key.startswith("outreach.")]
    got = figures.compute(scope, keys)
    client.force_login(make_user("demo_city_admin", role="admin", org=root))

    def listed(key):
        response = client.get(got[key].url)
        assert response.status_code == 200, got[key].url
        return response.context["total"]

    centres = got["outreach.centres"]
    assert centres.value == ServiceCentre.objects.count() == listed("outreach.centres")
    assert centres.parts["places"] == centres.value  # every township and village has one
    assert got["outreach.visits"].value == HouseholdVisit.objects.count() == 13_200
    assert listed("outreach.visits") == 13_200
    duty = got["outreach.duty_attendance"]
    assert (
        duty.parts["scheduled"] == DutyShift.objects.count() == listed("outreach.duty_attendance")
    )
    assert duty.parts["attended"] == DutyShift.objects.filter(checked_in_at__isnull=False).count()
    assert duty.value >= 95 and duty.rag == "green"
    resolved = got["outreach.resolved"]
    assert resolved.parts["requests"] == ResidentRequest.objects.count()
    assert resolved.parts["resolved"] == listed("outreach.resolved")
    assert 80 <= resolved.value <= 90
    assert got["outreach.teams"].value == WorkTeam.objects.count() == listed("outreach.teams")
    stationed = got["outreach.stationed_cadres"]
    assert stationed.value == TeamMember.objects.count() == listed("outreach.stationed_cadres")
    lifted = got["outreach.lifted"]
    assert lifted.value == sum(PovertyRecord.objects.values_list("lifted_people", flat=True))
    assert listed("outreach.lifted") == PovertyRecord.objects.count()
    assert 31 <= lifted.parts["share"] <= 33
    assert round(got["outreach.funds"].value) == round(4_100_000_000 * 0.01)
    trained = got["outreach.cadres_trained"]
    assert trained.value == TrainingAttendance.objects.count() == listed("outreach.cadres_trained")
