import io
from datetime import date

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jiceng.members.models import Member
from jiceng.reports.models import Snapshot

from .helpers import recruit, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client, settings):
    """The pages in English (the language menu's cookie): labels below are the source's."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sheets(response) -> dict[str, list[list]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_take_a_snapshot_on_the_page_and_open_its_tables(client, city):
    client.force_login(city.county_admin)
    page = client.get(reverse("reports:statistics"))
    assert page.status_code == 200
    response = client.post(reverse("reports:statistics"), {"org": city.county_a.pk, "year": 2025})
    snapshot = Snapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == snapshot.get_absolute_url()
    detail = client.get(snapshot.get_absolute_url())
    assert "snapshot-tables" in detail.content.decode()
    for key in (
        "sex",
        "ethnicity",
        "age",
        "education",
        "occupation",
        "join_era",
        "membership",
        "new_members",
        "leaving",
        "org_kinds",
        "org_categories",
        "coverage",
    ):
        page = client.get(reverse("reports:snapshot_table", args=[snapshot.pk, key]))
        assert page.status_code == 200, key
        assert (
            f"snapshot no. {snapshot.pk}" in page.content.decode()
            or str(snapshot.pk) in page.content.decode()
        )


def test_the_form_reports_what_is_wrong_and_takes_nothing(client, city):
    client.force_login(city.county_admin)
    response = client.post(reverse("reports:statistics"), {"org": city.county_b.pk, "year": 1800})
    assert response.status_code == 200
    form = response.context["form"]
    assert "org" in form.errors and "year" in form.errors
    assert not Snapshot.objects.exists()
    client.force_login(city.viewer)
    assert (
        client.post(reverse("reports:statistics"), {"org": city.city.pk, "year": 2025}).status_code
        == 403
    )
    assert not Snapshot.objects.exists()


def test_county_admin_sees_only_its_subtrees_snapshots(client, city):
    mine = take(city, 2025, org=city.county_a)
    theirs = take(city, 2025, org=city.county_b)
    whole = take(city, 2025)
    client.force_login(city.county_admin)
    listed = client.get(reverse("reports:statistics")).context["snapshots"]
    assert [s.pk for s in listed] == [mine.pk]
    for snapshot in (theirs, whole):
        assert client.get(snapshot.get_absolute_url()).status_code == 404
        url = reverse("reports:snapshot_table", args=[snapshot.pk, "sex"])
        assert client.get(url).status_code == 404
        assert client.get(reverse("reports:snapshot_export", args=[snapshot.pk])).status_code == 404
    client.force_login(city.outsider)
    assert client.get(mine.get_absolute_url()).status_code == 404
    client.force_login(city.member_user)
    assert client.get(mine.get_absolute_url()).status_code == 404


def test_table_rows_drill_down_within_the_snapshot(client, city):
    snapshot = take(city, 2025)
    client.force_login(city.city_admin)
    url = reverse("reports:snapshot_table", args=[snapshot.pk, "sex"])
    table = client.get(url).context["table"]
    labels = [r.label for r in table.rows]
    assert labels[1:] == ["中共湛江市赤坎区委员会", "中共遂溪县委员会"]
    county_row = table.rows[1]
    down = client.get(url, {"org": county_row.org_id}).context["table"]
    assert down.total.cells == county_row.cells
    assert client.get(url, {"org": 999999}).status_code == 404


def test_two_year_comparison(client, english, city):
    last = take(city, 2024)
    recruit(city.branch_a1, date(2025, 3, 1), sex="2")
    recruit(city.branch_b1, date(2025, 4, 1), sex="2")
    this = take(city, 2025)
    client.force_login(city.city_admin)
    page = client.get(reverse("reports:snapshot_table", args=[this.pk, "sex"]))
    comparison = page.context["comparison"]
    assert comparison.last.pk == last.pk
    rows = {label: rest for label, *rest in comparison.rows}
    assert rows["Total"] == [2, 4, 2, 100.0]
    assert rows["女"] == [1, 3, 2, 200.0]
    assert rows["男"] == [1, 1, 0, 0.0]
    new = client.get(reverse("reports:snapshot_table", args=[this.pk, "new_members"]))
    assert new.context["table"].total.cells[:2] == [2, 2]  # total, female
    # no snapshot of the year before: said, and no change shown
    page = client.get(reverse("reports:snapshot_table", args=[last.pk, "sex"]))
    assert page.context["comparison"].last is None
    assert 'id="no-last-year"' in page.content.decode()


def test_xlsx_export_reads_back_in_the_conventional_layout(client, english, city):
    take(city, 2024)
    Member.objects.filter(pk=city.member_b1.pk).update(name="=HYPERLINK(1)")
    this = take(city, 2025)
    client.force_login(city.city_admin)
    response = client.get(reverse("reports:snapshot_table_export", args=[this.pk, "sex"]))
    assert response.status_code == 200
    ((name, rows),) = sheets(response).items()
    assert rows[0][0] == "Members by sex"
    assert "2025-12-31" in rows[1][0] and f"no. {this.pk}" in rows[1][0]
    header = rows[2]
    assert header[:4] == ["Unit", "Total", "男", "女"]
    assert rows[3][:4] == ["湛江市委（total）", 2.0, 1.0, 1.0]
    assert rows[4][0] == "中共湛江市赤坎区委员会" and rows[5][0] == "中共遂溪县委员会"
    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Comparison"))
    assert rows[start + 1][:5] == ["Item", "2024", "2025", "Change", "Change (%)"]
    assert rows[start + 2][:4] == ["Total", 2.0, 2.0, 0.0]
    every = client.get(reverse("reports:snapshot_export", args=[this.pk]))
    assert len(sheets(every)) == 12


def test_export_cells_stay_text(client, city):
    from jiceng.orgs.models import Organization

    Organization.objects.filter(pk=city.county_b.pk).update(name="=1+1")
    this = take(city, 2025)
    client.force_login(city.city_admin)
    rows = next(
        iter(
            sheets(
                client.get(reverse("reports:snapshot_table_export", args=[this.pk, "sex"]))
            ).values()
        )
    )
    assert rows[5][0] == "=1+1"
