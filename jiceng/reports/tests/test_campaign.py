"""The campaign report: figures from the records, sentences, the three forms (page, PDF,
.xlsx), kept reports and who may download them, bad input."""

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from jiceng.audit.models import AuditEvent
from jiceng.core import figures
from jiceng.core.testing import make_member
from jiceng.orgs.models import Organization
from jiceng.reports.campaign import content, sentences, services
from jiceng.reports.campaign.models import CampaignReport, CampaignStatus

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
START, END = date(YEAR, 1, 1), timezone.localdate()


def pdf_text(body: bytes) -> str:
    assert shutil.which("pdftotext"), "poppler-utils: bash scripts/system-deps.sh poppler-utils"
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True
    )
    return done.stdout.decode()


def generate(city, org=None, user=None, **kw) -> CampaignReport:
    return services.campaign_report_request(
        actor=user or city.city_admin,
        org_id=(org or city.city).pk,
        start=kw.get("start", START),
        end=kw.get("end", END),
        language=kw.get("language", "zh-hans"),
    )


def live(org, start=START, end=END) -> content.Report:
    scope = content.scope_for(org, start, end)
    return content.compose(org, start, end, content.compute(scope))


# --- content: figures from the records, sentences -------------------------------------------


def test_the_report_has_the_five_systems_and_every_registered_figure(city):
    report = live(city.city)
    assert [s.key for s in report.sections] == list(figures.SYSTEM_KEYS)
    assert {line.key for line in report.lines} == {f.key for f in figures.registered()}
    assert report.value("members.total").value == 2  # member_a1 and member_b1


def test_a_member_added_through_the_service_changes_the_report(city):
    before = live(city.city).value("members.total").value
    make_member(city.branch_a1)
    assert live(city.city).value("members.total").value == before + 1
    assert live(city.county_b).value("members.total").value == 1  # not another county's


def test_a_figure_without_a_value_gets_no_sentence():
    assert sentences.sentence("members.total", "全市", figures.Value(None)) is None
    assert sentences.sentence("no.such_key", "全市", figures.Value(3)) is None
    with translation.override("zh-hans"):
        text = sentences.sentence(
            "elections.renewed",
            "全市",
            figures.Value(1755, parts={"villages": 1450, "communities": 305}),
        )
    assert text == "全市完成1450个村、305个社区的“两委”换届选举。"


def test_sentences_say_large_numbers_the_way_the_document_does():
    with translation.override("zh-hans"):
        assert sentences.sentence("members.total", "全市", figures.Value(322_000)) == (
            "全市共有党员32.2万名。"
        )
        # 万 only when exact: never a rounded number
        assert "13187" in sentences.sentence("orgs.grassroots", "全市", figures.Value(13_187))
        assert "41亿元" in sentences.sentence(
            "outreach.funds", "全市", figures.Value(4_100_000_000, unit="yuan")
        )
        dues = figures.Value(Decimal("188517558.8"), unit="yuan")
        assert sentences.sentence("dues.collected", "全市", dues) == "收缴党费188517558.80元。"


def test_the_subject_follows_the_organisation(city):
    with translation.override("zh-hans"):
        assert content.subject_for(city.city) == "全市"
        assert content.subject_for(city.county_a) == "全区"  # 赤坎区
        assert content.subject_for(city.county_b) == "全县"  # 遂溪县
        assert content.subject_for(city.town_a) == "全街道"  # 中华街道
        assert content.subject_for(city.branch_a1) in (
            city.branch_a1.short_name,
            city.branch_a1.name,
        )


# --- kept: PDF and .xlsx ---------------------------------------------------------------------


def test_a_small_scope_is_generated_inline_with_pdf_and_xlsx(city):
    kept = generate(city)
    assert kept.status == CampaignStatus.DONE, kept.failure
    assert kept.figures["members.total"]["value"] == 2
    text = pdf_text(bytes(kept.pdf))
    assert "湛江市" in text and "组织体系" in text and "责任体系" in text
    assert "全市共有党员2名。" in text.replace(" ", "")
    book = CalamineWorkbook.from_filelike(io.BytesIO(bytes(kept.xlsx)))
    rows = book.get_sheet_by_index(0).to_python()
    header = rows[2]
    assert header[:5] == ["体系", "指标", "数值", "单位", "构成"]
    by_key = {row[5]: row for row in rows[3:]}
    assert by_key["members.total"][2] == 2
    assert set(by_key) == {f.key for f in figures.registered()}
    assert AuditEvent.objects.filter(event="campaign_report", object_id=str(kept.pk)).exists()


