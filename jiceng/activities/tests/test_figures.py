"""Organisational life's figures: they follow the records written through the services, count
only the scope's subtree, and link to the list of exactly what they count."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from jiceng.activities import rules, services
from jiceng.activities.models import Kind
from jiceng.core import figures
from jiceng.core.dates import add_months
from jiceng.orgs import rollups

pytestmark = pytest.mark.django_db


def scope_of(org, start=None, end=None):
    today = timezone.localdate()
    start = start or date(today.year, 1, 1)
    return figures.Scope(org.pk, org.path, org.name, start, end or date(today.year, 12, 31))


def value(key, org, **kw):
    return figures.get(key).compute(scope_of(org, **kw))


def record(city, kind=Kind.PARTY_DAY, org=None, held_on=None, **kw):
    return services.meeting_record(
        actor=city.city_admin,
        org=org or city.branch_a1,
        kind=kind,
        held_on=held_on or timezone.localdate(),
        topic="学习党章",
        **kw,
    )


def test_meetings_follow_the_services_and_stay_in_the_subtree(city, client):
    before = value("activities.meetings", city.city).value
    record(city)
    record(city, org=city.branch_b1)
    after = value("activities.meetings", city.city)
    assert after.value == before + 2
    month = timezone.localdate().replace(day=1)
    assert dict(after.trend)[month] == 2
    assert value("activities.meetings", city.county_a).value == 1  # not county_b's meeting
    assert rollups.check() == []
    client.force_login(city.city_admin)
    page = client.get(value("activities.meetings", city.county_a).url)
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1


def test_party_days_count_branch_months_once(city):
    record(city)
    record(city)  # a second Party day in the same month: still one branch-month
    v = value("activities.party_days", city.county_a)
    assert v.parts["branch_months"] == 1
    months = len([m for m in figures.months(*_year()) if m <= timezone.localdate()])
    assert v.parts["of"] == 2 * months  # branch_a1 and branch_a2
    assert v.value == figures.percent(1, 2 * months)
    assert value("activities.party_days", city.county_b).parts["branch_months"] == 0
    assert rollups.check() == []


def _year():
    today = timezone.localdate()
    return date(today.year, 1, 1), date(today.year, 12, 31)


def test_compliance_share_rises_when_a_branch_completes_its_quarter(city):
    """A branch of one member must hold a Party day each month and a general meeting and a
    Party lecture each quarter (LIFE-01, 04, 05); once it has, for the last completed
    quarter, it counts as compliant, in its county's part too."""
    rollups.rebuild()
    today = timezone.localdate()
    quarter = rules.previous_period_start(today, rules.QUARTER)
    before = value("activities.compliance", city.county_a, end=today)
    assert (before.value, before.unit, before.rag) == (0, "%", "red")
    assert "provider=activities" in before.url and "level=overdue" in before.url
    for i in range(3):
        record(city, held_on=add_months(quarter, i) + timedelta(days=9))
    record(city, kind=Kind.GENERAL, held_on=quarter + timedelta(days=20))
    assert value("activities.compliance", city.county_a, end=today).value == 0  # no lecture
    record(city, kind=Kind.LECTURE, held_on=quarter + timedelta(days=21))
    after = value("activities.compliance", city.county_a, end=today)
    assert after.value == figures.percent(1, 2)  # branch_a1 of branch_a1 and branch_a2
    whole = value("activities.compliance", city.city, end=today)
    assert whole.parts == {city.county_a.name: after.value, city.county_b.name: 0}
    assert rollups.check() == []  # the recount agrees with what the services kept


def test_base_visits_and_training(city):
    record(city, kind=Kind.BASE_VISIT, roster=[city.member_a1])
    record(city, kind=Kind.BASE_VISIT, org=city.branch_b1, roster=[city.member_b1])
    v = value("activities.base_visits", city.county_a)
    assert (v.value, v.parts["units"], v.parts["members"]) == (1, 1, 1)
    assert "kind=base_visit" in v.url
    assert value("activities.base_visits", city.city).parts["units"] == 2
    services.training_record(
        actor=city.city_admin,
        members=[city.member_a1],
        held_on=timezone.localdate(),
        title="党史",
        hours=4,
    )
    assert value("activities.training", city.county_a).value == 1
    assert value("activities.training", city.county_b).value == 0


def test_figures_are_registered():
    keys = {f.key for f in figures.registered("activities")}
    assert {
        "activities.meetings",
        "activities.compliance",
        "activities.party_days",
        "activities.base_visits",
        "activities.training",
    } <= keys
