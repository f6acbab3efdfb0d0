"""The audit administrator's pages: who opens them, search (itself audited), key paging, the
.xlsx export (audited with its SHA-256) and the chain verification."""

import hashlib
import io
import zipfile
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from jiceng.accounts.tests.admins import make_admins
from jiceng.audit.models import AuditEvent
from jiceng.audit.services import record, verify

PAGES = {
    "list": lambda: reverse("audit:event_list"),
    "export": lambda: reverse("audit:event_export"),
    "verify": lambda: reverse("audit:verify"),
}


@pytest.fixture
def admins(city):
    return make_admins()


def persona(city, admins, name):
    return {
        "system_admin": admins.system,
        "security_admin": admins.security,
        "audit_admin": admins.audit,
    }.get(name) or getattr(city, name)


@pytest.mark.parametrize(
    "who",
    [
        "system_admin",
        "security_admin",
        "city_admin",
        "county_admin",
        "viewer",
        "secretary",
        "member_user",
        "outsider",
    ],
)
def test_only_the_audit_administrator_opens_the_pages(client, city, admins, who):
    user = persona(city, admins, who)
    client.force_login(user)
    for url in PAGES.values():
        assert client.get(url()).status_code == 403
    assert client.post(reverse("audit:verify")).status_code == 403
    assert not AuditEvent.objects.filter(event__in=["audit_search", "export"]).exists()
    assert AuditEvent.objects.filter(event="denied", username=user.username).count() == 4


def test_anonymous_goes_to_login(client, city):
    for url in PAGES.values():
        response = client.get(url())
        assert response.status_code == 302
        assert urlparse(response["Location"]).path == reverse("login")


def test_a_superuser_uses_the_django_admin_not_these_pages(client, city):
    from jiceng.core.testing import make_user

    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    assert client.get(reverse("audit:event_list")).status_code == 403
    assert client.get("/admin/audit/auditevent/").status_code == 200


def test_the_audit_administrator_searches_and_the_search_is_audited(client, city, admins):
    record("export", actor=city.viewer, data={"rows": 3})
    record("export", actor=city.county_admin, data={"rows": 5})
    client.force_login(admins.audit)
    response = client.get(reverse("audit:event_list"), {"event": "export", "username": "viewer"})
    assert response.status_code == 200
    rows = [row for row, _data in response.context["rows"]]
    assert [(r.event, r.username) for r in rows] == [("export", "viewer")]
    search = AuditEvent.objects.filter(event="audit_search").order_by("-seq").first()
    assert search.username == "audit_admin" and search.role == "audit_admin"
    assert search.data == {"filters": {"event": "export", "username": "viewer"}}
    assert search.ip == "127.0.0.1"
    html = response.content.decode()
    assert "viewer" in html and 'id="export-link"' in html


