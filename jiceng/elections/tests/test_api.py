"""The API: same services, same scope, errors under their fields with the rule ids."""

import json
from datetime import date

from jiceng.elections import services
from jiceng.elections.models import Election

from .factories import members


def post(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def body(org, people, **over):
    data = {
        "org": org.pk,
        "held_on": "2025-03-01",
        "entitled": 10,
        "present": 9,
        "ballots_issued": 9,
        "ballots_returned": 9,
        "seats": 1,
        "candidates": [{"member": m.pk, "votes": 8 if i == 0 else 1} for i, m in enumerate(people)],
    }
    data.update(over)
    return data


def test_record_and_read_an_election(client, city):
    people = members(city.branch_a1, 2)
    client.force_login(city.secretary)
    response = post(client, "/api/elections/", body(city.branch_a1, people))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["org_name"] == "寸金社区党支部"
    assert [c["elected"] for c in data["candidates"]] == [True, False]
    assert data["posts"][0]["post"] == "secretary"
    again = client.get(f"/api/elections/{data['id']}").json()
    assert again["id"] == data["id"]
    listed = client.get("/api/elections/").json()
    assert listed["count"] == 1
    committee = client.get(f"/api/elections/orgs/{city.branch_a1.pk}/committee").json()
    assert committee["term_started_on"] == "2025-03-01" and committee["secretary"] == people[0].pk


def test_refusals_name_the_rule_and_change_nothing(client, city):
    people = members(city.branch_a1, 1)
    probationary = members(city.branch_a1, 1, membership="probationary", full_member_date=None)
    client.force_login(city.secretary)
    response = post(
        client,
        "/api/elections/",
        body(
            city.branch_a1,
            [*people, *probationary],
            present=8,
            ballots_issued=8,
            ballots_returned=9,
        ),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "ELEC-03" in errors["present"][0]
    assert "ELEC-06" in errors["ballots_returned"][0]
    assert not Election.objects.exists()
    response = post(client, "/api/elections/", body(city.branch_a1, [*people, *probationary]))
    assert any("ELEC-02" in m for m in response.json()["errors"]["candidates"])
    assert not Election.objects.exists()


def test_scope(client, city):
    people = members(city.branch_a1, 1)
    client.force_login(city.county_admin)
    assert post(client, "/api/elections/", body(city.branch_b1, people)).status_code == 404
    client.force_login(city.viewer)
    assert post(client, "/api/elections/", body(city.branch_a1, people)).status_code == 403
    client.force_login(city.outsider)
    assert client.get(f"/api/elections/orgs/{city.branch_a1.pk}/committee").status_code == 404
    assert client.get("/api/elections/renewals").json()["count"] == 0


def test_village_committee_two_committees_and_campaigns(client, city):
    people = members(city.branch_a1, 1)
    services.election_record(
        actor=None,
        org=city.branch_a1,
        held_on=date(2025, 3, 1),
        entitled=1,
        present=1,
        ballots_issued=1,
        ballots_returned=1,
        seats=1,
        candidates=[{"member": people[0].pk, "votes": 1}],
    )
    client.force_login(city.county_admin)
    url = f"/api/elections/orgs/{city.branch_a1.pk}/village-committee"
    bad = post(
        client,
        url,
        {"started_on": "2025-03-02", "seats": [{"role": "member", "name": "甲"}]},
        "put",
    )
    assert bad.status_code == 422 and "seats" in bad.json()["errors"]
    ok = post(
        client,
        url,
        {"started_on": "2025-03-02", "seats": [{"role": "chair", "member": people[0].pk}]},
        "put",
    )
    assert ok.status_code == 200 and ok.json()["village_committee"][0]["role"] == "chair"
    two = client.get(f"/api/elections/orgs/{city.county_a.pk}/two-committees").json()
    assert two["total"]["one_shoulder"] == 1 and two["total"]["one_shoulder_ratio"] == 50.0
    created = post(
        client,
        "/api/elections/campaigns",
        {
            "org": city.county_a.pk,
            "name": "换届",
            "starts_on": "2025-01-01",
            "ends_on": "2025-06-30",
            "unit_types": ["community"],
        },
    )
    assert created.status_code == 201
    progress = client.get(f"/api/elections/campaigns/{created.json()['id']}/progress").json()
    assert progress["totals"][0]["completed"] == 1 and progress["totals"][0]["targets"] == 2
    client.force_login(city.outsider)
    assert (
        client.get(f"/api/elections/campaigns/{created.json()['id']}/progress").status_code == 404
    )
