"""Pages: personas, outsiders, the step form's refusals, the export, the person's own view."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jiceng.core.dates import add_months
from jiceng.core.testing import make_user
from jiceng.recruitment.models import DevelopmentRecord, Step

from .conftest import drive

pytestmark = pytest.mark.django_db


def test_dashboard_counts_per_stage_and_per_child(client, pipe, django_assert_max_num_queries):
    drive(pipe, 3)
    client.force_login(pipe.city.city_admin)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("recruitment:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-stage="activist"' in page
    assert response.context["total"] == 1
    assert dict((v, n) for v, _l, n in response.context["counts"])["activist"] == 1
    assert [c.pk for c, _row in response.context["children"]] == [pipe.city.county_a.pk]


def test_dashboard_of_another_county_is_hidden_from_the_county_admin(client, pipe):
    client.force_login(pipe.city.county_admin)
    response = client.get(reverse("recruitment:dashboard") + f"?org={pipe.city.county_b.pk}")
    assert response.status_code == 404


def test_record_page_shows_timeline_and_next_step(client, pipe, django_assert_max_num_queries):
    drive(pipe, 9)
    client.force_login(pipe.city.secretary)
    with django_assert_max_num_queries(25):
        response = client.get(pipe.record.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-step="10"' in page  # the button for the next step
    assert 'id="next-step"' in page and "政治审查" in page  # and its form
    assert "DEV-06" in page  # the next assessment is due
    assert page.count('<li class="list-group-item small" data-step=') == 10  # 6 twice


@pytest.mark.parametrize("persona", ["outsider", "county_admin_b"])
def test_outsiders_get_404(client, pipe, persona):
    user = (
        pipe.city.outsider
        if persona == "outsider"
        else make_user("cb", role="admin", org=pipe.city.county_b)
    )
    client.force_login(user)
    assert client.get(pipe.record.get_absolute_url()).status_code == 404
    url = reverse("recruitment:step_record", args=[pipe.record.pk, 2])
    assert client.post(url, {"on": "2024-01-01", "talker": "x"}).status_code == 404
    assert Step.objects.filter(record=pipe.record).count() == 1


def test_viewer_sees_but_may_not_record(client, pipe):
    client.force_login(pipe.city.viewer)
    assert client.get(pipe.record.get_absolute_url()).status_code == 200
    url = reverse("recruitment:step_record", args=[pipe.record.pk, 2])
    assert client.post(url, {"on": "2024-01-01", "talker": "x"}).status_code == 403


def test_refused_step_shows_the_rule_and_writes_nothing(client, pipe):
    client.force_login(pipe.city.secretary)
    skipped = reverse("recruitment:step_record", args=[pipe.record.pk, 3])
    response = client.post(
        skipped,
        {"on": add_months(pipe.record.applied_on, 6), "method": "party", "decided_by": "committee"},
    )
    assert response.status_code == 200
    assert "应先完成第 2 步" in response.content.decode()
    late = reverse("recruitment:step_record", args=[pipe.record.pk, 2])
    on = add_months(pipe.record.applied_on, 1) + timedelta(days=1)
    response = client.post(late, {"on": on.isoformat(), "talker": "陈"})
    page = response.content.decode()
    assert "DEV-03" in page and "invalid-feedback" in page
    assert Step.objects.filter(record=pipe.record).count() == 1


def test_an_administrator_records_a_documented_exception(client, pipe):
    client.force_login(pipe.city.county_admin)
    late = reverse("recruitment:step_record", args=[pipe.record.pk, 2])
    on = add_months(pipe.record.applied_on, 1) + timedelta(days=1)
    response = client.post(late, {"on": on.isoformat(), "talker": "陈"})
    assert "exception_reason" in response.context["form"].errors
    response = client.post(
        late, {"on": on.isoformat(), "talker": "陈", "exception_reason": "申请人外出务工"}
    )
    assert response.status_code == 302
    page = client.get(pipe.record.get_absolute_url()).content.decode()
    assert "申请人外出务工" in page
    dashboard = client.get(reverse("recruitment:dashboard")).context
    assert dashboard["exception_count"] == 1


def test_open_a_record_through_the_form(client, pipe):
    from jiceng.recruitment.testing import applicant_id

    client.force_login(pipe.city.secretary)
    response = client.post(
        reverse("recruitment:record_create"),
        {
            "name": "周七",
            "id_number": applicant_id(),
            "org": pipe.city.branch_a1.pk,
            "applied_on": "2025-03-01",
            "ethnicity": "01",
            "education": "20",
            "occupation": "03",
            "username": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert DevelopmentRecord.objects.filter(name="周七").exists()


def test_the_person_sees_their_own_record_and_nothing_else(client, pipe):
    applicant = make_user("applicant")
    DevelopmentRecord.objects.filter(pk=pipe.record.pk).update(user=applicant)
    client.force_login(applicant)
    response = client.get(reverse("recruitment:mine"))
    assert response.status_code == 302
    assert response["Location"] == pipe.record.get_absolute_url()
    page = client.get(pipe.record.get_absolute_url())
    assert page.status_code == 200
    assert "DEV-03" in page.content.decode()
    assert 'data-step="2"' not in page.content.decode()  # no button to record
    assert client.get(reverse("recruitment:record_list")).context["total"] == 1


def test_export_has_each_persons_current_step(client, pipe):
    drive(pipe, 4)
    client.force_login(pipe.city.city_admin)
    response = client.get(reverse("recruitment:record_export"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert len(rows) == 2
    assert rows[1][0] == pipe.record.name
    assert rows[1][4].startswith("4.")
    assert "*" in rows[1][1]  # ID number masked


def test_due_list_lists_overdue_talks(client, pipe):
    client.force_login(pipe.city.secretary)
    response = client.get(reverse("recruitment:due_list") + f"?org={pipe.city.branch_a1.pk}")
    assert response.status_code == 200
    assert [f.rule for f in response.context["items"]] == ["DEV-03"]
    assert response.context["items"][0].level == "overdue"


def test_list_drills_down_by_org_and_stage(client, pipe, django_assert_max_num_queries):
    from jiceng.recruitment import testing

    testing.open_record(pipe.city.branch_b1, name="乙某")
    drive(pipe, 3)
    client.force_login(pipe.city.city_admin)
    url = reverse("recruitment:record_list")
    with django_assert_max_num_queries(15):
        response = client.get(url, {"org": pipe.city.county_a.pk, "stage": "activist"})
    assert [r.name for r in response.context["objects"]] == [pipe.record.name]
    assert pipe.city.county_a.name in response.content.decode()
    assert response.context["total"] == 1
    assert client.get(url, {"stage": "applicant"}).context["total"] == 1
    assert client.get(url).context["total"] == 2