def test_the_kept_report_is_downloaded_again_by_its_scope_only(client, city):
    kept = generate(city, org=city.county_a)
    pdf = reverse("reports:campaign_pdf", args=[kept.pk])
    xlsx = reverse("reports:campaign_xlsx", args=[kept.pk])
    for user in (city.city_admin, city.viewer, city.county_admin, city.secretary):
        client.force_login(user)
        page = client.get(kept.get_absolute_url())
        expected = 200 if user != city.secretary else 404  # the secretary holds branch_a1 only
        assert page.status_code == expected, user
        assert client.get(pdf).status_code == expected
        assert client.get(xlsx).status_code == expected
    client.force_login(city.county_admin)
    response = client.get(pdf)
    assert response["Content-Type"] == "application/pdf"
    assert bytes(response.content) == bytes(kept.pdf)
    exports = AuditEvent.objects.filter(event="export", object_id=str(kept.pk))
    assert exports.filter(data__format="pdf").exists()
    for user in (city.outsider, city.member_user):
        client.force_login(user)
        assert client.get(kept.get_absolute_url()).status_code == 404
        assert client.get(pdf).status_code == 404
        assert client.get(xlsx).status_code == 404


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (date(YEAR, 6, 1), date(YEAR, 5, 1), "end", "before its start"),
        (date(YEAR - 2, 1, 1), date(YEAR, 1, 1), "end", "at most 366 days"),
        (date(YEAR, 1, 1), date(YEAR + 1, 1, 1), "end", "after this year"),
    ],
)
def test_a_bad_period_is_refused_and_nothing_is_written(city, start, end, field, message):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        generate(city, start=start, end=end)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not CampaignReport.objects.exists()
    assert AuditEvent.objects.count() == events


