"""The pages, as the personas see them: forms with clear errors, figures that link to their
records, scope (404 outside, 403 read-only), and query-count guards."""

import io
from datetime import date

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jiceng.audit.models import AuditEvent
from jiceng.elections import services
from jiceng.elections.models import CommitteePost, Election, VillageCommitteeSeat
from jiceng.orgs.models import Organization

from .factories import members, record


def form_data(org, people, **over):
    data = {
        "org": org.pk,
        "held_on": "2025-03-01",
        "entitled": 10,
        "present": 9,
        "ballots_issued": 9,
        "ballots_returned": 9,
        "seats": 1,
        "term_years": "",
        "notes": "",
    }
    for i, m in enumerate(people):
        data[f"c{i}_member"] = m.pk
        data[f"c{i}_votes"] = 8 if i == 0 else 1
        data[f"c{i}_post"] = "secretary" if i == 0 else ""
    data.update(over)
    return data


def test_recording_an_election_through_the_form(client, city):
    people = members(city.branch_a1, 2)
    client.force_login(city.secretary)
    url = reverse("elections:election_create") + f"?org={city.branch_a1.pk}"
    page = client.get(url)
    assert page.status_code == 200 and "ELEC-03" in page.content.decode()
    response = client.post(url, form_data(city.branch_a1, people))
    election = Election.objects.get()
    assert response.status_code == 302 and response["Location"] == election.get_absolute_url()
    detail = client.get(response["Location"]).content.decode()
    assert people[0].name in detail and people[1].name in detail
    assert Organization.objects.get(pk=city.branch_a1.pk).secretary_id == people[0].pk


@pytest.mark.parametrize(
    ("over", "where", "text"),
    [
        ({"present": 8, "ballots_issued": 8, "ballots_returned": 8}, "present", "ELEC-03"),
        ({"c0_votes": 10}, "candidates", "ELEC-06"),
        ({"ballots_returned": 10, "ballots_issued": 9}, "ballots_returned", "ELEC-06"),
    ],
)
def test_a_refused_election_shows_why_and_writes_nothing(client, city, over, where, text):
    people = members(city.branch_a1, 2)
    client.force_login(city.secretary)
    url = reverse("elections:election_create") + f"?org={city.branch_a1.pk}"
    response = client.post(url, form_data(city.branch_a1, people, **over))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(text in e for e in errors[where]), errors
    assert text in response.content.decode()
    assert not Election.objects.exists() and not CommitteePost.objects.exists()


def test_a_probationary_candidate_is_named_in_the_error(client, city):
    people = members(city.branch_a1, 1) + members(
        city.branch_a1, 1, membership="probationary", full_member_date=None
    )
    client.force_login(city.secretary)
    url = reverse("elections:election_create") + f"?org={city.branch_a1.pk}"
    response = client.post(url, form_data(city.branch_a1, people))
    body = response.content.decode()
    assert "ELEC-02" in body and people[1].name in body
    assert not Election.objects.exists()


def test_scope_of_the_form(client, city):
    url = reverse("elections:election_create")
    client.force_login(city.viewer)
    assert client.get(f"{url}?org={city.branch_a1.pk}").status_code == 403
    client.force_login(city.county_admin)
    assert client.get(f"{url}?org={city.branch_b1.pk}").status_code == 404
    client.force_login(city.outsider)
    assert client.get(f"{url}?org={city.branch_a1.pk}").status_code == 404


def test_renewals_due_page(client, city, django_assert_max_num_queries):
    Organization.objects.filter(pk__in=[city.branch_a1.pk, city.branch_b1.pk]).update(
        term_started_on=date(2015, 1, 1)
    )
    client.force_login(city.county_admin)
    with django_assert_max_num_queries(15):
        body = client.get(reverse("elections:renewal_list")).content.decode()
    assert "寸金社区党支部" in body and "ORG-06" in body
    assert "城西村党支部" not in body
    client.force_login(city.outsider)
    assert "寸金社区党支部" not in client.get(reverse("elections:renewal_list")).content.decode()


