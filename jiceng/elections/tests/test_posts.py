"""Committee posts changed between elections (post_assign / post_end): the service's refusals
(ELEC-02, dates), the page beside the org's committee, the API, scope and audit."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jiceng.audit.models import AuditEvent
from jiceng.elections import services
from jiceng.elections.models import CommitteePost, Post
from jiceng.orgs.models import Organization

from .factories import members, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def elected(city):
    """branch_a1 renewed on 2024-03-01: secretary people[0], people[1] a member."""
    people = members(city.branch_a1, 4)
    record(city.secretary, city.branch_a1, people[:2], seats=2, held_on=date(2024, 3, 1))
    return people


def posts(org):
    return sorted(
        CommitteePost.objects.filter(org=org, ended_on__isnull=True).values_list(
            "member_id", "post"
        )
    )


def test_refusals_change_nothing(city, elected):
    before = posts(city.branch_a1)
    probationary = members(city.branch_a1, 1, membership="probationary", full_member_date=None)
    cases = [
        ({"member": probationary[0].pk, "post": Post.MEMBER}, "member", "ELEC-02"),
        ({"started_on": date(2024, 2, 1)}, "started_on", "current term"),
        ({"started_on": date(2099, 1, 1)}, "started_on", "future"),
        ({"member": elected[0].pk, "post": Post.SECRETARY}, "post", "already holds"),
        ({"member": city.member_b1.pk}, "member", "No such member"),
        ({"post": "boss"}, "post", "valid"),
    ]
    for over, field, text in cases:
        kwargs = {
            "actor": city.secretary,
            "org": city.branch_a1,
            "member": elected[3].pk,
            "post": Post.MEMBER,
            "started_on": date(2025, 1, 1),
            **over,
        }
        with pytest.raises(ValidationError) as err:
            services.post_assign(**kwargs)
        assert any(text in m for m in err.value.message_dict[field]), err.value.message_dict
    assert posts(city.branch_a1) == before
    assert not AuditEvent.objects.filter(event="post_change").exists()


def test_a_post_ending_another_cannot_start_before_it(city, elected):
    services.post_assign(
        actor=city.secretary,
        org=city.branch_a1,
        member=elected[3].pk,
        post=Post.MEMBER,
        started_on=date(2025, 5, 1),
    )
    with pytest.raises(ValidationError) as err:  # would end 2025-05-01's post on 2025-04-01
        services.post_assign(
            actor=city.secretary,
            org=city.branch_a1,
            member=elected[3].pk,
            post=Post.DEPUTY,
            started_on=date(2025, 4, 1),
        )
    assert "Before the start of the post it ends" in err.value.message_dict["started_on"][0]


def test_ending_a_post_before_it_began_is_refused(city, elected):
    row = CommitteePost.objects.get(member=elected[1], ended_on__isnull=True)
    with pytest.raises(ValidationError) as err:
        services.post_end(actor=city.secretary, post=row, ended_on=date(2024, 2, 1))
    assert "before the post began" in err.value.message_dict["ended_on"][0]
    row.refresh_from_db()
    assert row.ended_on is None


def test_the_page_fills_and_ends_posts(client, city, elected):
    client.force_login(city.secretary)
    committee = client.get(reverse("elections:org_committee", args=[city.branch_a1.pk]))
    assert 'id="fill-post"' in committee.content.decode()
    url = reverse("elections:post_create", args=[city.branch_a1.pk])
    bad = client.post(url, {"member": elected[3].pk, "post": "member", "started_on": "2024-01-01"})
    assert bad.status_code == 200 and "started_on" in bad.context["form"].errors
    ok = client.post(
        url, {"member": elected[3].pk, "post": "secretary", "started_on": "2025-01-01"}
    )
    assert ok.status_code == 302
    assert Organization.objects.get(pk=city.branch_a1.pk).secretary_id == elected[3].pk
    row = CommitteePost.objects.get(member=elected[3], ended_on__isnull=True)
    end_url = reverse("elections:post_end", args=[row.pk])
    early = client.post(end_url, {"ended_on": "2024-12-31"})
    assert early.status_code == 200 and "ended_on" in early.context["form"].errors
    done = client.post(end_url, {"ended_on": "2025-06-30"})
    assert done.status_code == 302
    assert Organization.objects.get(pk=city.branch_a1.pk).secretary_id is None
    assert AuditEvent.objects.filter(event="post_change").count() == 2


def test_the_page_is_scoped(client, city, elected):
    url = reverse("elections:post_create", args=[city.branch_a1.pk])
    row = CommitteePost.objects.filter(org=city.branch_a1).first()
    client.force_login(city.outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("elections:post_end", args=[row.pk])).status_code == 404
    client.force_login(city.viewer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"member": elected[3].pk, "post": "member"}).status_code == 403


def test_the_api_fills_and_ends_posts(client, city, elected):
    client.force_login(city.secretary)
    api = f"/api/elections/orgs/{city.branch_a1.pk}/posts"
    body = {"member": elected[3].pk, "post": "deputy", "started_on": "2025-01-01"}
    made = client.post(api, body, content_type="application/json")
    assert made.status_code == 201 and made.json()["post"] == "deputy"
    probationary = members(city.branch_a1, 1, membership="probationary", full_member_date=None)
    refused = client.post(
        api, {**body, "member": probationary[0].pk}, content_type="application/json"
    )
    assert refused.status_code == 422 and "ELEC-02" in refused.content.decode()
    post_id = made.json()["id"]
    ended = client.post(
        f"/api/elections/posts/{post_id}/end",
        {"ended_on": "2025-02-01"},
        content_type="application/json",
    )
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2025-02-01"
    client.force_login(city.outsider)
    assert client.post(api, body, content_type="application/json").status_code == 404
    client.force_login(city.viewer)
    assert client.post(api, body, content_type="application/json").status_code == 403
