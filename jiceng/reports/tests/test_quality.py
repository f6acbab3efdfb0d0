import io
from datetime import date

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jiceng.core import findings
from jiceng.core.findings import Finding, Level
from jiceng.members import services as member_services
from jiceng.members.models import Member

from .helpers import recruit

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _row(rows, org):
    return next(r for r in rows if r.org == org)


def test_completeness_follows_the_records_and_links_to_the_members(client, city):
    client.force_login(city.city_admin)
    url = reverse("reports:quality")
    page = client.get(url, {"org": city.city.pk})
    whole = page.context["whole"]
    assert whole.total == 2 and whole.missing["job"] == 2 and whole.missing["phone"] == 0
    member_services.member_update(actor=None, member=city.member_a1, job="教师")
    recruit(city.branch_b1, date(2020, 1, 1), phone="")
    page = client.get(url, {"org": city.city.pk})
    whole, rows = page.context["whole"], page.context["table_rows"][1:]
    assert whole.total == 3 and whole.missing["job"] == 2 and whole.missing["phone"] == 1
    county_b = _row(rows, city.county_b)
    assert county_b.total == 2 and county_b.missing["phone"] == 1
    assert _row(rows, city.county_a).missing["job"] == 0
    # the figure links to exactly the members behind it
    link = f"{reverse('members:member_list')}?org={city.county_b.pk}&amp;missing=phone"
    assert link in page.content.decode()
    listed = client.get(
        reverse("members:member_list"), {"org": city.county_b.pk, "missing": "phone"}
    )
    assert [m.pk for m in listed.context["objects"]] == [
        m.pk for m in Member.objects.filter(org=city.branch_b1, phone_tail="")
    ]


def test_dependent_and_date_items(city, client):
    member_services.member_change_status(
        actor=None,
        member=city.member_b1,
        field="is_lost_contact",
        value=True,
        effective_on=date(2025, 1, 1),
    )
    Member.objects.filter(pk=city.member_b1.pk).update(lost_contact_since=None, is_mobile=True)
    Member.objects.filter(pk=city.member_a1.pk).update(full_member_date=date(1990, 1, 1))
    client.force_login(city.city_admin)
    whole = client.get(reverse("reports:quality"), {"org": city.city.pk}).context["whole"]
    assert whole.missing["lost_contact"] == 1
    assert whole.missing["mobile"] == 1
    assert whole.missing["full_member_date"] == 1  # before joining
    assert whole.missing["id_number"] == 0 and whole.missing["address"] == 0


def test_scope_of_data_quality(client, city):
    client.force_login(city.county_admin)
    page = client.get(reverse("reports:quality"))
    assert page.context["org"] == city.county_a and page.context["whole"].total == 1
    assert client.get(reverse("reports:quality"), {"org": city.county_b.pk}).status_code == 404
    assert (
        client.get(reverse("reports:quality_export"), {"org": city.county_b.pk}).status_code == 404
    )
    client.force_login(city.member_user)  # sees their branch, counts only themselves
    assert client.get(reverse("reports:quality")).context["whole"].total == 1
    client.force_login(city.outsider)
    assert client.get(reverse("reports:quality")).context["org"] is None


def test_quality_export_reads_back(client, english, city):
    client.force_login(city.city_admin)
    response = client.get(reverse("reports:quality_export"), {"org": city.city.pk})
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["Items filled and valid", "Items missing or invalid"]
    rows = book.get_sheet_by_name("Items missing or invalid").to_python()
    assert rows[1][:3] == ["Organisation", "Members", "姓名"]
    assert rows[2][:2] == ["Total", 2.0]
    job = rows[1].index("工作岗位")
    assert rows[2][job] == 2.0


@pytest.fixture
def rule_findings(monkeypatch, city):
    """Only a test provider: two LIFE-01 findings (county A and B) and one due-soon DUES-02."""

    def provide(path, as_of):
        made = [
            Finding("LIFE-01", Level.OVERDUE, city.branch_a1.pk, city.branch_a1.path, "late"),
            Finding("LIFE-01", Level.OVERDUE, city.branch_b1.pk, city.branch_b1.path, "late"),
            Finding("DUES-02", Level.DUE_SOON, city.branch_a2.pk, city.branch_a2.path, "=1+1"),
        ]
        return [f for f in made if f.org_path.startswith(path)]

    monkeypatch.setattr(findings, "_providers", {})
    findings.register("test", "test area", provide)


def test_findings_by_rule_link_to_the_warnings_page(client, city, rule_findings):
    client.force_login(city.county_admin)
    page = client.get(reverse("reports:findings"))
    counts = [(c.rule, c.level, c.count) for c, _area in page.context["counts"]]
    assert counts == [("DUES-02", "due_soon", 1), ("LIFE-01", "overdue", 1)]
    link = f"{reverse('web:findings')}?org={city.county_a.pk}&amp;rule=LIFE-01&amp;level=overdue"
    assert link in page.content.decode()
    warnings = client.get(
        reverse("web:findings"), {"org": city.county_a.pk, "rule": "LIFE-01", "level": "overdue"}
    )
    assert warnings.context["total"] == 1
    client.force_login(city.city_admin)
    page = client.get(reverse("reports:findings"), {"org": city.city.pk})
    assert [(c.rule, c.count) for c, _a in page.context["counts"]] == [
        ("DUES-02", 1),
        ("LIFE-01", 2),
    ]
    client.force_login(city.county_admin)
    assert client.get(reverse("reports:findings"), {"org": city.county_b.pk}).status_code == 404


def test_findings_export_reads_back(client, english, city, rule_findings):
    client.force_login(city.city_admin)
    response = client.get(reverse("reports:findings_export"), {"org": city.city.pk})
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    by_rule = book.get_sheet_by_name("By rule").to_python()
    assert by_rule[0] == ["Rule", "Area", "Level", "Findings"]
    assert by_rule[1:] == [
        ["DUES-02", "test area", "due soon", 1.0],
        ["LIFE-01", "test area", "overdue", 2.0],
    ]
    listed = book.get_sheet_by_name("Findings").to_python()
    assert len(listed) == 4
    assert any(row[4] == "=1+1" for row in listed)  # text stays text


def test_query_counts(client, city, django_assert_max_num_queries, rule_findings):
    from .helpers import take

    snapshot = take(city, 2025)
    take(city, 2024)
    for i in range(5):
        recruit(city.branch_a2, date(2010 + i, 1, 1))
    client.force_login(city.city_admin)
    with django_assert_max_num_queries(20):
        client.get(reverse("reports:quality"), {"org": city.city.pk})
    with django_assert_max_num_queries(20):
        client.get(reverse("reports:findings"), {"org": city.city.pk})
    for key in ("sex", "age", "new_members", "coverage", "org_kinds"):
        with django_assert_max_num_queries(22):
            client.get(reverse("reports:snapshot_table", args=[snapshot.pk, key]))
    # a constant number per table, whatever the size; fewer once the tables are kept
    with django_assert_max_num_queries(100):
        client.get(reverse("reports:snapshot_export", args=[snapshot.pk]))
    with django_assert_max_num_queries(50):
        client.get(reverse("reports:snapshot_export", args=[snapshot.pk]))
    with django_assert_max_num_queries(15):
        client.get(reverse("reports:statistics"))
