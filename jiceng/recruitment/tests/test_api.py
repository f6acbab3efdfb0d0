"""The API: the same services and scope as the pages; refusals name the rule, change nothing."""

from datetime import timedelta

import pytest

from jiceng.api.tests.conftest import text
from jiceng.core.dates import add_months
from jiceng.recruitment.models import DevelopmentRecord, Step
from jiceng.recruitment.testing import applicant_id

from .conftest import drive

pytestmark = pytest.mark.django_db
BASE = "/api/recruitment/"


def test_list_is_scoped(pipe, as_user):
    response = as_user(pipe.city.county_admin).get(BASE)
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == [pipe.record.name]
    assert "*" in response.json()["results"][0]["id_number"]
    assert as_user(pipe.city.outsider).get(BASE).json()["count"] == 0
    other = as_user(pipe.city.county_admin).get(BASE, {"org": pipe.city.county_b.pk})
    assert other.status_code == 422  # not a visible organisation


def test_detail_with_steps_and_due(pipe, as_user):
    drive(pipe, 2)
    body = as_user(pipe.city.secretary).get(f"{BASE}{pipe.record.pk}").json()
    assert [s["number"] for s in body["steps"]] == [1, 2]
    assert body["next_steps"] == [3]
    assert [d["rule"] for d in body["due"]] == ["DEV-P2"]
    assert as_user(pipe.city.outsider).get(f"{BASE}{pipe.record.pk}").status_code == 404


def test_advance_one_step_and_a_refusal_with_the_rule(pipe, as_user):
    api = as_user(pipe.city.secretary)
    late = {"number": 2, "on": "2099-01-01", "data": {"talker": "陈"}}
    response = api.post(f"{BASE}{pipe.record.pk}/steps", late)
    assert response.status_code == 422 and "on" in response.json()["errors"]
    due = add_months(pipe.record.applied_on, 1)
    too_late = {"number": 2, "on": (due + timedelta(days=1)).isoformat(), "data": {"talker": "陈"}}
    response = api.post(f"{BASE}{pipe.record.pk}/steps", too_late)
    assert response.status_code == 422
    assert "DEV-03" in text(response)
    assert Step.objects.filter(record=pipe.record).count() == 1
    ok = {"number": 2, "on": due.isoformat(), "data": {"talker": "陈"}}
    response = api.post(f"{BASE}{pipe.record.pk}/steps", ok)
    assert response.status_code == 201, text(response)
    assert response.json()["step"] == 2


def test_votes_that_do_not_add_up_via_the_api(pipe, as_user):
    record = drive(pipe, 14)
    body = {
        "number": 15,
        "on": (record.target_on + timedelta(days=90)).isoformat(),
        "data": {"entitled": 9, "present": 10, "yes": 3, "no": 0, "abstain": 0},
    }
    response = as_user(pipe.city.secretary).post(f"{BASE}{record.pk}/steps", body)
    assert response.status_code == 422
    assert "present" in response.json()["errors"]


def test_viewer_and_outsider_may_not_advance(pipe, as_user):
    body = {"number": 2, "on": pipe.record.applied_on.isoformat(), "data": {"talker": "陈"}}
    assert as_user(pipe.city.viewer).post(f"{BASE}{pipe.record.pk}/steps", body).status_code == 403
    assert (
        as_user(pipe.city.outsider).post(f"{BASE}{pipe.record.pk}/steps", body).status_code == 404
    )
    assert Step.objects.filter(record=pipe.record).count() == 1


def test_open_a_record(pipe, as_user):
    body = {
        "name": "吴九",
        "id_number": applicant_id(),
        "org": pipe.city.branch_a1.pk,
        "applied_on": "2025-05-06",
        "education": "20",
        "occupation": "03",
    }
    response = as_user(pipe.city.secretary).post(BASE, body)
    assert response.status_code == 201, text(response)
    assert response.json()["steps"][0]["number"] == 1
    response = as_user(pipe.city.secretary).post(BASE, {**body, "org": pipe.city.branch_b1.pk})
    assert response.status_code == 422
    assert as_user(pipe.city.viewer).post(BASE, body).status_code == 403
    assert DevelopmentRecord.objects.filter(name="吴九").count() == 1
