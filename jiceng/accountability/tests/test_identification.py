"""Weak-and-lax candidates from scores and criteria (ACC-05), and their identification in one
action by the level above: the page, the API, and every refusal with nothing written."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiceng.accountability import identification, scoring
from jiceng.accountability.models import WeakOrg
from jiceng.accountability.rules import CategorySpec, ItemSpec
from jiceng.audit.models import AuditEvent
from jiceng.core.testing import make_member
from jiceng.orgs.models import Organization

from .helpers import identify, today

pytestmark = pytest.mark.django_db


def scored(org, points, *, actor=None):
    """`org` assessed with a one-item manual rubric and reviewed at `points`."""
    rubric = scoring.rubric_create(
        actor=None,
        year=today().year,
        org_kind="branch",
        name="简易考核",
        categories=[
            CategorySpec(
                "基础工作",
                Decimal(100),
                [ItemSpec("A1", "基础工作", "scored", Decimal(100), "查阅资料")],
            )
        ],
    )
    assessment = scoring.assessment_start(actor=actor, rubric=rubric, org=org, period_end=today())
    item = rubric.categories.get().items.get()
    scoring.assessment_review(actor=actor, assessment=assessment, scores={item.pk: points})
    return assessment


def with_secretary(org):
    Organization.objects.filter(pk=org.pk).update(secretary=make_member(org))


def test_candidates_carry_their_reasons(city):
    scored(city.branch_a1, 40)
    with_secretary(city.branch_a2)
    year = today().year
    found = {
        c.org.pk: c
        for c in identification.candidates(
            city.county_admin, city.county_a, year=year, life_overdue=99
        )
    }
    low = found[city.branch_a1.pk]
    assert low.basis == "score" and low.score == Decimal(40)
    assert any("40" in r and "60" in r for r in low.reasons)
    assert "no secretary on record" in low.reasons
    assert city.branch_a2.pk not in found  # a secretary, no score: nothing against it
    assert city.branch_b1.pk not in found  # another county
    # the thresholds are parameters: a lower score threshold, fewer organisational-life gaps
    lower = identification.candidates(
        city.county_admin, city.county_a, year=year, below=Decimal(30), life_overdue=99
    )
    assert [(c.org.pk, c.basis) for c in lower] == [(city.branch_a1.pk, "criteria")]
    by_default = {
        c.org.pk: c for c in identification.candidates(city.county_admin, city.county_a, year=year)
    }
    assert any("LIFE-" in r for r in by_default[city.branch_a2.pk].reasons)


def test_the_secretary_is_no_level_above_and_sees_no_candidate(city):
    scored(city.branch_a1, 40)
    assert identification.candidates(city.secretary, city.branch_a1, year=today().year) == []


def test_already_identified_is_no_candidate(city):
    scored(city.branch_a1, 40)
    identify(city.branch_a1)
    found = identification.candidates(city.city_admin, city.county_a, year=today().year)
    assert city.branch_a1.pk not in {c.org.pk for c in found}


def test_identify_many_writes_every_one_with_its_reason(city):
    rows = identification.weak_identify_many(
        actor=city.county_admin,
        picks=[
            {"org": city.branch_a1.pk, "basis": "score", "reason": "考核40分"},
            {"org": city.branch_a2.pk, "basis": "criteria", "reason": "书记空缺"},
        ],
        year=2026,
        identified_on=date(2026, 3, 1),
    )
    assert [(w.org_id, w.basis, w.reason) for w in rows] == [
        (city.branch_a1.pk, "score", "考核40分"),
        (city.branch_a2.pk, "criteria", "书记空缺"),
    ]
    assert AuditEvent.objects.filter(event="weak_identify").count() == 2


@pytest.mark.parametrize(
    ("picks", "text"),
    [
        ([], "at least one"),
        ([{"org": "A1", "reason": " "}], "give the reason"),
        ([{"org": "A1", "reason": "r"}, {"org": "A1", "reason": "r"}], "twice"),
        ([{"org": "A1", "reason": "r", "basis": "whim"}], "how it was identified"),
        ([{"org": "A1", "reason": "r"}, {"org": "B1", "reason": "r"}], "within your scope"),
        ([{"org": "A1", "reason": "r"}, {"org": "COUNTY", "reason": "r"}], "level above"),
    ],
)
def test_identify_many_refusals_write_nothing(city, picks, text):
    ids = {"A1": city.branch_a1.pk, "B1": city.branch_b1.pk, "COUNTY": city.county_a.pk}
    for p in picks:
        p["org"] = ids[p["org"]]
    with pytest.raises(ValidationError) as err:
        identification.weak_identify_many(actor=city.county_admin, picks=picks, year=2026)
    assert any(text in m for m in err.value.message_dict["orgs"]), err.value.message_dict
    assert not WeakOrg.objects.exists()
    assert not AuditEvent.objects.filter(event="weak_identify").exists()


def test_identify_many_refuses_the_organisation_itself_and_a_repeat(city):
    with pytest.raises(PermissionDenied):
        identification.weak_identify_many(
            actor=city.secretary, picks=[{"org": city.branch_a1.pk, "reason": "r"}], year=2026
        )
    identify(city.branch_a1)
    with pytest.raises(ValidationError) as err:
        identification.weak_identify_many(
            actor=city.county_admin,
            picks=[{"org": city.branch_a1.pk, "reason": "r"}],
            year=today().year,
        )
    assert "already identified" in err.value.message_dict["orgs"][0]
    assert WeakOrg.objects.count() == 1


def test_the_page_lists_candidates_and_identifies_the_checked_ones(client, city):
    scored(city.branch_a1, 40)
    client.force_login(city.county_admin)
    url = reverse("accountability:weak_candidates") + f"?org={city.county_a.pk}"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'id="candidate-{city.branch_a1.pk}"' in body and "城西村" not in body
    bad = client.post(url, {"pick": [city.branch_a1.pk], f"reason_{city.branch_a1.pk}": ""})
    assert bad.status_code == 200 and 'id="candidate-errors"' in bad.content.decode()
    assert not WeakOrg.objects.exists()
    done = client.post(
        url,
        {
            "pick": [city.branch_a1.pk],
            f"reason_{city.branch_a1.pk}": "考核低于60分",
            f"basis_{city.branch_a1.pk}": "score",
        },
    )
    assert done.status_code == 302
    weak = WeakOrg.objects.get()
    assert (weak.org_id, weak.basis, weak.reason) == (city.branch_a1.pk, "score", "考核低于60分")
    listed = client.get(done["Location"])
    assert weak.get_absolute_url() in listed.content.decode()


def test_the_page_is_refused_outside_scope_and_to_readers(client, city):
    url = reverse("accountability:weak_candidates") + f"?org={city.county_a.pk}"
    client.force_login(city.outsider)
    assert client.get(url).status_code == 404
    client.force_login(city.viewer)
    assert client.get(url).status_code == 403


def test_the_api_lists_and_identifies(client, city):
    scored(city.branch_a1, 40)
    client.force_login(city.county_admin)
    listed = client.get(f"/api/accountability/weak/candidates?org={city.county_a.pk}")
    assert listed.status_code == 200
    row = next(r for r in listed.json() if r["org"] == city.branch_a1.pk)
    assert row["basis"] == "score" and row["reason"]
    body = {
        "year": today().year,
        "picks": [{"org": row["org"], "basis": "score", "reason": "低分"}],
    }
    made = client.post("/api/accountability/weak/identify", body, content_type="application/json")
    assert made.status_code == 201 and made.json()[0]["reason"] == "低分"
    again = client.post("/api/accountability/weak/identify", body, content_type="application/json")
    assert again.status_code == 422 and WeakOrg.objects.count() == 1
    client.force_login(city.outsider)
    hidden = client.get(f"/api/accountability/weak/candidates?org={city.county_a.pk}")
    assert hidden.status_code == 404
