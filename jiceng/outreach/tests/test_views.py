from datetime import timedelta

import pytest
from django.urls import reverse

from jiceng.core.testing import make_member
from jiceng.outreach import services
from jiceng.outreach.models import DutyShift, ResidentRequest

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(people, today, last_month):
    city = people
    for branch, member in ((city.branch_a1, city.member_a1), (city.branch_b1, city.member_b1)):
        services.centre_save(actor=None, org=branch, name=f"{branch.name}服务站", address="村委会")
        for i in range(3):
            cadre = make_member(branch)
            shift = services.duty_schedule(
                actor=None, org=branch, cadre=cadre, on=last_month - timedelta(days=i)
            )
            services.duty_record(
                actor=None, shift=shift, checked_in_at=at(shift.on, 8), checked_out_at=None
            )
        for _ in range(3):
            visit = services.visit_record(
                actor=None,
                village=branch,
                visitor=member,
                visited_on=today,
                household="王家",
                address="湛江市遂溪县城西村88号",
                raised="路",
            )
            services.request_register(
                actor=None, visit=visit, channel="visit", resident_name="王", subject="修路"
            )
        team = services.team_create(
            actor=None, village=branch, dispatching_unit="市委组织部", started_on=today
        )
        services.team_member_add(
            actor=None, team=team, member=member, started_on=today, is_first_secretary=True
        )
    return city


LISTS = [
    "centre_list",
    "shift_list",
    "visit_list",
    "request_list",
    "team_list",
    "stationed_list",
    "poverty_list",
    "course_list",
]


@pytest.mark.parametrize("name", LISTS)
def test_lists_are_scoped_and_guarded(client, records, name, django_assert_max_num_queries):
    client.force_login(records.county_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse(f"outreach:{name}"), {"per_page": 100})
    assert response.status_code == 200
    body = response.content.decode()
    assert "城西村" not in body  # county B's village


def test_visit_addresses_are_masked(client, records):
    client.force_login(records.city_admin)
    body = client.get(reverse("outreach:visit_list")).content.decode()
    assert "湛江市遂溪县****" in body and "城西村88号" not in body


def test_the_dashboard_reads_a_few_queries_whatever_the_size(
    client, records, django_assert_max_num_queries
):
    client.force_login(records.city_admin)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("outreach:dashboard", args=[records.city.pk]))
    assert response.status_code == 200
    children = response.context["children"]
    assert [c.requests for c in children] == [3, 3]
    assert [c.attendance for c in children] == [100.0, 100.0]
    assert response.context["total"].coverage == 40.0


def test_the_dashboard_is_scoped(client, records):
    client.force_login(records.county_admin)
    assert client.get(reverse("outreach:dashboard", args=[records.county_b.pk])).status_code == 404
    client.force_login(records.outsider)
    assert client.get(reverse("outreach:dashboard", args=[records.city.pk])).status_code == 404
    assert client.get(reverse("outreach:home")).status_code == 200


def test_drill_down_lists_the_figures_records(client, records):
    client.force_login(records.city_admin)
    response = client.get(
        reverse("outreach:request_list"), {"org": records.county_a.pk, "state": "open"}
    )
    assert response.context["total"] == 3
    response = client.get(
        reverse("outreach:shift_list"), {"org": records.town_b.pk, "attended": "true"}
    )
    assert response.context["total"] == 3


def test_export_is_as_filtered(client, records):
    from jiceng.transfer.tests.sheetfiles import read_xlsx

    client.force_login(records.city_admin)
    response = client.get(reverse("outreach:visit_export"), {"org": records.county_a.pk})
    assert response.status_code == 200
    rows = read_xlsx(b"".join(response.streaming_content))
    assert len(rows) == 4
    assert all("****" in (r[4] or "") for r in rows[1:])


def test_the_request_page_resolves_and_closes(client, records):
    city = records
    request = ResidentRequest.objects.filter(origin=city.branch_a1).first()
    client.force_login(city.secretary)
    page = client.get(reverse("outreach:request_detail", args=[request.pk]))
    assert b"resolve-form" in page.content
    response = client.post(
        reverse("outreach:request_close", args=[request.pk]), {"satisfaction": "satisfied"}
    )
    assert response.status_code == 200
    assert "resolution_note" in response.context["close_form"].errors
    request.refresh_from_db()
    assert request.status == "registered"
    client.post(
        reverse("outreach:request_resolve", args=[request.pk]), {"resolution_note": "修好了"}
    )
    client.post(reverse("outreach:request_close", args=[request.pk]), {"satisfaction": "satisfied"})
    request.refresh_from_db()
    assert request.status == "closed"


def test_viewer_cannot_act_on_a_request(client, records):
    request = ResidentRequest.objects.filter(origin=records.branch_a1).first()
    client.force_login(records.viewer)
    assert (
        client.post(
            reverse("outreach:request_resolve", args=[request.pk]), {"resolution_note": "x"}
        ).status_code
        == 403
    )
    request.refresh_from_db()
    assert request.status == "registered"


