"""The API: meetings list/detail/create with attendance by exception, compliance; scope."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from jiceng.activities.models import Attendance, Meeting
from jiceng.orgs import rollups

from .helpers import fill_branch

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_create_list_detail(client, city, django_assert_max_num_queries):
    others = fill_branch(city.branch_a1, 3)
    client.force_login(city.secretary)
    body = {
        "org": city.branch_a1.pk,
        "kind": "general",
        "held_on": timezone.localdate().isoformat(),
        "topic": "党员大会",
        "on_leave": {str(others[0].pk): "出差"},
        "absent": [others[1].pk],
    }
    response = post(client, "/api/activities/meetings/", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["present"], data["on_leave"], data["absent"], data["quorum_met"]) == (
        2,
        1,
        1,
        False,  # LIFE-01: 2 of 4 voting members is not more than half
    )
    assert {a["presence"] for a in data["attendance"]} == {"present", "leave", "absent"}
    with django_assert_max_num_queries(8):
        listing = client.get("/api/activities/meetings/", {"kind": "general"}).json()
    assert listing["count"] == 1
    assert client.get(f"/api/activities/meetings/{data['id']}").status_code == 200
    client.force_login(city.outsider)
    assert client.get(f"/api/activities/meetings/{data['id']}").status_code == 404
    assert client.get("/api/activities/meetings/").json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": "FUTURE"}, "held_on"),
        ({"absent": ["B1"]}, "attendance"),
        ({"has_vote": True, "absent": ["ALL"]}, "has_vote"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_input_refused_with_nothing_written(client, city, change, field):
    others = fill_branch(city.branch_a1, 2)
    client.force_login(city.secretary)
    body = {
        "org": city.branch_a1.pk,
        "kind": "general",
        "held_on": timezone.localdate().isoformat(),
        "topic": "t",
    }
    for key, value in change.items():
        if value == "FUTURE":
            value = (timezone.localdate() + timedelta(days=1)).isoformat()
        if value == ["B1"]:
            value = [city.member_b1.pk]
        if value == ["ALL"]:
            value = [city.member_a1.pk, *(o.pk for o in others)]
        body[key] = value
    response = post(client, "/api/activities/meetings/", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Meeting.objects.count() == 0 and Attendance.objects.count() == 0


def test_compliance(client, city):
    fill_branch(city.branch_a1, 7)
    rollups.rebuild()
    client.force_login(city.county_admin)
    data = client.get(f"/api/activities/orgs/{city.county_a.pk}/compliance?rule=LIFE-01").json()
    assert data["rag"] == "red"
    assert {f["rule"] for f in data["findings"]} == {"LIFE-01"}
    assert client.get(f"/api/activities/orgs/{city.county_b.pk}/compliance").status_code == 404
    client.force_login(city.member_user)
    assert client.get(f"/api/activities/orgs/{city.branch_a1.pk}/compliance").status_code == 403
    client.force_login(city.viewer)
    assert post(client, "/api/activities/meetings/", {}).status_code in (403, 422)
