from datetime import date

import pytest

from jiceng.members import services as member_services

from .helpers import recruit, take

pytestmark = pytest.mark.django_db


def test_snapshots_and_tables_in_scope(client, city):
    county = take(city, 2025, org=city.county_a)
    whole = take(city, 2025)
    take(city, 2024)
    client.force_login(city.county_admin)
    listed = client.get("/api/reports/snapshots").json()
    assert [s["id"] for s in listed["results"]] == [county.pk]
    assert client.get(f"/api/reports/snapshots/{whole.pk}").status_code == 404
    assert client.get(f"/api/reports/snapshots/{whole.pk}/tables/sex").status_code == 404
    detail = client.get(f"/api/reports/snapshots/{county.pk}").json()
    assert detail["members"] == 1 and len(detail["tables"]) == 12
    client.force_login(city.city_admin)
    table = client.get(f"/api/reports/snapshots/{whole.pk}/tables/sex").json()
    assert [c["key"] for c in table["columns"]] == ["total", "1", "2"]
    assert table["rows"][0]["cells"] == [2, 1, 1]
    assert table["rows"][1]["org"] == city.county_a.pk
    assert table["comparison_snapshot"] is not None
    assert table["comparison"][0]["last_year"] == 2 and table["comparison"][0]["change"] == 0
    down = client.get(
        f"/api/reports/snapshots/{whole.pk}/tables/sex", {"org": city.county_b.pk}
    ).json()
    assert down["rows"][0]["cells"] == [1, 0, 1]
    assert client.get(f"/api/reports/snapshots/{whole.pk}/tables/nope").status_code == 404
    client.force_login(city.outsider)
    assert client.get("/api/reports/snapshots").json()["results"] == []
    assert client.get(f"/api/reports/snapshots/{county.pk}").status_code == 404


def test_data_quality_api_follows_the_records(client, city):
    client.force_login(city.city_admin)
    url = "/api/reports/quality"
    before = client.get(url, {"org": city.city.pk}).json()
    job = next(i for i in before["total"]["items"] if i["item"] == "job")
    assert (job["complete"], job["missing"]) == (0, 2)
    member_services.member_update(actor=None, member=city.member_b1, job="村医")
    recruit(city.branch_b1, date(2019, 1, 1))
    after = client.get(url, {"org": city.city.pk}).json()
    job = next(i for i in after["total"]["items"] if i["item"] == "job")
    assert (job["complete"], job["missing"]) == (1, 2)
    assert [c["org"] for c in after["children"]] == [city.county_a.pk, city.county_b.pk]
    client.force_login(city.county_admin)
    assert client.get(url, {"org": city.county_b.pk}).status_code == 404
    assert client.get(url).json()["org"] == city.county_a.pk
    client.force_login(city.outsider)
    assert client.get(url).status_code == 404
