"""In a real browser: a county administrator opens the campaign report of their county, follows
a figure to the records it counts, keeps the report and downloads its PDF, in whose text
(pdftotext) the figures and the Chinese sentences are found."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from jiceng.core.testing import build_small_city, make_member
from jiceng.reports.campaign.models import CampaignReport
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)"),
]


def test_open_the_report_follow_a_figure_and_download_the_pdf(
    live_server, transactional_db, browser_page, tmp_path: Path
):
    city = build_small_city()
    for _ in range(3):
        make_member(city.branch_a1)
    page, base = browser_page, live_server.url
    log_in(page, base, "county_admin")

    today = timezone.localdate()
    page.goto(
        base
        + reverse("reports:campaign")
        + f"?org={city.county_a.pk}&start={today.year}-01-01&end={today.isoformat()}"
    )
    sentences = page.inner_text("#system-members .campaign-sentences")
    assert "全区共有党员4名。" in sentences
    cell = page.locator('[data-figure="members.total"] a.figure-link')
    assert cell.inner_text().strip() == "4"
    cell.click()
    page.wait_for_load_state()
    assert "/members/" in page.url
    rows = page.locator("#member-table tbody tr")
    assert rows.count() == 4  # the county's members, and only they
    assert city.member_b1.name not in page.inner_text("#member-table")

    page.go_back()
    page.wait_for_load_state()
    page.click("#campaign-keep button[type=submit]")
    page.wait_for_load_state()
    kept = CampaignReport.objects.get()
    assert page.url.endswith(kept.get_absolute_url())
    with page.expect_download() as download:
        page.click("#campaign-pdf")
    target = tmp_path / "report.pdf"
    download.value.save_as(target)
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, check=True
    ).stdout.decode()
    flat = "".join(text.split())
    assert "全区共有党员4名。" in flat
    assert "赤坎区" in flat and "党员体系" in flat
