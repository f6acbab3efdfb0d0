"""Pages of organisational life: access per persona (outsiders 404), recording a meeting with
attendance by exception, errors beside the fields with nothing written, compliance pages and
their export, query-count guards."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiceng.activities import services
from jiceng.activities.models import Attendance, Kind, Meeting, Presence
from jiceng.orgs import rollups
from jiceng.web.tests.personas import LOGIN, login_as, persona_test

from .helpers import fill_branch
from .test_services import PDF

pytestmark = pytest.mark.django_db

SCOPED = {
    "anonymous": LOGIN,
    "city_admin": 200,
    "county_admin": 200,
    "viewer": 200,
    "secretary": 200,
    "outsider": 404,
}

test_compliance_card_access = persona_test(
    lambda city: reverse("activities:org_compliance", args=[city.branch_a1.pk]), SCOPED
)
test_compliance_card_other_county = persona_test(
    lambda city: reverse("activities:org_compliance", args=[city.branch_b1.pk]),
    {"county_admin": 404, "secretary": 404, "city_admin": 200},
)
test_meeting_form_access = persona_test(
    lambda city: reverse("activities:meeting_create") + f"?org={city.branch_a1.pk}",
    {**SCOPED, "viewer": 403, "member_user": 403},
)


def _meeting(city):
    return services.meeting_record(
        actor=city.secretary,
        org=city.branch_a1,
        kind=Kind.PARTY_DAY,
        held_on=timezone.localdate(),
        topic="学习",
    )


def test_meeting_detail_scoped(client, city):
    m = _meeting(city)
    for persona, status in (("viewer", 200), ("county_admin", 200), ("outsider", 404)):
        login_as(client, city, persona)
        assert client.get(m.get_absolute_url()).status_code == status
    client.force_login(city.county_admin)
    other = services.meeting_record(
        actor=city.city_admin,
        org=city.branch_b1,
        kind=Kind.PARTY_DAY,
        held_on=timezone.localdate(),
        topic="x",
    )
    assert client.get(other.get_absolute_url()).status_code == 404


def test_record_a_meeting_by_exception(client, city):
    others = fill_branch(city.branch_a1, 5)
    client.force_login(city.secretary)
    url = reverse("activities:meeting_create")
    page = client.get(url, {"org": city.branch_a1.pk, "kind": "general"})
    assert page.status_code == 200
    assert page.content.decode().count('value="present" selected') == 6
    post = {
        "org": city.branch_a1.pk,
        "kind": "general",
        "held_on": timezone.localdate().isoformat(),
        "topic": "第四季度党员大会",
        f"p_{others[0].pk}": "leave",
        f"r_{others[0].pk}": "出差",
        f"p_{others[1].pk}": "absent",
        "attachments": [_upload("纪要.pdf", PDF)],
    }
    response = client.post(url, post)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert (meeting.present, meeting.on_leave, meeting.absent, meeting.quorum_met) == (
        4,
        1,
        1,
        True,
    )
    assert meeting.attachments.count() == 1
    detail = client.get(meeting.get_absolute_url()).content.decode()
    assert "纪要.pdf" in detail and "出差" in detail


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"held_on": "FUTURE"}, "held_on", "将来"),
        ({"p_OTHER": "present"}, "attendance", "李四"),
        ({"attachments": "FAKE"}, "attachments", "扩展名"),
        ({"has_vote": "on", "p_ALL": "absent"}, "has_vote", "LIFE-01"),
    ],
)
def test_bad_input_is_refused_beside_the_field(client, city, change, field, says):
    others = fill_branch(city.branch_a1, 3)
    client.force_login(city.secretary)
    post = {
        "org": city.branch_a1.pk,
        "kind": "general",
        "held_on": timezone.localdate().isoformat(),
        "topic": "t",
    }
    for key, value in change.items():
        if value == "FUTURE":
            post[key] = (timezone.localdate() + timedelta(days=2)).isoformat()
        elif key == "p_OTHER":
            post[f"p_{city.member_b1.pk}"] = value
        elif value == "FAKE":
            post[key] = [_upload("现场.jpg", PDF)]
        elif key == "p_ALL":
            for o in others:
                post[f"p_{o.pk}"] = value
        else:
            post[key] = value
    response = client.post(reverse("activities:meeting_create"), post)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert Meeting.objects.count() == 0 and Attendance.objects.count() == 0


def test_org_page_shows_compliance_card(client, city):
    fill_branch(city.branch_a1, 7)
    rollups.rebuild()
    client.force_login(city.county_admin)
    page = client.get(reverse("orgs:org_detail", args=[city.town_a.pk])).content.decode()
    assert reverse("activities:org_compliance", args=[city.town_a.pk]) in page
    card = client.get(reverse("activities:org_compliance", args=[city.town_a.pk]))
    assert card.context["rag"] == "red"
    rags = {c.pk: state for c, _counts, state in card.context["children"]}
    assert rags[city.branch_a1.pk] == "red" and rags[city.branch_a2.pk] == "green"


def test_city_view_answers_the_quarterly_meeting_question_and_exports(client, city):
    fill_branch(city.branch_a1, 2)
    client.force_login(city.viewer)
    url = reverse("activities:compliance")
    response = client.get(url, {"org": city.city.pk, "rule": "LIFE-01", "level": "overdue"})
    names = {name for _f, name, _parent in response.context["rows"]}
    assert names == {city.branch_a1.name, city.branch_b1.name}
    export = client.get(
        reverse("activities:compliance_export"), {"org": city.city.pk, "rule": "LIFE-01"}
    )
    assert export.status_code == 200
    data = b"".join(export.streaming_content)
    from python_calamine import CalamineWorkbook

    rows = (
        CalamineWorkbook.from_filelike(__import__("io").BytesIO(data))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert len(rows) == 3 and {r[2] for r in rows[1:]} == names
    client.force_login(city.county_admin)
    assert client.get(url, {"org": city.county_b.pk}).status_code == 404


def test_query_counts(client, city, django_assert_max_num_queries):
    fill_branch(city.branch_a1, 30)
    for i in range(12):
        services.meeting_record(
            actor=city.secretary,
            org=city.branch_a1,
            kind=Kind.PARTY_DAY,
            held_on=timezone.localdate() - timedelta(days=7 * i),
            topic=f"第{i}次",
        )
    rollups.rebuild()
    client.force_login(city.county_admin)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("activities:meeting_list")).status_code == 200
    most = 14
    with django_assert_max_num_queries(most):
        client.get(reverse("activities:compliance"), {"org": city.county_a.pk})
    with django_assert_max_num_queries(most):
        client.get(reverse("activities:org_compliance", args=[city.town_a.pk]))
    client.force_login(city.secretary)
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("activities:meeting_create"), {"org": city.branch_a1.pk}).status_code
            == 200
        )
    meeting = Meeting.objects.first()
    with django_assert_max_num_queries(12):
        assert client.get(meeting.get_absolute_url()).status_code == 200
    assert Attendance.objects.filter(meeting=meeting, presence=Presence.PRESENT).count() == 31


def test_lost_contact_pages(client, city):
    client.force_login(city.secretary)
    url = reverse("activities:lost_contact_record", args=[city.member_a1.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"searched_on": timezone.localdate().isoformat(), "how": "", "reason": "work_away"},
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    response = client.post(
        url,
        {"searched_on": timezone.localdate().isoformat(), "how": "走访家属", "reason": "work_away"},
    )
    assert response.status_code == 302
    city.member_a1.refresh_from_db()
    assert city.member_a1.is_lost_contact
    assert (
        reverse("members:member_status", args=[city.member_a1.pk])
        in client.get(url).content.decode()
    )
    assert (
        client.get(reverse("activities:lost_contact_record", args=[city.member_b1.pk])).status_code
        == 404
    )
    listing = client.get(reverse("activities:lost_contact_list"), {"org": city.branch_a1.pk})
    assert city.member_a1.name in listing.content.decode()


def test_plan_and_training_pages(client, city):
    client.force_login(city.secretary)
    year = timezone.localdate().year
    response = client.post(
        reverse("activities:plan_generate", args=[city.branch_a1.pk]), {"year": year}
    )
    assert response.status_code == 302
    page = client.get(reverse("activities:plan", args=[city.branch_a1.pk]), {"year": year})
    assert len(page.context["items"]) >= 12
    training = reverse("activities:training", args=[city.branch_a1.pk])
    response = client.post(
        training,
        {
            "held_on": timezone.localdate().isoformat(),
            "title": "党课",
            "hours": "8",
            "members": [city.member_a1.pk],
        },
    )
    assert response.status_code == 302
    rows = client.get(training).context["rows"]
    assert rows[0][1] == 8
    client.force_login(city.viewer)
    assert client.post(training, {}).status_code == 403
