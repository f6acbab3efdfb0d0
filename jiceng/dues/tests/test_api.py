"""The dues API: standards, payments (list, record a branch's month), arrears; refusals."""

import json

import pytest

from jiceng.dues.models import Payment, Standard

from .helpers import give_standard, months_ago, pay

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_set_standard_and_list_history(client, city):
    client.force_login(city.secretary)
    body = {
        "member": city.member_a1.pk,
        "category": "employed",
        "effective_from": months_ago(1).isoformat(),
        "income_base": "5000.01",
    }
    response = post(client, "/api/dues/standards", body)
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "75.00"
    listed = client.get("/api/dues/standards", {"member": city.member_a1.pk}).json()
    assert listed["count"] == 1


def test_bad_standard_is_422_with_the_field(client, city):
    client.force_login(city.secretary)
    body = {
        "member": city.member_a1.pk,
        "category": "employed",
        "effective_from": months_ago(1).isoformat(),
        "income_base": "-1",
    }
    response = post(client, "/api/dues/standards", body)
    assert response.status_code == 422
    assert "income_base" in response.json()["errors"]
    assert not Standard.objects.exists()
    client.force_login(city.viewer)
    assert post(client, "/api/dues/standards", {**body, "income_base": "1"}).status_code == 403
    client.force_login(city.outsider)
    assert post(client, "/api/dues/standards", {**body, "income_base": "1"}).status_code == 404


def test_record_a_branch_month_all_or_nothing(client, city):
    give_standard(city.member_a1)
    client.force_login(city.secretary)
    month = months_ago(1).isoformat()
    body = {"org": city.branch_a1.pk, "month": month, "entries": [{"member": city.member_a1.pk}]}
    response = post(client, "/api/dues/payments", body)
    assert response.status_code == 201 and response.json()[0]["amount"] == "50.00"
    again = post(client, "/api/dues/payments", body)
    assert again.status_code == 422
    message = again.json()["errors"][f"entries.{city.member_a1.pk}"][0]
    assert "张三" in message and months_ago(1).strftime("%Y-%m") in message  # "already paid"
    assert Payment.objects.count() == 1
    listed = client.get("/api/dues/payments", {"org": city.branch_a1.pk}).json()
    assert listed["count"] == 1


def test_payments_refused_outside_scope(client, city):
    give_standard(city.member_b1)
    month = months_ago(1).isoformat()
    body = {"org": city.branch_b1.pk, "month": month, "entries": [{"member": city.member_b1.pk}]}
    client.force_login(city.secretary)
    assert post(client, "/api/dues/payments", body).status_code == 404
    client.force_login(city.viewer)
    assert post(client, "/api/dues/payments", body).status_code == 403
    assert not Payment.objects.exists()


def test_arrears(client, city):
    give_standard(city.member_a1, months_back=7)
    pay(city.member_a1, months_ago(7))
    client.force_login(city.county_admin)
    data = client.get("/api/dues/arrears", {"org": city.county_a.pk, "min_unpaid": 6}).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert (row["name"], row["months_unpaid"], row["arrears"]) == ("张三", 6, "300.00")
    client.force_login(city.member_user)  # their branch, but not its members' arrears
    assert client.get("/api/dues/arrears", {"org": city.branch_a1.pk}).status_code == 404


def test_member_lists_only_their_own_payments(client, city):
    other = give_standard(city.member_b1)
    give_standard(city.member_a1)
    pay(city.member_a1, months_ago(1))
    pay(city.member_b1, months_ago(1))
    client.force_login(city.member_user)
    data = client.get("/api/dues/payments").json()
    assert [p["member"] for p in data["results"]] == [city.member_a1.pk]
    standards = client.get("/api/dues/standards").json()["results"]
    assert other.pk not in [s["id"] for s in standards]
