"""Importing payments from .xlsx/.csv: header matching, one bad row → nothing written, the
annotated error file."""

import io

import pytest
from django.urls import reverse

from jiceng.core.testing import make_member
from jiceng.dues import imports
from jiceng.dues.models import Payment
from jiceng.transfer.tests.sheetfiles import read_xlsx as read
from jiceng.transfer.tests.sheetfiles import xlsx as workbook

from .helpers import give_standard, months_ago

pytestmark = pytest.mark.django_db


def xlsx(rows) -> bytes:
    return workbook(("Sheet1", rows))


@pytest.fixture
def li(city):
    member = make_member(city.branch_a1, name="李明")
    give_standard(city.member_a1)
    give_standard(member)
    return member


def test_csv_with_tolerant_headers(city, li):
    m1, m2 = months_ago(2), months_ago(1)
    text = (
        "党费收缴表,,\n"
        "党员姓名,所属月份（yyyy-mm）,实缴金额\n"
        f"张三,{m1:%Y-%m},\n"
        f"张三,{m2:%Y年%m月},60\n"
        f"李明,{m2:%Y-%m},50.00\n"
    )
    rows = imports.payments_import(
        actor=city.secretary, org=city.branch_a1, filename="dues.csv", data=text.encode("gb18030")
    )
    assert len(rows) == 3
    assert Payment.objects.get(member=city.member_a1, month=m2).amount == 60


def test_one_bad_row_writes_nothing_and_annotates(city, li):
    month = f"{months_ago(1):%Y-%m}"
    data = xlsx(
        [
            ["姓名", "月份", "金额"],
            ["张三", month, 50],
            ["李明", month, -5],
            ["无名氏", month, 50],
            ["张三", "下个月", 50],
            ["张三", month, 50],
        ]
    )
    with pytest.raises(imports.ImportRefused) as e:
        imports.payments_import(
            actor=city.secretary, org=city.branch_a1, filename="d.xlsx", data=data
        )
    rows = {err["row"] for err in e.value.errors}
    assert rows == {3, 4, 5, 6}
    assert not Payment.objects.exists()
    sheet = read(e.value.annotated)
    assert sheet[0][0] == "错误说明"
    assert "negative" in sheet[2][0]


def test_refuses_what_is_not_a_spreadsheet(city, li):
    with pytest.raises(imports.ImportRefused, match="spreadsheet"):
        imports.payments_import(
            actor=city.secretary, org=city.branch_a1, filename="x.xlsx", data=b"\x00\x01binary"
        )
    with pytest.raises(imports.ImportRefused, match="月份"):
        imports.payments_import(
            actor=city.secretary, org=city.branch_a1, filename="x.csv", data=b"a,b\n1,2\n"
        )


def test_import_page(client, city, li):
    client.force_login(city.secretary)
    url = reverse("dues:import", args=[city.branch_a1.pk])
    month = f"{months_ago(1):%Y-%m}"
    bad = io.BytesIO(f"姓名,月份,金额\n张三,{month},-1\n".encode())
    bad.name = "bad.csv"
    response = client.post(url, {"file": bad, "annotated": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    good = io.BytesIO(f"姓名,月份,金额\n张三,{month},\n".encode())
    good.name = "good.csv"
    assert client.post(url, {"file": good}).status_code == 302
    assert Payment.objects.count() == 1
    client.force_login(city.viewer)
    assert client.post(url, {"file": good}).status_code == 403
