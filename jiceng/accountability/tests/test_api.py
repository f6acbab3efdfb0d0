"""The API: the pages' scope and services; refusals are 403/404/422 with nothing changed."""

import json
from datetime import timedelta

import pytest

from jiceng.accountability import scoring, services
from jiceng.accountability.models import Problem, ProblemStatus, Project, Rubric

from .helpers import claim, example, open_problem, today

pytestmark = pytest.mark.django_db
API = "/api/accountability"


def post(client, path, body):
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json")


def test_claim_list_and_scope(client, city):
    client.force_login(city.secretary)
    due = (today() + timedelta(days=30)).isoformat()
    body = {
        "org": city.branch_a1.pk,
        "title": "党群服务中心提质",
        "problem": "p",
        "goals": "g",
        "targets": "t",
        "milestones": [{"title": "改造", "due_on": due}],
    }
    created = post(client, "/projects", body)
    assert created.status_code == 201, created.content
    assert created.json()["milestones"][0]["title"] == "改造"
    assert post(client, "/projects", {**body, "org": city.branch_b1.pk}).status_code == 404
    bad = post(client, "/projects", {**body, "title": " ", "milestones": []})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"title", "milestones"}
    assert Project.objects.count() == 1
    claim(city.branch_b1)
    assert client.get(f"{API}/projects").json()["count"] == 1
    client.force_login(city.outsider)
    assert client.get(f"{API}/projects").json()["count"] == 0
    pk = Project.objects.get(org=city.branch_a1).pk
    assert client.get(f"{API}/projects/{pk}").status_code == 404


def test_closure_by_the_owner_is_403_and_changes_nothing(client, city):
    problem = open_problem(city.branch_a1, city.secretary)
    client.force_login(city.secretary)
    assert post(client, f"/problems/{problem.pk}/rectify", {"evidence": "材料"}).status_code == 200
    refused = post(client, f"/problems/{problem.pk}/review", {"approve": True})
    assert refused.status_code == 403 and refused.json()["detail"]
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.RECTIFIED
    client.force_login(city.county_admin)
    closed = post(client, f"/problems/{problem.pk}/review", {"approve": True})
    assert closed.json()["status"] == "closed"


def test_a_rubric_over_its_category_maximum_is_422(client, city):
    client.force_login(city.city_admin)
    body = {
        "year": 2026,
        "org_kind": "branch",
        "name": "r",
        "categories": [
            {
                "name": "c",
                "max_points": "5",
                "items": [
                    {"code": "X1", "title": "i", "max_points": "4", "check_method": "c"},
                    {"code": "X2", "title": "j", "max_points": "2", "check_method": "c"},
                ],
            }
        ],
    }
    response = post(client, "/rubrics", body)
    assert response.status_code == 422 and "categories.0" in response.json()["errors"]
    assert Rubric.objects.count() == 0
    body["categories"][0]["max_points"] = "6"
    assert post(client, "/rubrics", body).status_code == 201
    client.force_login(city.county_admin)
    assert post(client, "/rubrics", body).status_code == 403


def test_assessment_scores_explained_and_out_of_range_refused(client, city):
    rubric = example()
    open_problem(
        city.branch_a1, found_on=today() - timedelta(days=40), deadline=today() - timedelta(days=1)
    )
    client.force_login(city.county_admin)
    created = post(
        client,
        "/assessments",
        {"rubric": rubric.pk, "org": city.branch_a1.pk, "period_end": today().isoformat()},
    )
    assert created.status_code == 201, created.content
    data = created.json()
    e01 = next(s for s in data["scores"] if s["code"] == "E01")
    assert e01["instances"] == 1 and e01["explanation"][0]["rule"] == "ACC-02"
    manual = next(s for s in data["scores"] if s["code"] == "A08")
    client.force_login(city.secretary)
    bad = post(client, f"/assessments/{data['id']}/self", {"scores": {str(manual["item"]): "3"}})
    assert bad.status_code == 422 and f"item_{manual['item']}" in bad.json()["errors"]
    ok = post(client, f"/assessments/{data['id']}/self", {"scores": {str(manual["item"]): "2"}})
    assert ok.status_code == 200 and ok.json()["status"] == "self_scored"
    assert post(client, f"/assessments/{data['id']}/review", {"scores": {}}).status_code == 403
    assert scoring.Assessment.objects.get(pk=data["id"]).review_total is None


def test_weak_and_tasks_through_the_api(client, city):
    client.force_login(city.county_admin)
    weak = post(client, "/weak", {"org": city.branch_a1.pk, "reason": "班子软弱"})
    assert weak.status_code == 201
    task = post(
        client,
        "/tasks",
        {
            "org": city.county_a.pk,
            "title": "t",
            "description": "d",
            "deadline": today().isoformat(),
            "to": "grassroots",
        },
    )
    assert task.status_code == 201
    client.force_login(city.secretary)
    assert post(client, "/weak", {"org": city.branch_a1.pk, "reason": "x"}).status_code == 403
    assignments = client.get(f"{API}/assignments").json()
    assert assignments["count"] == 1
    assert client.get(f"{API}/dashboard/{city.branch_a1.pk}").json()["total"]["weak"] == 1
    services.weak_plan(
        actor=city.secretary,
        weak=services.WeakOrg.objects.get(),
        leader="l",
        work_team="w",
        first_secretary="f",
        plan="p",
        deadline=today(),
    )
