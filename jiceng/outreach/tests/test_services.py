from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.audit.models import AuditEvent
from jiceng.orgs import rollups
from jiceng.outreach import selectors, services
from jiceng.outreach.models import (
    DutyShift,
    HouseholdVisit,
    RequestEvent,
    ResidentRequest,
    ServiceCentre,
    TeamMember,
)

from .conftest import at

pytestmark = pytest.mark.django_db


def drift():
    return [d for d in rollups.check() if d[1].startswith("srv_")]


def visit(city, actor=None, village=None, visitor=None, on=None):
    return services.visit_record(
        actor=actor or city.secretary,
        village=village or city.branch_a1,
        visitor=visitor or city.member_a1,
        visited_on=on or city.member_a1.join_date.replace(year=2026, month=11, day=1),
        household="王大爷",
        address="湛江市赤坎区寸金路12号",
        raised="路灯坏了",
    )


def register(city, actor=None, **extra):
    v = visit(city, actor=actor)
    return services.request_register(
        actor=actor or city.secretary,
        visit=v,
        channel="visit",
        resident_name="王大爷",
        subject="修路灯",
        **extra,
    )


def snapshot():
    return (
        list(ResidentRequest.objects.values()),
        RequestEvent.objects.count(),
        AuditEvent.objects.count(),
    )


# --- the request lifecycle --------------------------------------------------------------------


def test_a_request_from_a_visit_is_assigned_resolved_and_closed(people, today):
    city = people
    request = register(city)
    assert (request.origin, request.org, request.status) == (
        city.branch_a1,
        city.branch_a1,
        "registered",
    )
    assert request.deadline == request.registered_on + timedelta(days=15)
    services.request_assign(actor=city.secretary, request=request, assignee=city.member_a1)
    services.request_resolve(actor=city.secretary, request=request, resolution_note="已更换灯泡")
    request = services.request_close(
        actor=city.secretary, request=request, satisfaction="satisfied"
    )
    assert (request.status, request.satisfaction, request.closed_on) == (
        "closed",
        "satisfied",
        today,
    )
    assert [e.action for e in request.events.all()] == ["register", "assign", "resolve", "close"]
    figures = selectors.dashboard(city.city_admin, city.city)["total"]
    assert (figures.requests, figures.requests_done, figures.resolution, figures.on_time) == (
        1,
        1,
        100.0,
        100.0,
    )
    assert drift() == []
    assert AuditEvent.objects.filter(event__startswith="request_").count() == 4


def test_escalation_across_levels_and_who_sees_it(people):
    city = people
    request = register(city)
    services.request_escalate(actor=city.secretary, request=request, note="村里解决不了")
    request.refresh_from_db()
    assert (request.org, request.status) == (city.town_a, "escalated")
    # The village no longer handles it, but still sees it; the neighbour township never does.
    with pytest.raises(PermissionDenied):
        services.request_resolve(actor=city.secretary, request=request, resolution_note="x")
    assert ResidentRequest.objects.restrict(city.secretary).filter(pk=request.pk).exists()
    assert ResidentRequest.objects.restrict(city.town_a_admin).filter(pk=request.pk).exists()
    assert not ResidentRequest.objects.restrict(city.town_b_admin).filter(pk=request.pk).exists()
    services.request_escalate(actor=city.town_a_admin, request=request, note="需要区里协调")
    request.refresh_from_db()
    assert request.org == city.county_a
    with pytest.raises(PermissionDenied):
        services.request_resolve(actor=city.town_a_admin, request=request, resolution_note="x")
    services.request_resolve(actor=city.county_admin, request=request, resolution_note="区里已协调")
    request.refresh_from_db()
    assert request.status == "resolved"
    assert [(e.action, e.org_id) for e in request.events.all()] == [
        ("register", city.branch_a1.pk),
        ("escalate", city.town_a.pk),
        ("escalate", city.county_a.pk),
        ("resolve", city.county_a.pk),
    ]
    # Counted where it was raised, so every level above sees it resolved.
    town = selectors.dashboard(city.town_a_admin, city.town_a)
    assert town["total"].requests_done == 1
    assert drift() == []