def test_an_unknown_or_hidden_organisation_is_refused(city):
    for org_id, user in (
        (999_999, city.city_admin),
        (city.branch_b1.pk, city.county_admin),
        (city.branch_a1.pk, city.member_user),  # sees their branch, holds no role
        (city.city.pk, city.outsider),
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.campaign_report_request(actor=user, org_id=org_id, start=START, end=END)
        assert "org" in excinfo.value.message_dict
    assert not CampaignReport.objects.exists()


def test_the_page_shows_errors_beside_the_fields_and_keeps_nothing(client, city):
    client.force_login(city.county_admin)
    url = reverse("reports:campaign")
    page = client.get(
        url, {"org": city.branch_b1.pk, "start": f"{YEAR}-06-01", "end": f"{YEAR}-05-01"}
    )
    assert page.status_code == 400
    errors = page.context["form"].errors
    assert "org" in errors and "end" in errors
    posted = client.post(url, {"org": city.county_a.pk, "start": f"{YEAR}-06-01", "end": ""})
    assert posted.status_code == 400 and "end" in posted.context["form"].errors
    assert not CampaignReport.objects.exists()


# --- the page --------------------------------------------------------------------------------


def test_the_page_links_every_figure_to_its_records(client, city):
    client.force_login(city.county_admin)
    page = client.get(
        reverse("reports:campaign"),
        {"org": city.county_a.pk, "start": START.isoformat(), "end": END.isoformat()},
    )
    assert page.status_code == 200
    report = page.context["report"]
    html = page.content.decode()
    assert "全区" in html and "组织体系" in html
    for line in report.lines:
        if line.value.value is not None and line.value.url:
            assert f'href="{line.value.url.replace("&", "&amp;")}"' in html, line.key
    members = report.value("members.total")
    listed = client.get(members.url)
    assert listed.status_code == 200


def test_generating_from_the_page_keeps_it_and_redirects(client, city):
    client.force_login(city.viewer)  # read-only may report: nothing of the Party records changes
    response = client.post(
        reverse("reports:campaign"),
        {"org": city.city.pk, "start": START.isoformat(), "end": END.isoformat()},
    )
    kept = CampaignReport.objects.get()
    assert response.status_code == 302 and response["Location"] == kept.get_absolute_url()
    page = client.get(kept.get_absolute_url())
    assert page.status_code == 200 and 'id="campaign-pdf"' in page.content.decode()
    assert Organization.objects.filter(pk=kept.org_id).exists()


def test_nothing_to_report_for_who_holds_no_role(client, city):
    client.force_login(city.member_user)
    assert client.get(reverse("reports:campaign")).status_code == 200
    assert client.post(reverse("reports:campaign"), {"org": city.branch_a1.pk}).status_code == 403
    assert not CampaignReport.objects.exists()


# --- background ------------------------------------------------------------------------------


def test_a_large_scope_is_generated_by_the_background_task(city, monkeypatch):
    from types import SimpleNamespace

    from jiceng.reports import tasks

    queued = []
    real = tasks.build_campaign_report
    monkeypatch.setattr(services, "INLINE_LIMIT", 1)
    monkeypatch.setattr(
        tasks,
        "build_campaign_report",
        SimpleNamespace(enqueue=lambda pk: (queued.append(pk), real.enqueue(pk))[1]),
    )
    kept = generate(city)
    assert queued == [kept.pk]
    assert kept.is_done and len(kept.pdf) > 1000  # the inline backend of the tests ran it


def test_progress_is_shown_while_it_is_generated(client, city):
    from jiceng.reports import progress

    kept = CampaignReport.objects.create(
        org=city.city,
        org_name=city.city.name,
        start=START,
        end=END,
        language="zh-hans",
        status=CampaignStatus.BUILDING,
    )
    progress.report(services.progress_key(kept.pk), "PDF", 5, 7)
    client.force_login(city.city_admin)
    page = client.get(kept.get_absolute_url())
    assert 'data-progress="71"' in page.content.decode()
    assert client.get(reverse("reports:campaign_pdf", args=[kept.pk])).status_code == 404
    fragment = client.get(kept.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert fragment.templates[0].name == "reports/campaign_progress.html"
    CampaignReport.objects.filter(pk=kept.pk).update(status=CampaignStatus.DONE)
    done = client.get(kept.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_a_failure_keeps_nothing(city, monkeypatch):
    from jiceng.reports.campaign import render

    def broken(report):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(render, "pdf", broken)
    kept = generate(city)
    assert kept.status == CampaignStatus.FAILED and "no fonts" in kept.failure
    assert kept.figures == {} and bytes(kept.pdf) == b""


def test_the_city_report_takes_a_bounded_number_of_queries(
    client, city, django_assert_max_num_queries
):
    """Each figure is a read of the kept counts or one aggregate: the page's queries do not
    grow with the organisations or the records of the subtree."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiceng.core.testing import make_org

    client.force_login(city.city_admin)
    url = reverse("reports:campaign")
    params = {"org": city.city.pk, "start": START.isoformat(), "end": END.isoformat()}
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, params).status_code == 200
    assert len(small.captured_queries) <= 60
    for i in range(3):
        make_member(make_org(city.town_b, f"第{i}党支部", "branch"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url, params)


def test_the_command_prints_the_report_and_checks_it(city, tmp_path):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    pdf = tmp_path / "r.pdf"
    call_command("campaign_report", "--check-naive", "--pdf", str(pdf), stdout=out)
    text = out.getvalue()
    assert "全市共有党员2名。" in text and "members.total" in text
    assert "NO" not in text.split("org by org:")[1]
    assert "全市共有党员2名。" in "".join(pdf_text(pdf.read_bytes()).split())
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:  # a small city is not the source's city
        call_command("campaign_report", "--check-source", stdout=out)
    assert excinfo.value.returncode == 1
    assert "secretary projects" in out.getvalue() and " NO" in out.getvalue()
    with pytest.raises(CommandError, match="before its start"):
        call_command("campaign_report", "--start", f"{YEAR}-06-01", "--end", f"{YEAR}-05-01")
    assert not CampaignReport.objects.exists()


def test_the_xlsx_keeps_text_as_text(city):
    import zipfile

    from jiceng.core.testing import make_org

    branch = make_org(city.town_a, '=HYPERLINK("http://x","y")党支部', "branch")
    kept = generate(city, org=branch)
    with zipfile.ZipFile(io.BytesIO(bytes(kept.xlsx))) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere
    rows = CalamineWorkbook.from_filelike(io.BytesIO(bytes(kept.xlsx))).get_sheet_by_index(0)
    assert branch.name in rows.to_python()[1][0]