def test_duty_import_all_or_nothing(client, records, last_month):
    city = records
    cadre = make_member(city.branch_a1)
    from jiceng.core import crypto  # noqa: F401  (the ID number is matched by its keyed hash)

    day = last_month.isoformat()
    good = f"驻点单位,身份证号,日期,签到时间,签退时间\n{city.town_a.name},{cadre.id_number},{day},08:30,17:30\n"
    bad = good + f"{city.town_a.name},{city.member_a1.id_number},{day},09:00,08:00\n"
    client.force_login(city.county_admin)
    before = DutyShift.objects.count()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("outreach:shift_import"), {"file": SimpleUploadedFile("duty.csv", bad.encode())}
    )
    assert response.status_code == 200
    assert [str(e) for e in response.context["form"].errors["file"]][0].startswith(
        ("row 3", "第 3 行")
    )
    assert DutyShift.objects.count() == before
    response = client.post(
        reverse("outreach:shift_import"), {"file": SimpleUploadedFile("duty.csv", good.encode())}
    )
    assert response.status_code == 302
    shift = DutyShift.objects.get(cadre=cadre)
    assert shift.attended and shift.source == "imported"


def test_member_page_shows_contributions_without_ranking(client, records):
    client.force_login(records.city_admin)
    body = client.get(
        reverse("members:member_detail", args=[records.member_a1.pk])
    ).content.decode()
    assert "service-contributions" in body
    card = body[body.index('id="service-contributions"') :]
    card = card[: card.index("</div></div></div>")]
    assert "只记实绩，不计积分，不排名。" in card and "第" not in card  # no points, no rank
    visits_url = reverse("outreach:visit_list") + f"?visitor={records.member_a1.pk}"
    assert visits_url in body
    assert client.get(visits_url).context["total"] == 3
    page = client.get(reverse("outreach:member_contributions", args=[records.member_a1.pk]))
    assert page.context["figures"]["visits"] == 3
    client.force_login(records.member_user)  # their own
    own = client.get(reverse("outreach:member_contributions", args=[records.member_a1.pk]))
    assert own.context["figures"]["visits"] == 3


def test_api_summary_and_scope(client, records):
    client.force_login(records.county_admin)
    data = client.get(f"/api/outreach/summary/{records.county_a.pk}").json()
    assert (data["requests"], data["visits"], data["resolution_rate"]) == (3, 3, 0.0)
    assert client.get(f"/api/outreach/summary/{records.county_b.pk}").status_code == 404
    listing = client.get("/api/outreach/requests").json()
    assert listing["count"] == 3


def test_api_close_without_note_is_refused(client, records):
    request = ResidentRequest.objects.filter(origin=records.branch_a1).first()
    client.force_login(records.secretary)
    response = client.post(
        f"/api/outreach/requests/{request.pk}/close",
        {"satisfaction": "satisfied"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "resolution_note" in response.json()["errors"]
    request.refresh_from_db()
    assert request.status == "registered"


def test_the_gap_list_names_places_without_a_complete_centre(client, records):
    from jiceng.transfer.tests.sheetfiles import read_xlsx

    city = records  # branch_a1 and branch_b1 have a centre without the 四有 items
    client.force_login(city.city_admin)
    response = client.get(reverse("outreach:gap_list"))
    names = [row[0][0] for row in response.context["rows"]]
    assert response.context["total"] == 5  # two townships, three villages/communities
    assert city.town_a.name in names and city.branch_a1.name in names
    none = client.get(reverse("outreach:gap_list"), {"gap": "none"}).context
    assert {r[0][0] for r in none["rows"]} == {
        city.town_a.name,
        city.town_b.name,
        city.branch_a2.name,
    }
    assert none["rows"][0][3][1].endswith("/centre/")  # a link to create the missing centre
    incomplete = client.get(reverse("outreach:gap_list"), {"gap": "incomplete", "level": "village"})
    assert incomplete.context["total"] == 2
    assert incomplete.context["rows"][0][4][0] == "地点、牌子、制度、经费"  # every item missing
    # per subtree, and an outsider of county B sees none of it
    client.force_login(city.county_admin)
    assert client.get(reverse("outreach:gap_list")).context["total"] == 3
    client.force_login(city.outsider)
    assert client.get(reverse("outreach:gap_list")).context["total"] == 0
    # exportable as filtered
    client.force_login(city.city_admin)
    export = client.get(reverse("outreach:gap_export"), {"org": city.county_a.pk, "gap": "none"})
    rows = read_xlsx(b"".join(export.streaming_content))
    assert [r[0] for r in rows[1:]] == [city.town_a.name, city.branch_a2.name]


def test_the_coverage_figure_links_to_the_gaps(client, records):
    client.force_login(records.city_admin)
    response = client.get(reverse("outreach:dashboard", args=[records.city.pk]))
    assert response.context["total"].gaps == 5
    url = reverse("outreach:gap_list") + f"?org={records.city.pk}"
    assert url in response.content.decode()
    assert client.get(url).context["total"] == 5


def test_attendance_per_cadre_lowest_first_and_exported_whole(client, records, last_month):
    from jiceng.audit.models import AuditEvent
    from jiceng.transfer.tests.sheetfiles import read_xlsx

    city = records
    late = make_member(city.branch_a1, name="迟到")
    shift = services.duty_schedule(actor=None, org=city.branch_a1, cadre=late, on=last_month)
    assert not shift.attended
    client.force_login(city.county_admin)
    page = client.get(reverse("outreach:attendance", args=[city.county_a.pk]))
    rows = page.context["rows"]
    assert rows[0]["cadre__name"] == "迟到" and rows[0]["meets"] is False
    assert len(rows) == 4  # county A's cadres only
    export = client.get(reverse("outreach:cadre_attendance_export", args=[city.county_a.pk]))
    sheet = read_xlsx(b"".join(export.streaming_content))
    assert [r[0] for r in sheet[1:]][0] == "迟到" and len(sheet) == 5
    assert AuditEvent.objects.filter(event="export").exists()
    other = reverse("outreach:cadre_attendance_export", args=[city.county_b.pk])
    assert client.get(other).status_code == 404