def test_the_city_cannot_escalate_further(people):
    city = people
    request = register(city)
    for actor in (city.secretary, city.town_a_admin, city.county_admin):
        services.request_escalate(actor=actor, request=request, note="上报")
    before = snapshot()
    with pytest.raises(ValidationError) as e:
        services.request_escalate(actor=city.city_admin, request=request, note="上报")
    assert "no higher level" in str(e.value.message_dict["note"])
    assert snapshot() == before


def test_escalating_needs_a_reason(people):
    request = register(people)
    before = snapshot()
    with pytest.raises(ValidationError) as e:
        services.request_escalate(actor=people.secretary, request=request, note=" ")
    assert "note" in e.value.message_dict
    assert snapshot() == before


def test_closing_without_a_resolution_note_is_refused(people):
    request = register(people)
    before = snapshot()
    with pytest.raises(ValidationError) as e:
        services.request_close(actor=people.secretary, request=request, satisfaction="satisfied")
    assert "resolution note" in e.value.message_dict["resolution_note"][0]
    assert snapshot() == before
    assert drift() == []


def test_closing_needs_the_residents_satisfaction(people):
    request = register(people)
    before = snapshot()
    with pytest.raises(ValidationError) as e:
        services.request_close(
            actor=people.secretary, request=request, satisfaction="", resolution_note="好了"
        )
    assert "satisfaction" in e.value.message_dict
    assert snapshot() == before


def test_late_resolution_is_not_on_time(people, today):
    city = people
    request = register(city, registered_on=today - timedelta(days=30))
    services.request_resolve(actor=city.secretary, request=request, resolution_note="迟了")
    figures = selectors.dashboard(city.city_admin, city.city)["total"]
    assert (figures.resolution, figures.on_time) == (100.0, 0.0)
    assert drift() == []


def test_outsider_and_viewer_cannot_register(people):
    v = visit(people)
    for actor in (people.outsider, people.viewer, people.town_b_admin):
        with pytest.raises(PermissionDenied):
            services.request_register(
                actor=actor, visit=v, channel="visit", resident_name="a", subject="b"
            )
    assert not ResidentRequest.objects.exists()


# --- visits --------------------------------------------------------------------------------


def test_a_visit_outside_the_cadres_township_is_refused(people):
    city = people
    before = HouseholdVisit.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as e:
        visit(city, actor=city.city_admin, village=city.branch_b1, visitor=city.member_a1)
    message = e.value.message_dict["village"][0]
    assert "城西村党支部" in message and "中华街道党工委" in message
    assert (HouseholdVisit.objects.count(), AuditEvent.objects.count()) == before
    assert drift() == []


def test_a_visit_outside_the_users_scope_is_refused(people):
    with pytest.raises(PermissionDenied):
        visit(people, actor=people.secretary, village=people.branch_b1, visitor=people.member_b1)
    assert not HouseholdVisit.objects.exists()


def test_visits_count_per_subtree(people, today):
    city = people
    visit(city, on=today)
    visit(city, actor=city.city_admin, village=city.branch_b1, visitor=city.member_b1, on=today)
    d = selectors.dashboard(city.city_admin, city.city)
    assert d["total"].visits == 2
    assert [c.visits for c in d["children"]] == [1, 1]
    assert selectors.dashboard(city.county_admin, city.county_a)["total"].visits == 1
    assert drift() == []


# --- duty ----------------------------------------------------------------------------------


def test_a_check_out_before_the_check_in_is_refused(people, last_month):
    city = people
    shift = services.duty_schedule(
        actor=city.town_a_admin, org=city.town_a, cadre=city.member_a1, on=last_month
    )
    before = list(DutyShift.objects.values()), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as e:
        services.duty_record(
            actor=city.town_a_admin,
            shift=shift,
            checked_in_at=at(last_month, 9),
            checked_out_at=at(last_month, 8, 30),
        )
    assert "before the check-in" in e.value.message_dict["checked_out_at"][0]
    with pytest.raises(ValidationError) as e:
        services.duty_record(
            actor=city.town_a_admin,
            shift=shift,
            checked_in_at=None,
            checked_out_at=at(last_month, 17),
        )
    assert "needs a check-in" in e.value.message_dict["checked_out_at"][0]
    assert (list(DutyShift.objects.values()), AuditEvent.objects.count()) == before
    assert drift() == []


