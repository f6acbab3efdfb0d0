"""Writing a rubric on a page (categories, items with maximum points, rule ids, deductions,
bonus, one-vote veto) and copying last year's to a new year: only the city's administrators,
refused with the error beside the row and nothing written."""

import pytest
from django.conf import settings
from django.urls import reverse

from jiceng.accountability import example_rubric, scoring
from jiceng.accountability.models import Rubric, RubricItem
from jiceng.audit.models import AuditEvent

from .helpers import example

pytestmark = pytest.mark.django_db


def rubric_post(**over):
    data = {
        "name": "2027年支部考核",
        "year": "2027",
        "org_kind": "branch",
        "rows": "12",
        "c0_name": "组织生活",
        "c0_max": "10",
        "c1_name": "加分项",
        "c1_max": "5",
        "r0_cat": "1",
        "r0_code": "A01",
        "r0_title": "党课一年4次",
        "r0_kind": "scored",
        "r0_max": "6",
        "r0_check": "少一次扣0.5分",
        "r0_deduction": "0.5",
        "r0_rule": "life-04",
        "r1_cat": "1",
        "r1_code": "A02",
        "r1_title": "组织生活会",
        "r1_kind": "scored",
        "r1_max": "4",
        "r1_check": "未召开不得分",
        "r1_rule": "LIFE-06",
        "r2_cat": "2",
        "r2_code": "B01",
        "r2_title": "创新做法",
        "r2_kind": "bonus",
        "r2_max": "5",
        "r2_check": "市级推广",
        "r3_cat": "1",
        "r3_code": "V01",
        "r3_title": "发生严重违纪",
        "r3_kind": "veto",
        "r3_max": "0",
        "r3_check": "一票否决",
    }
    data.update(over)
    return data


def test_the_city_writes_a_rubric(client, city):
    client.force_login(city.city_admin)
    assert client.get(reverse("accountability:rubric_create")).status_code == 200
    response = client.post(reverse("accountability:rubric_create"), rubric_post())
    rubric = Rubric.objects.get()
    assert response.status_code == 302 and response["Location"] == rubric.get_absolute_url()
    assert (rubric.year, rubric.org_kind, rubric.version) == (2027, "branch", 1)
    items = list(RubricItem.objects.order_by("category__order", "order"))
    assert [(i.code, i.kind, i.rule, str(i.deduction)) for i in items] == [
        ("A01", "scored", "LIFE-04", "0.50"),
        ("A02", "scored", "LIFE-06", "0.00"),
        ("V01", "veto", "", "0.00"),
        ("B01", "bonus", "", "0.00"),
    ]
    assert AuditEvent.objects.filter(event="rubric_create").count() == 1
    # the same year and kind again: version 2
    client.post(reverse("accountability:rubric_create"), rubric_post())
    assert list(Rubric.objects.order_by("version").values_list("version", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    ("over", "field", "text"),
    [
        ({"r0_max": "7"}, "c0_max", "add up to 11 points"),
        ({"r3_max": "1"}, "r3_code", "carries no points"),
        ({"r2_rule": "LIFE-01"}, "r2_code", "scored by hand"),
        ({"r1_code": "A01"}, "r1_code", "used twice"),
        ({"r1_rule": "not a rule"}, "r1_code", "not a rule id"),
        ({"r1_rule": "XX"}, "r1_code", "not a rule id"),
        ({"r1_cat": "5"}, "r1_cat", "category named above"),
        ({"c0_max": ""}, "c0_max", "maximum points"),
        ({"r0_max": "-1"}, "r0_max", ""),
    ],
)
def test_a_bad_rubric_is_refused_beside_its_row_and_nothing_written(
    client, city, over, field, text
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages' English text
    client.force_login(city.city_admin)
    response = client.post(reverse("accountability:rubric_create"), rubric_post(**over))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(text in e for e in errors[field]), errors
    assert not Rubric.objects.exists()
    assert not AuditEvent.objects.filter(event="rubric_create").exists()


def test_the_category_error_is_also_said_on_top(client, city):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(city.city_admin)
    response = client.post(reverse("accountability:rubric_create"), rubric_post(r0_max="7"))
    top = response.context["form"].non_field_errors()
    assert any(e.startswith("Category 1:") and "组织生活" in e for e in top), top


@pytest.mark.parametrize("persona", ["county_admin", "secretary", "viewer", "outsider"])
def test_only_the_city_issues_rubrics(client, city, persona):
    client.force_login(getattr(city, persona))
    assert client.get(reverse("accountability:rubric_create")).status_code == 403
    assert client.post(reverse("accountability:rubric_create"), rubric_post()).status_code == 403
    source = example(2026)
    copy_url = reverse("accountability:rubric_copy", args=[source.pk])
    assert client.post(copy_url, {"year": "2027"}).status_code == 403
    assert Rubric.objects.count() == 1


def test_a_new_version_starts_from_an_existing_rubric(client, city):
    source = example(2026)
    client.force_login(city.city_admin)
    page = client.get(reverse("accountability:rubric_create") + f"?from={source.pk}")
    form = page.context["form"]
    assert form.rows >= 52
    assert form.initial["r0_code"] == example_rubric.categories()[0].items[0].code


def test_last_years_rubric_is_copied_to_a_new_year(client, city):
    source = example(2026)
    client.force_login(city.city_admin)
    url = reverse("accountability:rubric_copy", args=[source.pk])
    assert client.get(url).context["form"].initial["year"] == 2027
    response = client.post(url, {"year": "2027"})
    copy = Rubric.objects.get(year=2027)
    assert response.status_code == 302 and response["Location"] == copy.get_absolute_url()
    assert len(scoring.rubric_items(copy)) == 52 == len(scoring.rubric_items(source))
    assert [c.name for c in scoring.rubric_specs(copy)] == [
        c.name for c in scoring.rubric_specs(source)
    ]
    event = AuditEvent.objects.filter(event="rubric_create").latest("seq")
    assert event.data["copied_from"] == source.pk


def test_the_api_copies_a_rubric(client, city):
    source = example(2026)
    client.force_login(city.city_admin)
    response = client.post(
        "/api/accountability/rubrics/copy",
        {"rubric": source.pk, "year": 2027},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert sum(len(c["items"]) for c in response.json()["categories"]) == 52
    client.force_login(city.county_admin)
    refused = client.post(
        "/api/accountability/rubrics/copy",
        {"rubric": source.pk, "year": 2028},
        content_type="application/json",
    )
    assert refused.status_code == 403 and not Rubric.objects.filter(year=2028).exists()
