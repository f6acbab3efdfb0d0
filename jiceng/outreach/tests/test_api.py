"""The API of training and poverty-alleviation records: the pages' scope, the services'
validation (422 with the field, nothing written) and their audit events."""

import pytest

from jiceng.audit.models import AuditEvent
from jiceng.outreach.models import PovertyRecord, TrainingAttendance, TrainingCourse

pytestmark = pytest.mark.django_db


EVENTS = ("course_create", "attendance_add", "poverty_record")


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def written():
    return (
        TrainingCourse.objects.count(),
        TrainingAttendance.objects.count(),
        PovertyRecord.objects.count(),
        AuditEvent.objects.filter(event__in=EVENTS).count(),
    )


def course_body(org, **extra):
    return {
        "org": org.pk,
        "title": "计算机技能轮训",
        "starts_on": "2026-06-01",
        "hours": 24,
        **extra,
    }


def test_courses_and_attendance(client, people):
    city = people
    client.force_login(city.county_admin)
    response = post(client, "/api/outreach/courses", course_body(city.county_a))
    assert response.status_code == 201, response.json()
    course = response.json()
    assert (course["org"], course["hours"]) == (city.county_a.pk, 24)
    assert AuditEvent.objects.filter(event="course_create").count() == 1
    url = f"/api/outreach/courses/{course['id']}/attendance"
    added = post(client, url, {"member": city.member_a1.pk})
    assert added.status_code == 201
    assert added.json()["member_name"] == city.member_a1.name
    assert AuditEvent.objects.filter(event="attendance_add").count() == 1
    listing = client.get("/api/outreach/attendance", {"course": course["id"], "completed": True})
    assert listing.json()["count"] == 1
    assert client.get("/api/outreach/courses").json()["count"] == 1
    assert client.get(f"/api/outreach/courses/{course['id']}").json()["title"] == "计算机技能轮训"


def test_bad_training_input_is_refused_and_writes_nothing(client, people):
    city = people
    client.force_login(city.county_admin)
    before = written()
    refused = post(client, "/api/outreach/courses", course_body(city.county_a, hours=0))
    assert refused.status_code == 422
    assert "hours" in refused.json()["errors"]
    refused = post(client, "/api/outreach/courses", course_body(city.county_a, title=" "))
    assert "title" in refused.json()["errors"]
    refused = post(client, "/api/outreach/courses", course_body(city.county_a, extra="x"))
    assert refused.status_code == 422
    assert written() == before
    course = post(client, "/api/outreach/courses", course_body(city.town_a)).json()
    url = f"/api/outreach/courses/{course['id']}/attendance"
    post(client, url, {"member": city.member_a1.pk})
    before = written()
    twice = post(client, url, {"member": city.member_a1.pk})
    assert twice.status_code == 422 and "member" in twice.json()["errors"]
    # a member outside the user's scope is "no such member", not a leak
    outside = post(client, url, {"member": city.member_b1.pk})
    assert outside.status_code == 422 and "member" in outside.json()["errors"]
    assert written() == before


def test_training_scope(client, people):
    city = people
    client.force_login(city.county_admin)
    before = written()
    assert post(client, "/api/outreach/courses", course_body(city.county_b)).status_code == 404
    client.force_login(city.viewer)  # sees everything, may change nothing
    assert post(client, "/api/outreach/courses", course_body(city.county_a)).status_code == 403
    assert written() == before
    client.force_login(city.city_admin)
    course = post(client, "/api/outreach/courses", course_body(city.county_b)).json()
    client.force_login(city.county_admin)
    assert client.get(f"/api/outreach/courses/{course['id']}").status_code == 404
    assert client.get("/api/outreach/courses").json()["count"] == 0
    url = f"/api/outreach/courses/{course['id']}/attendance"
    assert post(client, url, {"member": city.member_a1.pk}).status_code == 404


def poverty_body(village, **extra):
    return {
        "village": village.pk,
        "year": 2026,
        "recorded_on": "2026-06-30",
        "poor_households": 30,
        "poor_people": 100,
        "lifted_people": 32,
        "funds_government": "1000.50",
        **extra,
    }


def test_poverty_records(client, people):
    city = people
    client.force_login(city.secretary)
    response = post(client, "/api/outreach/poverty", poverty_body(city.branch_a1))
    assert response.status_code == 201, response.json()
    assert response.json()["funds_government"] in ("1000.50", 1000.5)
    assert AuditEvent.objects.filter(event="poverty_record").count() == 1
    listing = client.get("/api/outreach/poverty", {"year": 2026, "latest": True}).json()
    assert listing["count"] == 1 and listing["results"][0]["lifted_people"] == 32
    # scope: a county-B village is not there for a county-A secretary
    before = written()
    hidden = post(client, "/api/outreach/poverty", poverty_body(city.branch_b1))
    assert hidden.status_code == 404
    client.force_login(city.county_admin)
    assert client.get("/api/outreach/poverty").json()["count"] == 1
    client.force_login(city.outsider)
    assert client.get("/api/outreach/poverty").json()["count"] == 0
    assert written() == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"lifted_people": 101}, "lifted_people"),
        ({"poor_households": 101}, "poor_households"),
        ({"poor_people": -1}, "poor_people"),
        ({"funds_social": "-5"}, "funds_social"),
        ({"recorded_on": "2025-12-31"}, "recorded_on"),
        ({"recorded_on": "2099-01-01", "year": 2099}, "recorded_on"),
    ],
)
def test_bad_poverty_input_is_refused_and_writes_nothing(client, people, change, field):
    client.force_login(people.county_admin)
    before = written()
    response = post(client, "/api/outreach/poverty", poverty_body(people.branch_a1, **change))
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert written() == before


def test_a_township_is_not_a_village_for_poverty_figures(client, people):
    client.force_login(people.county_admin)
    response = post(client, "/api/outreach/poverty", poverty_body(people.town_a))
    assert response.status_code == 422 and "village" in response.json()["errors"]