def schedule(city, n_shifts, attended, month_end):
    """n shifts of n cadres at town_a on `month_end`, the first `attended` checked in."""
    from jiceng.core.testing import make_member

    for i in range(n_shifts):
        cadre = make_member(city.branch_a1)
        shift = services.duty_schedule(actor=None, org=city.town_a, cadre=cadre, on=month_end)
        if i < attended:
            services.duty_record(
                actor=None,
                shift=shift,
                checked_in_at=at(month_end, 8),
                checked_out_at=at(month_end, 17),
            )


@pytest.mark.parametrize(
    "attended,rate,meets", [(19, 95.0, True), (18, 90.0, False), (20, 100.0, True), (0, 0.0, False)]
)
def test_attendance_rate_at_the_target(people, last_month, attended, rate, meets):
    schedule(people, 20, attended, last_month)
    figures = selectors.dashboard(people.city_admin, people.city)["total"]
    assert (figures.duty, figures.duty_in) == (20, attended)
    assert figures.attendance == rate
    assert figures.meets_target is meets
    assert drift() == []


def test_attendance_rules_at_the_boundaries():
    from jiceng.outreach import rules

    assert rules.meets_target(19, 20, 95) is True
    assert rules.meets_target(949, 1000, 95) is False  # 94.9 % is not rounded up
    assert rules.meets_target(0, 0, 95) is None
    assert rules.attendance_rate(0, 0) is None
    with pytest.raises(ValueError):
        rules.attendance_rate(3, 2)


def test_future_shifts_do_not_lower_this_months_rate(people, today):
    city = people
    services.duty_schedule(
        actor=None, org=city.town_a, cadre=city.member_a1, on=today + timedelta(days=40)
    )
    assert selectors.dashboard(city.city_admin, city.city)["total"].duty == 0


def test_one_shift_a_day_per_cadre(people, last_month):
    services.duty_schedule(actor=None, org=people.town_a, cadre=people.member_a1, on=last_month)
    with pytest.raises(ValidationError) as e:
        services.duty_schedule(
            actor=None, org=people.branch_a1, cadre=people.member_a1, on=last_month
        )
    assert "already on duty" in e.value.message_dict["on"][0]
    assert DutyShift.objects.count() == 1


# --- centres and coverage --------------------------------------------------------------------


def test_coverage_counts(people):
    city = people
    services.centre_save(
        actor=city.town_a_admin,
        org=city.town_a,
        name="中华街道党群服务中心",
        address="中华路1号",
        **{f"has_{i}": True for i in ("place", "sign", "system", "funds")},
        **{f"{i}_evidence": "照片" for i in ("place", "sign", "system", "funds")},
    )
    services.centre_save(
        actor=city.secretary, org=city.branch_a1, name="寸金社区服务站", address="寸金路"
    )
    total = selectors.dashboard(city.city_admin, city.city)["total"]
    # places: two townships, two communities and one village
    assert (total.places, total.centres, total.centres_four) == (5, 2, 1)
    assert total.coverage == 40.0
    county_a = selectors.dashboard(city.county_admin, city.county_a)["total"]
    assert (county_a.places, county_a.centres, county_a.coverage) == (3, 2, 66.7)


def test_a_four_standard_item_without_evidence_is_refused(people):
    with pytest.raises(ValidationError) as e:
        services.centre_save(
            actor=people.secretary, org=people.branch_a1, name="站", address="路", has_sign=True
        )
    assert "evidence" in e.value.message_dict["sign_evidence"][0]
    assert not ServiceCentre.objects.exists()


