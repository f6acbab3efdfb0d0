"""In a real browser: upload a file with an error, see it, download the annotated file, fix the
cell in it, upload it again, confirm, and find the new members in the list."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jiceng.core.testing import build_small_city
from jiceng.web.tests.browser import BROWSER_MARKS, log_in

from .sheetfiles import MEMBER_HEADERS, member_row, members_sheet, xlsx

pytestmark = BROWSER_MARKS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_fix_the_annotated_file_and_import_it(live_server, transactional_db, browser_page):
    expect = pytest.importorskip("playwright.sync_api").expect
    city = build_small_city()
    page = browser_page
    log_in(page, live_server.url, "secretary")

    rows = [
        member_row(city.branch_a1.name, name="钱多多"),
        member_row(city.branch_a1.name, name="孙悟净", 学历="幼儿园"),
    ]
    page.goto(live_server.url + reverse("transfer:import_upload"))
    page.set_input_files(
        "#id_file",
        {"name": "党员信息.xlsx", "mimeType": XLSX, "buffer": xlsx(members_sheet(*rows))},
    )
    page.click("#upload")
    expect(page.locator("#problems")).to_contain_text("幼儿园")
    expect(page.locator("#problems-summary")).to_be_visible()
    expect(page.locator("#confirm")).to_have_count(0)

    with page.expect_download() as download_info:
        page.click("#annotated")
    annotated = download_info.value
    data = Path(annotated.path()).read_bytes()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    header = [str(c) for c in sheet[0]]
    assert "错误说明" in header
    # Fix the marked cell, as the user would in Excel, and upload the same file again.
    education = header.index(MEMBER_HEADERS[MEMBER_HEADERS.index("学历")])
    fixed = [list(r) for r in sheet]
    for r in fixed[1:]:
        if r[education] == "幼儿园":
            r[education] = "初中"
    page.goto(live_server.url + reverse("transfer:import_upload"))
    page.set_input_files(
        "#id_file", {"name": "党员信息.xlsx", "mimeType": XLSX, "buffer": xlsx(("党员", fixed))}
    )
    page.click("#upload")
    expect(page.locator("#preview-create-members")).to_contain_text("孙悟净")
    page.click("#confirm")
    expect(page.locator("#done")).to_be_visible()

    page.goto(live_server.url + reverse("members:member_list") + "?q=孙悟净")
    expect(page.locator("main")).to_contain_text("孙悟净")
    page.goto(live_server.url + reverse("members:member_list") + "?q=qdd")
    expect(page.locator("main")).to_contain_text("钱多多")
