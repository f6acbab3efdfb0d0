"""The service system's figures (core.figures): each changes when a record changes through a
service, counts only its own subtree, and links to the list of exactly the records it counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jiceng.core import figures
from jiceng.core.testing import make_member
from jiceng.outreach import services

from .conftest import at
from .test_services import drift

pytestmark = pytest.mark.django_db

KEYS = [
    "outreach.centres",
    "outreach.duty_attendance",
    "outreach.visits",
    "outreach.resolved",
    "outreach.teams",
    "outreach.stationed_cadres",
    "outreach.lifted",
    "outreach.funds",
    "outreach.cadres_trained",
]
FOUR = {
    **{f"has_{i}": True for i in ("place", "sign", "system", "funds")},
    **{f"{i}_evidence": "照片" for i in ("place", "sign", "system", "funds")},
}


def scope_of(org, start, end):
    return figures.Scope(org_id=org.pk, path=org.path, name=org.name, start=start, end=end)


def values(org, start, end):
    return figures.compute(scope_of(org, start, end), KEYS)


def listed(client, value) -> int:
    response = client.get(value.url)
    assert response.status_code == 200, value.url
    return response.context["total"]


@pytest.fixture
def year(today):
    return date(today.year - 1, 1, 1), today


def test_every_figure_is_registered_in_the_service_system():
    keys = [f.key for f in figures.registered("services")]
    assert all(k in keys for k in KEYS)


def test_no_records_no_figure(people, year):
    got = values(people.city, *year)
    assert all(v.value is None for k, v in got.items() if k != "outreach.centres")
    centres = got["outreach.centres"]
    assert (centres.value, centres.parts["places"], centres.rag) == (0, 5, "red")


def test_figures_follow_the_records_and_drill_down_to_them(client, people, today, year):
    city = people
    start, end = year
    last_month = today.replace(day=1) - timedelta(days=1)
    services.centre_save(actor=None, org=city.town_a, name="中心", address="路", **FOUR)
    services.centre_save(actor=None, org=city.branch_a1, name="站", address="路")
    services.centre_save(actor=None, org=city.branch_b1, name="站", address="路", **FOUR)
    for i, came in enumerate((True, True, False)):
        shift = services.duty_schedule(
            actor=None, org=city.branch_a1, cadre=make_member(city.branch_a1), on=last_month
        )
        if came:
            services.duty_record(
                actor=None, shift=shift, checked_in_at=at(last_month, 8, i), checked_out_at=None
            )
    # today's roster: counted up to today; a shift tomorrow is not counted yet
    services.duty_schedule(actor=None, org=city.branch_b1, cadre=city.member_b1, on=today)
    services.duty_schedule(
        actor=None, org=city.branch_b1, cadre=city.member_b1, on=today + timedelta(days=1)
    )
    visits = [
        services.visit_record(
            actor=None, village=v, visitor=m, visited_on=today, household="王家", raised="路"
        )
        for v, m in ((city.branch_a1, city.member_a1),) * 2 + ((city.branch_b1, city.member_b1),)
    ]
    requests = [
        services.request_register(
            actor=None, visit=v, channel="visit", resident_name="王", subject="路"
        )
        for v in visits
    ]
    services.request_resolve(actor=None, request=requests[0], resolution_note="修好了")
    team = services.team_create(
        actor=None, village=city.branch_a1, dispatching_unit="市委组织部", started_on=start
    )
    services.team_member_add(
        actor=None, team=team, member=city.member_a1, started_on=start, is_first_secretary=True
    )
    services.team_member_add(actor=None, team=team, external_name="赵六", started_on=start)
    services.team_create(  # ended before the period's end: not counted
        actor=None,
        village=city.branch_b1,
        dispatching_unit="市财政局",
        started_on=start,
        ended_on=start,
    )
    for village, poor, lifted_, gov in (
        (city.branch_a1, 100, 30, 1000),
        (city.branch_b1, 25, 10, 500),
    ):
        services.poverty_record(
            actor=None,
            village=village,
            year=today.year,
            recorded_on=today,
            poor_households=10,
            poor_people=poor,
            lifted_people=lifted_,
            funds_government=gov,
        )
    # a later record of the same village and year replaces the earlier one
    services.poverty_record(
        actor=None,
        village=city.branch_b1,
        year=today.year,
        recorded_on=today,
        poor_households=10,
        poor_people=30,
        lifted_people=12,
        funds_government=600,
    )
    course = services.course_create(
        actor=None, org=city.county_a, title="计算机轮训", starts_on=today, hours=24
    )
    other = services.course_create(
        actor=None, org=city.county_a, title="政策轮训", starts_on=today, hours=8
    )
    services.attendance_add(actor=None, course=course, member=city.member_a1)
    services.attendance_add(actor=None, course=other, member=city.member_a1)  # counted once
    services.attendance_add(
        actor=None, course=course, member=make_member(city.branch_a2), completed=False
    )
    assert drift() == []

    got = values(city.city, start, end)
    centres = got["outreach.centres"]
    assert (centres.value, centres.rag) == (3, "red")
    assert centres.parts == {"townships": 1, "villages": 2, "four": 2, "places": 5, "gaps": 3}
    duty = got["outreach.duty_attendance"]
    assert duty.parts["scheduled"] == 4 and duty.parts["attended"] == 2
    assert (duty.value, duty.unit, duty.rag) == (Decimal("50.0"), "%", "red")
    assert got["outreach.visits"].value == 3
    assert got["outreach.visits"].trend[-1] == (today.replace(day=1), 3)
    resolved = got["outreach.resolved"]
    assert resolved.value == Decimal("33.3")
    assert resolved.parts == {"requests": 3, "resolved": 1, "on_time": 1}
    assert got["outreach.teams"].value == 1
    stationed = got["outreach.stationed_cadres"]
    assert (stationed.value, stationed.parts["first_secretaries"]) == (2, 1)
    lifted = got["outreach.lifted"]
    assert (lifted.value, lifted.parts["poor"], lifted.parts["share"]) == (42, 130, Decimal("32.3"))
    assert (got["outreach.funds"].value, got["outreach.funds"].unit) == (Decimal(1600), "yuan")
    trained = got["outreach.cadres_trained"]
    assert (trained.value, trained.parts["attendances"]) == (1, 2)

    # every count drills down to exactly its records
    client.force_login(city.city_admin)
    assert listed(client, centres) == 3
    assert listed(client, duty) == 4
    assert listed(client, got["outreach.visits"]) == 3
    assert listed(client, resolved) == 1
    assert listed(client, got["outreach.teams"]) == 1
    assert listed(client, stationed) == 2
    assert listed(client, lifted) == listed(client, got["outreach.funds"]) == 2
    assert listed(client, trained) == 1

    # an outsider's subtree (county B) does not count county A's records
    b = values(city.county_b, start, end)
    assert b["outreach.visits"].value == 1
    assert b["outreach.duty_attendance"].parts == {"scheduled": 1, "attended": 0, "target": 95.0}
    assert b["outreach.teams"].value == 0
    assert b["outreach.stationed_cadres"].value is None
    assert b["outreach.lifted"].value == 12
    assert b["outreach.cadres_trained"].value is None
    assert b["outreach.centres"].parts == {
        "townships": 0,
        "villages": 1,
        "four": 1,
        "places": 2,
        "gaps": 1,
    }
    client.force_login(city.county_admin)  # county A's administrator: B's list is empty
    assert client.get(b["outreach.visits"].url).context["total"] == 0


def test_a_period_cut_inside_a_month_reads_the_records(people, today):
    city = people
    day = today.replace(day=1) - timedelta(days=40)  # in a past month
    for offset in (0, 5):
        v = services.visit_record(
            actor=None,
            village=city.branch_a1,
            visitor=city.member_a1,
            visited_on=day + timedelta(days=offset),
            household="王家",
        )
        services.request_register(
            actor=None,
            visit=v,
            channel="visit",
            resident_name="王",
            subject="路",
            registered_on=day + timedelta(days=offset),
        )
    got = values(city.city, day + timedelta(days=1), today)
    assert got["outreach.visits"].value == 1
    assert got["outreach.resolved"].parts["requests"] == 1
    got = values(city.city, day, day)
    assert got["outreach.visits"].value == 1


def test_a_figure_changes_when_a_service_changes_a_record(people, today, year):
    city = people
    shift = services.duty_schedule(
        actor=None, org=city.branch_a1, cadre=city.member_a1, on=today - timedelta(days=1)
    )
    assert values(city.county_a, *year)["outreach.duty_attendance"].value == 0
    services.duty_record(
        actor=None, shift=shift, checked_in_at=at(shift.on, 8), checked_out_at=at(shift.on, 17)
    )
    duty = values(city.county_a, *year)["outreach.duty_attendance"]
    assert (duty.value, duty.rag) == (Decimal("100.0"), "green")
    centre = services.centre_save(actor=None, org=city.branch_a1, name="站", address="路")
    assert values(city.county_a, *year)["outreach.centres"].parts["four"] == 0
    services.centre_save(actor=None, org=city.branch_a1, **FOUR)
    assert values(city.county_a, *year)["outreach.centres"].parts["four"] == 1
    assert centre.pk and drift() == []