def test_a_branch_that_is_not_a_village_has_no_centre(people):
    from jiceng.core.testing import make_org

    school = make_org(people.town_a, "学校党支部", "branch", unit_type="school")
    with pytest.raises(ValidationError):
        services.centre_save(actor=None, org=school, name="x", address="y")


# --- work teams --------------------------------------------------------------------------------


def test_a_cadre_stationed_in_two_villages_at_once_is_refused(people, today):
    city = people
    team_a = services.team_create(
        actor=None, village=city.branch_a1, dispatching_unit="市委组织部", started_on=today
    )
    team_b = services.team_create(
        actor=None, village=city.branch_b1, dispatching_unit="市财政局", started_on=today
    )
    services.team_member_add(
        actor=None, team=team_a, member=city.member_b1, started_on=today, is_first_secretary=True
    )
    before = TeamMember.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as e:
        services.team_member_add(
            actor=None, team=team_b, member=city.member_b1, started_on=today + timedelta(days=30)
        )
    assert "寸金社区党支部" in e.value.message_dict["started_on"][0]
    assert (TeamMember.objects.count(), AuditEvent.objects.count()) == before
    # An external cadre: the same name and unit is the same person.
    services.team_member_add(
        actor=None,
        team=team_a,
        external_name="赵六",
        external_unit="市财政局",
        started_on=today,
        ended_on=today + timedelta(days=10),
    )
    with pytest.raises(ValidationError):
        services.team_member_add(
            actor=None,
            team=team_b,
            external_name="赵六",
            external_unit="市财政局",
            started_on=today + timedelta(days=5),
        )
    services.team_member_add(
        actor=None,
        team=team_b,
        external_name="赵六",
        external_unit="市财政局",
        started_on=today + timedelta(days=11),
    )
    d = selectors.dashboard(city.city_admin, city.city)["total"]
    assert (d.teams, d.stationed, d.first_secretaries) == (2, 2, 1)


def test_poverty_totals(people, today):
    city = people
    services.poverty_record(
        actor=None,
        village=city.branch_b1,
        year=today.year,
        recorded_on=today,
        poor_households=30,
        poor_people=100,
        lifted_people=32,
        funds_government=1000,
    )
    services.poverty_record(
        actor=None,
        village=city.branch_a1,
        year=today.year,
        recorded_on=today,
        poor_households=10,
        poor_people=25,
        lifted_people=8,
        funds_social=500,
    )
    totals = selectors.poverty_totals(city.city)
    assert (totals["poor"], totals["lifted"], totals["share"], totals["funds"]) == (
        125,
        40,
        32.0,
        1500,
    )
    with pytest.raises(ValidationError):
        services.poverty_record(
            actor=None,
            village=city.branch_b1,
            year=today.year,
            recorded_on=today,
            poor_households=1,
            poor_people=1,
            lifted_people=2,
        )


def test_training_attendance(people, today):
    city = people
    course = services.course_create(
        actor=city.county_admin,
        org=city.county_a,
        title="计算机技能轮训",
        starts_on=today,
        hours=16,
    )
    services.attendance_add(actor=city.county_admin, course=course, member=city.member_a1)
    with pytest.raises(ValidationError):
        services.attendance_add(actor=city.county_admin, course=course, member=city.member_a1)
    with pytest.raises(ValidationError):
        services.attendance_add(actor=city.city_admin, course=course, member=city.member_b1)
    assert selectors.training_totals(city.city)["trained"] == 1


# --- findings ------------------------------------------------------------------------------


def test_findings_overdue_requests_and_low_attendance(people, today):
    from jiceng.core import findings

    city = people
    register(city, registered_on=today - timedelta(days=20))
    schedule(city, 10, 9, today - timedelta(days=2))
    found = findings.in_subtree(city.city.path, today, keys=["outreach"])
    assert {(f.rule, f.level) for f in found} == {("SRV-04", "overdue"), ("SRV-02", "overdue")}
    assert not findings.in_subtree(city.county_b.path, today, keys=["outreach"])