def test_the_committee_page_and_the_village_committee_form(client, city):
    people = members(city.branch_a1, 3)
    record(city.secretary, city.branch_a1, people[:1])
    client.force_login(city.secretary)
    url = reverse("elections:village_committee_edit", args=[city.branch_a1.pk])
    bad = client.post(url, {"started_on": "2025-03-02", "s0_role": "member", "s0_name": "王大海"})
    assert "Exactly one chair" in bad.content.decode() or "主任" in bad.content.decode()
    assert not VillageCommitteeSeat.objects.exists()
    ok = client.post(
        url,
        {
            "started_on": "2025-03-02",
            "s0_role": "chair",
            "s0_member": people[0].pk,
            "s1_role": "member",
            "s1_name": "王大海",
        },
    )
    assert ok.status_code == 302
    page = client.get(reverse("elections:org_committee", args=[city.branch_a1.pk]))
    body = page.content.decode()
    assert "王大海" in body and "一肩挑" in body and people[0].name in body


def test_two_committee_pages(client, city, django_assert_max_num_queries):
    people = members(city.branch_a1, 2)
    record(None, city.branch_a1, people[:1])
    services.village_committee_record(
        actor=None,
        org=city.branch_a1,
        started_on=date(2025, 3, 2),
        seats=[{"member": people[0].pk, "role": "chair"}],
    )
    client.force_login(city.city_admin)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("elections:two_committees"))
    assert page.context["total"].one_shoulder == 1
    body = page.content.decode()
    list_url = reverse("elections:two_committee_list")
    assert f"{list_url}?org={city.city.pk}&amp;one_shoulder=yes" in body
    with django_assert_max_num_queries(15):
        listed = client.get(f"{list_url}?org={city.city.pk}&one_shoulder=yes")
    assert "寸金社区党支部" in listed.content.decode()
    assert "城西村党支部" not in listed.content.decode()
    client.force_login(city.county_admin)
    assert client.get(f"{list_url}?org={city.county_b.pk}").status_code == 404


def test_campaign_dashboard_drill_down_and_export(client, city, django_assert_max_num_queries):
    people = members(city.branch_b1, 2)
    record(None, city.branch_b1, people[:1], held_on=date(2025, 3, 1))
    campaign = services.campaign_create(
        actor=city.city_admin,
        org=city.city,
        name="2025年换届",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 6, 30),
        unit_types=["village", "community"],
    )
    client.force_login(city.city_admin)
    url = reverse("elections:campaign_detail", args=[campaign.pk])
    with django_assert_max_num_queries(15):
        page = client.get(url)
    headline = page.content.decode()
    assert page.context["totals"] == [
        ("village", "行政村", 1, 1, 0),
        ("community", "社区", 2, 0, 2),
    ]
    orgs_url = reverse("elections:campaign_orgs", args=[campaign.pk])
    assert f"{orgs_url}?within={city.city.pk}&amp;unit_type=village&amp;state=completed" in headline
    with django_assert_max_num_queries(15):
        listed = client.get(f"{orgs_url}?within={city.city.pk}&unit_type=community&state=pending")
    assert "寸金社区党支部" in listed.content.decode()
    export = client.get(
        reverse("elections:campaign_export", args=[campaign.pk]) + f"?within={city.city.pk}"
    )
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert len(rows) == 4 and {r[0] for r in rows[1:]} >= {"寸金社区党支部", "城西村党支部"}
    assert AuditEvent.objects.filter(event="export").exists()
    # county A's administrator sees county A only, within the city's campaign
    client.force_login(city.county_admin)
    mine = client.get(url)
    assert mine.context["root"] == city.county_a
    assert client.get(f"{url}?within={city.county_b.pk}").status_code == 404
    client.force_login(city.outsider)
    assert client.get(url).status_code == 404
