"""The import pages: upload → checked in the background → preview → confirm → imported; the
annotated file; who may see which job; and the real worker on the database backend."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jiceng.audit.models import AuditEvent
from jiceng.core.testing import PASSWORD
from jiceng.members.models import Member
from jiceng.transfer.models import ImportJob, JobStatus

from .sheetfiles import member_row, members_sheet, xlsx

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def upload(client, data: bytes, name="党员.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("transfer:import_upload"), {"file": file})


def test_upload_preview_confirm_import(client, city):
    login(client, city.secretary)
    row = member_row(city.branch_a1.name, name="周新")
    response = upload(client, xlsx(members_sheet(row)))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("transfer:import_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert job.status == JobStatus.READY
    assert "周新" in page and not Member.objects.filter(name="周新").exists()
    client.post(reverse("transfer:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Member.objects.get(name="周新").org == city.branch_a1
    stages = list(
        AuditEvent.objects.filter(event="import", object_id=str(job.pk))
        .order_by("seq")
        .values_list("outcome", "data__summary__members__create")
    )
    assert stages == [("ok", None), ("ok", 1)]  # the upload, then the written import


def test_errors_are_listed_and_the_annotated_file_marks_them(client, city):
    login(client, city.secretary)
    bad = member_row(city.branch_a1.name, 学历="幼儿园")
    upload(client, xlsx(members_sheet(member_row(city.branch_a1.name), bad)))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.INVALID and job.error_count == 1
    page = client.get(reverse("transfer:import_job", args=[job.pk])).content.decode()
    assert "幼儿园" in page
    response = client.get(reverse("transfer:import_annotated", args=[job.pk]))
    assert response["Cache-Control"] == "no-store"
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    flat = [str(c) for r in rows for c in r]
    assert "错误说明" in flat
    assert any("幼儿园" in c for c in flat)
    # the confirm button does nothing for a file with errors
    client.post(reverse("transfer:import_confirm", args=[job.pk]))
    assert Member.objects.count() == 2
    assert job.status == JobStatus.INVALID


def test_a_file_that_is_not_a_spreadsheet_is_refused_at_upload(client, city):
    login(client, city.secretary)
    response = upload(client, b"%PDF-1.7 not a sheet", name="members.xlsx")
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("persona", ["viewer", "member_user", "outsider"])
def test_who_cannot_add_cannot_open_the_import_page(client, city, persona):
    login(client, getattr(city, persona))
    assert client.get(reverse("transfer:import_upload")).status_code == 403
    response = upload(client, xlsx(members_sheet(member_row(city.branch_a1.name))))
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("persona", ["county_admin", "city_admin", "outsider"])
def test_a_job_is_seen_only_by_its_uploader(client, city, persona):
    login(client, city.secretary)
    upload(client, xlsx(members_sheet(member_row(city.branch_a1.name, 学历="?"))))
    job = ImportJob.objects.get()
    client.logout()
    login(client, getattr(city, persona))
    for name in ("import_job", "import_annotated"):
        assert client.get(reverse(f"transfer:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("transfer:import_confirm", args=[job.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("transfer:import_upload"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_worker_runs_queued_imports_from_the_database(transactional_db, client, city, settings):
    """The real worker closes stale connections between tasks, so this test commits."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    login(client, city.secretary)
    upload(client, xlsx(members_sheet(member_row(city.branch_a1.name, name="吴工"))))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.QUEUED  # waiting for a worker
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    client.post(reverse("transfer:import_confirm", args=[job.pk]))
    assert not Member.objects.filter(name="吴工").exists()
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name="吴工", org=city.branch_a1).exists()


def test_records_changed_since_the_preview_refuse_the_import(client, city):
    """Confirming checks everything again: a branch dissolved meanwhile refuses the file."""
    from datetime import date

    from jiceng.orgs.services import org_create, org_dissolve

    login(client, city.secretary)
    branch = org_create(
        actor=None,
        parent=city.town_a,
        name="临时党支部甲",
        kind="branch",
        category="07",
        unit_type="community",
    )
    from jiceng.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=city.secretary, role="secretary", org=branch)
    upload(client, xlsx(members_sheet(member_row(branch.name, name="郑新"))))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.READY
    org_dissolve(actor=None, org=branch, dissolved_on=date(2026, 11, 1))
    client.post(reverse("transfer:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.INVALID
    assert job.errors[0]["message"] == "该组织已撤销"  # the page's language: dissolved
    assert not Member.objects.filter(name="郑新").exists()
    failed = AuditEvent.objects.get(event="import", outcome="failed")
    assert failed.data["problems"] == 1


def test_a_job_whose_worker_died_can_be_started_again(client, city):
    login(client, city.secretary)
    upload(client, xlsx(members_sheet(member_row(city.branch_a1.name, name="冯再"))))
    job = ImportJob.objects.get()
    # As if the worker had been killed while importing: confirmed, running, no news.
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.IMPORTING, confirmed_at=job.created_at
    )
    page = client.get(reverse("transfer:import_job", args=[job.pk])).content.decode()
    assert reverse("transfer:import_rerun", args=[job.pk]) in page
    client.post(reverse("transfer:import_rerun", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name="冯再").count() == 1


@pytest.mark.parametrize("kind", ["members", "orgs"])
def test_blank_forms_have_the_template_headers(client, city, kind):
    from jiceng.transfer.layout import LAYOUTS

    login(client, city.secretary)
    response = client.get(reverse("transfer:import_template", args=[kind]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0] == [c.header for c in LAYOUTS[kind].columns]
    assert len(rows) == 1