def test_search_by_object_outcome_and_dates(client, city, admins):
    record("unmask", actor=city.city_admin, obj=city.member_a1, data={"field": "phone"})
    record("unmask", actor=city.city_admin, obj=city.member_b1, data={"field": "phone"})
    client.force_login(admins.audit)
    response = client.get(
        reverse("audit:event_list"),
        {"object_type": "members.member", "object_id": str(city.member_a1.pk)},
    )
    rows = [row for row, _data in response.context["rows"]]
    assert rows and {(r.object_type, r.object_id) for r in rows} == {
        ("members.member", str(city.member_a1.pk))
    }
    record("denied", actor=city.outsider, outcome="denied", data={"action": "x"})
    response = client.get(reverse("audit:event_list"), {"outcome": "denied"})
    assert {r.username for r, _d in response.context["rows"]} == {"outsider"}
    today = timezone.localdate()
    response = client.get(
        reverse("audit:event_list"),
        {"since": (today + timedelta(days=1)).isoformat()},
    )
    assert response.context["rows"] == []
    response = client.get(
        reverse("audit:event_list"), {"since": today.isoformat(), "until": today.isoformat()}
    )
    assert response.context["rows"]
    bad = client.get(
        reverse("audit:event_list"),
        {"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()},
    )
    assert bad.status_code == 200 and bad.context["form"].errors["until"]


def test_paging_by_key(client, city, admins):
    for i in range(60):
        record("export", actor=city.viewer, data={"n": i})
    client.force_login(admins.audit)
    first = client.get(reverse("audit:event_list"), {"event": "export", "per_page": 25})
    rows = [row.data["n"] for row, _d in first.context["rows"]]
    assert rows == list(range(59, 34, -1))
    assert first.context["has_older"] and not first.context["has_newer"]
    second = client.get(
        reverse("audit:event_list"),
        {"event": "export", "per_page": 25, "before": first.context["oldest_seq"]},
    )
    assert [row.data["n"] for row, _d in second.context["rows"]] == list(range(34, 9, -1))
    assert second.context["has_older"] and second.context["has_newer"]
    back = client.get(
        reverse("audit:event_list"),
        {"event": "export", "per_page": 25, "after": second.context["newest_seq"]},
    )
    assert [row.data["n"] for row, _d in back.context["rows"]] == rows


def test_list_query_count(client, city, admins, django_assert_max_num_queries):
    for i in range(80):
        record("export", actor=city.viewer, data={"n": i})
    client.force_login(admins.audit)
    client.get(reverse("audit:event_list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:event_list"), {"per_page": 50})
    assert len(response.context["rows"]) == 50


def test_export_writes_the_filtered_rows_and_is_audited(client, city, admins):
    record("export", actor=city.viewer, obj=("file", "1", '=HYPERLINK("http://x")'))
    record("unmask", actor=city.city_admin, data={"field": "phone", "phone": "13812345678"})
    record("export", actor=city.county_admin, obj=("file", "2", "+cmd|' /C calc'!A0"))
    client.force_login(admins.audit)
    response = client.get(reverse("audit:event_export"), {"event": "export"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    rows = _rows(content)
    header, body = rows[0], rows[1:]
    assert len(header) == 15
    assert [r[7] for r in body] == ["export", "export"]  # the event codes, newest first
    assert [r[2] for r in body] == ["county_admin", "viewer"]
    assert body[1][11] == '=HYPERLINK("http://x")'
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        xml = book.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml  # text, never a formula
    exported = AuditEvent.objects.filter(event="export", username="audit_admin").get()
    assert exported.data["list"] == "audit"
    assert exported.data["filter"] == {"event": "export"}
    assert exported.data["rows"] == 2
    assert exported.data["sha256"] == hashlib.sha256(content).hexdigest()
    assert AuditEvent.objects.filter(event="audit_search", username="audit_admin").exists()
    assert verify() == []


def _rows(content: bytes) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


def test_export_masks_what_the_log_masked(client, city, admins):
    record("unmask", actor=city.city_admin, data={"field": "phone", "phone": "13812345678"})
    client.force_login(admins.audit)
    response = client.get(reverse("audit:event_export"), {"event": "unmask"})
    content = b"".join(response.streaming_content)
    details = [r[13] for r in _rows(content)[1:]]
    assert details == ['{"field": "phone", "phone": "138****5678"}']


def test_export_with_bad_filters_goes_back_to_the_list(client, city, admins):
    client.force_login(admins.audit)
    response = client.get(reverse("audit:event_export"), {"since": "not a date"})
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("audit:event_list")
    assert not AuditEvent.objects.filter(event="export", username="audit_admin").exists()


def test_verify_now(client, city, admins):
    client.force_login(admins.audit)
    page = client.get(reverse("audit:verify"))
    assert page.status_code == 200 and page.context["head"] is not None
    rows = AuditEvent.objects.count()
    response = client.post(reverse("audit:verify"))
    assert response.status_code == 200
    assert response.context["result"]["rows"] == rows and response.context["result"]["count"] == 0
    ran = AuditEvent.objects.filter(event="audit_search").order_by("-seq").first()
    assert ran.data["action"] == "verify" and ran.data["problems"] == 0
    # An edit behind the application's back is found.
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET username = 'nobody' WHERE seq = 1")
    response = client.post(reverse("audit:verify"))
    result = response.context["result"]
    assert result["count"] == 1 and result["problems"][0].kind == "altered"
    assert "altered" in response.content.decode()
    # A wrong expected head is refused beside the field.
    response = client.post(reverse("audit:verify"), {"head": "12:abc"})
    assert response.context["form"].errors["head"]
